"""The main window: the library table, Add folder / Rescan / Analyse, and a status bar with progress,
ETA, pause and cancel for the background job."""
from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QSortFilterProxyModel, Qt, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView, QDockWidget, QFileDialog, QHeaderView, QLabel, QLineEdit, QMainWindow, QMenu, QMessageBox, QProgressBar,
    QPushButton, QTableView, QToolBar, QVBoxLayout, QWidget,
)

from ..humanize import fmt_duration, plural
from ..jobs import CancelToken, Progress
from ..library import Library
from ..paths import AppPaths
from ..extract.plan import plan
from ..extract.runner import analyze
from ..scan.scanner import scan
from ..settings import Settings
from .job_controller import JobController
from .library_model import SORT_ROLE, LibraryTableModel

log = logging.getLogger(__name__)


def scan_job(db_path: Path, settings: Settings, add: list[str], token: CancelToken):
    """Runs on the pool thread with its own connection (SQLite connections stay in their thread)."""
    with Library(db_path) as lib:
        for path in add:
            lib.roots.add(path)
        report = yield from scan(lib, settings.scan, token)
    return report


def analyze_job(paths: AppPaths, settings: Settings, only: list[str] | None, modules: tuple[str, ...],
                token: CancelToken):
    with Library(paths.db) as lib:
        report = yield from analyze(lib, paths, settings, only=only, cancel=token, modules=modules)
    return report


def index_job(paths: AppPaths, token: CancelToken):
    """Rebuild stale similarity indexes (new items are searched exactly until this lands)."""
    from ..index import rebuild

    yield Progress(0, None, "Updating the similarity indexes…")
    token.check()
    with Library(paths.db) as lib:
        result = rebuild(lib, paths.index_dir)
    return IndexReport(result)


class IndexReport:
    def __init__(self, result: dict):
        self.result = result

    def summary(self) -> str:
        built = [f"{n} ({r['items']})" for n, r in self.result.items() if r.get("action") == "built"]
        return ("rebuilt " + ", ".join(built)) if built else "indexes already current"


SCAN, ANALYZE, INDEX = "Scanning", "Analysing", "Indexing"


