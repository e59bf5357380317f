"""What the index checksum costs per load: a whole BLAKE2b of a vectors file against the sampled digest
manifest.py records (files over 8 MiB), measured in the same run on files of 10k, 100k and 300k items.

    python bench/index_checksum.py"""
from __future__ import annotations

import hashlib
import tempfile
import time
from pathlib import Path

import numpy as np

from mediarec.index.manifest import sample_digest


def whole(path: Path) -> str:
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def best(fn, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        for items in (10_000, 100_000, 300_000):
            path = Path(d) / f"v{items}.npy"
            np.save(path, np.random.default_rng(0).standard_normal((items, 200), dtype=np.float32))
            full, sample = best(lambda: whole(path)), best(lambda: sample_digest(path))
            print(f"{items} items ({path.stat().st_size / 2**20:.0f} MiB, page-cached): whole {full * 1000:.1f} ms, "
                  f"recorded digest {sample * 1000:.2f} ms ({full / sample:.0f}x less)")


if __name__ == "__main__":
    main()
