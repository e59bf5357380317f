"""The app quits cleanly however early the user closes it: before its first paint (the services held for after
it never start), or just after it while they start (Up Next's first list, resumed analysis, folder watching)."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

ENTRY = """
import signal
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
import mediarec.ui.app as app_module

app = QApplication(sys.argv[:1])
when = sys.argv[1]
real_start = app_module.start

def start(ctx):
    real_start(ctx)
    ctx.window.closing.connect(lambda: print("closed; services started:", ctx.window.first_paint.done, flush=True))
    if when == "at-once":
        signal.raise_signal(signal.SIGTERM)  # a logout as the app starts: it closes as Quit does
    else:
        ctx.after_paint(lambda: QTimer.singleShot(0, ctx.window.close))  # as the held services start

app_module.start = start
sys.exit(app_module.main(argv=["mediarec-gui"]))
"""


@pytest.fixture
def library_with_a_folder(app_dirs, media_dir):
    """A scanned library with unanalysed files, so analysis resumes and folders are watched at start."""
    from mediarec.jobs import run_job
    from mediarec.library import Library
    from mediarec.paths import AppPaths
    from mediarec.scan.scanner import scan

    with Library(AppPaths.resolve().ensure().db) as lib:
        lib.roots.add(str(media_dir))
        run_job(scan(lib))
    return media_dir


@pytest.mark.parametrize("when", ["at-once", "after-paint"])
def test_closing_the_app_at_start_exits_at_once_and_cleanly(library_with_a_folder, when):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([sys.executable, "-c", ENTRY, when], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "closed; services started:" in out.stdout
    if when == "after-paint":
        assert "closed; services started: True" in out.stdout
    assert "QThread: Destroyed while thread" not in out.stderr
    assert "Traceback" not in out.stderr, out.stderr[-2000:]


BUSY = """
import sys
import time
from pathlib import Path
from PySide6.QtCore import QCoreApplication, QTimer
from mediarec.ui.app import leave
from mediarec.ui.bridges.service import ServiceBridge, stop_all

app = QCoreApplication(sys.argv[:1])
bridge = ServiceBridge(Path(sys.argv[1]), "upnext")
bridge.submit(lambda ctx: time.sleep(30))  # a catch-up on a long history, as the user quits
app.aboutToQuit.connect(lambda: stop_all(300))
QTimer.singleShot(200, app.quit)
started = time.monotonic()
code = leave(app.exec())
print("left after", round(time.monotonic() - started, 1), flush=True)
sys.exit(code)
"""


def test_quitting_while_a_service_is_busy_exits_without_a_crash(tmp_path):
    """Qt aborts a process whose QThread is destroyed while running: a quit during Up Next's long catch-up used
    to end in 'QThread: Destroyed while thread is still running' and SIGABRT (a crash report) after the wait."""
    out = subprocess.run([sys.executable, "-c", BUSY, str(tmp_path / "library.db")], capture_output=True,
                         text=True, timeout=60, env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    assert out.returncode == 0, out.stderr[-2000:]
    assert "QThread: Destroyed while thread" not in out.stderr
    assert "mediarec-upnext still work" in out.stderr
    assert "left after" not in out.stdout  # it leaves at once from leave(), not after the 30 s request
