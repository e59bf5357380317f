"""TransportBar: previous, play/pause, stop (with "stop after this one"), next, seek with times, volume,
like and dislike, and what plays (title, artist, mood). Layout only; install() wires it to the controller."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout, QLabel, QMenu, QSizePolicy, QSlider, QStyle, QToolButton, QVBoxLayout, QWidget,
)

from ...humanize import fmt_duration


def clock(seconds: float) -> str:
    s = int(max(0.0, seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


class TransportBar(QWidget):
    seek_to = Signal(float)  # seconds, when the user lets go of the slider

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("transport")
        style = self.style()
        self.prev_button = self._button(style.standardIcon(QStyle.StandardPixmap.SP_MediaSkipBackward), "Previous")
        self.play_button = self._button(style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay), "Play (Space)")
        self.stop_button = self._button(style.standardIcon(QStyle.StandardPixmap.SP_MediaStop), "Stop")
        self.next_button = self._button(style.standardIcon(QStyle.StandardPixmap.SP_MediaSkipForward), "Next")
        self.stop_menu = QMenu(self)
        self.stop_after_action = self.stop_menu.addAction("Stop after this one")
        self.stop_after_action.setCheckable(True)
        self.stop_button.setMenu(self.stop_menu)
        self.stop_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.like_button = self._button(None, "Like: more like this in Up Next", "♥")
        self.dislike_button = self._button(None, "Dislike: fewer like this", "✕")
        self.title_label = QLabel("Nothing playing", self)
        self.title_label.setObjectName("nowTitle")
        font = self.title_label.font()
        font.setBold(True)
        self.title_label.setFont(font)
        self.detail_label = QLabel("", self)
        self.detail_label.setObjectName("nowDetail")
        for label in (self.title_label, self.detail_label):
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setMinimumWidth(180)
            label.setMaximumWidth(320)
            label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.elapsed = QLabel("0:00", self)
        self.total = QLabel("0:00", self)
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setRange(0, 0)
        self.slider.setAccessibleName("Seek")
        self.slider.setMinimumWidth(200)
        self.slider.sliderReleased.connect(lambda: self.seek_to.emit(self.slider.value() / 1000.0))
        self.volume = QSlider(Qt.Orientation.Horizontal, self)
        self.volume.setRange(0, 100)
        self.volume.setValue(80)
        self.volume.setFixedWidth(90)
        self.volume.setAccessibleName("Volume")
        self.volume.setToolTip("Volume")
        volume_icon = QLabel(self)
        volume_icon.setPixmap(style.standardIcon(QStyle.StandardPixmap.SP_MediaVolume).pixmap(16, 16))
        now = QVBoxLayout()
        now.setSpacing(0)
        now.addWidget(self.title_label)
        now.addWidget(self.detail_label)
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 2, 4, 2)
        for w in (self.prev_button, self.play_button, self.stop_button, self.next_button):
            row.addWidget(w)
        row.addSpacing(8)
        row.addLayout(now)
        row.addSpacing(8)
        row.addWidget(self.elapsed)
        row.addWidget(self.slider, 1)
        row.addWidget(self.total)
        row.addSpacing(8)
        row.addWidget(self.like_button)
        row.addWidget(self.dislike_button)
        row.addSpacing(8)
        row.addWidget(volume_icon)
        row.addWidget(self.volume)
        self.show_item(None)

    def _button(self, icon, tip: str, text: str = "") -> QToolButton:
        b = QToolButton(self)
        if icon is not None:
            b.setIcon(icon)
        if text:
            b.setText(text)
        b.setToolTip(tip)
        b.setAccessibleName(tip.split(":")[0].split(" (")[0])
        b.setAutoRaise(True)
        return b

    # --- what the controller reports -----------------------------------------------------------------
    def show_item(self, info: dict | None) -> None:
        has = info is not None
        for b in (self.like_button, self.dislike_button):
            b.setEnabled(has)
        self.slider.setEnabled(has)
        if not has:
            self.title_label.setText("Nothing playing")
            self.detail_label.setText("")
            self.show_position(0.0)
            self.show_duration(0.0)
            return
        title = info.get("title") or (info.get("path") or "").rsplit("/", 1)[-1]
        detail = " · ".join(x for x in (info.get("artist"), info.get("mood"),
                                         "video" if info.get("kind") == "video" else None) if x)
        self.title_label.setText(self._elide(self.title_label, title))
        self.title_label.setToolTip(info.get("path") or "")
        self.detail_label.setText(self._elide(self.detail_label, detail))
        if info.get("duration"):
            self.show_duration(float(info["duration"]))

    def _elide(self, label: QLabel, text: str) -> str:
        return label.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, label.maximumWidth())

    def show_state(self, state: str) -> None:
        icon = QStyle.StandardPixmap.SP_MediaPause if state == "playing" else QStyle.StandardPixmap.SP_MediaPlay
        self.play_button.setIcon(self.style().standardIcon(icon))
        self.play_button.setToolTip("Pause (Space)" if state == "playing" else "Play (Space)")

    def show_position(self, seconds: float) -> None:
        if not self.slider.isSliderDown():
            self.slider.setValue(int(seconds * 1000))
        self.elapsed.setText(clock(seconds))

    def show_duration(self, seconds: float) -> None:
        if seconds > 0 or self.slider.maximum() == 0:
            self.slider.setRange(0, int(seconds * 1000))
            self.total.setText(clock(seconds))
            self.total.setToolTip(fmt_duration(seconds))
