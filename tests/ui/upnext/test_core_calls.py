"""The Up Next service thread's calls: the warm recommender takes each list's settings (a change in Settings
applies at the next refill, not after a restart)."""
import pytest

from mediarec.settings import RecommendSettings
from vector_factory import add_media

pytest.importorskip("PySide6")


def test_the_warm_recommender_follows_the_settings_of_each_refill(lib, app_dirs):
    from mediarec.ui.upnext.core_calls import recommender

    add_media(lib, 4, fields=[{"title": f"S{i}", "artist": "Solo"} for i in range(4)])
    cache: dict = {}
    index_dir = app_dirs["data"] / "index"
    first = recommender(cache, lib, index_dir, RecommendSettings(artist_spacing=2))
    again = recommender(cache, lib, index_dir, RecommendSettings(artist_spacing=6, no_repeat_window=20))
    assert again is first  # still warm: its vectors and indexes were not loaded again
    assert (again.settings.artist_spacing, again.settings.no_repeat_window) == (6, 20)
    again.close()
