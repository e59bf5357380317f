"""ExportDialog: write a list of items as an M3U8, XSPF or PLS playlist (relative or absolute), where the user says."""
from __future__ import annotations

import os
import re

from PySide6.QtCore import QStandardPaths, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout,
                               QHBoxLayout, QLabel, QLineEdit, QPushButton, QRadioButton, QVBoxLayout, QWidget)

FORMATS = (("m3u8", "M3U8 (most players)"), ("xspf", "XSPF (XML, keeps titles)"), ("pls", "PLS (Winamp style)"))


def safe_name(title: str) -> str:
    """A file name from a list's title ("More like X" -> "More like X"), without path separators."""
    name = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', " ", title).strip(" .")
    return name[:120] or "playlist"


class ExportDialog(QDialog):
    """Layout and the user's choices; `export_requested(path, relative, save_as)` asks the service to write."""
    export_requested = Signal(str, bool, str)

    def __init__(self, title: str, count: int, default_format: str = "m3u8", relative: bool = False,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Export as playlist")
        self.setMinimumWidth(560)
        self.summary = QLabel(f"<b>{title or 'Playlist'}</b>: {count} item{'s' if count != 1 else ''}")
        self.format = QComboBox()
        for key, label in FORMATS:
            self.format.addItem(label, key)
        self.format.setCurrentIndex(max(0, self.format.findData(default_format)))
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.MusicLocation) or os.path.expanduser("~")
        self.destination = QLineEdit(os.path.join(folder, f"{safe_name(title)}.{self.format.currentData()}"))
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._browse)
        where = QHBoxLayout()
        where.addWidget(self.destination, 1)
        where.addWidget(browse)
        self.absolute = QRadioButton("Absolute paths (the playlist works from anywhere on this computer)")
        self.relative = QRadioButton("Relative to the playlist's folder (for a playlist that travels with the files)")
        (self.relative if relative else self.absolute).setChecked(True)
        self.keep = QCheckBox("Also keep it in Playlists")
        self.keep_name = QLineEdit(title)
        self.keep_name.setEnabled(False)
        self.keep.toggled.connect(self.keep_name.setEnabled)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.format.currentIndexChanged.connect(self._format_changed)
        form = QFormLayout()
        form.addRow("Format:", self.format)
        form.addRow("Save to:", where)
        form.addRow("Paths:", self.absolute)
        form.addRow("", self.relative)
        form.addRow(self.keep, self.keep_name)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self._export)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for w in (self.summary,):
            layout.addWidget(w)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)

    def _format_changed(self) -> None:
        base, _ = os.path.splitext(self.destination.text())
        self.destination.setText(f"{base}.{self.format.currentData()}")

    def _browse(self) -> None:
        ext = self.format.currentData()
        path, _ = QFileDialog.getSaveFileName(self, "Export playlist", self.destination.text(),
                                              f"{ext.upper()} playlist (*.{ext})")
        if path:
            self.destination.setText(path if os.path.splitext(path)[1] else f"{path}.{ext}")

    def _export(self) -> None:
        path = self.destination.text().strip()
        if not path:
            self.show_error("Choose where to save the playlist.")
            return
        self.export_button.setEnabled(False)
        self.status.setText("Writing…")
        save_as = self.keep_name.text().strip() if self.keep.isChecked() else ""
        self.export_requested.emit(os.path.expanduser(path), self.relative.isChecked(), save_as)

    def show_error(self, text: str) -> None:
        self.export_button.setEnabled(True)
        self.status.setStyleSheet("color: #b00020;")
        self.status.setText(text)
