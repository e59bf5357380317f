"""Journeys on synthetic libraries stored through the real feature tables."""
import json

import numpy as np
import pytest

from mediarec.cli import main
from mediarec.recommend.journey import Journeys, path
from vector_factory import REAL_DIMS, add_media, put_features

ARC = 60


def _unit(x):
    return (x / np.linalg.norm(x, axis=-1, keepdims=True)).astype(np.float32)


@pytest.fixture
def index_dir(app_dirs):
    return app_dirs["data"] / "index"


@pytest.fixture
def arc(lib):
    """Songs strung along a path in sound from one style to another (position t in [0, 1]), shuffled in
    among songs of three unrelated styles; returns ({media id: t}, the unrelated ids)."""
    rng = np.random.default_rng(4)
    dim = REAL_DIMS["audio.musicnn"]
    start, end = rng.standard_normal((2, dim))
    ts = np.linspace(0.0, 1.0, ARC)
    songs = add_media(lib, ARC, prefix="/arc", fields=[{"artist": f"A{i % 7}"} for i in range(ARC)])
    order = rng.permutation(ARC)  # ids do not follow the path
    ts = ts[order]
    vecs = _unit((1 - ts)[:, None] * start + ts[:, None] * end + 0.15 * rng.standard_normal((ARC, dim)))
    put_features(lib, songs, "audio.musicnn", vecs)
    put_features(lib, songs, "audio.dsp", _unit(np.tile(rng.standard_normal(REAL_DIMS["audio.dsp"]), (ARC, 1))
                                                 + 0.2 * rng.standard_normal((ARC, REAL_DIMS["audio.dsp"]))))
    others = add_media(lib, 90, prefix="/other")
    centres = rng.standard_normal((3, dim))
    put_features(lib, others, "audio.musicnn", _unit(centres[np.arange(90) % 3] + 0.5 * rng.standard_normal((90, dim))))
    return dict(zip(songs, ts.tolist())), others


def _fused(lib, index_dir, ids):
    j = Journeys(lib, index_dir)
    j.vectors.refresh()
    f = j.vectors.fused(ids, j.weights)
    j.close()
    return f


def test_a_journey_moves_smoothly_from_a_through_the_waypoint_to_b(lib, arc, index_dir):
    position, others = arc
    by_t = sorted(position, key=position.get)
    a, via, b = by_t[0], by_t[len(by_t) // 2], by_t[-1]
    journey = path(lib, index_dir, a, b, n=12, via=[via])
    ids = journey.ids.tolist()
    assert len(ids) == 12 and len(set(ids)) == 12
    assert ids[0] == a and ids[-1] == b and via in ids
    assert [s.waypoint for s in journey.steps].count(True) == 3
    # It follows the path: the positions along it rise step by step.
    steps = [position[m] for m in ids]
    assert all(m in position for m in ids), "no detour through unrelated songs"
    assert np.corrcoef(steps, np.arange(len(steps)))[0, 1] > 0.95
    assert steps.index(position[via]) in range(4, 8)
    # Each step is closer to its neighbours than items of the library are to each other at random.
    fused = _fused(lib, index_dir, ids)
    step_sims = np.sum(fused[1:] * fused[:-1], axis=1)
    everything = list(position) + others
    rng = np.random.default_rng(0)
    pairs = rng.choice(everything, size=(300, 2))
    rf = _fused(lib, index_dir, pairs.ravel()).reshape(300, 2, -1)
    random_sims = np.sum(rf[:, 0] * rf[:, 1], axis=1)
    assert step_sims.min() > np.percentile(random_sims, 90)
    assert np.allclose(journey.scores[1:], step_sims, atol=1e-4)


def test_a_journey_crosses_kinds_through_the_spaces_both_ends_have(lib, arc, index_dir):
    position, _ = arc
    by_t = sorted(position, key=position.get)
    video = add_media(lib, 1, kind="video", prefix="/clip")[0]
    sound = lib.features.get(by_t[-1], "audio.musicnn")["vector"]
    put_features(lib, [video], "audio.musicnn", sound[None, :] * 1.01)  # its soundtrack: the path's end
    put_features(lib, [video], "video.frames", np.ones((1, REAL_DIMS["video.frames"]), np.float32))
    journey = path(lib, index_dir, by_t[0], video, n=8)
    assert journey.ids[0] == by_t[0] and journey.ids[-1] == video
    assert set(journey.weights) == {"audio"}  # a song has no look: the journey runs on sound
    kinds = [lib.media.get(m)["kind"] for m in journey.ids.tolist()]
    assert kinds[0] == "audio" and kinds[-1] == "video"


def test_path_cli(capsys, lib, arc):
    position, _ = arc
    by_t = sorted(position, key=position.get)
    a, via, b = by_t[0], by_t[30], by_t[-1]
    assert main(["path", str(a), str(b), "--via", str(via), "-n", "7", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    items = doc["items"]
    assert [it["id"] for it in items][0] == a and items[-1]["id"] == b and len(items) == 7
    assert [it["waypoint"] for it in items].count(True) == 3 and doc["via"][0]["id"] == via
    assert all({"id", "path", "title", "kind", "score", "reasons"} <= set(it) for it in items)
    assert main(["path", str(a), str(b), "-n", "5"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("From ") and len(out.splitlines()) == 2 + 5
    assert main(["path", str(a), str(b), "--via", str(via), "-n", "2"]) == 1
    assert "too short" in capsys.readouterr().err
    assert main(["path", str(a), str(a)]) == 1
    assert "must all differ" in capsys.readouterr().err
    bare = add_media(lib, 1, prefix="/bare")[0]
    assert main(["path", str(a), str(bare)]) == 1
    assert "mediarec analyze" in capsys.readouterr().err
