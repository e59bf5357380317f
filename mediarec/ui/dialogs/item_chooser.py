"""ItemChooser: a small searchable list of library items (type words of the title, artist, album or path)."""
from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QLabel, QLineEdit, QListWidget, QListWidgetItem,
                               QVBoxLayout, QWidget)

Finder = Callable[[str, Callable[[list[dict[str, Any]]], None]], None]
"""find(text, on_done): looks items up off the GUI thread and calls on_done(rows) here."""


def item_label(row: dict[str, Any]) -> str:
    kind = "video" if row.get("kind") == "video" else "music"
    artist = f" — {row['artist']}" if row.get("artist") else ""
    return f"{row.get('title') or row.get('path')}{artist}  ({kind})"


class ItemChooser(QDialog):
    chosen = Signal(dict)  # the row: id, title, artist, kind, path

    def __init__(self, find: Finder, title: str = "Choose an item", parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(520, 420)
        self.find = find
        self.query = QLineEdit()
        self.query.setPlaceholderText("Type words of the title, artist, album or file name…")
        self.query.setClearButtonEnabled(True)
        self.results = QListWidget()
        self.results.setSpacing(1)
        self.hint = QLabel("Searching…")
        self.timer = QTimer(self, singleShot=True, interval=150)  # one lookup per pause in typing
        self.timer.timeout.connect(self._search)
        self.query.textChanged.connect(lambda _: self.timer.start())
        self.results.itemDoubleClicked.connect(lambda _: self._choose())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.choose_button = buttons.addButton("Choose", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self._choose)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for w in (self.query, self.results, self.hint, buttons):
            layout.addWidget(w)
        self._search()

    def _search(self) -> None:
        self.find(self.query.text(), self.set_rows)

    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        self.results.clear()
        for row in rows:
            item = QListWidgetItem(item_label(row))
            item.setData(Qt.ItemDataRole.UserRole, row)
            item.setToolTip(row.get("path", ""))
            self.results.addItem(item)
        if rows:
            self.results.setCurrentRow(0)
        self.hint.setText(f"{len(rows)} item{'s' if len(rows) != 1 else ''}" if rows else
                          "Nothing matches: try fewer words.")
        self.choose_button.setEnabled(bool(rows))

    def _choose(self) -> None:
        item = self.results.currentItem()
        if item is None:
            return
        self.chosen.emit(item.data(Qt.ItemDataRole.UserRole))
        self.accept()
