"""A user's tour with a real mouse and keyboard: the app on a small generated library under Xvfb, driven by
xdotool (click a row, double-click to play, Space, Ctrl+L and a filter, right-click More like this), and
what the user would see checked, down to the events the library recorded. Screenshots of each step go to
$MEDIAREC_SHOTS/tour when that is set."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("PySide6")
HERE = Path(__file__).resolve().parent
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not (shutil.which("Xvfb") and shutil.which("xdotool")),
                                 reason="Xvfb and xdotool (apt: xvfb, xdotool) are not installed")]


@pytest.fixture
def display():
    """A private X server; its display name."""
    read, write = os.pipe()
    server = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1400x900x24", "-nolisten", "tcp"],
                              pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as f:
        number = f.readline().strip()
    assert number, "Xvfb did not start"
    yield f":{number}"
    server.terminate()
    server.wait(10)


def test_a_user_clicks_plays_pauses_filters_and_asks_for_more_like_this(display, app_dirs):
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb",
           "PYTHONPATH": os.pathsep.join([str(HERE.parents[1]), str(HERE.parent)])}
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)  # no desktop bus: MPRIS stays quiet
    out = subprocess.run([sys.executable, str(HERE / "user_tour_session.py")], capture_output=True, text=True,
                         timeout=240, env=env, cwd=HERE.parents[1])
    line = next((x for x in out.stdout.splitlines() if x.startswith("TOUR-RESULT ")), None)
    assert line, out.stdout[-3000:] + out.stderr[-3000:]
    got = json.loads(line.split(" ", 1)[1])
    assert "error" not in got, got["error"] + out.stderr[-3000:]
    if got.get("shots"):
        print("screenshots:", Path(got["shots"][0]).parent)
    assert got["exit"] == 0
    assert got["clipped"] == []  # no label cut short: the library, the results page, Up Next, the status bar
    assert len(got["selected"]) == 1
    assert got["paused_by_space"]
    assert got["filtered"] == ["Blue Night", "Night Drive"]
    # Blue Night's sound cluster (app_factory.add_vectors): the other song and the video in it
    assert got["similar_to"] == "Blue Night" and got["results_heading"] == "More like Blue Night"
    assert got["results_titles"] == ["Night Drive", "harbour walk"]
    assert got["results_kinds"] == [got["library_kind"], "Video"] == ["Music", "Video"]  # one word, everywhere
    # The double-clicked song's start and its end by hand (paused, then the app closed) are in the history.
    played = [t for m, t in got["events"] if m == got["played"]]
    assert played[:1] == ["play_start"], got["events"]
