"""DialogsService ("dialogs"): opens the export, journey, transcript and settings dialogs and does the work they
ask for on its own service thread; also forget (asks first) and open containing folder.

Public API: `open_export(ids, title)`, `open_journey(destination_id)`, `open_transcript(id)`, `open_settings()`,
`forget(ids)`, `open_folder(id)`; signals `message(str)` (one line for the status bar), `exported(Exported)`,
`journey_planned(ResultList, bool played)`. The open dialog of each kind is kept as an attribute."""
from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication

from ..bridges.service import ServiceBridge
from ..results import lists
from . import calls
from .confirm import ask
from .export_dialog import ExportDialog
from .journey_dialog import JourneyDialog
from .settings_dialog import SettingsDialog
from .transcript_view import TranscriptView


class DialogsService(QObject):
    message = Signal(str)
    exported = Signal(object)
    journey_planned = Signal(object, bool)

    def __init__(self, ctx, parent: QObject | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.bridge = ServiceBridge(ctx.paths.db, "dialogs", self)
        self.export_dialog: ExportDialog | None = None
        self.journey_dialog: JourneyDialog | None = None
        self.transcript_view: TranscriptView | None = None
        self.settings_dialog: SettingsDialog | None = None
        self.question = None
        show = getattr(ctx.window, "show_message", None)
        if show is not None:
            self.message.connect(show)

    def _call(self, fn: Callable, on_done: Callable[[Any], None] | None = None,
              on_error: Callable[[str], None] | None = None, key: str | None = None) -> None:
        self.bridge.submit(fn, on_done, on_error or self.message.emit, key=key)

    # --- export -------------------------------------------------------------------------------------------
    def open_export(self, ids: list[int], title: str = "") -> ExportDialog:
        ids = [int(i) for i in ids]
        prefs = self.ctx.settings.playlists
        dialog = ExportDialog(title or "Playlist", len(ids), prefs.format, prefs.relative, self.ctx.window)

        def write(path: str, relative: bool, save_as: str) -> None:
            self._call(lambda c: calls.export_items(c, ids, path, relative, save_as or None),
                       lambda done: self._exported(dialog, done), dialog.show_error)
        dialog.export_requested.connect(write)
        dialog.open()
        self.export_dialog = dialog
        return dialog

    def _exported(self, dialog: ExportDialog, done: calls.Exported) -> None:
        dialog.accept()
        note = "" if done.parsed_back == done.entries else f" (reads back {done.parsed_back} of them!)"
        self.message.emit(f"Wrote {done.entries} entries to {done.path} ({done.format}){note}")
        self.exported.emit(done)

    # --- journey ------------------------------------------------------------------------------------------
    def find_items(self, text: str, on_done: Callable[[list[dict]], None]) -> None:
        self._call(lambda c: calls.find_items(c, text), on_done, key="find")

    def open_journey(self, destination: int | None = None, start: int | None = None) -> None:
        """Open the picker: the destination given, the start the playing item (or `start`)."""
        player = self.ctx.services.get("player")
        playing = getattr(player, "current", None) or {}
        start = start if start is not None else playing.get("id")
        wanted = [i for i in (start, destination) if i is not None]

        def opened(rows: list[dict]) -> None:
            by_id = {r["id"]: r for r in rows}
            dialog = JourneyDialog(self.find_items, by_id.get(start), by_id.get(destination), self.ctx.window)
            dialog.plan_requested.connect(lambda a, b, via, n, kind, play: self.plan_journey(a, b, via, n, kind, play))
            dialog.open()
            self.journey_dialog = dialog
        self._call(lambda c: calls.items(c, wanted), opened)

    def plan_journey(self, a: int, b: int, via: list[int], n: int, kind: str = "any", play: bool = True) -> None:
        index_dir = self.ctx.paths.index_dir
        self._call(lambda c: lists.journey_list(c, index_dir, a, b, list(via), n, kind),
                   lambda result: self._journey_planned(result, play), key="journey")

    def _journey_planned(self, result: lists.ResultList, play: bool) -> None:
        results = self.ctx.services.get("results")
        if results is not None:
            results.show(result)
        dialog = self.journey_dialog
        if not result.rows:
            if dialog is not None:
                dialog.status.setText(result.empty_reason)
            self.message.emit(result.empty_reason)
            return
        if play:
            upnext = self.ctx.services.get("upnext")
            if upnext is not None and hasattr(upnext, "set_journey"):
                upnext.set_journey(result.ids, result.title)
            else:
                self.ctx.actions.play_now.emit(result.ids)
        if dialog is not None:
            dialog.planned(len(result.rows), play)
            if play:
                dialog.accept()
        self.journey_planned.emit(result, play)

    # --- transcript ---------------------------------------------------------------------------------------
    def open_transcript(self, media_id: int) -> TranscriptView:
        view = TranscriptView(media_id, self.ctx.window)
        view.seek.connect(self.ctx.actions.seek_requested)
        self._call(lambda c: calls.transcript(c, media_id), view.show_transcript, view.show_error)
        player = self.ctx.services.get("player")
        moved = getattr(player, "position_changed", None)
        if moved is not None:  # the line being said is marked while this item plays

            def follow(seconds: float) -> None:
                if (getattr(player, "current", None) or {}).get("id") == view.media_id:
                    view.follow(seconds)
            moved.connect(follow)
            view.finished.connect(lambda _: moved.disconnect(follow))
        view.show()
        self.transcript_view = view
        return view

    # --- forget, open folder ------------------------------------------------------------------------------
    def forget(self, ids: list[int]):
        ids = [int(i) for i in ids]
        what = "this item" if len(ids) == 1 else f"these {len(ids)} items"

        def do() -> None:
            self._call(lambda c: calls.forget(c, ids),
                       lambda n: self.message.emit(f"Forgot {n} play{'s' if n != 1 else ''} of {what}"))
        self.question = ask(self.ctx.window, "Forget from history", f"Forget every play and skip of {what}?",
                            "Forget", do, "The files stay in the library; Up Next forgets what it learned "
                            "from them.")
        return self.question

    def open_folder(self, media_id: int) -> None:
        def opened(folder: str) -> None:
            if QGuiApplication.platformName() in ("offscreen", "minimal"):
                self.message.emit(f"No desktop to show {folder} in")
            elif not QDesktopServices.openUrl(QUrl.fromLocalFile(folder)):
                self.message.emit(f"Could not open {folder}: no file manager answered")
        self._call(lambda c: calls.folder_of(c, media_id), opened)

    def close(self) -> None:
        self.bridge.close()
