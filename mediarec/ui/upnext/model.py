"""UpNextModel: the queue as a list model in two parts, what the user put there (kept until played or removed)
above what was generated (replaced on every refill), with minimal change signals and drag-and-drop reorder."""
from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QAbstractListModel, QByteArray, QMimeData, QModelIndex, QPersistentModelIndex, Qt, Signal

ID_ROLE = Qt.ItemDataRole.UserRole + 1
REASONS_ROLE = Qt.ItemDataRole.UserRole + 2
USER_ROLE = Qt.ItemDataRole.UserRole + 3       # True: the user put it there
SECTION_ROLE = Qt.ItemDataRole.UserRole + 4    # the part's title on its first row, else ""
ITEM_ROLE = Qt.ItemDataRole.UserRole + 5
ROWS_MIME = "application/x-mediarec-upnext-rows"
IDS_MIME = "application/x-mediarec-ids"  # JSON list of media ids: drops from other views (the library table)
USER_SECTION, GENERATED_SECTION = "Queued by you", "Suggested"


class UpNextModel(QAbstractListModel):
    user_changed = Signal()  # the user's part changed (persist it)
    ids_dropped = Signal(list, int)  # ids dropped from another view, position in the user's part

    def __init__(self, parent=None):
        super().__init__(parent)
        self.user: list[dict[str, Any]] = []
        self.generated: list[dict[str, Any]] = []

    # --- reading ------------------------------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 (Qt API)
        return 0 if parent.isValid() else len(self.user) + len(self.generated)

    def entry(self, row: int) -> dict[str, Any] | None:
        n = len(self.user)
        if 0 <= row < n:
            return self.user[row]
        if n <= row < n + len(self.generated):
            return self.generated[row - n]
        return None

    def is_user(self, row: int) -> bool:
        return 0 <= row < len(self.user)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        e = self.entry(index.row()) if index.isValid() else None
        if e is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return " — ".join(x for x in (e["title"], e.get("artist")) if x)
        if role == Qt.ItemDataRole.ToolTipRole:
            return "\n".join([e.get("path") or "", *e.get("reasons", [])])
        if role == ID_ROLE:
            return e["id"]
        if role == REASONS_ROLE:
            return list(e.get("reasons", []))
        if role == USER_ROLE:
            return self.is_user(index.row())
        if role == ITEM_ROLE:
            return e
        if role == SECTION_ROLE:
            row = index.row()
            if row == 0 and self.user:
                return USER_SECTION
            return GENERATED_SECTION if row == len(self.user) else ""
        return None

    def ids(self) -> list[int]:
        return [e["id"] for e in (*self.user, *self.generated)]

    # --- the user's part ------------------------------------------------------------------------------------
    def insert_user(self, position: int, entries: list[dict[str, Any]]) -> None:
        if not entries:
            return
        position = max(0, min(position, len(self.user)))
        old_section = self.index(len(self.user), 0)
        self.beginInsertRows(QModelIndex(), position, position + len(entries) - 1)
        self.user[position:position] = entries
        self.endInsertRows()
        if old_section.isValid():
            self.dataChanged.emit(old_section, old_section, [SECTION_ROLE])
        self.user_changed.emit()

    def take(self, row: int) -> dict[str, Any] | None:
        """Remove one row (either part) and return it."""
        e = self.entry(row)
        if e is None:
            return None
        user = self.is_user(row)
        self.beginRemoveRows(QModelIndex(), row, row)
        if user:
            del self.user[row]
        else:
            del self.generated[row - len(self.user)]
        self.endRemoveRows()
        first_generated = self.index(len(self.user), 0)
        if first_generated.isValid():
            self.dataChanged.emit(first_generated, first_generated, [SECTION_ROLE])
        if user:
            self.user_changed.emit()
        return e

    # --- the generated part ---------------------------------------------------------------------------------
    def set_generated(self, entries: list[dict[str, Any]]) -> None:
        """Replace the generated part: rows that stay the same are not touched, the rest change in place."""
        n, old = len(self.user), self.generated
        keep = 0
        while keep < min(len(old), len(entries)) and old[keep] == entries[keep]:
            keep += 1
        if keep == len(old) == len(entries):
            return
        common = min(len(old), len(entries))
        if len(old) > len(entries):
            self.beginRemoveRows(QModelIndex(), n + len(entries), n + len(old) - 1)
            self.generated = list(old[:len(entries)])
            self.endRemoveRows()
        else:
            self.generated = list(old)
        self.generated[keep:common] = entries[keep:common]
        if common > keep:
            self.dataChanged.emit(self.index(n + keep), self.index(n + common - 1))
        if len(entries) > common:
            self.beginInsertRows(QModelIndex(), n + common, n + len(entries) - 1)
            self.generated.extend(entries[common:])
            self.endInsertRows()

    # --- drag and drop --------------------------------------------------------------------------------------
    def flags(self, index):
        base = super().flags(index)
        if not index.isValid():
            return base | Qt.ItemFlag.ItemIsDropEnabled
        return base | Qt.ItemFlag.ItemIsDragEnabled

    def supportedDropActions(self):  # noqa: N802 (Qt API)
        return Qt.DropAction.MoveAction | Qt.DropAction.CopyAction

    def mimeTypes(self) -> list[str]:  # noqa: N802 (Qt API)
        return [ROWS_MIME, IDS_MIME]

    def mimeData(self, indexes) -> QMimeData:  # noqa: N802 (Qt API)
        rows = sorted({i.row() for i in indexes if i.isValid()})
        mime = QMimeData()
        mime.setData(ROWS_MIME, QByteArray(json.dumps(rows).encode()))
        mime.setData(IDS_MIME, QByteArray(json.dumps([self.entry(r)["id"] for r in rows]).encode()))
        return mime

    def canDropMimeData(self, data, action, row, column, parent) -> bool:  # noqa: N802 (Qt API)
        return data.hasFormat(ROWS_MIME) or data.hasFormat(IDS_MIME)

    def dropMimeData(self, data, action, row, column, parent) -> bool:  # noqa: N802 (Qt API)
        """Rows dragged within the list move into the user's part at the drop point (a generated item
        dropped there becomes the user's); ids from elsewhere are requested through `ids_dropped`."""
        if row < 0:
            row = parent.row() if parent.isValid() else len(self.user)
        if data.hasFormat(ROWS_MIME):
            self.move_rows(json.loads(bytes(data.data(ROWS_MIME)).decode()), row)
            return True
        if data.hasFormat(IDS_MIME):
            self.ids_dropped.emit(json.loads(bytes(data.data(IDS_MIME)).decode()), min(row, len(self.user)))
            return True
        return False

    def move_rows(self, rows: list[int], to: int) -> None:
        """Move rows into the user's part before row `to` (as a view's drop does)."""
        to = min(to, len(self.user))
        marks = [QPersistentModelIndex(self.index(to, 0))] if to < self.rowCount() else []
        taken = []
        for r in sorted(rows, reverse=True):
            e = self.take(r)
            if e is not None:
                taken.insert(0, {**e, "reasons": []})
        at = marks[0].row() if marks and marks[0].isValid() else len(self.user)
        self.insert_user(min(at, len(self.user)), taken)
