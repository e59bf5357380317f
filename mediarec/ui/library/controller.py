"""Wires the library part: makes its service and pages, keeps the sidebar's counts and folder lines current,
re-reads what is shown when the library changes, and hands chosen folders to the jobs."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QKeySequence, QShortcut

from ..context import AppContext
from .folders import FoldersView
from .service import LibraryService
from .view import LibraryView
from .welcome import WelcomeView

PAGES = (("Music", "audio"), ("Videos", "video"), ("Everything", None))
"""The library's pages: name and the kind each lists (None: both)."""


class LibraryController(QObject):
    def __init__(self, ctx: AppContext):
        super().__init__(ctx.window)
        self.ctx, window = ctx, ctx.window
        self.service = LibraryService(ctx.paths, window)
        self.service.started.connect(self.start)
        self.views = {name: LibraryView(name, self.service, ctx.actions, kind) for name, kind in PAGES}
        for name, view in self.views.items():
            window.add_page(name, view)
        self.folders = FoldersView(self.service)
        self.welcome = WelcomeView()
        window.add_page("Folders", self.folders)
        window.add_page("Welcome", self.welcome, sidebar=False)
        self.service.changed.connect(self.refresh)
        self.service.error.connect(lambda m: window.show_message(m, 15000))
        self.folders.roots_changed.connect(lambda _r: self._folder_lines())
        self.service.watch_changed.connect(self._folder_lines)
        window.page_shown.connect(self._on_page)
        window.closing.connect(self.close)
        find = QShortcut(QKeySequence("Ctrl+L"), window, context=Qt.ShortcutContext.WindowShortcut)
        find.activated.connect(self.focus_filter)

    def start(self) -> None:
        """After every part is installed: connect to the jobs, then show the welcome view or the library."""
        jobs = self.ctx.services.get("jobs")
        if jobs is not None:
            jobs.library_changed.connect(lambda _title: self.service.changed.emit())
            self.welcome.folders_chosen.connect(lambda folders: self._add_folders(folders))
            self.folders.add_requested.connect(jobs.add_folder_action.trigger)
            self.folders.rescan_requested.connect(lambda: jobs.scan([]))
        else:
            self.welcome.folders_chosen.connect(lambda _f: self.ctx.window.show_message("Scanning is not available"))
        self.service.summary(self._first_summary)
        self.folders.refresh()

    def _add_folders(self, folders: list[str]) -> None:
        self.ctx.services["jobs"].scan(folders)
        self.ctx.window.show_page("Everything")

    def _first_summary(self, summary: dict[str, Any]) -> None:
        self._on_summary(summary)
        if not summary["roots"]:
            self.ctx.window.show_page("Welcome")
        elif self.ctx.window.current_page in (None, "Music") and not summary["audio"] and summary["video"]:
            self.ctx.window.show_page("Videos")

    def _on_summary(self, summary: dict[str, Any]) -> None:
        w = self.ctx.window
        w.set_page_label("Music", f"Music  ({summary['audio']:,})")
        w.set_page_label("Videos", f"Videos  ({summary['video']:,})")
        w.set_page_label("Everything", f"Everything  ({summary['audio'] + summary['video']:,})")
        self.summary = summary

    def _folder_lines(self) -> None:
        self.ctx.window.set_page_label("Folders", "Folders", self.folders.sidebar_lines())

    def refresh(self) -> None:
        for view in self.views.values():
            view.refresh()
        self.folders.refresh()
        self.service.summary(self._on_summary)

    def _on_page(self, name: str) -> None:
        if name == "Folders":
            self.folders.refresh()

    def focus_filter(self) -> None:
        name = self.ctx.window.current_page
        if name not in self.views:
            name = "Everything"
            self.ctx.window.show_page(name)
        self.views[name].filter.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.views[name].filter.selectAll()

    def close(self) -> None:
        for view in self.views.values():
            view.save_layout()
        self.service.close()
