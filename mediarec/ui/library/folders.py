"""The Folders view: each library folder with its file count, last scan, whether it can be reached, and its
watch state (watching for changes, or rescanned periodically because watching failed); add, remove, rescan."""
from __future__ import annotations

import os
import time
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout, QHeaderView, QLabel, QMessageBox, QPushButton, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget,
)

from .service import LibraryService


def scan_state(root: dict[str, Any]) -> str:
    if not root.get("available"):
        return "cannot be reached"
    if not root.get("last_scan"):
        return "not scanned yet"
    minutes = (time.time() - root["last_scan"]) / 60
    when = "just now" if minutes < 1 else (f"{int(minutes)} min ago" if minutes < 120
                                           else time.strftime("%Y-%m-%d %H:%M", time.localtime(root["last_scan"])))
    return f"scanned {when}"


def short_state(watch: str, root: dict[str, Any]) -> str:
    if not root.get("available"):
        return "unreachable"
    if watch.startswith("watching"):
        return "watching"
    if watch.startswith("rescanned"):
        return "rescanning"
    return scan_state(root)


class FoldersView(QWidget):
    add_requested = Signal()
    rescan_requested = Signal()
    roots_changed = Signal(list)  # the roots as listed (dicts), for the sidebar's lines

    def __init__(self, service: LibraryService, parent: QWidget | None = None):
        super().__init__(parent)
        self.service = service
        self.roots: list[dict[str, Any]] = []
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("foldersTree")
        self.tree.setHeaderLabels(["Folder", "Files", "Scan", "Watch"])
        self.tree.setRootIsDecorated(False)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setStretchLastSection(False)
        for col, width in ((1, 70), (2, 170), (3, 260)):
            self.tree.setColumnWidth(col, width)
        self.empty = QLabel("No folders yet: add the folders where your music and videos live.", self)
        self.add_button = QPushButton("Add folder…", self)
        self.remove_button = QPushButton("Remove", self)
        self.rescan_button = QPushButton("Rescan all", self)
        self.add_button.clicked.connect(self.add_requested)
        self.rescan_button.clicked.connect(self.rescan_requested)
        self.remove_button.clicked.connect(self.remove_selected)
        self.tree.itemSelectionChanged.connect(self._selection)
        buttons = QHBoxLayout()
        for b in (self.add_button, self.remove_button, self.rescan_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.empty)
        layout.addWidget(self.tree)
        service.watch_changed.connect(self._fill)
        self._selection()

    def refresh(self) -> None:
        self.service.roots(self._on_roots)

    def _on_roots(self, roots: list[dict[str, Any]]) -> None:
        self.roots = roots
        self._fill()
        self.roots_changed.emit(roots)

    def _fill(self) -> None:
        self.tree.clear()
        for r in self.roots:
            item = QTreeWidgetItem([r["path"], f"{r['files']:,}", scan_state(r), self.service.watch_state(r["path"])])
            item.setToolTip(0, r["path"])
            self.tree.addTopLevelItem(item)
        self.empty.setVisible(not self.roots)
        self.tree.setVisible(bool(self.roots))

    def sidebar_lines(self) -> list[str]:
        """Short lines for the sidebar (the full state is in the view and in each line's tooltip)."""
        return [f"{os.path.basename(r['path'].rstrip(os.sep)) or r['path']} · {short_state(self.service.watch_state(r['path']), r)}"
                for r in self.roots]

    def _selection(self) -> None:
        self.remove_button.setEnabled(bool(self.tree.selectedItems()))

    def remove_selected(self) -> None:
        items = self.tree.selectedItems()
        if not items:
            return
        path = items[0].text(0)
        answer = QMessageBox.question(
            self, "Remove folder", f"Stop showing the files in {path}?\n\nTheir play history is kept, and adding "
            "the folder again brings them back.")
        if answer == QMessageBox.StandardButton.Yes:
            self.service.remove_root(path, lambda _n: self.refresh())
