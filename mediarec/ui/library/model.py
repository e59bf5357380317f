"""The library table model: rows fetched a page at a time (canFetchMore/fetchMore), sorted and filtered in SQL.

Nothing is read on the GUI thread: a page is asked of the LibraryService and inserted when it arrives; a new
filter or sort starts a new generation and answers of older ones are dropped. When the library changes, the
rows already shown are read again and only the difference is signalled (changed rows, rows added or removed
at the end), so a view keeps its scroll position and selection."""
from __future__ import annotations

import json
import time
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QMimeData, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QPixmap

from ...humanize import fmt_duration
from ...library.browse import COLUMNS, Query
from .service import LibraryService

HEADERS = {"title": "Title", "artist": "Artist", "album": "Album", "duration": "Length", "kind": "Kind",
           "mood": "Mood", "tempo": "Tempo", "added": "Added", "plays": "Plays", "skips": "Skips",
           "last_played": "Last played"}
NUMERIC = frozenset({"duration", "tempo", "plays", "skips"})
ID_ROLE = Qt.ItemDataRole.UserRole + 2
MIME_IDS = "application/x-mediarec-ids"  # JSON list of media ids (drag to Up Next, playlists)
PAGE = 200
COUNT_IDLE_MS = 250  # while the user types, the count waits for a pause: each one costs a pass over the matches

Index = QModelIndex | QPersistentModelIndex


