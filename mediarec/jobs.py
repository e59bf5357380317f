"""Long-running work: Progress reports, the CancelToken, and the time budget a job yields on.

A long job is a generator that yields `Progress` now and then and returns its result
(`return report`). Callers drive it with `run_job`, or iterate it themselves (the GUI worker does)
to show progress and to stop it between items.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Generator, Optional, TypeVar

from .errors import Cancelled

T = TypeVar("T")
Job = Generator["Progress", None, T]


@dataclass(frozen=True)
class Progress:
    """How far a job is. `total` is None while it is still counting its work."""

    done: int
    total: Optional[int]
    message: str = ""
    rate: Optional[float] = None  # items per second
    eta: Optional[float] = None  # seconds left

    @property
    def fraction(self) -> Optional[float]:
        if not self.total:
            return None
        return min(1.0, self.done / self.total)


class CancelToken:
    """Set from any thread; the job checks it between items and stops cleanly (raising Cancelled)."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._resume = threading.Event()
        self._resume.set()

    def cancel(self) -> None:
        self._event.set()
        self._resume.set()  # a paused job must wake up to notice it was cancelled

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def pause(self) -> None:
        self._resume.clear()

    def resume(self) -> None:
        self._resume.set()

    @property
    def paused(self) -> bool:
        return not self._resume.is_set()

    def check(self) -> None:
        """Block while paused; raise Cancelled if cancelled. Call between items, never mid-write."""
        self._resume.wait()
        if self._event.is_set():
            raise Cancelled("cancelled")


@dataclass
class ProgressClock:
    """Decides when a job should yield (every `interval` seconds) and estimates rate and ETA."""

    total: Optional[int] = None
    interval: float = 0.1
    started: float = field(default_factory=time.monotonic)
    _last: float = field(default=0.0)

    def due(self) -> bool:
        now = time.monotonic()
        if now - self._last >= self.interval:
            self._last = now
            return True
        return False

    def progress(self, done: int, message: str = "", total: Optional[int] = None) -> Progress:
        total = self.total if total is None else total
        elapsed = max(time.monotonic() - self.started, 1e-9)
        rate = done / elapsed if done else None
        eta = (total - done) / rate if (rate and total is not None) else None
        return Progress(done, total, message, rate, eta)


def run_job(job: Job[T], on_progress: Callable[[Progress], None] | None = None) -> T:
    """Drive a job generator to its end and return what it returned."""
    while True:
        try:
            p = next(job)
        except StopIteration as stop:
            return stop.value
        if on_progress is not None:
            on_progress(p)
