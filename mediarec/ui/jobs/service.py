"""JobsService ("jobs" in AppContext.services): the app's background jobs as one QObject.

Scan, analysis and index rebuild run one after another on a pool thread (JobController); this turns them
into signals the status bar and the views follow, and into the calls other parts make: `scan(folders)`,
`analyse()`, `rebuild_index()`, `cancel()`, `toggle_pause()` and `analyse_first(media_id)` (the player asks
for the item it plays). Small reads (how much is left to analyse) go through a ServiceBridge, never the GUI
thread."""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal, Slot

from ...jobs import Progress
from ...paths import AppPaths
from ...settings import Settings
from ..bridges.service import ServiceBridge
from . import core_jobs
from .controller import JobController

SCAN, ANALYZE, INDEX = "Scanning", "Analysing", "Indexing"


class JobsService(QObject):
    started = Signal(str)  # title
    progressed = Signal(str, object)  # title, Progress
    finished = Signal(str, object)  # title, the job's report
    failed = Signal(str, str)  # title, one-line message
    cancelled = Signal(str)  # title
    paused_changed = Signal(bool)
    idle = Signal()
    library_changed = Signal(str)  # title of the job whose results are now in the library

    def __init__(self, paths: AppPaths, settings: Settings, parent: QObject | None = None):
        super().__init__(parent)
        self.paths, self.settings = paths, settings
        self.analyze_only: list[str] | None = None  # None: every extractor (tests narrow it)
        self.analyze_modules: tuple[str, ...] = ()
        self.controller = JobController(self)
        self.bridge = ServiceBridge(paths.db, "jobs", self)
        self._first = None  # the queued or running analysis' FirstIds
        c = self.controller
        c.started.connect(self.started)
        c.progressed.connect(self.progressed)
        c.failed.connect(self.failed)
        c.paused_changed.connect(self.paused_changed)
        c.idle.connect(self.idle)
        c.finished.connect(self._on_finished)
        c.cancelled.connect(self._on_cancelled)
        c.failed.connect(self._on_failed)

    # --- state ----------------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.controller.busy

    @property
    def title(self) -> str:
        return self.controller.title

    @property
    def paused(self) -> bool:
        return self.controller.paused

    # --- starting work ----------------------------------------------------------------------------------
    def scan(self, add: list[str] | None = None) -> None:
        """Add these folders and scan only them (a folder added is all that changed); with none, rescan every
        library folder."""
        db_path, settings, folders = self.paths.db, self.settings, list(add or [])
        self.controller.run(SCAN, lambda token: core_jobs.scan_job(db_path, settings, folders, token))

    def analyse(self) -> None:
        paths, settings, only, modules = self.paths, self.settings, self.analyze_only, self.analyze_modules
        if self._first is None:  # one FirstIds per analysis, shared with analyse_first while it runs
            self._first = core_jobs.first_ids()
        first = self._first
        self.controller.run(ANALYZE, lambda token: core_jobs.analyze_job(paths, settings, only, modules, token, first))

    def rebuild_index(self) -> None:
        paths = self.paths
        self.controller.run(INDEX, lambda token: core_jobs.index_job(paths, token))

    def analyse_first(self, media_id: int) -> None:
        """The item being played is analysed before the rest (starts an analysis when none runs)."""
        if self._first is None:
            self._first = core_jobs.first_ids()
        self._first.add(int(media_id))
        self.analyse()

    def pending_analysis(self, on_done) -> None:
        """Ask (off the GUI thread) how many files still need analysis; `on_done(n)` gets the answer."""
        only = self.analyze_only
        self.bridge.submit(lambda ctx: core_jobs.pending_analysis(ctx.lib, only), on_done, key="pending")

    def start(self) -> None:
        """The app is shown: analysis interrupted by closing the app goes on (see workflow.py)."""
        workflow = getattr(self, "workflow", None)
        if workflow is not None:
            workflow.resume()

    # --- controlling work -----------------------------------------------------------------------------
    @Slot()
    def cancel(self) -> None:
        self.controller.cancel()

    @Slot()
    def toggle_pause(self) -> None:
        self.controller.toggle_pause()

    def shutdown(self) -> None:
        """On close: cancel, wait for the job to commit what it has, stop the query thread."""
        self.controller.shutdown()
        self.bridge.close()

    # --- results ----------------------------------------------------------------------------------------
    def _on_finished(self, title: str, report) -> None:
        if title == ANALYZE:
            self._first = None
        self.library_changed.emit(title)
        self.finished.emit(title, report)

    def _on_failed(self, title: str, _message: str) -> None:
        if title == ANALYZE:
            self._first = None
        self.library_changed.emit(title)

    def _on_cancelled(self, title: str) -> None:
        if title == ANALYZE:
            self._first = None
        self.library_changed.emit(title)
        self.cancelled.emit(title)


def progress_text(p: Progress) -> str:
    """"12 / 300 · 4.1/s · 1 min left" (what the status bar shows next to the bar)."""
    from ...humanize import fmt_duration

    parts = []
    if p.total:
        parts.append(f"{p.done} / {p.total}")
    if p.rate:
        parts.append(f"{p.rate:.1f}/s" if p.rate < 10 else f"{p.rate:.0f}/s")
    if p.eta is not None and p.total and p.done < p.total:
        parts.append(f"{fmt_duration(p.eta)} left")
    return " · ".join(parts)
