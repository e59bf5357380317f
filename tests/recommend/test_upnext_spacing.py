"""Artist spacing: Up Next keeps `artist_spacing` picks between two items by one artist where it can."""
import json

import pytest

from listening import Listener, clustered_library
from mediarec.cli import main
from mediarec.paths import SETTINGS_FILENAME
from mediarec.recommend.upnext import upnext
from mediarec.settings import RecommendSettings, Settings
from vector_factory import add_media


@pytest.fixture
def index_dir(app_dirs):
    return app_dirs["data"] / "index"


def _artists(lib, ids: list[int]) -> list[str]:
    rows = lib.media.get_many(ids, ["artist"])
    return [rows[m]["artist"] for m in ids]


def _too_close(artists: list[str], spacing: int) -> list[int]:
    """Positions whose artist is also one of the `spacing` items before it."""
    return [i for i, a in enumerate(artists) if a in artists[max(0, i - spacing):i]]


@pytest.mark.parametrize("spacing", [3, 4])
def test_played_picks_and_each_list_keep_the_artist_spacing_the_user_set(lib, index_dir, spacing):
    # One liked cluster of five artists: the best-scored songs keep coming from few artists.
    library = clustered_library(lib, clusters=3, per_cluster=40)
    listener = Listener(lib, library, {0})
    settings = RecommendSettings(artist_spacing=spacing)
    for _ in range(25):
        found = upnext(lib, index_dir, n=8, explain=False, now=listener.ts, settings=settings).ids.tolist()
        heard = listener.picks[-spacing:]
        # The list continues what was just heard, so those count too.
        assert _too_close(_artists(lib, heard + found), spacing) == [], (heard, found)
        listener.hear(found[0])
    assert _too_close(_artists(lib, listener.picks), spacing) == []


def test_the_cli_reads_the_setting(capsys, lib, app_dirs):
    library = clustered_library(lib, clusters=2, per_cluster=30)
    settings = Settings()
    settings.recommend.artist_spacing = 4
    settings.save(app_dirs["config"] / SETTINGS_FILENAME)
    for mid in library.clusters[0][:3]:  # Artist 0.0, 0.1, 0.2 just heard
        assert main(["event", "play", str(mid)]) == 0
    capsys.readouterr()
    assert main(["upnext", "-n", "10", "--json"]) == 0
    items = json.loads(capsys.readouterr().out)["items"]
    artists = _artists(lib, library.clusters[0][:3]) + [it["artist"] for it in items]
    assert _too_close(artists, 4) == []


def test_one_artist_alone_still_fills_the_list(lib, index_dir):
    ids = add_media(lib, 12, prefix="/music/solo", fields=[{"title": f"S{i}", "artist": "Solo"} for i in range(12)])
    found = upnext(lib, index_dir, n=6, explain=False, settings=RecommendSettings(artist_spacing=5))
    assert len(found.ids) == 6 and set(found.ids.tolist()) <= set(ids)
