"""Start-up work held until the main window's first paint, so the window shows with the library first.

Parts queue what can wait (folder watching, resuming analysis, Up Next's first list, MPRIS, probes that import
numpy) through `AppContext.after_paint`; app.py points it at `FirstPaint.then`. With two cores and one GIL,
every service thread that starts early takes time from the GUI thread before the user sees anything."""
from __future__ import annotations

import logging
from typing import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget

log = logging.getLogger(__name__)

FALLBACK_MS = 3000
"""Run the held work anyway this long after the window was shown: a minimised or hidden window may not paint."""


class FirstPaint(QObject):
    """Watches `window` for its first paint, then runs the queued callables once each, in order."""

    def __init__(self, window: QWidget):
        super().__init__(window)
        self._window = window
        self._queue: list[Callable[[], None]] = []
        self.done = False
        window.installEventFilter(self)

    def then(self, fn: Callable[[], None]) -> None:
        """Run `fn` after the first paint (from the event loop, at once if that was already)."""
        if self.done:
            QTimer.singleShot(0, self, fn)
        else:
            self._queue.append(fn)

    def arm_fallback(self, ms: int = FALLBACK_MS) -> None:
        """Called when the window is shown: the held work starts within `ms` even without a paint."""
        QTimer.singleShot(ms, self, self._release)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt API)
        if obj is self._window and event.type() == QEvent.Type.Paint and not self.done:
            # Released from the event loop, after this paint has reached the screen (not inside it).
            QTimer.singleShot(0, self, self._release)
        return False

    def _release(self) -> None:
        if self.done:
            return
        self.done = True
        self._window.removeEventFilter(self)
        queue, self._queue = self._queue, []
        for fn in queue:
            try:
                fn()
            except Exception:  # noqa: BLE001 - one part failing to start must not keep the others from starting
                log.exception("start-up work after the first paint failed: %r", fn)
