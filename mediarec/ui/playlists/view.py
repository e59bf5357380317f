"""PlaylistsPage: saved and imported playlists on the left, the chosen one's items (a results-like table) on the right."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QListWidget, QListWidgetItem,
                               QPushButton, QSplitter, QStackedWidget, QTableView, QVBoxLayout, QWidget)

from ..results.lists import ResultList
from ..results.model import ResultsModel

NAME_ROLE = Qt.ItemDataRole.UserRole + 3


class PlaylistsPage(QWidget):
    chosen = Signal(str)                # a playlist name
    import_requested = Signal()
    delete_requested = Signal(str)
    play_requested = Signal(list)       # ids in order (items not in the library left out)
    queue_requested = Signal(list)
    export_requested = Signal(list, str)
    menu_requested = Signal(list, object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.names = QListWidget()
        self.names.setObjectName("playlistNames")
        self.names.setSpacing(2)
        self.names.currentItemChanged.connect(
            lambda item, _: item is not None and item.data(NAME_ROLE) and self.chosen.emit(item.data(NAME_ROLE)))
        self.import_button = QPushButton("Import…")
        self.import_button.setToolTip("Read an M3U, M3U8, XSPF or PLS file into Playlists")
        self.import_button.clicked.connect(self.import_requested.emit)
        self.heading = QLabel()
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.heading.setFont(font)
        self.details = QLabel()
        self.model = ResultsModel(self)
        self.table = self._table()
        self.message = QLabel()
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.message)
        self.stack.addWidget(self.table)
        self.buttons = {}
        for key, text in (("play", "Play"), ("queue", "Add to queue"), ("export", "Export…"), ("delete", "Delete")):
            self.buttons[key] = QPushButton(text)
        self.buttons["play"].clicked.connect(lambda: self.play_requested.emit(self.ids()))
        self.buttons["queue"].clicked.connect(lambda: self.queue_requested.emit(self.ids()))
        self.buttons["export"].clicked.connect(lambda: self.export_requested.emit(self.ids(), self.heading.text()))
        self.buttons["delete"].clicked.connect(lambda: self.delete_requested.emit(self.heading.text()))
        self._layout()
        self.show_list(None)

    def _table(self) -> QTableView:
        table = QTableView()
        table.setModel(self.model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.verticalHeader().setVisible(False)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        table.horizontalHeader().setStretchLastSection(True)  # after the mode: the "Why" column takes the rest
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 10)
        table.hideColumn(5)  # a playlist has no scores
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(
            lambda pos: self.menu_requested.emit(self.selected_ids(), table.viewport().mapToGlobal(pos)))
        table.doubleClicked.connect(lambda index: self.play_requested.emit(
            [r.id for r in self.model.rows[index.row():] if r.id >= 0]))
        return table

    def _layout(self) -> None:
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(QLabel("Saved and imported playlists"))
        ll.addWidget(self.names, 1)
        ll.addWidget(self.import_button)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.heading)
        rl.addWidget(self.details)
        row = QHBoxLayout()
        for key in ("play", "queue", "export"):
            row.addWidget(self.buttons[key])
        row.addStretch(1)
        row.addWidget(self.buttons["delete"])
        rl.addLayout(row)
        rl.addWidget(self.stack, 1)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(1, 3)
        split.setSizes([240, 760])
        layout = QVBoxLayout(self)
        layout.addWidget(split)

    def set_playlists(self, rows: list[dict], select: str | None = None) -> None:
        current = select or (self.names.currentItem().data(NAME_ROLE) if self.names.currentItem() else None)
        self.names.blockSignals(True)
        self.names.clear()
        for p in rows:
            item = QListWidgetItem(f"{p['name']}  ({p['items']})")
            item.setData(NAME_ROLE, p["name"])
            item.setToolTip(f"{p['items']} items, {p.get('source') or 'manual'}")
            self.names.addItem(item)
        self.names.blockSignals(False)
        if not rows:
            self.show_list(None, "No playlists yet. Import a playlist file, or export a list with "
                                 "“Also keep it in Playlists”.")
            return
        names = [p["name"] for p in rows]
        self.names.setCurrentRow(names.index(current) if current in names else 0)

    def show_list(self, result: ResultList | None, message: str = "Choose a playlist.") -> None:
        has = result is not None
        self.heading.setText(result.title if has else "Playlists")
        q = result.query if has else {}
        bits = [q.get("source"), f"updated {q['updated']}" if q.get("updated") else "", q.get("file")]
        self.details.setText(" · ".join(b for b in bits if b))
        self.model.set_result(result or ResultList("playlist", ""))
        playable = bool(self.ids())
        for key in ("play", "queue", "export"):
            self.buttons[key].setEnabled(playable)
        self.buttons["delete"].setEnabled(has)
        if has and result.rows:
            self.stack.setCurrentWidget(self.table)
            for col in range(self.model.columnCount() - 1):  # the last one stretches to the edge
                self.table.resizeColumnToContents(col)
                self.table.setColumnWidth(col, min(self.table.columnWidth(col), 320))
        else:
            self.message.setText(result.empty_reason if has and result.empty_reason else message)
            self.stack.setCurrentWidget(self.message)

    def ids(self) -> list[int]:
        return [r.id for r in self.model.rows if r.id >= 0]

    def selected_ids(self) -> list[int]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.model.rows[r].id for r in rows if self.model.rows[r].id >= 0]
