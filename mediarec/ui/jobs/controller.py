"""Runs the app's long jobs one after another on a background thread, with progress, pause and cancel.

Views show what this reports; they never run work themselves. One job at a time: scans and analysis
both write the library, and two writers would only wait for each other."""
from __future__ import annotations

from collections import deque
from typing import Any, Callable

from PySide6.QtCore import QObject, QThreadPool, Signal, Slot

from ...jobs import CancelToken, Job, Progress
from .worker import JobWorker

MakeJob = Callable[[CancelToken], Job[Any]]


class JobController(QObject):
    started = Signal(str)  # title
    progressed = Signal(str, object)  # title, Progress
    finished = Signal(str, object)  # title, the job's result
    failed = Signal(str, str)  # title, message
    cancelled = Signal(str)  # title
    paused_changed = Signal(bool)
    idle = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._queue: deque[tuple[str, MakeJob]] = deque()
        self._worker: JobWorker | None = None
        self._title = ""
        self._closing = False

    @property
    def busy(self) -> bool:
        return self._worker is not None

    @property
    def title(self) -> str:
        return self._title

    def run(self, title: str, make_job: MakeJob) -> None:
        """Start the job now, or after the current one (a job already queued under this title is not added)."""
        if self._closing or title == self._title and self.busy or any(t == title for t, _ in self._queue):
            return
        self._queue.append((title, make_job))
        if not self.busy:
            self._next()

    def _next(self) -> None:
        if not self._queue or self._closing:
            self._title = ""
            self.idle.emit()
            return
        self._title, make_job = self._queue.popleft()
        worker = JobWorker(make_job)
        title = self._title
        worker.signals.progressed.connect(lambda p: self._emit_progress(title, p))
        worker.signals.finished.connect(lambda r: self._done(self.finished, title, r))
        worker.signals.failed.connect(lambda m: self._done(self.failed, title, m))
        worker.signals.cancelled.connect(lambda: self._done(self.cancelled, title))
        self._worker = worker
        self.started.emit(title)
        self.pool.start(worker)

    def _emit_progress(self, title: str, p: Progress) -> None:
        if not self._closing:
            self.progressed.emit(title, p)

    def _done(self, signal, *args) -> None:
        self._worker = None
        if not self._closing:
            signal.emit(*args)
            self._next()

    @Slot()
    def cancel(self) -> None:
        """Stop the current job (between items; what it did is kept) and forget the queued ones."""
        self._queue.clear()
        if self._worker is not None:
            self._worker.cancel()
            self.paused_changed.emit(False)

    @Slot()
    def toggle_pause(self) -> None:
        if self._worker is None:
            return
        token = self._worker.token
        if token.paused:
            token.resume()
        else:
            token.pause()
        self.paused_changed.emit(token.paused)

    @property
    def paused(self) -> bool:
        return self._worker is not None and self._worker.token.paused

    def shutdown(self, timeout_ms: int = 15_000) -> None:
        """On close: cancel, and wait for the job to commit what it has, so nothing is lost."""
        self._closing = True
        self._queue.clear()
        if self._worker is not None:
            self._worker.cancel()
        self.pool.waitForDone(timeout_ms)
