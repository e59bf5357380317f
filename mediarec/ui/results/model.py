"""ResultsModel: the rows of one ResultList (score, why) as a read-only table; reset only when a new list arrives."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

from .lists import ResultList, ResultRow

COLUMNS = ("#", "Title", "Artist", "Kind", "Length", "Score", "Why")
ID_ROLE = Qt.ItemDataRole.UserRole + 1


def _length(seconds: float | None) -> str:
    if not seconds:
        return ""
    s = int(round(seconds))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


class ResultsModel(QAbstractTableModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.result: ResultList | None = None
        self.rows: list[ResultRow] = []

    def set_result(self, result: ResultList) -> None:
        self.beginResetModel()
        self.result, self.rows = result, list(result.rows)
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 (Qt API)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if orientation != Qt.Orientation.Horizontal:
            return None
        journey = self.result is not None and self.result.mode == "journey"
        if role == Qt.ItemDataRole.DisplayRole:
            if section == 6 and self.result is not None and self.result.mode == "playlist":
                return "Note"
            return "Flow" if journey and section == 5 else COLUMNS[section]
        if role == Qt.ItemDataRole.ToolTipRole and section == 5:
            return ("How close each step is to the one before (1 = the same)" if journey else
                    "How alike, from 0 (nothing in common) to 1 (the same)")
        return None

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role == ID_ROLE:
            return row.id
        if role == Qt.ItemDataRole.ToolTipRole:
            return row.path + ("\n" + "\n".join(row.reasons) if row.reasons else "")
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in (0, 4, 5):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        col = index.column()
        if col == 0:
            return str(index.row() + 1)
        if col == 1:
            return row.title
        if col == 2:
            return row.artist
        if col == 3:
            return {"audio": "Music", "video": "Video"}.get(row.kind, row.kind)  # as the library's Kind column
        if col == 4:
            return _length(row.duration)
        if col == 5:
            return "" if row.score is None else f"{max(row.score, 0.0):.2f}"  # never "-0.00"
        return "; ".join(row.reasons)
