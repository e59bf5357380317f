"""The window shows before the app's other work starts: services held for the first paint start right after it,
once, in order; a window that never paints (minimised at start) still gets them, after the fallback delay."""
from __future__ import annotations


def test_services_wait_for_the_first_paint_then_start(qtbot, app_dirs):
    from mediarec.paths import AppPaths
    from mediarec.settings import Settings
    from mediarec.ui.app import build, start

    ctx = build(AppPaths.resolve().ensure(), Settings(), options={"jobs": {"auto_analyze": False}})
    qtbot.addWidget(ctx.window)
    upnext = ctx.services["upnext"]
    start(ctx)
    # Shown, library started; Up Next has not asked its thread for anything yet.
    assert ctx.window.isVisible() and not ctx.window.first_paint.done
    assert not upnext.bridge.busy and not upnext.loaded
    qtbot.waitUntil(lambda: ctx.window.first_paint.done, timeout=5000)
    qtbot.waitUntil(lambda: upnext.loaded, timeout=10000)  # its saved queue and mode, then its first list
    ctx.window.close()


def test_held_work_runs_once_in_order_even_without_a_paint(qtbot):
    from PySide6.QtWidgets import QWidget

    from mediarec.ui.first_paint import FirstPaint

    window = QWidget()  # never shown, so never painted
    qtbot.addWidget(window)
    first = FirstPaint(window)
    ran: list[str] = []
    first.then(lambda: ran.append("a"))
    first.then(lambda: 1 / 0)  # a failing part does not keep the next one from starting
    first.then(lambda: ran.append("b"))
    first.arm_fallback(50)
    qtbot.waitUntil(lambda: first.done, timeout=2000)
    assert ran == ["a", "b"]
    first.then(lambda: ran.append("late"))  # after the paint: from the event loop, at once
    qtbot.waitUntil(lambda: "late" in ran, timeout=1000)
    qtbot.wait(100)
    assert ran == ["a", "b", "late"]
