"""MPRIS2: on a private session bus (dbus-run-session) gdbus reads the metadata and status and drives the
player as a desktop applet would; without a bus the app goes on quietly; the answers' logic without a bus."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app_factory import make_context, make_media, scan_into

pytest.importorskip("PySide6.QtDBus")
HERE = Path(__file__).resolve().parent


@pytest.mark.skipif(not (shutil.which("dbus-run-session") and shutil.which("gdbus")),
                    reason="dbus-run-session and gdbus (apt: dbus-daemon, libglib2.0-bin) are not installed")
def test_desktop_applets_read_and_drive_the_player_over_a_session_bus():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE.parents[2]), str(HERE.parents[1])])}
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    out = subprocess.run(["dbus-run-session", "--", sys.executable, str(HERE / "mpris_session.py")],
                         capture_output=True, text=True, timeout=120, env=env, cwd=HERE.parents[2])
    line = next((x for x in out.stdout.splitlines() if x.startswith("MPRIS-RESULT ")), None)
    assert line, out.stdout[-2000:] + out.stderr[-2000:]
    got = json.loads(line.split(" ", 1)[1])
    assert got["exported"]
    assert "'xesam:title': <'First Song'>" in got["metadata"] and "objectpath '/org/mediarec/track/" in got["metadata"]
    assert "'xesam:artist': <['Artist 0']>" in got["metadata"]
    assert got["status"] == "(<'Playing'>,)"

    def micros(text):
        assert text.startswith("(<int64 "), text  # MPRIS positions are int64 ('x') at any value
        return int(text.strip("(<>,)").split()[-1])

    assert micros(got["position_after"]) - micros(got["position_before"]) >= 9_000_000
    assert micros(got["position_set"]) >= 19_500_000
    assert got["status_paused"] == "(<'Paused'>,)"
    assert "'xesam:title': <'Second Song'>" in got["metadata_next"]
    assert got["status_stopped"] == "(<'Stopped'>,)"
    assert got["identity"] == "(<'mediarec'>,)"
    assert "UnknownMethod" in got["unknown"]
    for signature in ('<method name="Seek">\n      <arg type="x" direction="in"/>', '<property name="Position" type="x"',
                      '<arg type="o" direction="in"/>\n      <arg type="x" direction="in"/>',
                      '<signal name="Seeked">\n      <arg type="x"'):
        assert signature.replace("\n", "\\n") in got["introspect"], got["introspect"][:3000]
    # Past 2^31 us (35 min 47 s): set, read back, sought back and announced as int64, none cut to 32 bits.
    assert got["set_long"] == "()" and 2_149_000_000 <= micros(got["position_long"]) <= 2_153_000_000
    assert got["seek_short"] == "()" and 9_000_000 <= micros(got["position_short"]) <= 13_000_000
    assert "'mpris:length': <int64 2200" in got["metadata_long"]
    seeked = [int(x.split("int64 ")[1].rstrip(",)")) for x in got["signals"]]
    # Seeked follows each jump (Seek +10 s, SetPosition 20 s, SetPosition past 35 min, Seek back 35 min 40 s)
    assert len(seeked) == 4 and seeked[1:3] == [20_000_000, 2_150_000_000], got["signals"]
    assert seeked[0] >= 10_000_000 and 9_000_000 <= seeked[3] <= 13_000_000, got["signals"]
    # Next over MPRIS is a move on by hand, judged by the same rules: left at 20 s of 30, it was a play
    assert got["events"] == [[True, "play_start"], [True, "play"], [False, "play_start"]]


def test_without_a_session_bus_the_app_goes_on_and_says_so_in_the_log(qtbot, app_dirs, caplog, monkeypatch):
    from PySide6.QtDBus import QDBusConnection

    if QDBusConnection.sessionBus().isConnected():
        pytest.skip("this machine has a session bus")
    from mediarec.ui import player as player_part
    from mediarec.ui.desktop import mpris, mpris_bus

    ctx, lib = make_context(qtbot)
    player = player_part.install(ctx)
    try:
        with caplog.at_level("INFO", logger="mediarec.ui.desktop.mpris_bus"):
            assert mpris_bus.install(ctx) is None
        assert "mpris" not in ctx.services
        assert any("no D-Bus session bus" in r.getMessage() for r in caplog.records)
    finally:
        player.close()
        lib.close()


def test_the_answers_follow_the_player_without_a_bus(qtbot, app_dirs, tmp_path):
    from mediarec.ui import player as player_part
    from mediarec.ui.desktop.mpris import PLAYER_IFACE, MprisPlayer, metadata

    ctx, lib = make_context(qtbot)
    ids = scan_into(lib, make_media(tmp_path / "lib", {"only_song": 20.0}))
    player = player_part.install(ctx)
    try:
        m = MprisPlayer(player, ctx.window)
        assert m.properties(PLAYER_IFACE)["PlaybackStatus"] == "Stopped"
        assert metadata(None) == {"mpris:trackid": "/org/mpris/MediaPlayer2/TrackList/NoTrack"}
        assert m.call(PLAYER_IFACE, "Play", [])  # nothing current: Play asks the next source (empty): stays
        player.play(ids["only_song"])
        qtbot.waitUntil(lambda: player.playing and player.position > 0.2, timeout=10000)
        props = m.properties(PLAYER_IFACE)
        assert props["PlaybackStatus"] == "Playing" and props["Metadata"]["xesam:title"] == "Only Song"
        assert props["Metadata"]["mpris:length"] == pytest.approx(20_000_000, rel=0.02)
        m.call(PLAYER_IFACE, "SetPosition", ["/org/mediarec/track/999999", 5_000_000])  # stale id: ignored
        m.call(PLAYER_IFACE, "SetPosition", [f"/org/mediarec/track/{ids['only_song']}", 8_000_000])
        qtbot.waitUntil(lambda: player.position >= 7.9, timeout=3000)
        m.call(PLAYER_IFACE, "Pause", [])
        qtbot.waitUntil(lambda: not player.playing, timeout=3000)
        assert not m.call(PLAYER_IFACE, "Fly", [])
    finally:
        player.close()
        lib.close()
