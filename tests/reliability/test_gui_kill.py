"""The app killed (SIGKILL) while it plays: every event it recorded before the kill is stored, once.

The app runs as a real process (offscreen); a second launch hands it files to play, as "Open with" does, so
it starts one song, is made to skip it for another, and is killed while the second plays."""
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from media_factory import write_audio

APP = [sys.executable, "-c", "import sys; from mediarec.ui.app import main; sys.exit(main(argv=sys.argv))"]


def _events(db: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as c:
        rows = c.execute("SELECT m.path, e.type FROM events e JOIN media m ON m.id = e.media_id ORDER BY e.id")
        return [(os.path.basename(p), t) for p, t in rows]


def _wait_for(predicate, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.slow
def test_events_recorded_before_the_app_is_killed_are_all_stored(tmp_path):
    music = tmp_path / "music"
    music.mkdir()
    first, second = music / "first.ogg", music / "second.ogg"
    write_audio(first, seconds=60.0, freq=330.0)
    write_audio(second, seconds=60.0, freq=440.0)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", MEDIAREC_DATA_DIR=str(tmp_path / "data"),
               MEDIAREC_CONFIG_DIR=str(tmp_path / "config"), MEDIAREC_CACHE_DIR=str(tmp_path / "cache"))
    subprocess.run([sys.executable, "-m", "mediarec", "scan", str(music)], env=env, check=True, timeout=300,
                   capture_output=True)
    db = tmp_path / "data" / "library.db"
    app = subprocess.Popen(APP, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(8)  # the window is up and listening for a second launch
        assert app.poll() is None
        subprocess.run([*APP, str(first)], env=env, check=True, timeout=120, capture_output=True)
        assert _wait_for(lambda: ("first.ogg", "play_start") in _events(db), 30), _events(db)
        time.sleep(3)  # a few seconds in: leaving now by hand is a skip
        subprocess.run([*APP, str(second)], env=env, check=True, timeout=120, capture_output=True)
        assert _wait_for(lambda: ("second.ogg", "play_start") in _events(db), 30), _events(db)
        before = _events(db)
    finally:
        app.send_signal(signal.SIGKILL)
        app.wait(timeout=30)
    after = _events(db)
    assert after == before  # nothing lost, nothing half-written
    assert ("first.ogg", "skip") in after and after.count(("first.ogg", "play_start")) == 1
    assert after.count(("second.ogg", "play_start")) == 1
    with sqlite3.connect(db) as c:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
