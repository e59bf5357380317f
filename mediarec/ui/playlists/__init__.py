"""The playlists part: the Playlists page (list, open, play, queue, export, delete, import) on its own service thread."""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog

from ..bridges.service import ServiceBridge
from ..dialogs.confirm import ask
from . import calls
from .view import PlaylistsPage

if TYPE_CHECKING:
    from ..context import AppContext

PAGE = "Playlists"
log = logging.getLogger(__name__)


class PlaylistsController:
    """Wires the page to the "playlists" thread and to MediaActions; `refresh()` re-reads the list."""

    def __init__(self, ctx: "AppContext"):
        self.ctx = ctx
        self.bridge = ServiceBridge(ctx.paths.db, "playlists", ctx.window)
        self.page = PlaylistsPage()
        self.page.setObjectName("playlistsPage")
        self.question = None
        p, a = self.page, ctx.actions
        p.chosen.connect(self.open)
        p.import_requested.connect(self.choose_file)
        p.delete_requested.connect(self.ask_delete)
        p.play_requested.connect(lambda ids: ids and a.play_now.emit(ids))
        p.queue_requested.connect(lambda ids: ids and a.enqueue.emit(ids))
        p.export_requested.connect(lambda ids, title: ids and a.export_items.emit(ids, title))
        p.menu_requested.connect(lambda ids, pos: ids and a.context_menu(ids, p, p.heading.text()).exec(pos))

    def _say(self, text: str) -> None:
        show = getattr(self.ctx.window, "show_message", None)
        if show is not None:
            show(text)

    def refresh(self, select: str | None = None) -> None:
        self.bridge.submit(calls.playlists, lambda rows: self.page.set_playlists(rows, select), self._say, key="list")

    def open(self, name: str) -> None:
        self.bridge.submit(lambda c: calls.open_playlist(c, name), self.page.show_list,
                           lambda msg: self.page.show_list(None, msg), key="open")

    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.page, "Import a playlist", "",
                                              "Playlists (*.m3u *.m3u8 *.xspf *.pls)")
        if path:
            self.import_file(path)

    def import_file(self, path: str) -> None:
        def done(r: dict) -> None:
            missing = f", {r['unknown']} not in the library" if r["unknown"] else ""
            self._say(f"Imported {r['entries']} entries from {path} as “{r['name']}”{missing}")
            self.refresh(select=r["name"])
        self.bridge.submit(lambda c: calls.import_file(c, path), done, lambda msg: self._say(msg))

    def ask_delete(self, name: str):
        def delete() -> None:
            self.bridge.submit(lambda c: calls.delete(c, name), lambda rows: self.page.set_playlists(rows), self._say)
        self.question = ask(self.page, "Delete playlist", f"Delete the playlist “{name}”?", "Delete", delete,
                            "The files are not touched.")
        return self.question

    def close(self) -> None:
        self.bridge.close()


def install(ctx: "AppContext") -> PlaylistsController | None:
    existing = getattr(ctx.window, "page", None)
    if existing is not None and existing(PAGE) is not None:  # another part placed a Playlists page first
        log.warning("a %s page exists already; this one (import, delete, export) is not installed", PAGE)
        return None
    controller = PlaylistsController(ctx)
    ctx.window.add_page(PAGE, controller.page)
    dialogs = ctx.services.get("dialogs")
    if dialogs is not None and hasattr(dialogs, "exported"):  # "Also keep it in Playlists" shows up at once
        dialogs.exported.connect(lambda done: done.saved_as and controller.refresh(select=done.saved_as))
    closing = getattr(ctx.window, "closing", None)
    if closing is not None:
        closing.connect(controller.close)
    started = getattr(ctx.window, "page_shown", None)
    if started is not None:  # read when first shown, not at start-up
        started.connect(lambda name: name == PAGE and controller.refresh())
    else:
        controller.refresh()
    ctx.services["playlists"] = controller
    return controller
