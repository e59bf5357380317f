"""JourneyDialog: pick a start (the playing item or a chosen one), a destination, waypoints and a length."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QDialog, QFormLayout, QHBoxLayout, QLabel,
                               QListWidget, QListWidgetItem, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from ..results.lists import KIND_LABELS
from .item_chooser import Finder, ItemChooser, item_label

DEFAULT_LENGTH = 12


class JourneyDialog(QDialog):
    """`plan_requested(a, b, via, n, kind, play)`: the service plans it, shows it, and plays it if `play`."""
    plan_requested = Signal(int, int, list, int, str, bool)

    def __init__(self, find: Finder, start: dict[str, Any] | None, destination: dict[str, Any] | None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Journey")
        self.setMinimumWidth(600)
        self.find = find
        self.start: dict[str, Any] | None = None
        self.destination: dict[str, Any] | None = None
        self.start_label, self.destination_label = QLabel(), QLabel()
        self.waypoints = QListWidget()
        self.waypoints.setMinimumHeight(90)
        self.waypoints.setMaximumHeight(150)
        self.length = QSpinBox()
        self.length.setRange(2, 200)
        self.length.setValue(DEFAULT_LENGTH)
        self.length.setSuffix(" items")
        self.kind = QComboBox()
        for key, label in KIND_LABELS.items():
            self.kind.addItem(label, key)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self._build()
        self.set_start(start)
        self.set_destination(destination)

    def _build(self) -> None:
        form = QFormLayout()
        form.addRow("From:", self._with_button(self.start_label, "Change…", self.choose_start))
        form.addRow("To:", self._with_button(self.destination_label, "Change…", self.choose_destination))
        way = QVBoxLayout()
        way.addWidget(self.waypoints)
        row = QHBoxLayout()
        for text, slot in (("Add…", self.choose_waypoint), ("Remove", self.remove_waypoint),
                           ("Move up", lambda: self.move_waypoint(-1)), ("Move down", lambda: self.move_waypoint(1))):
            b = QPushButton(text)
            b.clicked.connect(slot)
            row.addWidget(b)
        row.addStretch(1)
        way.addLayout(row)
        form.addRow("Via:", way)
        form.addRow("Length:", self.length)
        form.addRow("Show:", self.kind)
        self.show_button = QPushButton("Show list")
        self.show_button.setToolTip("Plan it and show it on the results page, without playing")
        self.play_button = QPushButton("Play journey")
        self.play_button.setDefault(True)
        close = QPushButton("Close")
        self.show_button.clicked.connect(lambda: self._plan(False))
        self.play_button.clicked.connect(lambda: self._plan(True))
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for b in (self.show_button, self.play_button, close):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        intro = QLabel("A journey moves smoothly from one item to another, through the waypoints, in order.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addLayout(buttons)

    @staticmethod
    def _with_button(label: QLabel, text: str, slot) -> QHBoxLayout:
        box = QHBoxLayout()
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.addWidget(label, 1)
        button = QPushButton(text)
        button.clicked.connect(slot)
        box.addWidget(button)
        return box

    # --- choosing ---------------------------------------------------------------------------------------------
    def set_start(self, row: dict[str, Any] | None) -> None:
        self.start = row
        self.start_label.setText(item_label(row) if row else "<i>Choose where the journey starts</i>")
        self._update()

    def set_destination(self, row: dict[str, Any] | None) -> None:
        self.destination = row
        self.destination_label.setText(item_label(row) if row else "<i>Choose where it ends</i>")
        self._update()

    def add_waypoint(self, row: dict[str, Any]) -> None:
        item = QListWidgetItem(item_label(row))
        item.setData(Qt.ItemDataRole.UserRole, row)
        self.waypoints.addItem(item)
        self.waypoints.setCurrentItem(item)
        self._update()

    def remove_waypoint(self) -> None:
        row = self.waypoints.currentRow()
        if row >= 0:
            self.waypoints.takeItem(row)
        self._update()

    def move_waypoint(self, step: int) -> None:
        row = self.waypoints.currentRow()
        to = row + step
        if row < 0 or not 0 <= to < self.waypoints.count():
            return
        item = self.waypoints.takeItem(row)
        self.waypoints.insertItem(to, item)
        self.waypoints.setCurrentRow(to)

    def via(self) -> list[int]:
        return [self.waypoints.item(i).data(Qt.ItemDataRole.UserRole)["id"] for i in range(self.waypoints.count())]

    def _chooser(self, title: str, slot) -> ItemChooser:
        chooser = ItemChooser(self.find, title, self)
        chooser.chosen.connect(slot)
        chooser.open()
        self.chooser = chooser  # the open one (tests and screenshots reach it here)
        return chooser

    def choose_start(self) -> ItemChooser:
        return self._chooser("Start the journey at…", self.set_start)

    def choose_destination(self) -> ItemChooser:
        return self._chooser("End the journey at…", self.set_destination)

    def choose_waypoint(self) -> ItemChooser:
        return self._chooser("Pass through…", self.add_waypoint)

    # --- planning ---------------------------------------------------------------------------------------------
    def _stops_problem(self) -> str:
        if self.start is None or self.destination is None:
            return "Choose a start and a destination."
        stops = [self.start["id"], *self.via(), self.destination["id"]]
        if len(set(stops)) != len(stops):
            return "The start, the destination and each waypoint must all be different items."
        return ""

    def _update(self) -> None:
        if not hasattr(self, "play_button"):
            return
        problem = self._stops_problem()
        for b in (self.play_button, self.show_button):
            b.setEnabled(not problem)
        self.length.setMinimum(2 + self.waypoints.count())
        self.status.setText(problem)

    def _plan(self, play: bool) -> None:
        if self._stops_problem():
            return
        self.status.setText("Planning the journey…")
        self.plan_requested.emit(self.start["id"], self.destination["id"], self.via(), self.length.value(),
                                 self.kind.currentData(), play)

    def planned(self, count: int, play: bool) -> None:
        self.status.setText(f"{'Playing' if play else 'Showing'} a journey of {count} items.")
