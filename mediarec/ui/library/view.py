"""A library page (Music, Videos, Everything): a filter box over a lazily filled table, with the one context
menu, double-click to play from that row on, and Ctrl+Return to queue the selection."""
from __future__ import annotations

from PySide6.QtCore import QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QTableView, QVBoxLayout, QWidget,
)

from ..actions import MediaActions
from .model import LibraryTableModel
from .service import LibraryService

WIDTHS = {"title": 280, "artist": 160, "album": 160, "duration": 64, "kind": 60, "mood": 80, "tempo": 56,
          "added": 90, "plays": 50, "skips": 50}


class LibraryView(QWidget):
    searched = Signal(str)  # the core search (tags, transcripts and meaning, ranked) was run: Enter in the box

    def __init__(self, name: str, service: LibraryService, actions: MediaActions, kind: str | None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.name, self.service, self.actions = name, service, actions
        self.model = LibraryTableModel(service, kind, self)
        self.filter = QLineEdit(self)
        self.filter.setObjectName("libraryFilter")
        self.filter.setClearButtonEnabled(True)
        self.filter.setPlaceholderText(
            "Filter by title, artist, album, folder, words spoken…   Enter: search by meaning too")
        self.info = QLabel(self)
        self.info.setObjectName("libraryInfo")
        self.table = QTableView(self)
        self.table.setObjectName("libraryTable")
        self._build_table()
        top = QHBoxLayout()
        top.addWidget(self.filter, 1)
        top.addWidget(self.info)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addLayout(top)
        layout.addWidget(self.table)
        self._debounce = QTimer(self, singleShot=True, interval=120)
        self._debounce.timeout.connect(self._apply_filter)
        self.filter.textChanged.connect(lambda _t: self._debounce.start())
        self.filter.returnPressed.connect(self.search)
        self.model.total_changed.connect(self._show_total)
        self._started = False

    def _build_table(self) -> None:
        t = self.table
        t.setModel(self.model)
        t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        t.setAlternatingRowColors(True)
        t.setWordWrap(False)
        t.setDragEnabled(True)
        t.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        t.verticalHeader().setVisible(False)
        t.verticalHeader().setDefaultSectionSize(max(self.fontMetrics().height() + 8, 40 if self._has_video() else 0))
        t.setIconSize(QSize(64, 36))
        header = t.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        from ...library.browse import COLUMNS

        for col, key in enumerate(COLUMNS):
            if key in WIDTHS:
                t.setColumnWidth(col, WIDTHS[key])
        t.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        t.customContextMenuRequested.connect(self._context_menu)
        t.doubleClicked.connect(lambda index: self.play_from(index.row()))
        queue = QShortcut(QKeySequence("Ctrl+Return"), t, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        queue.activated.connect(self.enqueue_selection)

    def _has_video(self) -> bool:
        return self.model.query.kind != "audio"

    # --- lifecycle: the first page is read when the page is first shown ---------------------------------------
    def start(self) -> None:
        if not self._started:
            self._started = True
            state = QSettings().value(f"library/{self.name}/header")
            if state is not None:
                self.table.horizontalHeader().restoreState(state)
            self.table.setSortingEnabled(True)  # sorts (and so reads the first page) by the header's column
            if self.model.rowCount() == 0 and self.model.canFetchMore():
                self.model.fetchMore()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        self.start()
        super().showEvent(event)

    def save_layout(self) -> None:
        QSettings().setValue(f"library/{self.name}/header", self.table.horizontalHeader().saveState())

    def refresh(self) -> None:
        if self._started:
            self.model.refresh()

    # --- behaviour -----------------------------------------------------------------------------------------
    def selected_ids(self) -> list[int]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.model.row_id(r) for r in rows]

    def _context_menu(self, pos) -> None:
        index = self.table.indexAt(pos)
        if index.isValid() and not self.table.selectionModel().isRowSelected(index.row(), index.parent()):
            self.table.selectRow(index.row())
        menu = self.actions.context_menu(self.selected_ids(), self, self.filter.text().strip() or self.name)
        menu.popup(self.table.viewport().mapToGlobal(pos))

    def play_from(self, row: int) -> None:
        """Play this row; Up Next goes on from it. (Handing the player every row that follows filled the
        user's queue with up to a thousand items on each double-click; "Play" on a selection plays the
        selection in order.)"""
        if row < 0:
            return
        self.actions.play_now.emit([self.model.row_id(row)])

    def enqueue_selection(self) -> None:
        ids = self.selected_ids()
        if ids:
            self.actions.enqueue.emit(ids)

    def search(self) -> None:
        """Enter: the core search over tags, transcripts and meaning; results replace the table until the
        filter changes."""
        text = self.filter.text().strip()
        if not text:
            return
        self._debounce.stop()
        self.info.setText("Searching…")
        self.service.search(text, self.model.query.kind, self._on_results, self._on_search_error)
        self.searched.emit(text)

    def _on_results(self, rows) -> None:
        self.model.show_rows(rows)
        self.info.setText(f"{len(rows)} found in tags, transcripts and meaning")

    def _on_search_error(self, message: str) -> None:
        self.info.setText(message)

    def _apply_filter(self) -> None:
        text = self.filter.text().strip()
        if text != self.model.query.text or self.model.showing_results:
            self.info.setText("")  # the old total would be wrong until the new one is counted (after a pause)
        self.model.set_filter(text)

    def _show_total(self, n: int) -> None:
        if not self.model.showing_results:
            noun = "item" if n == 1 else "items"
            self.info.setText(f"{n:,} {noun}" + (" match" if self.model.query.text else ""))
