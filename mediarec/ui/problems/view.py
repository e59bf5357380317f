"""The Problems view: every file that failed a stage (file_status), why, and Retry / Ignore for a selection."""
from __future__ import annotations

import os
import time
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QHBoxLayout, QHeaderView, QLabel, QPushButton, QTreeWidget, QTreeWidgetItem,
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


class ProblemsView(QWidget):
    retry_requested = Signal(list)  # paths
    ignore_requested = Signal(list, bool)  # [(path, stage)], ignored
    show_ignored_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("problemsTree")
        self.tree.setHeaderLabels(["File", "Folder", "While", "Problem", "Details", "Tries", "When"])
        self.tree.setRootIsDecorated(False)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
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
        self.tree.itemSelectionChanged.connect(self._selection)
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
        self.tree.clear()
        for r in rows:
            folder, name = os.path.split(r["path"])
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(r["ts"]))
            item = QTreeWidgetItem([name, folder, stage_text(r["stage"]), KIND_TEXT.get(r["kind"], r["kind"]),
                                    r["message"], str(r["attempts"]), when])
            item.setData(0, ROW_ROLE, (r["path"], r["stage"]))
            item.setToolTip(0, r["path"])
            item.setToolTip(4, r["message"])
            if r.get("ignored"):
                for col in range(item.columnCount()):
                    item.setForeground(col, self.palette().placeholderText())
                item.setText(3, item.text(3) + " (ignored)")
            self.tree.addTopLevelItem(item)
        self.empty.setVisible(not rows)
        self.tree.setVisible(bool(rows))
        self._selection()

    def selected(self) -> list[tuple[str, str]]:
        return [i.data(0, ROW_ROLE) for i in self.tree.selectedItems()]

    def _ignore(self) -> None:
        rows = self.selected()
        if rows:
            unignore = self.show_ignored.isChecked() and all(
                i.text(3).endswith("(ignored)") for i in self.tree.selectedItems())
            self.ignore_requested.emit(rows, not unignore)

    def _selection(self) -> None:
        has = bool(self.tree.selectedItems())
        self.retry_button.setEnabled(has)
        self.ignore_button.setEnabled(has)
        if has and all(i.text(3).endswith("(ignored)") for i in self.tree.selectedItems()):
            self.ignore_button.setText("Show again")
        else:
            self.ignore_button.setText("Ignore")
