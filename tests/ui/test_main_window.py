"""The first window opens (even on an empty library), lists a scanned library, scans and analyses in the
background with progress, pause and cancel, and resumes unfinished analysis when reopened."""
import sys
from pathlib import Path

import pytest

from mediarec.library import Library
from mediarec.paths import AppPaths
from mediarec.settings import Settings

pytest.importorskip("PySide6")
sys.path.insert(0, str(Path(__file__).parent.parent / "extract"))


def make_window(qtbot, auto_analyze=False):
    from mediarec.ui.main_window import MainWindow

    paths = AppPaths.resolve().ensure()
    lib = Library(paths.db)
    w = MainWindow(paths, Settings(), lib, auto_analyze=auto_analyze)
    w.analyze_only = ["test.level"]  # a real but light extractor (tests/extract/runner_extractors.py)
    w.analyze_modules = ("runner_extractors",)
    qtbot.addWidget(w)
    w.show()
    return w


@pytest.fixture
def window(qtbot, app_dirs):
    import runner_extractors  # noqa: F401

    w = make_window(qtbot)
    yield w
    w.close()
    w.lib.close()


def idle(window):
    return not window.jobs.busy


def test_opens_on_an_empty_library(window):
    assert window.model.rowCount() == 0
    assert window.empty_hint.isVisible()
    assert "0 items" in window.counts_label.text()


def test_add_folder_scans_in_background_and_lists_the_library(window, qtbot, media_dir):
    window.start_scan([str(media_dir)])
    assert window.cancel_button.isVisible() and window.pause_button.isVisible()
    qtbot.waitUntil(lambda: idle(window), timeout=30_000)
    assert window.model.rowCount() == 9
    assert not window.cancel_button.isVisible()
    assert "9 items (6 audio, 3 video)" in window.counts_label.text()
    titles = {window.proxy.index(r, 0).data() for r in range(window.proxy.rowCount())}
    assert "Song 4" in titles
    window.filter.setText("artist 4")
    assert window.proxy.rowCount() == 1
    window.filter.clear()
    from PySide6.QtCore import Qt
    from mediarec.ui.library_model import SORT_ROLE

    window.table.sortByColumn(4, Qt.SortOrder.DescendingOrder)  # by length: numeric, not alphabetical
    lengths = [window.proxy.index(r, 4).data(SORT_ROLE) for r in range(window.proxy.rowCount())]
    assert lengths == sorted(lengths, reverse=True) and len(lengths) == 9


def test_scan_then_analysis_run_one_after_the_other(window, qtbot, media_dir):
    window.auto_analyze = True
    titles = []
    window.jobs.started.connect(titles.append)
    window.start_scan([str(media_dir)])
    qtbot.waitUntil(lambda: titles == ["Scanning", "Analysing", "Indexing"] and idle(window), timeout=120_000)
    assert window.pending_analysis() == 0
    assert window.lib.features.counts()[("test.level", 1)] == 9


def test_cancel_keeps_what_was_read(window, qtbot, media_dir):
    window.start_scan([str(media_dir)])
    window.cancel_job()
    qtbot.waitUntil(lambda: idle(window), timeout=30_000)
    assert window.lib.integrity_check() == "ok"
    assert window.add_action.isEnabled()


def test_pause_and_resume(window, qtbot, media_dir):
    window.start_scan([str(media_dir)])
    qtbot.waitUntil(lambda: idle(window), timeout=30_000)
    window.start_analysis()
    window.jobs.toggle_pause()
    assert window.pause_button.text() == "Resume"
    window.jobs.toggle_pause()
    assert window.pause_button.text() == "Pause"
    qtbot.waitUntil(lambda: idle(window), timeout=120_000)
    assert window.pending_analysis() == 0


def test_reopening_resumes_unfinished_analysis(qtbot, app_dirs, media_dir):
    import runner_extractors  # noqa: F401
    from mediarec.jobs import run_job
    from mediarec.scan.scanner import scan

    with Library(AppPaths.resolve().ensure().db) as lib:
        lib.roots.add(media_dir)
        run_job(scan(lib))
    w = make_window(qtbot, auto_analyze=True)
    try:
        assert w.pending_analysis() == 9
        w.resume_pending_work()
        assert w.jobs.busy
        qtbot.waitUntil(lambda: idle(w), timeout=120_000)
        assert w.pending_analysis() == 0
    finally:
        w.close()
        w.lib.close()


def test_screenshot_of_a_scanned_library(window, qtbot, media_dir, tmp_path):
    window.start_scan([str(media_dir)])
    qtbot.waitUntil(lambda: idle(window), timeout=30_000)
    shot = tmp_path / "main_window.png"
    assert window.grab().save(str(shot))
    assert shot.stat().st_size > 5000
