"""The scan -> analyse -> index workflow and the start-up resume, decided here rather than in the window.

A finished scan starts an analysis (when auto-analysis is on), an analysis that stored results starts an
index rebuild, and at start-up an analysis that was interrupted by closing the app goes on where it stopped."""
from __future__ import annotations

from PySide6.QtCore import QObject

from .service import ANALYZE, SCAN, JobsService


class Workflow(QObject):
    def __init__(self, jobs: JobsService, auto_analyze: bool = True, parent: QObject | None = None):
        super().__init__(parent or jobs)
        self.jobs, self.auto_analyze = jobs, auto_analyze
        jobs.finished.connect(self._on_finished)

    def _on_finished(self, title: str, report) -> None:
        if title == SCAN and self.auto_analyze:
            self.jobs.analyse()
        elif title == ANALYZE and getattr(report, "results", None):
            self.jobs.rebuild_index()

    def resume(self) -> None:
        """At start-up: analyse what is left (asked off the GUI thread; nothing starts when nothing is left)."""
        if self.auto_analyze:
            self.jobs.pending_analysis(lambda n: n and not self.jobs.busy and self.jobs.analyse())
