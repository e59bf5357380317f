"""The background-job part: JobsService ("jobs"), the scan -> analyse -> index workflow and the status bar's job area."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..context import AppContext


def install(ctx: "AppContext", auto_analyze: bool = True) -> None:
    from PySide6.QtGui import QAction, QKeySequence
    from PySide6.QtWidgets import QFileDialog

    from .service import JobsService, SCAN
    from .status import JobStatus
    from .workflow import Workflow

    window = ctx.window
    jobs = JobsService(ctx.paths, ctx.settings, window)
    jobs.workflow = Workflow(jobs, auto_analyze)
    jobs.status = JobStatus(jobs, window.show_message, window)
    window.add_status_widget(jobs.status)
    window.closing.connect(jobs.shutdown)
    ctx.services["jobs"] = jobs

    def choose_folder() -> None:
        folder = QFileDialog.getExistingDirectory(window, "Add a music or video folder", str(Path.home()))
        if folder:
            jobs.scan([folder])

    menu = window.menu("&Library")
    add = QAction("Add folder…", window, shortcut=QKeySequence.StandardKey.Open, triggered=choose_folder)
    rescan = QAction("Rescan folders", window, shortcut=QKeySequence.StandardKey.Refresh,
                     triggered=lambda: jobs.scan([]))
    analyse = QAction("Analyse", window, toolTip="Analyse files that have not been analysed yet",
                      triggered=jobs.analyse)
    rebuild = QAction("Rebuild similarity indexes", window, triggered=jobs.rebuild_index)
    for action in (add, rescan, analyse, rebuild):
        menu.addAction(action)
    jobs.add_folder_action = add

    def busy_changed(*_):
        add.setEnabled(not jobs.busy or jobs.title != SCAN)
        for action in (rescan, analyse, rebuild):
            action.setEnabled(not jobs.busy)

    jobs.started.connect(busy_changed)
    jobs.idle.connect(busy_changed)
