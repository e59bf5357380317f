"""Cold start stays cold: the app's start-up path and `mediarec status` never import the heavy analysis and index
libraries (each costs 0.1-2 s before the user sees anything); they load when work needs them."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

HEAVY = ("torch", "librosa", "onnxruntime", "faster_whisper", "annoy", "cv2", "sklearn")

REPORT = "\nimport json, sys\nprint(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))\n"


def _loaded(code: str, heavy=HEAVY) -> list[str]:
    """The heavy modules loaded after running `code` in a fresh interpreter (offscreen, the test's app dirs)."""
    out = subprocess.run([sys.executable, "-c", code + REPORT.format(heavy=tuple(heavy))], capture_output=True,
                         text=True, timeout=120, env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_importing_the_app_loads_no_heavy_library():
    assert _loaded("import mediarec.ui.app") == []


def test_the_library_and_settings_open_without_numpy_or_sqlite_utils():
    code = ("from mediarec.library import Library\nfrom mediarec.settings import Settings\nSettings()\n"
            "Library(':memory:').media.counts()\n")
    assert _loaded(code, HEAVY + ("numpy", "sqlite_utils")) == []


def test_status_loads_no_heavy_library(lib):
    lib.close()
    code = "from mediarec.cli import main\nassert main(['status']) == 0\n"
    assert _loaded(code) == []


@pytest.fixture
def small_library(app_dirs):
    from library_factory import fill_library
    from mediarec.library import Library
    from mediarec.paths import AppPaths

    paths = AppPaths.resolve().ensure()
    with Library(paths.db) as lib:
        fill_library(lib, 300, events=50)
    return paths


PAINT = """
import sys
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
from mediarec.paths import AppPaths
from mediarec.settings import Settings
from mediarec.ui.app import build, start

paths = AppPaths.resolve()
ctx = build(paths, Settings.load(paths.settings_file))
at_paint = []

class Watch(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and not at_paint:
            at_paint.append(sorted(m for m in HEAVY if m in sys.modules))
        return False

watch = Watch()
ctx.window.installEventFilter(watch)
start(ctx)
QTimer.singleShot(3000, lambda: (ctx.window.close(), app.quit()))
app.exec()
print("at paint:", at_paint[0])
"""


def test_the_window_paints_before_any_heavy_library_loads(small_library):
    """Built and started as `mediarec-gui` does it, on a library with items and history (so Up Next has work)."""
    code = f"HEAVY = {HEAVY!r}\n" + PAINT
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    assert out.returncode == 0, out.stderr[-2000:]
    assert "at paint: []" in out.stdout, out.stdout
