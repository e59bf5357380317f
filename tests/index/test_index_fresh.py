"""Keeping indexes current: new items found at once, atomic swaps, staleness, the debounced rebuilder."""
import json
import time

import numpy as np
import pytest

from mediarec.cli import main
from mediarec.index import BuildOptions, RebuildScheduler, SpaceIndex, build_space, exact, space_status
from mediarec.index.build import candidates_for
from vector_factory import add_media, clustered, put_features

N = 3000


@pytest.fixture
def index_dir(app_dirs):
    return app_dirs["data"] / "index"


@pytest.fixture
def clusters(lib):
    """3000 songs in clustered musicnn space, and their vectors and cluster labels."""
    ids = add_media(lib, N)
    x, labels = clustered(N, 200, n_clusters=30, seed=4, noise=0.2)
    put_features(lib, ids, "audio.musicnn", x)
    return np.array(ids), x, labels


def _near(x, row, noise, seed):
    v = x[row] + noise * np.random.default_rng(seed).standard_normal(x.shape[1]).astype(np.float32)
    return (v / np.linalg.norm(v))[None, :]


def test_an_item_analysed_after_the_build_is_searched_at_once(lib, index_dir, clusters):
    ids, x, _ = clusters
    build_space(lib, index_dir, "audio", BuildOptions(fresh_margin=0))
    index = SpaceIndex(lib, index_dir, "audio", scan_below=0)
    before, _ = index.search(index.vector(int(ids[10])), 5, exclude=[int(ids[10])])
    new = add_media(lib, 1, prefix="/new")[0]
    put_features(lib, [new], "audio.musicnn", _near(x, 10, 0.01, 1))  # nearly item 10's twin
    found, scores = index.search(index.vector(int(ids[10])), 5, exclude=[int(ids[10])])
    assert found[0] == new and new not in before.tolist()
    assert index.manifest.items == N and index.fresh_count == 1  # no rebuild happened: it was searched exactly
    st = space_status(lib, index_dir, "audio", registered={})
    assert st["stale"] and "+1 items since the build" in st["reasons"][0]


def test_reanalysed_and_vanished_items_follow_the_database(lib, index_dir, clusters):
    ids, x, labels = clusters
    build_space(lib, index_dir, "audio", BuildOptions(fresh_margin=0))
    index = SpaceIndex(lib, index_dir, "audio", scan_below=0)
    moved, gone = int(ids[5]), int(ids[6])
    elsewhere = int(np.flatnonzero(labels != labels[5])[0])
    old_place = index.vector(moved)
    put_features(lib, [moved], "audio.musicnn", _near(x, elsewhere, 0.01, 2))  # re-analysed: sounds different now
    near_new, _ = index.search(index.vector(int(ids[elsewhere])), 3, exclude=[int(ids[elsewhere])])
    assert near_new[0] == moved
    near_old, _ = index.search(old_place, 50)
    assert moved not in near_old.tolist()
    g = index.vector(gone)
    with lib.transaction():
        lib.media.set_status([gone], "missing")
    found, _ = index.search(g, 50)
    assert gone not in found.tolist()


