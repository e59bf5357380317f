"""The Problems view: every file that failed a stage (file_status), why, and Retry / Ignore for a selection."""
from __future__ import annotations

import os
import time
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView, QApplication, QCheckBox, QHBoxLayout, QHeaderView, QLabel, QPushButton, QTreeView,
    QVBoxLayout, QWidget,
)

KIND_TEXT = {"not_found": "missing", "no_access": "no permission", "unsupported": "not a media file",
             "corrupt": "damaged", "timeout": "took too long", "crash": "crashed the reader", "io": "read error",
             "extract": "analysis failed", "bug": "internal error", "play": "would not play"}
ROW_ROLE = Qt.ItemDataRole.UserRole + 3


def stage_text(stage: str) -> str:
    if stage.startswith("analyze:"):
        return "analysis (" + stage.split(":", 1)[1] + ")"
    return {"scan": "scan", "probe": "reading tags", "play": "playback"}.get(stage, stage)


COLUMNS = ("File", "Folder", "While", "Problem", "Details", "Tries", "When")


class ProblemsModel(QAbstractTableModel):
    """file_status rows as a table; a new list is one reset (no per-row widgets: thousands stay instant)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[dict[str, Any]] = []

    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 (Qt API)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        r = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return cell(r, index.column())
        if role == Qt.ItemDataRole.ToolTipRole:
            return r["message"] if index.column() == 4 else r["path"]
        if role == Qt.ItemDataRole.ForegroundRole and r.get("ignored"):
            return QApplication.palette().placeholderText()
        if role == ROW_ROLE:
            return (r["path"], r["stage"])
        return None


def cell(r: dict[str, Any], column: int) -> str:
    folder, name = os.path.split(r["path"])
    if column == 0:
        return name
    if column == 1:
        return folder
    if column == 2:
        return stage_text(r["stage"])
    if column == 3:
        return KIND_TEXT.get(r["kind"], r["kind"]) + (" (ignored)" if r.get("ignored") else "")
    if column == 4:
        return r["message"]
    if column == 5:
        return str(r["attempts"])
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(r["ts"]))


class ProblemsView(QWidget):
    retry_requested = Signal(list)  # paths
    ignore_requested = Signal(list, bool)  # [(path, stage)], ignored
    show_ignored_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = ProblemsModel(self)
        self.tree = QTreeView(self)
        self.tree.setObjectName("problemsTree")
        self.tree.setModel(self.model)
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setAlternatingRowColors(True)
        header = self.tree.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for col, width in enumerate((220, 200, 130, 120, 320, 44)):
            self.tree.setColumnWidth(col, width)
        self.empty = QLabel("No problems: every file was read and analysed.", self)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.retry_button = QPushButton("Retry", self)
        self.retry_button.setToolTip("Forget the failure and read or analyse the file again")
        self.ignore_button = QPushButton("Ignore", self)
        self.ignore_button.setToolTip("Hide it here; an unchanged file is not tried again")
        self.show_ignored = QCheckBox("Show ignored", self)
        self.retry_button.clicked.connect(lambda: self.retry_requested.emit(sorted({p for p, _s in self.selected()})))
        self.ignore_button.clicked.connect(self._ignore)
        self.show_ignored.toggled.connect(self.show_ignored_changed)
        self.tree.selectionModel().selectionChanged.connect(lambda *_: self._selection())
        buttons = QHBoxLayout()
        for w in (self.retry_button, self.ignore_button):
            buttons.addWidget(w)
        buttons.addStretch(1)
        buttons.addWidget(self.show_ignored)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.empty)
        layout.addWidget(self.tree)
        self.set_rows([])

    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        self.model.set_rows(rows)
        self.empty.setVisible(not rows)
        self.tree.setVisible(bool(rows))
        self._selection()

    def selected(self) -> list[tuple[str, str]]:
        return [i.data(ROW_ROLE) for i in self.tree.selectionModel().selectedRows()]

    def _selected_ignored(self) -> bool:
        rows = [self.model.rows[i.row()] for i in self.tree.selectionModel().selectedRows()]
        return bool(rows) and all(r.get("ignored") for r in rows)

    def _ignore(self) -> None:
        rows = self.selected()
        if rows:
            self.ignore_requested.emit(rows, not self._selected_ignored())

    def _selection(self) -> None:
        has = bool(self.tree.selectionModel().selectedRows())
        self.retry_button.setEnabled(has)
        self.ignore_button.setEnabled(has)
        self.ignore_button.setText("Show again" if self._selected_ignored() else "Ignore")
