"""DesktopService: plays files handed over by `mediarec-gui FILE...` (this launch or a later one, through the
SingleInstance server) and keeps the folder watcher in step with the library's folders."""
from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QLabel

from ..context import AppContext
from .files import media_ids_for_files
from .single_instance import SingleInstance
from .watcher import RESCAN_MINUTES, FolderWatcher


class DesktopService(QObject):
    def __init__(self, ctx: AppContext, rescan_minutes: float | None = None):
        super().__init__(ctx.window)
        self.ctx = ctx
        self.instance: SingleInstance | None = None
        self.watcher = FolderWatcher(self, rescan_minutes or RESCAN_MINUTES)
        self.watch_label = QLabel(ctx.window)
        self.watch_label.setObjectName("watchState")
        self.watch_label.setVisible(False)
        ctx.window.add_status_widget(self.watch_label, permanent=False)
        self.watcher.state_changed.connect(self._on_state)
        self.watcher.rescan_due.connect(self._rescan)
        ctx.window.closing.connect(self.close)
        self._pending_files: list[str] = []

    # --- files handed to the app ---------------------------------------------------------------------------
    def adopt(self, instance: SingleInstance, files: list[str]) -> None:
        """The instance server made at start-up (app.main), and the files this launch was given."""
        self.instance = instance
        instance.setParent(self)
        instance.files_received.connect(self.open_files)
        self._pending_files = list(files)

    def open_files(self, files: list[str]) -> None:
        """Add or look up the files, then play them (a launch with no files just brings the window up)."""
        window = self.ctx.window
        window.show()
        window.raise_()
        window.activateWindow()
        library = self.ctx.services.get("library")
        if not files or library is None:
            return
        library.call(lambda c: media_ids_for_files(c.lib, files), self._play)

    def _play(self, answer) -> None:
        ids, errors = answer
        if errors:
            self.ctx.window.show_message("; ".join(errors[:3]) + (" …" if len(errors) > 3 else ""), 20000)
        if ids:
            self.ctx.actions.play_now.emit(ids)
            self.ctx.services["library"].changed.emit()

    # --- folder watching -------------------------------------------------------------------------------------
    def start(self) -> None:
        library = self.ctx.services.get("library")
        if library is not None:
            library.changed.connect(self.follow_roots)
            self.follow_roots()
        if self._pending_files:
            self.open_files(self._pending_files)
            self._pending_files = []

    def follow_roots(self) -> None:
        self.ctx.services["library"].call(lambda c: [r["path"] for r in c.lib.roots.active() if r["available"]],
                                          self.watcher.watch, key="watch-roots")

    def _on_state(self, root: str, text: str) -> None:
        library = self.ctx.services.get("library")
        if library is not None:
            library.set_watch_state(root, text)
        summary = self.watcher.summary()
        self.watch_label.setText(summary)
        self.watch_label.setVisible(bool(summary))

    def _rescan(self) -> None:
        jobs = self.ctx.services.get("jobs")
        if jobs is not None:
            jobs.scan([])

    def close(self) -> None:
        self.watcher.stop()
        if self.instance is not None:
            self.instance.close()
