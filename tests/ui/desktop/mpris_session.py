"""Run under `dbus-run-session`: the player exported over MPRIS, driven by gdbus as a desktop applet would.
Prints one JSON document of what each call answered (read by test_mpris.py)."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import wave
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
tmp = Path(tempfile.mkdtemp(prefix="mediarec-mpris-"))
for name in ("DATA", "CONFIG", "CACHE", "MODELS"):
    os.environ[f"MEDIAREC_{name}_DIR"] = str(tmp / name.lower())

from PySide6.QtWidgets import QApplication  # noqa: E402

from app_factory import make_context, make_media, scan_into  # noqa: E402

DEST = ["--session", "--dest", "org.mpris.MediaPlayer2.mediarec", "--object-path", "/org/mpris/MediaPlayer2"]


class _Bot:
    def addWidget(self, widget):  # noqa: N802 - what make_context calls on pytest-qt's qtbot
        pass


def gdbus(method: str, *args: str) -> str:
    out = subprocess.run(["gdbus", "call", *DEST, "--method", method, *args], capture_output=True, text=True,
                         timeout=10)
    return out.stdout.strip() or out.stderr.strip()


def prop(name: str) -> str:
    return gdbus("org.freedesktop.DBus.Properties.Get", "org.mpris.MediaPlayer2.Player", name)


LONG_SECONDS = 2200  # past 2^31 us (35 min 47 s): positions that do not fit in 32 bits


def write_long_silence(path: Path) -> Path:
    """A 36-minute WAV of silence (8 kHz, 8-bit mono: 17 MB, written at once)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(1)
        w.setframerate(8000)
        w.writeframes(b"\x80" * (8000 * LONG_SECONDS))
    return path


def monitor() -> subprocess.Popen:
    """gdbus watching the player's signals (Seeked, PropertiesChanged), as an applet does."""
    return subprocess.Popen(["gdbus", "monitor", "--session", "--dest", "org.mpris.MediaPlayer2.mediarec"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def main() -> None:
    from mediarec.ui import player as player_part
    from mediarec.ui.desktop import mpris, mpris_bus

    app = QApplication([])
    ctx, lib = make_context(_Bot())
    root = make_media(tmp / "lib", {"first_song": 30.0, "second_song": 30.0})
    write_long_silence(root / "music" / "long_mix.wav")
    ids = scan_into(lib, root)
    player = player_part.install(ctx)
    exported = mpris_bus.install(ctx) is not None
    player.local.extend([ids["second_song"]])
    player.play(ids["first_song"])
    got: dict = {"exported": exported}

    def drive() -> None:
        watch = monitor()
        time.sleep(1.5)
        got["metadata"] = prop("Metadata")
        got["status"] = prop("PlaybackStatus")
        got["position_before"] = prop("Position")
        got["seek"] = gdbus("org.mpris.MediaPlayer2.Player.Seek", "10000000")
        time.sleep(0.3)
        got["position_after"] = prop("Position")
        got["set_position"] = gdbus("org.mpris.MediaPlayer2.Player.SetPosition", "/org/mediarec/track/%d"
                                    % ids["first_song"], "20000000")
        time.sleep(0.3)
        got["position_set"] = prop("Position")
        gdbus("org.mpris.MediaPlayer2.Player.PlayPause")
        time.sleep(0.3)
        got["status_paused"] = prop("PlaybackStatus")
        gdbus("org.mpris.MediaPlayer2.Player.Next")
        time.sleep(1.0)
        got["metadata_next"] = prop("Metadata")
        gdbus("org.mpris.MediaPlayer2.Player.Stop")
        time.sleep(0.3)
        got["status_stopped"] = prop("PlaybackStatus")
        got["identity"] = gdbus("org.freedesktop.DBus.Properties.Get", "org.mpris.MediaPlayer2", "Identity")
        got["unknown"] = gdbus("org.mpris.MediaPlayer2.Player.Fly")
        got["introspect"] = gdbus("org.freedesktop.DBus.Introspectable.Introspect")
        # A long mix: positions past 35 min go out (and come in) as int64.
        player_calls.append(lambda: player.play(ids["long_mix"]))
        time.sleep(1.5)
        got["set_long"] = gdbus("org.mpris.MediaPlayer2.Player.SetPosition", "/org/mediarec/track/%d"
                                % ids["long_mix"], "2150000000")
        time.sleep(0.5)
        got["position_long"] = prop("Position")
        got["seek_short"] = gdbus("org.mpris.MediaPlayer2.Player.Seek", "--", "-2140000000")
        time.sleep(0.5)
        got["position_short"] = prop("Position")
        got["metadata_long"] = prop("Metadata")
        time.sleep(0.3)
        watch.terminate()
        got["signals"] = [x for x in watch.communicate(timeout=10)[0].splitlines() if ".Seeked " in x]

    player_calls: list = []  # what the driver asks of the player, done on the GUI thread
    worker = threading.Thread(target=drive)
    worker.start()
    while worker.is_alive():
        while player_calls:
            player_calls.pop(0)()
        app.processEvents()
        time.sleep(0.01)
    got["events"] = [(e["media_id"] == ids["first_song"], e["type"]) for e in lib.events.list()
                     if e["media_id"] != ids["long_mix"]]
    player.close()
    lib.close()
    print("MPRIS-RESULT " + json.dumps(got))


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # the test's media and library, not left in /tmp
