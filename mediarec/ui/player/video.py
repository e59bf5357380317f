"""VideoPage: the page that shows a playing video (a QVideoWidget on black, with the title above it)."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtMultimediaWidgets import QVideoWidget
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

PAGE = "Now playing"


class VideoPage(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("videoPage")
        self.setStyleSheet("#videoPage { background: black; } #videoTitle { color: #e8e8e8; padding: 4px; }")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.title = QLabel("", self)
        self.title.setObjectName("videoTitle")
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.video = QVideoWidget(self)
        self.video.setAspectRatioMode(Qt.AspectRatioMode.KeepAspectRatio)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.title)
        layout.addWidget(self.video, 1)

    def show_item(self, info: dict | None) -> None:
        if info is None:
            self.title.setText("")
            return
        self.title.setText(" — ".join(x for x in (info.get("title"), info.get("artist")) if x)
                           or (info.get("path") or "").rsplit("/", 1)[-1])
