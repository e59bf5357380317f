"""Task functions for the memory watchdog test (importable by spawned workers)."""
import time

import numpy as np


def balloon(mib_per_step: int, steps: int) -> int:
    """Touch memory a step at a time, as a decoder filling a frame of absurd declared size would."""
    held = []
    for _ in range(steps):
        held.append(np.ones(mib_per_step * 2**20, dtype=np.uint8))
        time.sleep(0.02)
    return sum(a.size for a in held)


def small(x: int) -> int:
    return x + 1
