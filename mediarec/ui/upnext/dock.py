"""UpNextDock: the header (what drives the list, autoplay, kind, exploration), the two-part list and, when the
list is empty or a fallback, the sentence that says why. Layout only; install() wires it to the service."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QComboBox, QHBoxLayout, QLabel, QListView, QSizePolicy, QSlider, QToolButton,
    QVBoxLayout, QWidget,
)

from .delegate import UpNextDelegate
from .service import KIND_LABELS


class UpNextDock(QWidget):
    def __init__(self, model, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("upNext")
        self.mode_label = QLabel("Your taste", self)
        self.mode_label.setObjectName("upNextMode")
        font = self.mode_label.font()
        font.setBold(True)
        self.mode_label.setFont(font)
        self.back_button = QToolButton(self)
        self.back_button.setText("Back to your taste")
        self.back_button.setToolTip("End the radio or journey; suggestions follow your taste again")
        self.back_button.setAutoRaise(True)
        self.autoplay = QCheckBox("Autoplay", self)
        self.autoplay.setChecked(True)
        self.autoplay.setToolTip("Play suggestions when your queue runs out")
        self.kind = QComboBox(self)
        for kind, label in KIND_LABELS.items():
            self.kind.addItem(label, kind)
        self.kind.setToolTip("What to suggest")
        # never narrower than its longest label ("Music and videos" was cut to "Music and" in a 300 px dock)
        self.kind.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.kind.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.exploration = QSlider(Qt.Orientation.Horizontal, self)
        self.exploration.setRange(0, 50)
        self.exploration.setToolTip("Exploration: how many picks try something new")
        self.exploration.setAccessibleName("Exploration")
        self.exploration.setMinimumWidth(60)
        self.list = QListView(self)
        self.list.setModel(model)
        self.list.setItemDelegate(UpNextDelegate(self.list))
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.list.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.list.setDropIndicatorShown(True)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.setUniformItemSizes(False)
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.empty = QLabel("", self)
        self.empty.setObjectName("upNextEmpty")
        self.empty.setWordWrap(True)
        self.empty.setTextFormat(Qt.TextFormat.PlainText)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setVisible(False)
        head = QHBoxLayout()
        head.addWidget(self.mode_label, 1)
        head.addWidget(self.back_button)
        controls = QHBoxLayout()
        controls.addWidget(self.autoplay)
        controls.addWidget(self.kind)
        controls.addStretch(1)
        explore = QHBoxLayout()  # a row of its own: beside the others it squeezed the kind's label
        explore.addWidget(QLabel("Explore", self))
        explore.addWidget(self.exploration, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(head)
        layout.addLayout(controls)
        layout.addLayout(explore)
        layout.addWidget(self.empty)
        layout.addWidget(self.list, 1)
        self.setMinimumWidth(300)

    def show_mode(self, text: str, mode: dict) -> None:
        self.mode_label.setText(text)
        self.back_button.setVisible(mode.get("mode") != "taste")
        for widget, value in ((self.autoplay, bool(mode.get("autoplay", True))),):
            widget.blockSignals(True)
            widget.setChecked(value)
            widget.blockSignals(False)
        self.kind.blockSignals(True)
        self.kind.setCurrentIndex(max(0, self.kind.findData(mode.get("kind") or "any")))
        self.kind.blockSignals(False)
        if mode.get("exploration") is not None:
            self.exploration.blockSignals(True)
            self.exploration.setValue(int(round(float(mode["exploration"]) * 100)))
            self.exploration.blockSignals(False)

    def show_empty(self, why: str) -> None:
        """A reason instead of a blank list (shown above a fallback list when there is one)."""
        self.empty.setText(why)
        self.empty.setVisible(bool(why))

    def selected_rows(self) -> list[int]:
        return sorted(i.row() for i in self.list.selectionModel().selectedRows())
