"""Run a core job generator on a pool thread and report back to the GUI thread through signals.

Composition, not inheritance: the worker wraps any `Job` (see mediarec.jobs). No exception escapes the
pool thread; cancel is the job's CancelToken, checked by the job between items. Results arrive through
queued signals, so widgets are only touched on the GUI thread."""
from __future__ import annotations

import logging
import traceback
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, Signal

from ...errors import Cancelled, MediarecError
from ...jobs import CancelToken, Job

log = logging.getLogger(__name__)


class WorkerSignals(QObject):
    progressed = Signal(object)  # mediarec.jobs.Progress
    finished = Signal(object)  # the job's return value
    failed = Signal(str)  # a one-line message
    cancelled = Signal()


class JobWorker(QRunnable):
    """Runs `make_job(token)` to completion on a QThreadPool thread."""

    def __init__(self, make_job: Callable[[CancelToken], Job[Any]]):
        super().__init__()
        self.make_job = make_job
        self.token = CancelToken()
        self.signals = WorkerSignals()
        self.setAutoDelete(False)  # the window keeps a reference until `finished` arrives

    def cancel(self) -> None:
        self.token.cancel()

    def run(self) -> None:
        try:
            job = self.make_job(self.token)
            while True:
                try:
                    progress = next(job)
                except StopIteration as stop:
                    self.signals.finished.emit(stop.value)
                    return
                self.signals.progressed.emit(progress)
        except Cancelled:
            self.signals.cancelled.emit()
        except MediarecError as exc:
            self.signals.failed.emit(str(exc))
        except Exception as exc:  # noqa: BLE001 - a pool thread must never die silently
            log.error("background job failed:\n%s", traceback.format_exc())
            self.signals.failed.emit(f"internal error: {type(exc).__name__}: {exc}")
