"""A service bridge runs requests on its own thread with its own connection, and drops superseded answers."""
import threading

import pytest

from mediarec.library import Library
from mediarec.paths import AppPaths

pytest.importorskip("PySide6")


@pytest.fixture
def bridge(qtbot, app_dirs):
    from mediarec.ui.bridges.service import ServiceBridge

    paths = AppPaths.resolve().ensure()
    Library(paths.db).close()
    b = ServiceBridge(paths.db, "test")
    yield b
    b.close()


def test_requests_run_off_the_gui_thread_with_their_own_connection(bridge, qtbot):
    got = []
    bridge.submit(lambda ctx: (threading.current_thread() is threading.main_thread(),
                               ctx.lib.conn.execute("select count(*) from media").fetchone()[0]), got.append)
    qtbot.waitUntil(lambda: bool(got), timeout=5000)
    assert got == [(False, 0)]


def test_a_newer_request_under_the_same_key_supersedes_the_older(bridge, qtbot):
    got = []
    gate = threading.Event()
    bridge.submit(lambda ctx: gate.wait(5) and "old", got.append, key="q")
    bridge.submit(lambda ctx: "new", got.append, key="q")
    gate.set()
    qtbot.waitUntil(lambda: bool(got), timeout=5000)
    qtbot.wait(50)
    assert got == ["new"]


def test_errors_come_back_as_one_line(bridge, qtbot):
    errors = []

    def boom(ctx):
        raise RuntimeError("kaput")

    bridge.submit(boom, on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert errors == ["internal error: RuntimeError: kaput"]
