"""Desktop integration: a second launch hands its files to the running app, which adds and plays them; watched
folders pick up a new file while the app runs; where watching fails the status bar says so and rescans follow."""
import errno
import os
import shutil
import subprocess
import sys

import pytest

from mediarec.jobs import run_job
from mediarec.library import Library
from mediarec.paths import AppPaths
from mediarec.settings import Settings

pytest.importorskip("PySide6")


def make_app(qtbot, **desktop):
    from mediarec.ui.app import build, start
    from mediarec.ui.desktop.single_instance import SingleInstance

    paths = AppPaths.resolve().ensure()
    ctx = build(paths, Settings(), parts=("library", "jobs", "desktop"),
                options={"jobs": {"auto_analyze": False}, "desktop": desktop})
    instance = SingleInstance(paths)
    assert instance.listen()
    ctx.services["desktop"].adopt(instance, [])
    qtbot.addWidget(ctx.window)
    start(ctx)
    return ctx


def scanned(media_dir):
    from mediarec.scan.scanner import scan

    with Library(AppPaths.resolve().ensure().db) as lib:
        lib.roots.add(media_dir)
        run_job(scan(lib))


def ok_paths():
    with Library(AppPaths.resolve().db) as lib:
        return {r["path"] for r in lib.query("SELECT path FROM media WHERE status = 'ok'")}


def test_a_second_launch_hands_its_files_to_the_running_app(qtbot, app_dirs, media_templates, tmp_path):
    ctx = make_app(qtbot)
    outside = tmp_path / "downloads" / "new song.flac"
    outside.parent.mkdir()
    shutil.copy(media_templates / "song2.flac", outside)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    with qtbot.waitSignal(ctx.actions.play_now, timeout=30_000) as played:
        launch = subprocess.Popen([sys.executable, "-c", "import sys; from mediarec.ui.app import main; "
                                   "sys.exit(main(argv=sys.argv))", str(outside)], env=env)
        qtbot.waitUntil(lambda: launch.poll() is not None, timeout=30_000)
    assert launch.returncode == 0  # it handed over and left; no second window on the database
    with Library(AppPaths.resolve().db) as lib:
        row = lib.query("SELECT id, title FROM media WHERE path = ?", (str(outside),))[0]
    assert played.args == [[row["id"]]]
    ctx.window.close()


def test_a_bad_file_handed_over_is_reported_not_played(qtbot, app_dirs, tmp_path):
    ctx = make_app(qtbot)
    bad = tmp_path / "broken.mp3"
    bad.write_bytes(b"not audio at all" * 10)
    ctx.services["desktop"].open_files([str(bad)])
    qtbot.waitUntil(lambda: "broken.mp3" in ctx.window.statusBar().currentMessage(), timeout=10_000)
    with Library(AppPaths.resolve().db) as lib:
        assert lib.file_status.list()[0]["path"] == str(bad)
    ctx.window.close()


def test_watching_picks_up_a_new_file(qtbot, app_dirs, media_dir, media_templates):
    scanned(media_dir)
    ctx = make_app(qtbot)
    desktop = ctx.services["desktop"]
    qtbot.waitUntil(lambda: str(media_dir) in desktop.watcher.watched, timeout=10_000)
    assert ctx.services["library"].watch_state(str(media_dir)) == "watching for changes"
    new = media_dir / "music" / "arrived.ogg"
    shutil.copy(media_templates / "song3.ogg", new)
    qtbot.waitUntil(lambda: str(new) in ok_paths(), timeout=30_000)
    (media_dir / "music" / "song1.wav").unlink()
    qtbot.waitUntil(lambda: str(media_dir / "music" / "song1.wav") not in ok_paths(), timeout=30_000)
    view = ctx.window.page("Everything")
    ctx.window.show_page("Everything")
    shown = lambda: {view.model.row_data(r)["path"] for r in range(view.model.rowCount())}  # noqa: E731
    qtbot.waitUntil(lambda: len(shown()) == 9 and str(new) in shown(), timeout=10_000)
    ctx.window.close()


def test_when_watching_fails_the_status_bar_says_so_and_rescans_follow(qtbot, app_dirs, media_dir, monkeypatch):
    from mediarec.ui.desktop.watcher import FolderWatcher

    def no_watches(self, root):
        raise OSError(errno.ENOSPC, "inotify watch limit reached")

    monkeypatch.setattr(FolderWatcher, "_schedule", no_watches)
    scanned(media_dir)
    ctx = make_app(qtbot, rescan_minutes=0.02)  # 1.2 s, so the test sees a periodic rescan
    desktop = ctx.services["desktop"]
    qtbot.waitUntil(lambda: desktop.watch_label.isVisible(), timeout=10_000)
    assert "inotify watch limit" in desktop.watch_label.text() and "rescanning every" in desktop.watch_label.text()
    assert "rescanned every" in ctx.services["library"].watch_state(str(media_dir))
    with qtbot.waitSignal(ctx.services["jobs"].started, timeout=10_000) as started:
        pass
    assert started.args == ["Scanning"]
    ctx.window.close()


def test_network_mounts_are_rescanned_not_watched(tmp_path):
    from mediarec.ui.desktop.watcher import mount_type

    mounts = tmp_path / "mounts"
    mounts.write_text("/dev/sda1 / ext4 rw 0 0\nserver:/music /mnt/music nfs4 rw 0 0\n")
    assert mount_type("/mnt/music/albums", str(mounts)) == "nfs4"
    assert mount_type("/home/me", str(mounts)) == "ext4"
