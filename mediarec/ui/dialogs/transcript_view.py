"""TranscriptView: an item's timed transcript; clicking a segment asks the player to play from its start."""
from __future__ import annotations

import bisect
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget


def clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


class TranscriptView(QDialog):
    seek = Signal(int, float)  # media id, seconds

    def __init__(self, media_id: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.media_id = int(media_id)
        self.starts: list[float] = []
        self.setWindowTitle("Transcript")
        self.resize(620, 520)
        self.heading = QLabel("Loading the transcript…")
        self.heading.setWordWrap(True)
        self.segments = QListWidget()
        self.segments.setWordWrap(True)
        self.segments.setAlternatingRowColors(True)
        self.segments.setSpacing(3)
        self.segments.itemClicked.connect(self._clicked)
        self.segments.itemActivated.connect(self._clicked)
        self.empty = QLabel()
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for w in (self.heading, self.segments, self.empty, buttons):
            layout.addWidget(w)

    def show_transcript(self, doc: dict[str, Any]) -> None:
        segs = doc["segments"]
        self.heading.setText(f"<b>{doc['title']}</b> — click a line to play from there")
        self.segments.clear()
        self.starts = [float(s[0]) for s in segs]
        for start, end, text in segs:
            item = QListWidgetItem(f"{clock(start)}   {text.strip()}")
            item.setData(Qt.ItemDataRole.UserRole, float(start))
            item.setToolTip(f"{clock(start)}–{clock(end)}")
            self.segments.addItem(item)
        if not segs:
            self.heading.setText(f"<b>{doc['title']}</b>")
            self.empty.setText("No speech was found in this file." if doc["state"] == "none" else
                               "Not transcribed yet: the transcript appears once analysis reaches this file.")
        self.segments.setVisible(bool(segs))
        self.empty.setVisible(not segs)

    def show_error(self, text: str) -> None:
        self.segments.hide()
        self.empty.setText(f"Could not read the transcript: {text}")
        self.empty.show()

    def follow(self, seconds: float) -> None:
        """Mark the segment playing at `seconds` (the player is on this item) and keep it in view."""
        row = bisect.bisect_right(self.starts, seconds) - 1
        if row >= 0 and row != self.segments.currentRow():
            self.segments.setCurrentRow(row)
            self.segments.scrollToItem(self.segments.item(row))

    def _clicked(self, item: QListWidgetItem) -> None:
        self.seek.emit(self.media_id, float(item.data(Qt.ItemDataRole.UserRole)))
