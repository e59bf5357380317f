"""The "who is listening" switcher: one click changes whose queue and Up Next the dock shows, and whose
history the player's events go to; the queue of the one before is kept for them."""
import shutil

import pytest

import sys
from pathlib import Path

from app_factory import add_vectors, make_context, make_media, scan_into

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "recommend"))  # listening.py

pytest.importorskip("PySide6.QtMultimedia")


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    return make_media(tmp_path_factory.mktemp("switch-media"), {f"song_{i:02d}": 1.0 for i in range(12)})


def test_switching_listener_switches_queue_up_next_and_history(qtbot, app_dirs, media, tmp_path):
    from mediarec.library import Library
    from mediarec.library.listeners import Listeners, current
    from mediarec.library.queue import UserQueue
    from mediarec.paths import AppPaths
    from mediarec.ui import listeners as listeners_part
    from mediarec.ui import upnext as upnext_part
    from mediarec.ui.player import core_calls as player_calls

    root = tmp_path / "lib"
    shutil.copytree(media, root)
    paths = AppPaths.resolve().ensure()
    with Library(paths.db) as lib:
        ids = scan_into(lib, root)
        add_vectors(lib, [ids[k] for k in sorted(ids)])
        sam = Listeners(lib).add("Sam").id
        mine = ids["song_00"]
        UserQueue(lib).add([mine])
    ctx, lib = make_context(qtbot)
    service = upnext_part.install(ctx)
    switcher = listeners_part.install(ctx)
    try:
        qtbot.waitUntil(lambda: service.loaded and len(service.model.generated) > 0, timeout=15000)
        qtbot.waitUntil(lambda: switcher.text() == "Listening: default", timeout=5000)
        assert [e["id"] for e in service.model.user] == [mine]
        names = [a.text() for a in switcher.menu().actions() if a.text()]
        assert names == ["default", "Sam", "Guest (remembers nothing)"]
        switcher.choose(sam)
        qtbot.waitUntil(lambda: service.loaded and len(service.model.generated) > 0, timeout=15000)
        qtbot.waitUntil(lambda: switcher.text() == "Listening: Sam", timeout=5000)
        assert service.model.user == [] and current(lib) == sam
        player_calls.record_event(lib, ids["song_03"], "play", position=200.0, duration=200.0)
        assert lib.events.list()[-1]["listener_id"] == sam
        assert UserQueue(lib).media_ids() == [mine]  # the default listener's queue was not saved over
        switcher.choose(1)
        qtbot.waitUntil(lambda: service.loaded and [e["id"] for e in service.model.user] == [mine], timeout=15000)
    finally:
        switcher.close()
        service.close()
        lib.close()


def test_settings_show_the_running_experiment(qtbot, lib):
    from types import SimpleNamespace

    from mediarec.recommend import ab
    from mediarec.settings import Settings
    from mediarec.ui.dialogs import calls
    from mediarec.ui.dialogs.settings_pages import RecommendPage

    page = RecommendPage(Settings())
    qtbot.addWidget(page)
    ctx = SimpleNamespace(lib=lib)
    page.set_experiment(calls.experiment(ctx))
    assert "No experiment is running" in page.experiment.text()
    ab.start(lib, "model", "content")
    page.set_experiment(calls.experiment(ctx))
    assert page.experiment.text().startswith("model (A) against content (B): 0 picks heard")


def test_the_apps_up_next_mixes_a_running_experiment_and_the_player_credits_it(lib, app_dirs):
    from listening import clustered_library
    from mediarec.recommend import ab
    from mediarec.settings import RecommendSettings
    from mediarec.ui.player import core_calls as player_calls
    from mediarec.ui.upnext import core_calls

    clustered_library(lib, clusters=3, per_cluster=10)
    ab.start(lib, "model", "untuned")
    cache = {}
    mode = dict(core_calls.DEFAULT_MODE)
    found = core_calls.refill(cache, lib, app_dirs["data"] / "index", RecommendSettings(), mode, 10, set(), set(), None)
    top = found["items"][0]["id"]
    player_calls.record_event(lib, top, "play", position=200.0, duration=200.0)
    assert lib.events.list()[-1]["context"]["ab"]["variant"] in ("model", "untuned")
    assert ab.status(lib)["picks"] == 1
    ab.stop(lib)
    core_calls.refill(cache, lib, app_dirs["data"] / "index", RecommendSettings(), mode, 10, set(), set(), None)
    assert "ab" not in cache  # the experiment's pair is let go when it stops
    cache["upnext"].close()