class LibraryTableModel(QAbstractTableModel):
    total_changed = Signal(int)  # how many rows the query has (arrives after the first page)
    loaded = Signal()  # a page arrived (tests and the bench wait on it)

    def __init__(self, service: LibraryService, kind: str | None = None, parent=None):
        super().__init__(parent)
        self.service = service
        self.query = Query(kind=kind)
        self.total: int | None = None
        self._rows: list[dict[str, Any]] = []
        self._exhausted = False
        self._pending: int | None = None  # offset of the page in flight
        self._generation = 0
        self._fixed = False  # showing search results (all rows at once), not a paged query
        self._key = f"page-{id(self)}"
        self._count_timer = QTimer(self, singleShot=True, interval=COUNT_IDLE_MS)
        self._count_timer.timeout.connect(self._count)

    # --- what to show ---------------------------------------------------------------------------------
    def set_query(self, query: Query, count_after_ms: int = 0) -> None:
        """Show another filter/sort/kind: drop the rows and read the first page of the new query; the total
        is counted after `count_after_ms` without another change (typing)."""
        self._generation += 1
        self.beginResetModel()
        self.query, self._rows, self._exhausted, self._pending, self._fixed = query, [], False, None, False
        self.total = None
        self.endResetModel()
        self.fetchMore(QModelIndex())
        self._count_timer.stop()
        if count_after_ms:
            self._count_timer.start(count_after_ms)
        else:
            self._count()

    def set_filter(self, text: str) -> None:
        if text != self.query.text or self._fixed:
            self.set_query(replace(self.query, text=text), COUNT_IDLE_MS)

    def _count(self) -> None:
        generation = self._generation
        self.service.count(self.query, lambda n: self._on_total(generation, n), key=f"count-{id(self)}")

    def show_rows(self, rows: list[dict[str, Any]]) -> None:
        """Show these rows (search results, in rank order) until the next set_query."""
        self._generation += 1
        self._count_timer.stop()
        self.beginResetModel()
        self._rows, self._exhausted, self._pending, self._fixed = list(rows), True, None, True
        self.total = len(rows)
        self.endResetModel()
        self.total_changed.emit(len(rows))
        self.loaded.emit()

    def refresh(self) -> None:
        """The library changed: read the shown rows again and signal only what differs."""
        if self._fixed:
            return
        self._generation += 1
        generation, want = self._generation, max(len(self._rows), PAGE)
        self._pending = 0
        self.service.page(self.query, 0, want, lambda rows: self._on_refresh(generation, want, rows), key=self._key)
        self.service.count(self.query, lambda n: self._on_total(generation, n), key=f"count-{id(self)}")

    # --- lazy fetching ------------------------------------------------------------------------------------
    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: N802 (Qt API)
        return not parent.isValid() and not self._exhausted and self._pending is None

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: N802
        if not self.canFetchMore(parent):
            return
        offset, generation = len(self._rows), self._generation
        self._pending = offset
        self.service.page(self.query, offset, PAGE, lambda rows: self._on_page(generation, offset, rows),
                          key=self._key)

    def _on_page(self, generation: int, offset: int, rows: list[dict[str, Any]]) -> None:
        if generation != self._generation or offset != len(self._rows):
            if generation == self._generation and self._pending == offset:
                self._pending = None  # not this model's rows any more: let the next fetch ask again
            return  # a newer query or refresh answered instead
        self._exhausted = len(rows) < PAGE
        if rows:  # still pending while inserting: a view or tester asking for more now must wait for this
            self.beginInsertRows(QModelIndex(), offset, offset + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()
        self._pending = None
        self.loaded.emit()

    def _on_refresh(self, generation: int, want: int, rows: list[dict[str, Any]]) -> None:
        if generation != self._generation:
            return
        self._exhausted = len(rows) < want
        old = len(self._rows)
        common = min(old, len(rows))
        changed = [i for i in range(common) if _shown(self._rows[i]) != _shown(rows[i])]
        if len(rows) < old:
            self.beginRemoveRows(QModelIndex(), len(rows), old - 1)
            del self._rows[len(rows):]
            self.endRemoveRows()
        self._rows[:common] = rows[:common]
        if changed:
            self.dataChanged.emit(self.index(changed[0], 0), self.index(changed[-1], len(COLUMNS) - 1))
        if len(rows) > old:
            self.beginInsertRows(QModelIndex(), old, len(rows) - 1)
            self._rows.extend(rows[old:])
            self.endInsertRows()
        self._pending = None
        self.loaded.emit()

    def _on_total(self, generation: int, n: int) -> None:
        if generation == self._generation:
            self.total = n
            self.total_changed.emit(n)

    # --- reading rows -------------------------------------------------------------------------------------
    def row_id(self, row: int) -> int:
        return self._rows[row]["id"]

    def row_data(self, row: int) -> dict[str, Any]:
        return self._rows[row]

    def loaded_ids(self, start: int = 0) -> list[int]:
        return [r["id"] for r in self._rows[start:]]

    @property
    def showing_results(self) -> bool:
        return self._fixed

    @property
    def complete(self) -> bool:
        """Every row of the query is loaded (nothing more to fetch)."""
        return self._exhausted

    # --- Qt model API ---------------------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                return HEADERS[COLUMNS[section]]
            if role == Qt.ItemDataRole.TextAlignmentRole and COLUMNS[section] in NUMERIC:
                return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self._rows) or index.column() >= len(COLUMNS):
            return None
        row = self._rows[index.row()]
        key = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return display(row, key)
        if role == ID_ROLE:
            return row["id"]
        if role == Qt.ItemDataRole.ToolTipRole:
            return row["path"] if not row.get("snippet") else f"{row['path']}\n“{row['snippet']}”"
        if role == Qt.ItemDataRole.TextAlignmentRole and key in NUMERIC:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if role == Qt.ItemDataRole.DecorationRole and key == "title" and "thumbnail" in row:
            if "pixmap" not in row:
                row["pixmap"] = QPixmap.fromImage(row["thumbnail"])
            return row["pixmap"]
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if 0 <= column < len(COLUMNS):
            self.set_query(replace(self.query, sort=COLUMNS[column],
                                   descending=order == Qt.SortOrder.DescendingOrder))

    def mimeTypes(self) -> list[str]:  # noqa: N802
        return [MIME_IDS]

    def mimeData(self, indexes) -> QMimeData:  # noqa: N802
        rows = sorted({i.row() for i in indexes if i.isValid()})
        mime = QMimeData()
        mime.setData(MIME_IDS, json.dumps([self._rows[r]["id"] for r in rows]).encode())
        return mime


def _shown(row: dict[str, Any]) -> tuple:
    return tuple(row.get(k) for k in ("id", *COLUMNS))


def display(row: dict[str, Any], key: str) -> str:
    value = row.get(key)
    if key == "title":
        return (value or row["path"].rsplit("/", 1)[-1]).replace("\n", " ")
    if value is None:
        return ""
    if key == "duration":
        return fmt_duration(value)
    if key == "tempo":
        return f"{value:.0f}"
    if key in ("added", "last_played"):
        return _when(value)
    if key == "kind":
        return "Music" if value == "audio" else "Video"
    return str(value).replace("\n", " ")


def _when(ts: float) -> str:
    days = (time.time() - ts) / 86400
    if days < 1:
        return "today"
    if days < 2:
        return "yesterday"
    if days < 7:
        return f"{int(days)} days ago"
    return time.strftime("%Y-%m-%d", time.localtime(ts))
