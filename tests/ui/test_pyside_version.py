"""PySide6 6.12.0 on Python 3.11 aborts ("Fatal Python error: none_dealloc") after a few thousand calls
that return None. pyproject pins <6.12; these tests fail if a build with that bug gets installed."""
import subprocess
import sys
from importlib.metadata import version

NONE_RETURNING_CALLS = """
from PySide6.QtWidgets import QApplication, QWidget
app = QApplication([])
w = QWidget()
for _ in range(20000):
    assert w.parentWidget() is None
    assert w.focusProxy() is None
print("survived")
"""


def test_installed_pyside_is_below_the_broken_release():
    major, minor = (int(x) for x in version("PySide6-Essentials").split(".")[:2])
    assert (major, minor) < (6, 12), "PySide6 6.12.x aborts with none_dealloc on Python 3.11"


def test_many_none_returning_calls_do_not_abort_the_interpreter():
    out = subprocess.run([sys.executable, "-c", NONE_RETURNING_CALLS], capture_output=True, text=True, timeout=120,
                         env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "survived"
