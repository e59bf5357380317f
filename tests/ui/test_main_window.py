"""The window is layout only: pages listed in the sidebar in the library's order, shown by name or by a click,
docks/menus/status widgets placed for the parts; the whole app (every part present) opens on an empty library.
(The background jobs' cancel and pause tests live in tests/ui/jobs/test_jobs.py.)"""
import pytest
from PySide6.QtWidgets import QLabel

pytest.importorskip("PySide6")


def sidebar_names(window):
    return [window.sidebar.topLevelItem(i).text(0) for i in range(window.sidebar.topLevelItemCount())]


def test_pages_in_sidebar_order_and_shown_by_name_or_click(qtbot):
    from mediarec.ui.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    for name in ("Problems", "More like this", "Videos", "Music", "Folders"):
        w.add_page(name, QLabel(name))
    w.add_page("Welcome", QLabel("hello"), sidebar=False)
    assert sidebar_names(w) == ["Music", "Videos", "Folders", "Problems", "More like this"]
    assert w.current_page == "Problems"  # the first page added shows until another is chosen
    with qtbot.waitSignal(w.page_shown) as shown:
        w.sidebar.setCurrentItem(w.sidebar.topLevelItem(1))
    assert shown.args == ["Videos"] and w.stack.currentWidget().text() == "Videos"
    w.show_page("Welcome")
    assert w.current_page == "Welcome" and w.sidebar.currentItem() is None
    w.set_page_label("Folders", "Folders", ["/music · watching", "/video · scanned 5 min ago"])
    assert w.sidebar.topLevelItem(2).childCount() == 2
    with pytest.raises(ValueError):
        w.add_page("Music", QLabel())


def test_menus_docks_and_status_widgets(qtbot):
    from mediarec.ui.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    assert w.menu("&Play") is w.menu("&Play")
    dock = w.add_dock("Up next", QLabel("queue"))
    assert dock.widget().text() == "queue"
    label = QLabel("watching")
    w.add_status_widget(label)
    w.show()
    assert label.isVisible()


def test_the_app_opens_on_an_empty_library(qtbot, app_dirs):
    from mediarec.paths import AppPaths
    from mediarec.settings import Settings
    from mediarec.ui.app import build, start

    ctx = build(AppPaths.resolve().ensure(), Settings())
    qtbot.addWidget(ctx.window)
    start(ctx)
    assert ctx.window.isVisible() and "jobs" in ctx.services
    qtbot.wait(200)
    ctx.window.close()


ENTRY = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from mediarec.ui.app import main

app = QApplication(sys.argv[:1])

tries = []

def look_and_quit():
    window = next(w for w in app.topLevelWidgets() if w.objectName() == "MainWindow" and w.isVisible())
    tries.append(window.current_page)
    if window.current_page != "Welcome" and len(tries) < 100:
        QTimer.singleShot(200, look_and_quit)  # the library's answer arrives from its thread
        return
    print("page:", window.current_page, flush=True)
    window.close()

QTimer.singleShot(200, look_and_quit)
sys.exit(main(argv=["mediarec-gui"]))
"""


def test_the_real_entry_point_opens_on_an_empty_library_and_exits_cleanly(app_dirs):
    """`mediarec` / `mediarec-gui` (ui/app.py main) in its own process: single-instance server, every part, the
    welcome view on an empty library, and a clean exit when the window closes."""
    import os
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", ENTRY], env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "page: Welcome" in out.stdout
