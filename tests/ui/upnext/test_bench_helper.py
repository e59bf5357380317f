"""measure_event_to_upnext (for bench/gui.py) times real refills after real events on a small library."""
import pytest

from vector_factory import add_media, put_features, clustered

pytest.importorskip("PySide6")


def test_event_to_refilled_up_next_is_measured(qtbot, app_dirs):
    from mediarec.library import Library
    from mediarec.paths import AppPaths
    from mediarec.ui.upnext.bench import measure_event_to_upnext

    paths = AppPaths.resolve().ensure()
    with Library(paths.db) as lib:
        ids = add_media(lib, 300)
        vectors, _ = clustered(300, 200, seed=1)
        put_features(lib, ids, "audio.musicnn", vectors)
        before = lib.events.count()
    found = measure_event_to_upnext(paths.db, paths.index_dir, repeats=5)
    assert found["n"] == 5 and found["items_shown"] == 10
    assert 0 < found["core_p50_ms"] < 2000 and 0 < found["p50_ms"] < 2000  # figures, not a race: bench/ compares them
    with Library(paths.db) as lib:
        assert lib.events.count() == before + 5 + 3  # the app's skips, then the baseline's
