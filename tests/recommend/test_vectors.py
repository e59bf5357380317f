"""The recommender's view of the spaces: cached rows always equal the index's, fused cosines are weighted means."""
import numpy as np

from mediarec.recommend import vectors as vectors_module
from mediarec.recommend.vectors import SpaceVectors
from vector_factory import REAL_DIMS, add_media, put_features


def test_cached_rows_match_the_index_through_evictions(lib, app_dirs, monkeypatch):
    monkeypatch.setattr(vectors_module, "ROW_CACHE", 50)  # far fewer than the items read below
    rng = np.random.default_rng(0)
    songs = add_media(lib, 120)
    put_features(lib, songs[:100], "audio.musicnn", rng.standard_normal((100, REAL_DIMS["audio.musicnn"])))
    sv = SpaceVectors(lib, app_dirs["data"] / "index")
    sv.refresh()
    index = sv.indexes["audio"]
    for _ in range(30):
        ids = rng.choice(songs + [10_000], size=int(rng.integers(1, 80)))  # repeats, unknown ids, no vectors
        got, has = sv.get("audio", ids)
        want, want_has = index.vectors(ids, refresh=False)
        assert np.array_equal(has, want_has) and np.array_equal(got, want)
    assert sv.one("audio", songs[110]) is None and sv.one("audio", songs[3]) is not None


def test_fused_cosine_is_the_weighted_mean_of_the_spaces(lib, app_dirs):
    rng = np.random.default_rng(1)
    items = add_media(lib, 2, kind="video")
    put_features(lib, items, "audio.musicnn", rng.standard_normal((2, REAL_DIMS["audio.musicnn"])))
    put_features(lib, items, "video.frames", rng.standard_normal((2, REAL_DIMS["video.frames"])))
    sv = SpaceVectors(lib, app_dirs["data"] / "index")
    sv.refresh()
    fused = sv.fused(items, {"audio": 3.0, "visual": 1.0, "text": 2.0})  # text: no data, left out
    cos = {s: float(sv.one(s, items[0]) @ sv.one(s, items[1])) for s in ("audio", "visual")}
    assert abs(float(fused[0] @ fused[1]) - (3 * cos["audio"] + cos["visual"]) / 4) < 1e-5
