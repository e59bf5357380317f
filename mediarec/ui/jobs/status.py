"""The status bar's job area: what runs, a progress bar, rate and ETA, Pause/Resume and Cancel."""
from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from ...jobs import Progress
from .service import JobsService, progress_text


class JobStatus(QWidget):
    def __init__(self, jobs: JobsService, show_message, parent: QWidget | None = None):
        super().__init__(parent)
        self.jobs, self.show_message = jobs, show_message
        self.title = QLabel(self)
        self.title.setObjectName("jobTitle")
        self.progress = QProgressBar(self)
        self.progress.setFixedWidth(220)
        self.progress.setTextVisible(False)
        self.detail = QLabel(self)  # "12 / 300 · 4.1/s · 1:02 left"
        self.detail.setObjectName("jobDetail")
        self.pause_button = QPushButton("Pause", self)
        self.pause_button.clicked.connect(jobs.toggle_pause)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.clicked.connect(self.cancel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for w in (self.title, self.progress, self.detail, self.pause_button, self.cancel_button):
            layout.addWidget(w, 0, Qt.AlignmentFlag.AlignVCenter)
        jobs.started.connect(self._on_started)
        jobs.progressed.connect(self._on_progress)
        jobs.paused_changed.connect(self._on_paused)
        jobs.finished.connect(lambda t, r: show_message(f"{t} finished: {r.summary()}", 15000))
        jobs.failed.connect(lambda t, m: show_message(f"{t} failed: {m}", 30000))
        jobs.cancelled.connect(lambda t: show_message(f"{t} stopped; what was done so far is kept.", 8000))
        jobs.idle.connect(lambda: self._set_busy(False))
        self._set_busy(False)

    @Slot()
    def cancel(self) -> None:
        if self.jobs.busy:
            self.jobs.cancel()
            self.cancel_button.setEnabled(False)
            self.show_message("Stopping after the current file…", 8000)

    def _set_busy(self, busy: bool) -> None:
        self.setVisible(busy)
        self.cancel_button.setEnabled(busy)
        self.pause_button.setText("Pause")
        if busy:
            self.progress.setRange(0, 0)
            self.detail.clear()

    @Slot(str)
    def _on_started(self, title: str) -> None:
        self._set_busy(True)
        self.title.setText(title)

    @Slot(str, object)
    def _on_progress(self, _title: str, p: Progress) -> None:
        if p.total:
            self.progress.setRange(0, p.total)
            self.progress.setValue(p.done)
        else:
            self.progress.setRange(0, 0)
        self.detail.setText(progress_text(p))
        if p.message:
            self.show_message(p.message, 0)

    @Slot(bool)
    def _on_paused(self, paused: bool) -> None:
        self.pause_button.setText("Resume" if paused else "Pause")
        if paused:
            self.show_message("Paused: the files being read now finish first.", 0)
