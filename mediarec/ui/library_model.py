"""The library as a Qt table model (read-only rows from the core's media list)."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from ..humanize import fmt_duration

COLUMNS = (
    ("title", "Title"),
    ("artist", "Artist"),
    ("album", "Album"),
    ("kind", "Kind"),
    ("duration", "Length"),
    ("genre", "Genre"),
    ("path", "Path"),
)
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ID_ROLE = Qt.ItemDataRole.UserRole + 2

Index = QModelIndex | QPersistentModelIndex


class LibraryTableModel(QAbstractTableModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self._items: list[dict[str, Any]] = []

    def set_items(self, items: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self._items = items
        self.endResetModel()

    def item(self, row: int) -> dict[str, Any]:
        return self._items[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 (Qt API)
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section][1]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        item = self._items[index.row()]
        key = COLUMNS[index.column()][0]
        value = item.get(key)
        if role == Qt.ItemDataRole.DisplayRole:
            if key == "duration":
                return fmt_duration(value)
            return "" if value is None else str(value).replace("\n", " ")
        if role == SORT_ROLE:
            if key == "duration":
                return float(value or 0.0)
            return ("" if value is None else str(value)).casefold()
        if role == ID_ROLE:
            return item["id"]
        if role == Qt.ItemDataRole.ToolTipRole:
            return item.get("path")
        if role == Qt.ItemDataRole.TextAlignmentRole and key == "duration":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
