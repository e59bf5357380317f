"""Screenshots of the shell's views (empty library with the welcome view, a filled library, Problems, Folders,
a running job in the status bar), written to /tmp/mediarec-shots/shell/ (printed) for a person to look at.
Run under Xvfb for real rendering: QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1400x900x24" pytest ..."""
import os
from pathlib import Path

import pytest

from library_factory import fill_library
from mediarec.library import Library
from mediarec.paths import AppPaths
from mediarec.settings import Settings

pytest.importorskip("PySide6")
SHOTS = Path(os.environ.get("MEDIAREC_SHOTS", "/tmp/mediarec-shots")) / "shell"


def shoot(qtbot, window, name):
    qtbot.wait(150)  # let the views paint what arrived
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    assert window.grab().save(str(path))
    assert path.stat().st_size > 5000
    return path


def make_app(qtbot):
    from mediarec.ui.app import build, start

    ctx = build(AppPaths.resolve().ensure(), Settings(), options={"jobs": {"auto_analyze": False}})
    ctx.window.resize(1280, 760)
    qtbot.addWidget(ctx.window)
    start(ctx)
    return ctx


def test_screenshots_of_the_shell(qtbot, app_dirs, tmp_path, media_dir):
    ctx = make_app(qtbot)
    w = ctx.window
    qtbot.waitUntil(lambda: w.current_page == "Welcome", timeout=5000)
    shots = [shoot(qtbot, w, "1-welcome-empty-library")]
    w.close()

    (tmp_path / "Music").mkdir()
    (media_dir / "music" / "broken.mp3").write_bytes(b"not audio" * 100)
    with Library(AppPaths.resolve().db) as lib:
        fill_library(lib, 2000, events=3000)
        lib.roots.add(tmp_path / "Music")
        lib.file_status.record(str(media_dir / "video" / "clip9.mkv"), "analyze:video.frames", "timeout",
                               "analysis took longer than 300 s")
    ctx = make_app(qtbot)
    w, jobs = ctx.window, ctx.services["jobs"]
    jobs.scan([str(media_dir)])
    qtbot.waitUntil(lambda: not jobs.busy, timeout=30_000)
    w.show_page("Music")
    view = w.page("Music")
    qtbot.waitUntil(lambda: view.model.rowCount() >= 200, timeout=10_000)
    shots.append(shoot(qtbot, w, "2-library-music"))
    view.filter.setText("blue night")
    qtbot.waitUntil(lambda: view.model.query.text == "blue night" and view.model.rowCount() > 0, timeout=10_000)
    shots.append(shoot(qtbot, w, "3-library-filtered"))
    # Up Next fills beside the library: an empty dock and an "internal error" in the status bar is what a user
    # saw here when every item was wordless (the text space's rows had no width)
    dock = ctx.services["upnext"]
    qtbot.waitUntil(lambda: dock.model.rowCount() > 0 or "internal error" in w.statusBar().currentMessage(),
                    timeout=20_000)
    assert "internal error" not in w.statusBar().currentMessage()
    w.show_page("Videos")
    qtbot.waitUntil(lambda: w.page("Videos").model.rowCount() > 0, timeout=10_000)
    shots.append(shoot(qtbot, w, "4-library-videos"))
    w.show_page("Problems")
    qtbot.waitUntil(lambda: w.page("Problems").model.rowCount() == 2, timeout=10_000)
    shots.append(shoot(qtbot, w, "5-problems"))
    w.show_page("Folders")
    qtbot.waitUntil(lambda: w.page("Folders").tree.topLevelItemCount() == 2, timeout=10_000)
    shots.append(shoot(qtbot, w, "6-folders"))
    jobs.scan([])
    jobs.toggle_pause()
    qtbot.waitUntil(lambda: jobs.status.isVisible(), timeout=5000)
    shots.append(shoot(qtbot, w, "7-job-in-status-bar"))
    jobs.cancel()
    qtbot.waitUntil(lambda: not jobs.busy, timeout=30_000)
    print("screenshots:", SHOTS, [p.name for p in shots])
    w.close()