class MainWindow(QMainWindow):
    def __init__(self, paths: AppPaths, settings: Settings, lib: Library, auto_analyze: bool = True):
        super().__init__()
        self.paths, self.settings, self.lib = paths, settings, lib
        self.auto_analyze = auto_analyze
        self.analyze_only: list[str] | None = None  # None: every extractor (tests narrow it)
        self.analyze_modules: tuple[str, ...] = ()
        self.jobs = JobController(self)
        self.jobs.started.connect(self._on_started)
        self.jobs.progressed.connect(self._on_progress)
        self.jobs.finished.connect(self._on_finished)
        self.jobs.failed.connect(self._on_failed)
        self.jobs.cancelled.connect(self._on_cancelled)
        self.jobs.paused_changed.connect(self._on_paused)
        self.jobs.idle.connect(lambda: self._set_busy(False))
        self.setWindowTitle("mediarec")
        self.resize(1100, 680)
        self._build_table()
        self._build_actions()
        self._build_status_bar()
        self.refresh()

    # --- layout ------------------------------------------------------------------------------------
    def _build_table(self) -> None:
        self.model = LibraryTableModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(-1)
        self.table = QTableView(self)
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(1, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText("Filter by title, artist, album, path…")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        self.empty_hint = QLabel("Your library is empty. Use “Add folder…” to add your music and video folders.")
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_hint.setObjectName("emptyHint")
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addWidget(self.filter)
        layout.addWidget(self.empty_hint)
        layout.addWidget(self.table)
        self.setCentralWidget(central)

    def _build_actions(self) -> None:
        bar = QToolBar("Library", self)
        bar.setMovable(False)
        self.addToolBar(bar)
        self.add_action = QAction("Add folder…", self)
        self.add_action.setShortcut(QKeySequence.StandardKey.Open)
        self.add_action.triggered.connect(self.choose_folder)
        self.rescan_action = QAction("Rescan", self)
        self.rescan_action.setShortcut(QKeySequence.StandardKey.Refresh)
        self.rescan_action.triggered.connect(lambda: self.start_scan([]))
        self.analyze_action = QAction("Analyse", self)
        self.analyze_action.setToolTip("Analyse files that have not been analysed yet")
        self.analyze_action.triggered.connect(self.start_analysis)
        for action in (self.add_action, self.rescan_action, self.analyze_action):
            bar.addAction(action)
        menu = self.menuBar().addMenu("&Library")
        for action in (self.add_action, self.rescan_action, self.analyze_action):
            menu.addAction(action)
        menu.addSeparator()
        quit_action = QAction("Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        menu.addAction(quit_action)

    def _build_status_bar(self) -> None:
        sb = self.statusBar()
        self.counts_label = QLabel(self)
        self.job_label = QLabel(self)
        self.progress = QProgressBar(self)
        self.progress.setMaximumWidth(260)
        self.progress.setTextVisible(True)
        self.pause_button = QPushButton("Pause", self)
        self.pause_button.clicked.connect(self.jobs.toggle_pause)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.clicked.connect(self.cancel_job)
        for w in (self.job_label, self.progress, self.pause_button, self.cancel_button, self.counts_label):
            sb.addPermanentWidget(w)
        self._set_busy(False)

    # --- the window's API for the app's parts (see ui/context.py) -------------------------------------
    def add_page(self, name: str, widget: QWidget) -> None:
        """A view in the central area, shown by `show_page(name)` (the sidebar lists pages)."""
        self._pages = getattr(self, "_pages", {})
        self._pages[name] = widget

    def show_page(self, name: str) -> None:
        pass

    def add_dock(self, title: str, widget: QWidget, area=Qt.DockWidgetArea.RightDockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(title)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def set_transport(self, widget: QWidget) -> None:
        """The player's transport bar, docked at the bottom."""
        bar = QToolBar("Player", self)
        bar.setObjectName("Player")
        bar.setMovable(False)
        bar.addWidget(widget)
        self.addToolBar(Qt.ToolBarArea.BottomToolBarArea, bar)

    def menu(self, title: str) -> QMenu:
        """The menu bar's menu of that title (made on first use), e.g. "&Play"."""
        for action in self.menuBar().actions():
            if action.menu() is not None and action.text() == title:
                return action.menu()
        return self.menuBar().addMenu(title)

    # --- behaviour ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        items = self.lib.media.list()
        self.model.set_items(items)
        self.table.resizeColumnsToContents()
        for col in range(self.model.columnCount() - 1):
            self.table.setColumnWidth(col, min(self.table.columnWidth(col), 320))
        self.empty_hint.setVisible(not items)
        self.table.setVisible(bool(items))
        n_audio = sum(1 for i in items if i["kind"] == "audio")
        total = sum(i["duration"] or 0 for i in items)
        failures = len(self.lib.file_status.list())
        text = (f"{plural(len(items), 'item')} ({n_audio} audio, {len(items) - n_audio} video), "
                f"{fmt_duration(total)}")
        if failures:
            text += f" · {failures} problem(s)"
        self.counts_label.setText(text)

    def pending_analysis(self) -> int:
        return len(plan(self.lib, self._analysis_names()))

    def _analysis_names(self) -> list[str]:
        from ..extract.registry import resolve

        return resolve(self.analyze_only)

    @Slot()
    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a music or video folder", str(Path.home()))
        if folder:
            self.start_scan([folder])

    def start_scan(self, add: list[str]) -> None:
        if not add and not self.lib.roots.active():
            self.statusBar().showMessage("No folders yet: use Add folder…", 5000)
            return
        db_path, settings = self.lib.path, self.settings
        self.jobs.run(SCAN, lambda token: scan_job(db_path, settings, add, token))

    def start_analysis(self) -> None:
        paths, settings, only, modules = self.paths, self.settings, self.analyze_only, self.analyze_modules
        self.jobs.run(ANALYZE, lambda token: analyze_job(paths, settings, only, modules, token))

    def resume_pending_work(self) -> None:
        """At start-up: analysis interrupted by closing the app goes on where it stopped."""
        if self.auto_analyze and self.lib.roots.active() and self.pending_analysis():
            self.start_analysis()

    @Slot()
    def cancel_job(self) -> None:
        if self.jobs.busy:
            self.jobs.cancel()
            self.cancel_button.setEnabled(False)
            self.statusBar().showMessage("Stopping after the current file…")

    def _set_busy(self, busy: bool) -> None:
        for w in (self.progress, self.pause_button, self.cancel_button, self.job_label):
            w.setVisible(busy)
        self.cancel_button.setEnabled(busy)
        self.pause_button.setText("Pause")
        self.add_action.setEnabled(not busy or self.jobs.title != SCAN)
        self.rescan_action.setEnabled(not busy)
        self.analyze_action.setEnabled(not busy)
        if busy:
            self.progress.setRange(0, 0)

    @Slot(str)
    def _on_started(self, title: str) -> None:
        self._set_busy(True)
        self.job_label.setText(title)

    @Slot(str, object)
    def _on_progress(self, title: str, p: Progress) -> None:
        if p.total:
            self.progress.setRange(0, p.total)
            self.progress.setValue(p.done)
            eta = f", {fmt_duration(p.eta)} left" if p.eta is not None and p.done < p.total else ""
            self.progress.setFormat(f"%v / %m{eta}")
        else:
            self.progress.setRange(0, 0)
        self.statusBar().showMessage(p.message)

    @Slot(bool)
    def _on_paused(self, paused: bool) -> None:
        self.pause_button.setText("Resume" if paused else "Pause")
        if paused:
            self.statusBar().showMessage("Paused: the files being read now finish first.")

    @Slot(str, object)
    def _on_finished(self, title: str, report) -> None:
        self.refresh()
        self.statusBar().showMessage(f"{title} finished: {report.summary()}", 15000)
        if title == SCAN and self.auto_analyze:
            self.start_analysis()
        elif title == ANALYZE and getattr(report, "results", None):
            paths = self.paths
            self.jobs.run(INDEX, lambda token: index_job(paths, token))

    @Slot(str, str)
    def _on_failed(self, title: str, message: str) -> None:
        self.refresh()
        QMessageBox.warning(self, "mediarec", f"{title} failed: {message}")

    @Slot(str)
    def _on_cancelled(self, title: str) -> None:
        self.refresh()
        self.statusBar().showMessage(f"{title} stopped; what was done so far is kept.", 8000)

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        # The job stops between files and commits what it has; wait for that so nothing is lost.
        self.jobs.shutdown()
        event.accept()
