"""ServiceBridge: runs core calls on one thread that owns its own Library connection, answers on the GUI thread.

Every bridge (library, up next, similar, search, playlists...) composes one of these. A request is a plain
function of a `ServiceContext` (the thread's `Library` and a dict for warm core objects such as a loaded
`UpNext`), so no SQL and no model call ever runs on the GUI thread, and widgets never see a `Library`.
Requests submitted under a `key` supersede older ones with the same key: a stale answer (the user typed
another letter, another event arrived) is dropped instead of painted over a newer one.
"""
from __future__ import annotations

import itertools
import logging
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import shiboken6
from PySide6.QtCore import QObject, QThread, Signal, Slot

from ...errors import MediarecError
from ...library import Library

log = logging.getLogger(__name__)

_RUNNING: set[tuple[QThread, QObject]] = set()
"""Every service thread until it has stopped: Qt aborts the process when a running QThread is destroyed, so
Python must not collect one whose bridge was dropped without close() (a window closed by its parent, a test)."""


@dataclass
class ServiceContext:
    """What a request sees on the service thread: its connection and its warm objects."""
    db_path: Path
    cache: dict[str, Any] = field(default_factory=dict)
    _lib: Library | None = None

    @property
    def lib(self) -> Library:
        if self._lib is None:  # opened on first use, on the service thread (SQLite stays in its thread)
            self._lib = Library(self.db_path)
        return self._lib

    def close(self) -> None:
        self.cache.clear()
        if self._lib is not None:
            self._lib.close()
            self._lib = None


class _ServiceWorker(QObject):
    answered = Signal(int, object)
    failed = Signal(int, str)

    def __init__(self, db_path: Path):
        super().__init__()
        self.ctx = ServiceContext(Path(db_path))

    @Slot(int, object)
    def run(self, request_id: int, fn: Callable[[ServiceContext], Any]) -> None:
        try:
            result = fn(self.ctx)
        except MediarecError as exc:
            self.failed.emit(request_id, str(exc))
        except Exception as exc:  # noqa: BLE001 - a service thread must never die silently
            log.error("service request failed:\n%s", traceback.format_exc())
            self.failed.emit(request_id, f"internal error: {type(exc).__name__}: {exc}")
        else:
            self.answered.emit(request_id, result)

    @Slot()
    def close(self) -> None:
        self.ctx.close()


class ServiceBridge(QObject):
    """A named service thread. `submit(fn, on_done)` runs `fn(ctx)` there and calls `on_done(result)` here."""
    _request = Signal(int, object)
    _close = Signal()
    error = Signal(str)  # a one-line message for requests submitted without on_error

    def __init__(self, db_path: Path, name: str, parent: QObject | None = None):
        super().__init__(parent)
        self.name = name
        self._ids = itertools.count(1)
        self._pending: dict[int, tuple[Callable | None, Callable | None, str | None]] = {}
        self._latest: dict[str, int] = {}
        self._closed = False
        self._thread = QThread()
        self._thread.setObjectName(f"mediarec-{name}")
        self._worker = _ServiceWorker(db_path)
        self._worker.moveToThread(self._thread)
        self._request.connect(self._worker.run)
        self._close.connect(self._worker.close)
        self._worker.answered.connect(self._on_answer)
        self._worker.failed.connect(self._on_failure)
        held = (self._thread, self._worker)
        _RUNNING.add(held)
        self._thread.finished.connect(lambda: _RUNNING.discard(held))
        self.destroyed.connect(lambda *_: _stop(held[0]))
        self._thread.start()

    def submit(self, fn: Callable[[ServiceContext], Any], on_done: Callable[[Any], None] | None = None,
               on_error: Callable[[str], None] | None = None, key: str | None = None) -> int:
        """Queue `fn` on the service thread; returns the request id. Late answers after close are ignored."""
        if self._closed:
            return 0
        request_id = next(self._ids)
        self._pending[request_id] = (on_done, on_error, key)
        if key is not None:
            self._latest[key] = request_id
        self._request.emit(request_id, fn)
        return request_id

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    def _take(self, request_id: int):
        on_done, on_error, key = self._pending.pop(request_id, (None, None, None))
        stale = key is not None and self._latest.get(key) != request_id
        if key is not None and not stale:
            self._latest.pop(key, None)
        return on_done, on_error, stale or self._closed

    @Slot(int, object)
    def _on_answer(self, request_id: int, result: Any) -> None:
        on_done, _, drop = self._take(request_id)
        if not drop and on_done is not None:
            on_done(result)

    @Slot(int, str)
    def _on_failure(self, request_id: int, message: str) -> None:
        _, on_error, drop = self._take(request_id)
        if drop:
            return
        if on_error is not None:
            on_error(message)
        else:
            self.error.emit(message)

    def close(self, timeout_ms: int = 10_000) -> None:
        """Finish the request in hand, close the thread's connection and stop the thread."""
        if self._closed:
            return
        self._closed = True
        self._close.emit()
        self._thread.quit()
        self._thread.wait(timeout_ms)


def _stop(thread: QThread, timeout_ms: int = 10_000) -> None:
    """A bridge destroyed without close(): let its thread finish the request in hand and stop."""
    if shiboken6.isValid(thread) and thread.isRunning():
        thread.quit()
        thread.wait(timeout_ms)


def stop_all(timeout_ms: int = 10_000) -> None:
    """Stop every service thread still running (at application exit)."""
    for thread, _ in list(_RUNNING):
        _stop(thread, timeout_ms)


def still_running() -> list[str]:
    """The names of service threads still busy, e.g. after stop_all gave up waiting on a long request."""
    return sorted(t.objectName() for t, _ in list(_RUNNING) if shiboken6.isValid(t) and t.isRunning())
