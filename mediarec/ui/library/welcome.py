"""The first-run welcome view: asks for the music and video folders, then hands them to the jobs to scan."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget


class WelcomeView(QWidget):
    folders_chosen = Signal(list)  # absolute folder paths to add and scan

    def __init__(self, parent: QWidget | None = None, pick: Callable[[str], str] | None = None):
        super().__init__(parent)
        self._pick = pick or self._dialog
        title = QLabel("<h2>Welcome to mediarec</h2>", self)
        text = QLabel(
            "mediarec plays your music and videos and learns what you like, entirely on this computer.<br>"
            "Add the folders where they live; they are read in the background and analysed so that "
            "<i>Up next</i> and <i>More like this</i> can work.", self)
        text.setWordWrap(True)
        text.setFixedWidth(560)  # a wrapped label centred in a layout otherwise shrinks and clips its text
        text.setMinimumHeight(text.heightForWidth(560))
        self.music_button = QPushButton("Add music folder…", self)
        self.video_button = QPushButton("Add video folder…", self)
        self.music_button.clicked.connect(lambda: self._choose("Choose your music folder", "Music"))
        self.video_button.clicked.connect(lambda: self._choose("Choose your video folder", "Videos"))
        self.defaults = [str(p) for p in (Path.home() / "Music", Path.home() / "Videos") if p.is_dir()]
        self.defaults_button = QPushButton("Use " + " and ".join(self.defaults), self)
        self.defaults_button.setVisible(bool(self.defaults))
        self.defaults_button.clicked.connect(lambda: self.folders_chosen.emit(list(self.defaults)))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for b in (self.music_button, self.video_button):
            b.setMinimumHeight(36)
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        for w in (title, text):
            layout.addWidget(w, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(16)
        layout.addLayout(buttons)
        layout.addWidget(self.defaults_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)

    def _choose(self, caption: str, default: str) -> None:
        folder = self._pick(caption) if self._pick is not self._dialog else self._dialog(caption, default)
        if folder:
            self.folders_chosen.emit([folder])

    def _dialog(self, caption: str, default: str = "") -> str:
        start = Path.home() / default
        return QFileDialog.getExistingDirectory(self, caption, str(start if start.is_dir() else Path.home()))
