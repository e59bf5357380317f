"""The Playlists view: saved and imported playlists on the left, the chosen one's items on the right; the items
play from a double-clicked row and have the one context menu."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView, QLabel, QListWidget, QListWidgetItem, QSplitter, QTreeWidget, QTreeWidgetItem, QVBoxLayout,
    QWidget,
)

from ...humanize import fmt_duration
from ..actions import MediaActions
from .service import LibraryService

ID_ROLE = Qt.ItemDataRole.UserRole + 2


class PlaylistsView(QWidget):
    def __init__(self, service: LibraryService, actions: MediaActions, parent: QWidget | None = None):
        super().__init__(parent)
        self.service, self.actions = service, actions
        self.lists = QListWidget(self)
        self.lists.setObjectName("playlistNames")
        self.items = QTreeWidget(self)
        self.items.setObjectName("playlistItems")
        self.items.setHeaderLabels(["#", "Title", "Length", "Path"])
        self.items.setRootIsDecorated(False)
        self.items.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.items.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.items.customContextMenuRequested.connect(self._menu)
        self.items.itemDoubleClicked.connect(lambda item, _c: self.play_from(self.items.indexOfTopLevelItem(item)))
        self.items.setColumnWidth(0, 40)
        self.items.setColumnWidth(1, 320)
        self.empty = QLabel("No playlists yet. Export a list from any view (right-click → Export as playlist…), "
                            "or import one with 'mediarec playlist import'.", self)
        self.empty.setWordWrap(True)
        split = QSplitter(self)
        split.addWidget(self.lists)
        split.addWidget(self.items)
        split.setSizes([220, 800])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addWidget(self.empty)
        layout.addWidget(split)
        self.lists.currentTextChanged.connect(self._open)

    def refresh(self) -> None:
        self.service.call(lambda ctx: ctx.lib.playlists.list(), self._on_lists, key="playlists")

    def _on_lists(self, lists: list[dict[str, Any]]) -> None:
        current = self.lists.currentItem().text() if self.lists.currentItem() else None
        self.lists.clear()
        for p in lists:
            item = QListWidgetItem(p["name"])
            item.setToolTip(f"{p['items']} items · {p['source'] or 'manual'}")
            self.lists.addItem(item)
            if p["name"] == current:
                self.lists.setCurrentItem(item)
        self.empty.setVisible(not lists)

    def _open(self, name: str) -> None:
        if name:
            self.service.call(lambda ctx: ctx.lib.playlists.get(name), self._on_items, key="playlist")

    def _on_items(self, playlist: dict[str, Any]) -> None:
        self.items.clear()
        for it in playlist["items"]:
            row = QTreeWidgetItem([str(it["position"] + 1), it["title"] or it["path"].rsplit("/", 1)[-1],
                                   fmt_duration(it["duration"]) if it["duration"] else "", it["path"]])
            row.setData(0, ID_ROLE, it["media_id"])
            if it["media_id"] is None:
                row.setToolTip(1, "not in the library: cannot be played from here")
                row.setDisabled(True)
            self.items.addTopLevelItem(row)

    def _ids(self, items) -> list[int]:
        return [i.data(0, ID_ROLE) for i in items if i.data(0, ID_ROLE) is not None]

    def play_from(self, row: int) -> None:
        all_items = [self.items.topLevelItem(i) for i in range(row, self.items.topLevelItemCount())]
        ids = self._ids(all_items)
        if ids:
            self.actions.play_now.emit(ids)

    def _menu(self, pos) -> None:
        ordered = sorted(self.items.selectedItems(), key=self.items.indexOfTopLevelItem)
        title = self.lists.currentItem().text() if self.lists.currentItem() else "Playlist"
        self.actions.context_menu(self._ids(ordered), self, title).popup(self.items.viewport().mapToGlobal(pos))
