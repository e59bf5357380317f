"""The first window opens (even on an empty library), lists a scanned library, scans in the background."""
import pytest

from mediarec.library import Library
from mediarec.paths import AppPaths
from mediarec.settings import Settings

pytest.importorskip("PySide6")


@pytest.fixture
def window(qtbot, app_dirs):
    from mediarec.ui.main_window import MainWindow

    paths = AppPaths.resolve().ensure()
    lib = Library(paths.db)
    w = MainWindow(paths, Settings(), lib)
    qtbot.addWidget(w)
    w.show()
    yield w
    w.close()
    lib.close()


def test_opens_on_an_empty_library(window):
    assert window.model.rowCount() == 0
    assert window.empty_hint.isVisible()
    assert "0 items" in window.counts_label.text()


def test_add_folder_scans_in_background_and_lists_the_library(window, qtbot, media_dir):
    window.start_scan([str(media_dir)])
    assert window.cancel_button.isVisible()
    qtbot.waitUntil(lambda: window.worker is None, timeout=30_000)
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


def test_cancel_keeps_what_was_read(window, qtbot, media_dir):
    window.start_scan([str(media_dir)])
    window.cancel_scan()
    qtbot.waitUntil(lambda: window.worker is None, timeout=30_000)
    assert window.lib.integrity_check() == "ok"
    assert window.add_action.isEnabled()


def test_screenshot_of_a_scanned_library(window, qtbot, media_dir, tmp_path):
    window.start_scan([str(media_dir)])
    qtbot.waitUntil(lambda: window.worker is None, timeout=30_000)
    shot = tmp_path / "main_window.png"
    assert window.grab().save(str(shot))
    assert shot.stat().st_size > 5000
