"""The main window: the library table, Add folder / Rescan, and a status bar with progress and cancel."""
from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QSortFilterProxyModel, Qt, QThreadPool, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView, QFileDialog, QHeaderView, QLabel, QLineEdit, QMainWindow, QMessageBox, QProgressBar,
    QPushButton, QTableView, QToolBar, QVBoxLayout, QWidget,
)

from ..errors import MediarecError
from ..humanize import fmt_duration, plural
from ..jobs import CancelToken, Progress
from ..library import Library
from ..paths import AppPaths
from ..scan.scanner import ScanReport, scan
from ..settings import Settings
from .library_model import SORT_ROLE, LibraryTableModel
from .workers import JobWorker

log = logging.getLogger(__name__)


def scan_job(db_path: Path, settings: Settings, add: list[str], token: CancelToken):
    """Runs on the pool thread with its own connection (SQLite connections stay in their thread)."""
    with Library(db_path) as lib:
        for path in add:
            lib.roots.add(path)
        report = yield from scan(lib, settings.scan, token)
    return report


class MainWindow(QMainWindow):
    def __init__(self, paths: AppPaths, settings: Settings, lib: Library):
        super().__init__()
        self.paths, self.settings, self.lib = paths, settings, lib
        self.pool = QThreadPool(self)
        # One background job at a time: scans write the library, and two writers would only queue.
        self.pool.setMaxThreadCount(1)
        self.worker: JobWorker | None = None
        self._closing = False
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
        bar.addAction(self.add_action)
        bar.addAction(self.rescan_action)
        menu = self.menuBar().addMenu("&Library")
        menu.addAction(self.add_action)
        menu.addAction(self.rescan_action)
        menu.addSeparator()
        quit_action = QAction("Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        menu.addAction(quit_action)

    def _build_status_bar(self) -> None:
        sb = self.statusBar()
        self.counts_label = QLabel(self)
        self.progress = QProgressBar(self)
        self.progress.setMaximumWidth(260)
        self.progress.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.clicked.connect(self.cancel_scan)
        sb.addPermanentWidget(self.progress)
        sb.addPermanentWidget(self.cancel_button)
        sb.addPermanentWidget(self.counts_label)
        self._set_busy(False)

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
            text += f" · {failures} unreadable"
        self.counts_label.setText(text)

    @Slot()
    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a music or video folder", str(Path.home()))
        if folder:
            self.start_scan([folder])

    def start_scan(self, add: list[str]) -> None:
        if self.worker is not None:
            return
        if not add and not self.lib.roots.active():
            self.statusBar().showMessage("No folders yet: use Add folder…", 5000)
            return
        db_path, settings = self.lib.path, self.settings
        worker = JobWorker(lambda token: scan_job(db_path, settings, add, token))
        worker.signals.progressed.connect(self._on_progress)
        worker.signals.finished.connect(self._on_finished)
        worker.signals.failed.connect(self._on_failed)
        worker.signals.cancelled.connect(self._on_cancelled)
        self.worker = worker
        self._set_busy(True)
        self.pool.start(worker)

    @Slot()
    def cancel_scan(self) -> None:
        if self.worker is not None:
            self.worker.cancel()
            self.cancel_button.setEnabled(False)
            self.statusBar().showMessage("Cancelling…")

    def _set_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self.cancel_button.setEnabled(busy)
        self.add_action.setEnabled(not busy)
        self.rescan_action.setEnabled(not busy)
        if busy:
            self.progress.setRange(0, 0)

    @Slot(object)
    def _on_progress(self, p: Progress) -> None:
        if self._closing:
            return
        if p.total:
            self.progress.setRange(0, p.total)
            self.progress.setValue(p.done)
            eta = f", {fmt_duration(p.eta)} left" if p.eta is not None else ""
            self.progress.setFormat(f"%v / %m{eta}")
        else:
            self.progress.setRange(0, 0)
        self.statusBar().showMessage(p.message)

    def _job_over(self) -> None:
        self.worker = None
        self._set_busy(False)
        if not self._closing:
            self.refresh()

    @Slot(object)
    def _on_finished(self, report: ScanReport) -> None:
        self._job_over()
        if not self._closing:
            self.statusBar().showMessage(f"Scan finished: {report.summary()}", 15000)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._job_over()
        if not self._closing:
            QMessageBox.warning(self, "mediarec", message)

    @Slot()
    def _on_cancelled(self) -> None:
        self._job_over()
        if not self._closing:
            self.statusBar().showMessage("Scan cancelled; what was read so far is kept.", 8000)

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        self._closing = True
        if self.worker is not None:
            self.worker.cancel()
        # The job stops between files and commits what it has; wait for that so nothing is lost.
        self.pool.waitForDone(10_000)
        event.accept()


