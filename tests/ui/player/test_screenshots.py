"""Screenshots of the window playing music, playing a video, and the Up Next dock with its reasons, written to
$MEDIAREC_SHOTS_DIR (default /tmp/mediarec-shots/player). Run under Xvfb to see the real rendering:
xvfb-run -a -s "-screen 0 1400x900x24" env QT_QPA_PLATFORM=xcb python -m pytest -m slow tests/ui/player/test_screenshots.py"""
import os
import time
from pathlib import Path

import pytest

from app_factory import add_vectors, make_context, make_media, scan_into
from mediarec.recommend import events
from vector_factory import put_features

pytest.importorskip("PySide6.QtMultimedia")

SONGS = ["morning_light", "harbour_lights", "slow_river", "night_drive", "paper_boats", "glass_city",
         "winter_orchard", "last_ferry", "copper_sky", "quiet_hours", "northern_road", "salt_and_stone"]


def shot(window, name: str) -> Path:
    from PySide6.QtWidgets import QApplication

    out = Path(os.environ.get("MEDIAREC_SHOTS_DIR", "/tmp/mediarec-shots/player"))
    out.mkdir(parents=True, exist_ok=True)
    screen = QApplication.primaryScreen()
    pixmap = screen.grabWindow(window.winId()) if os.environ.get("QT_QPA_PLATFORM") == "xcb" else window.grab()
    path = out / f"{name}.png"
    assert pixmap.save(str(path)) and path.stat().st_size > 5000
    print(f"screenshot: {path}")
    return path


@pytest.mark.slow
def test_screenshots_of_music_video_and_up_next(qtbot, app_dirs, tmp_path):
    from mediarec.ui import player as player_part
    from mediarec.ui import upnext as upnext_part

    root = make_media(tmp_path / "lib", {s: 40.0 for s in SONGS}, {"city_timelapse": 30.0})
    ctx, lib = make_context(qtbot)
    ids = scan_into(lib, root)
    add_vectors(lib, [ids[s] for s in SONGS])
    moods = ["calm", "happy", "sad"]
    put_features(lib, [ids[s] for s in SONGS], "emotion.music", None,
                 [{"mood": moods[k % 3]} for k in range(len(SONGS))])
    now = time.time() - 600
    for k, name in enumerate(["copper_sky", "glass_city", "harbour_lights"]):  # a little history: reasons
        events.record(lib, ids[name], "play", position=40.0, duration=40.0, ts=now + 60 * k)
    from mediarec.ui import library as library_part

    library_part.install(ctx)  # the library pages, as in the app (the window's sidebar lists them)
    player = player_part.install(ctx)
    service = upnext_part.install(ctx)
    ctx.services["library"].start()
    ctx.window.resize(1300, 800)
    ctx.window.show()
    try:
        qtbot.waitUntil(lambda: len(service.model.generated) > 0, timeout=15000)
        ctx.actions.enqueue.emit([ids["slow_river"], ids["night_drive"]])
        player.play(ids["morning_light"])
        qtbot.waitUntil(lambda: player.position > 2.0, timeout=10000)
        qtbot.waitUntil(lambda: ids["morning_light"] not in service.model.ids(), timeout=5000)
        qtbot.wait(300)
        shot(ctx.window, "playing-music")
        shot(service.dock, "up-next-dock")
        player.play(ids["city_timelapse"])
        qtbot.waitUntil(lambda: bool(player.current) and player.current["kind"] == "video" and player.position > 2.0,
                        timeout=10000)
        qtbot.waitUntil(lambda: ids["city_timelapse"] not in service.model.ids(), timeout=5000)
        qtbot.wait(300)
        shot(ctx.window, "playing-video")
    finally:
        player.close()
        service.close()
        ctx.window.close()
        lib.close()