def test_swap_is_atomic_and_a_reader_of_the_old_build_keeps_working(lib, index_dir, clusters):
    ids, x, _ = clusters
    first = build_space(lib, index_dir, "audio", BuildOptions(fresh_margin=0))
    reader = SpaceIndex(lib, index_dir, "audio", scan_below=0)
    query = reader.vector(int(ids[0]))
    expected, _ = reader.search(query, 10)
    held = reader._built  # what a search in progress holds: the mapped files and the id map
    put_features(lib, add_media(lib, 5, prefix="/more"), "audio.musicnn", clustered(5, 200, seed=9)[0])
    second = build_space(lib, index_dir, "audio", BuildOptions(fresh_margin=0))
    assert second.build_id != first.build_id and second.items == N + 5
    assert not (index_dir / first.files["ann"]).exists()  # the old files are gone from the directory ...
    rows, scores = held.candidates(query, candidates_for(10))  # ... and still readable by who had them
    old_answer = held.media_ids[rows[exact.top(scores, 10)]]
    assert old_answer.tolist() == expected.tolist()
    found, _ = reader.search(query, 10)  # the next search picks up the new build
    assert reader.manifest.build_id == second.build_id and found.tolist() == expected.tolist()
    assert sorted(p.name for p in index_dir.glob("audio-*")) == sorted(second.files.values())


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_rebuilds_are_debounced_in_the_background(lib, index_dir, clusters):
    ids, x, _ = clusters
    done, clock = [], FakeClock()
    scheduler = RebuildScheduler(lib.path, index_dir, delay=10.0, max_wait=60.0, on_done=done.append,
                                 opts=BuildOptions(fresh_margin=0), clock=clock)
    try:
        for _ in range(5):  # a burst of analysis results, 5 s apart: each pushes the rebuild back
            scheduler.poke()
            clock.now += 5.0
        time.sleep(0.7)  # the scheduler polls at least every 0.5 s (real time)
        assert scheduler.builds == 0 and scheduler.pending
        clock.now += 10.0  # quiet for `delay`
        assert scheduler.wait_idle(120)
        assert scheduler.builds == 1 and scheduler.last_error is None  # one rebuild for the burst
        assert done[0]["audio"]["action"] == "built" and done[0]["audio"]["items"] == N
        assert not space_status(lib, index_dir, "audio")["stale"]

        new = add_media(lib, 2, prefix="/later")
        put_features(lib, new, "audio.musicnn", clustered(2, 200, seed=11)[0])
        for _ in range(8):  # results that never stop coming: rebuilt anyway after max_wait
            scheduler.poke()
            clock.now += 9.0
        assert scheduler.wait_idle(120) and scheduler.builds == 2
        assert done[1]["audio"]["items"] == N + 2
    finally:
        scheduler.close(wait=True)


def test_index_command_shows_and_rebuilds(capsys, lib, index_dir, clusters):
    assert main(["index", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    audio = next(s for s in doc["spaces"] if s["space"] == "audio")
    assert audio["stale"] and audio["reasons"] == ["not built yet"]
    assert main(["index", "--rebuild", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["rebuilt"]["audio"]["action"] == "built" and doc["rebuilt"]["visual"]["action"] == "empty"
    audio = next(s for s in doc["spaces"] if s["space"] == "audio")
    assert not audio["stale"] and audio["items"] == N and audio["recall_at_10"] >= 0.98
    assert main(["index"]) == 0
    out = capsys.readouterr().out
    assert "audio" in out and "current" in out and "no features" in out


def test_an_item_analysed_after_the_build_lands_where_the_build_would_put_it(lib, index_dir):
    """A music library: emotion.speech has no vector for any song, so the build knows it as 0 numbers long.
    A song analysed after the build is composed with the build's layout; it had every block of its mood
    (valence and arousal, and the label) left out but the label, and its neighbours were other songs'."""
    n = 400
    ids = add_media(lib, n)
    rng = np.random.default_rng(2)
    moods = ("calm", "happy", "sad", "tense")
    va = rng.random((n, 2)).astype(np.float32)
    vectors = np.hstack([va, np.full((n, 6), 0.5, np.float32)])
    attrs = [{"valence": float(v), "arousal": float(a), "mood": moods[j % 4]} for j, (v, a) in enumerate(va)]
    put_features(lib, ids, "emotion.music", vectors, attrs)
    put_features(lib, ids, "emotion.speech", None, [{"speech": False}] * n)
    build_space(lib, index_dir, "mood", BuildOptions(fresh_margin=0))
    twin = add_media(lib, 1, prefix="/new")[0]
    put_features(lib, [twin], "emotion.music", vectors[7:8], attrs[7:8])
    put_features(lib, [twin], "emotion.speech", None, [{"speech": False}])
    index = SpaceIndex(lib, index_dir, "mood", scan_below=0)
    built, fresh = index.vector(int(ids[7])), index.vector(twin)
    assert index.fresh_count == 1 and float(built @ fresh) > 0.999, (built, fresh)
