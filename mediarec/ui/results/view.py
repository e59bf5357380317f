"""ResultsPage: one list of results (more like this, a journey, a search) with its options and play/queue/export."""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QHBoxLayout, QHeaderView, QLabel,
                               QPushButton, QStackedWidget, QTableView, QVBoxLayout, QWidget)

from .lists import KIND_LABELS, SPACE_LABELS, ResultList
from .model import ID_ROLE, ResultsModel


BUSY_AFTER_MS = 150  # a list that comes sooner replaces the old one directly: no flash of "Finding…"


class ResultsPage(QWidget):
    """Layout only: the controller (install) connects these signals to the service and MediaActions."""
    options_changed = Signal(dict)         # {"space"|"kind"|"beyond": value}
    play_requested = Signal(list)          # ids in list order
    queue_requested = Signal(list)
    export_requested = Signal(list, str)   # ids, a playlist name
    menu_requested = Signal(list, object)  # selected ids, global position
    back_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.back_button = QPushButton("◀ Back")
        self.back_button.setToolTip("The list before this one")
        self.back_button.setEnabled(False)
        self.back_button.clicked.connect(self.back_requested.emit)
        self.heading = QLabel("Results")
        self.heading.setObjectName("resultsHeading")
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.heading.setFont(font)
        self.space = QComboBox()
        for key, label in SPACE_LABELS.items():
            self.space.addItem(label, key)
        self.space.setToolTip("Compare by how items sound, look, talk or feel, or by all of it")
        self.kind = QComboBox()
        for key, label in KIND_LABELS.items():
            self.kind.addItem(label, key)
        self.beyond = QCheckBox("Beyond this album and artist")
        self.space.currentIndexChanged.connect(lambda: self.options_changed.emit({"space": self.space.currentData()}))
        self.kind.currentIndexChanged.connect(lambda: self.options_changed.emit({"kind": self.kind.currentData()}))
        self.beyond.toggled.connect(lambda on: self.options_changed.emit({"beyond": on}))
        self.play_button = QPushButton("Play all")
        self.queue_button = QPushButton("Add all to queue")
        self.export_button = QPushButton("Export…")
        self.play_button.clicked.connect(lambda: self.play_requested.emit(self.ids()))
        self.queue_button.clicked.connect(lambda: self.queue_requested.emit(self.ids()))
        self.export_button.clicked.connect(lambda: self.export_requested.emit(self.ids(), self.heading.text()))
        self.model = ResultsModel(self)
        self.table = self._table()
        self.message = QLabel()
        self.message.setObjectName("resultsMessage")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.message)
        self.stack.addWidget(self.table)
        self.busy_timer = QTimer(self, singleShot=True, interval=BUSY_AFTER_MS)
        self.busy_timer.timeout.connect(lambda: self.show_message(self._busy_text))
        self._busy_text = ""
        self._layout()
        self.show_message("Right-click an item and choose “More like this”, start a journey, or search.")

    def _table(self) -> QTableView:
        table = QTableView(self)
        table.setModel(self.model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.verticalHeader().setVisible(False)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        table.horizontalHeader().setStretchLastSection(True)  # after the mode: the "Why" column takes the rest
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 10)
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(
            lambda pos: self.menu_requested.emit(self.selected_ids(), table.viewport().mapToGlobal(pos)))
        table.doubleClicked.connect(lambda index: self.play_requested.emit(self.ids()[index.row():]))
        return table

    def _layout(self) -> None:
        options = QHBoxLayout()
        self.space_label, self.kind_label = QLabel("Compare:"), QLabel("Show:")
        for w in (self.space_label, self.space, self.kind_label, self.kind, self.beyond):
            options.addWidget(w)
        options.addStretch(1)
        for w in (self.play_button, self.queue_button, self.export_button):
            options.addWidget(w)
        top = QHBoxLayout()
        top.addWidget(self.back_button)
        top.addWidget(self.heading, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(options)
        layout.addWidget(self.stack, 1)

    # --- what the controller calls -----------------------------------------------------------------------
    def set_back_available(self, available: bool) -> None:
        self.back_button.setEnabled(available)

    def set_beyond_available(self, available: bool, why: str = "") -> None:
        self.beyond.setEnabled(available)
        self.beyond.setToolTip("Leave out the item's own album and artist" if available else why)

    def show_busy(self, text: str) -> None:
        """Say what is being worked out, unless the answer comes within BUSY_AFTER_MS."""
        self._busy_text = text
        self.busy_timer.start()

    def show_result(self, result: ResultList) -> None:
        self.busy_timer.stop()
        self.heading.setText(result.title)
        similar = result.mode == "similar"
        for w in (self.space_label, self.space, self.beyond):
            w.setVisible(similar)
        for w in (self.kind_label, self.kind):
            w.setVisible(result.mode in ("similar", "search"))
        q = result.query
        for combo, key in ((self.space, q.get("space")), (self.kind, q.get("kind") or "any")):
            i = combo.findData(key)
            if i >= 0 and i != combo.currentIndex():
                combo.blockSignals(True)
                combo.setCurrentIndex(i)
                combo.blockSignals(False)
        self.beyond.blockSignals(True)
        self.beyond.setChecked(bool(q.get("beyond")))
        self.beyond.blockSignals(False)
        self.model.set_result(result)
        for b in (self.play_button, self.queue_button, self.export_button):
            b.setEnabled(bool(result.rows))
        if result.rows:
            self.stack.setCurrentWidget(self.table)
            for col in range(self.model.columnCount() - 1):  # the last one stretches to the edge
                self.table.resizeColumnToContents(col)
                self.table.setColumnWidth(col, min(self.table.columnWidth(col), 320))
        else:
            self.show_message(result.empty_reason or "Nothing to show.")

    def show_message(self, text: str) -> None:
        self.busy_timer.stop()
        self.message.setText(text)
        self.stack.setCurrentWidget(self.message)

    def ids(self) -> list[int]:
        return [r.id for r in self.model.rows]

    def selected_ids(self) -> list[int]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.model.rows[r].id for r in rows]
