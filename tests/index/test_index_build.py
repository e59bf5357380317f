"""Building a space's index: recall, the manifest, cells and id map, kind filters, weighted blocks, the Annoy
boundary, formats, migration."""
import json
import sqlite3

import numpy as np
import pytest

from mediarec.extract import registry
from mediarec.index import BuildOptions, SpaceIndex, build_space, rebuild, space_status
from mediarec.index.annoy_file import AnnoyFile, IndexUnavailable, write_annoy
from mediarec.index.build import kth_best_scores, recall_at_k
from mediarec.index.compose import compose
from mediarec.index.manifest import read_manifest
from mediarec.index.spaces import SPACES
from mediarec.library import Library
from mediarec.library import schema as schema_mod
from vector_factory import add_media, clustered, put_features

MUSICNN_VERSION = registry.create("audio.musicnn").spec.version


@pytest.fixture
def index_dir(app_dirs):
    return app_dirs["data"] / "index"


def _audio_library(lib, n, seed=0, dsp=True):
    ids = add_media(lib, n)
    x, labels = clustered(n, 200, seed=seed)
    put_features(lib, ids, "audio.musicnn", x)
    if dsp:
        d, _ = clustered(n, 56, seed=seed + 1)
        put_features(lib, ids, "audio.dsp", d, [{"tempo_bpm": 100.0 + i % 40} for i in range(n)])
    return ids, labels


@pytest.mark.slow
def test_recall_at_10_reaches_098_on_20k_embedding_like_vectors(lib, index_dir):
    n = 20_000
    ids, _ = _audio_library(lib, n, dsp=False)
    m = build_space(lib, index_dir, "audio", BuildOptions(n_jobs=-1, fresh_margin=0))
    assert (m.items, m.dim) == (n, 200)
    index = SpaceIndex(lib, index_dir, "audio", scan_below=0)  # through Annoy, not a scan
    matrix, has = index.vectors(ids)
    assert has.all()
    queries = np.random.default_rng(1).choice(n, size=300, replace=False)
    kth = kth_best_scores(matrix, queries, 10)  # exact search, numpy
    found = [index.search(matrix[q], 10, exclude=[ids[q]])[1] for q in queries]
    assert recall_at_k(found, kth, 10) >= 0.98
    # The data is hard enough for this to mean something: plain Annoy (10 trees, default search_k) misses.
    write_annoy(index_dir / "plain.ann", matrix, 10)
    plain = AnnoyFile(index_dir / "plain.ann", 200, n)
    plain_found = []
    for q in queries:
        rows = plain.query(matrix[q], 11, 11 * 10)
        plain_found.append(matrix[rows[rows != q][:10]] @ matrix[q])
    assert recall_at_k(plain_found, kth, 10) < 0.9


def test_build_writes_manifest_files_and_a_dense_id_map(lib, index_dir):
    ids, _ = _audio_library(lib, 600)
    m = build_space(lib, index_dir, "audio", BuildOptions(fresh_margin=0))
    on_disk = read_manifest(index_dir, "audio")
    assert on_disk == m
    assert m.items == 600 and m.dim == 256 and m.trees > 0 and m.search_k > 0 and m.recall_at_10 >= 0.98
    assert m.extractors["audio.musicnn"] == {"version": MUSICNN_VERSION, "dim": 200, "count": 600,
                                             "max_created_at": pytest.approx(m.extractors["audio.musicnn"]["max_created_at"])}
    assert m.extractors["audio.dsp"]["dim"] == 56
    assert [b["width"] for b in m.blocks] == [200, 56, 0]  # no musicnn tags in these rows: no tags block
    for name in m.files.values():
        assert (index_dir / name).exists()
    assert np.load(index_dir / m.files["vectors"], mmap_mode="r").shape == (600, 256)
    doc = json.loads((index_dir / "audio.json").read_text())
    assert doc["build_id"] == m.build_id and doc["items"] == 600
    media_ids, kinds = lib.index.items("audio", m.build_id)
    assert sorted(media_ids.tolist()) == ids and set(kinds.tolist()) == {"audio"}
    rows = lib.query("SELECT annoy_id FROM index_items WHERE space = 'audio' ORDER BY annoy_id")
    assert [r[0] for r in rows] == list(range(600))  # dense: Annoy allocates for the largest id


def test_space_vectors_are_unit_and_blocks_count_by_weight(lib):
    ids, _ = _audio_library(lib, 120)
    got, vectors, layout = compose(lib, SPACES["audio"])
    assert got.tolist() == ids
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    w = {b.sources[0]: b.weight for b in SPACES["audio"].blocks[:2]}  # the third, musicnn's tags: none here
    m, d = vectors[:, :200], vectors[:, 200:]
    i, j = 3, 77
    block_cos = {"audio.musicnn": (m[i] @ m[j]) / (np.linalg.norm(m[i]) * np.linalg.norm(m[j])),
                 "audio.dsp": (d[i] @ d[j]) / (np.linalg.norm(d[i]) * np.linalg.norm(d[j]))}
    weighted = sum(w[k] * c for k, c in block_cos.items()) / sum(w.values())
    assert vectors[i] @ vectors[j] == pytest.approx(weighted, abs=1e-5)


def test_music_and_speech_share_the_mood_space(lib):
    songs = add_media(lib, 2)
    talks = add_media(lib, 2, kind="video")
    put_features(lib, songs, "emotion.music", np.array([[0.8, 0.15, 0, 0, 0, 0], [0.3, 0.9, 0, 0, 0, 0]], np.float32),
                 [{"mood": "calm"}, {"mood": "tense"}])
    put_features(lib, talks, "emotion.speech", np.array([[0.75, 0.2, 0, 0, 0], [0.5, 0.5, 0, 0, 0]], np.float32),
                 [{"mood": "calm"}, {"mood": "neutral"}])
    got, vectors, layout = compose(lib, SPACES["mood"])
    assert got.tolist() == songs + talks
    cos = vectors @ vectors.T
    assert cos[0, 2] > 0.95 > cos[1, 2]  # the calm song is closest to the calm talk
    assert layout.stats[1]["vocabulary"].tolist() == ["calm", "neutral", "tense"]


def test_the_annoy_boundary_checks_what_annoy_does_not(tmp_path):
    vectors, _ = clustered(50, 16, seed=2)
    with pytest.raises(ValueError):
        write_annoy(tmp_path / "bad.ann", np.full((3, 4), np.nan, np.float32), 5)
    with pytest.raises(ValueError):
        write_annoy(tmp_path / "bad.ann", np.zeros((0, 4), np.float32), 5)
    write_annoy(tmp_path / "ok.ann", vectors, 5)
    ann = AnnoyFile(tmp_path / "ok.ann", 16, 50, first_row=vectors[0])
    assert ann.query(vectors[7], 3, 100)[0] == 7
    assert len(ann.query(vectors[7], 500, 10_000)) == 50  # k past the end is clipped, not read past
    with pytest.raises(ValueError):
        ann.query(vectors[7][:8], 3, 100)  # Annoy would read past the end of a short vector
    with pytest.raises(ValueError):
        ann.query(np.full(16, np.nan, np.float32), 3, 100)
    ann.close()
    with pytest.raises(IndexUnavailable):
        ann.query(vectors[7], 3, 100)  # Annoy would read unmapped memory
    with pytest.raises(IndexUnavailable):
        AnnoyFile(tmp_path / "ok.ann", 16, 51)  # not what the manifest says
    with pytest.raises(IndexUnavailable):
        AnnoyFile(tmp_path / "ok.ann", 16, 50, first_row=vectors[1])  # another build's vectors
    with pytest.raises(IndexUnavailable):
        AnnoyFile(tmp_path / "missing.ann", 16, 50)


def test_a_damaged_index_falls_back_to_exact_search(lib, index_dir):
    ids, labels = _audio_library(lib, 400)
    m = build_space(lib, index_dir, "audio", BuildOptions(fresh_margin=0))
    with open(index_dir / m.files["ann"], "r+b") as f:
        f.truncate(1001)
    index = SpaceIndex(lib, index_dir, "audio", scan_below=0)
    v = index.vector(ids[0])
    found, scores = index.search(v, 5, exclude=[ids[0]])
    assert index.problem and index.manifest is None
    _, all_vectors, _ = compose(lib, SPACES["audio"])
    expected = np.argsort(-(all_vectors @ v), kind="stable")[1:6]
    assert found.tolist() == [ids[i] for i in expected]


def test_migration_to_v2_backs_up_and_adds_the_id_map(app_dirs, monkeypatch):
    db = app_dirs["data"] / "library.db"
    monkeypatch.setattr("mediarec.library.migrate.MIGRATIONS", schema_mod.MIGRATIONS[:1])
    monkeypatch.setattr("mediarec.library.migrate.SCHEMA_VERSION", 1)
    with Library(db) as lib:
        add_media(lib, 3)
        assert lib.schema_version == 1
    monkeypatch.undo()
    with Library(db) as lib:
        assert lib.schema_version >= 2
        assert len(lib.media.list()) == 3
        assert lib.query("SELECT count(*) FROM index_items")[0][0] == 0
    backups = list(db.parent.glob("library.db.v1-*.bak"))
    assert len(backups) == 1
    with pytest.raises(sqlite3.OperationalError):
        sqlite3.connect(backups[0]).execute("SELECT * FROM index_items")


def test_rows_are_stored_cell_by_cell_and_the_id_map_follows_them(lib, index_dir):
    ids, _ = _audio_library(lib, 2000)
    m = build_space(lib, index_dir, "audio", BuildOptions(fresh_margin=0))
    assert m.cells > 1 and 1 <= m.probe <= m.cells and m.recall_at_10 >= 0.98
    with np.load(index_dir / m.files["cells"]) as z:
        starts = z["starts"]
    assert starts[0] == 0 and starts[-1] == 2000 and np.all(np.diff(starts) > 0)
    got, vectors, _ = compose(lib, SPACES["audio"])
    stored, has = SpaceIndex(lib, index_dir, "audio", scan_below=0).vectors(got)
    assert has.all() and np.allclose(stored, vectors, atol=1e-3)  # its own row (float16: to 3 digits), any order


def _exact_top(matrix, rows, query_row, k):
    """Rows among `rows` nearest `query_row`, excluding it, best first (ties by position)."""
    rows = np.array([r for r in rows if r != query_row])
    return rows[np.argsort(-(matrix[rows] @ matrix[query_row]), kind="stable")[:k]]


def _mixed_library(lib, index_dir, n, n_videos):
    ids = np.array(add_media(lib, n - n_videos) + add_media(lib, n_videos, kind="video"))
    put_features(lib, ids, "audio.musicnn", clustered(n, 200, seed=5)[0])
    build_space(lib, index_dir, "audio", BuildOptions(fresh_margin=0))
    index = SpaceIndex(lib, index_dir, "audio", scan_below=0)
    return ids, index, index.vectors(ids)[0], np.arange(n - n_videos, n)


def test_a_kind_filter_finds_the_nearest_items_of_that_kind(lib, index_dir):
    ids, index, matrix, videos = _mixed_library(lib, index_dir, 4000, 1200)
    queries = np.random.default_rng(2).choice(len(ids), size=60, replace=False)
    hits = 0
    for q in queries:
        found, _ = index.search(matrix[q], 5, exclude=[ids[q]], kinds=("video",))
        assert set(found.tolist()) <= set(ids[videos].tolist())
        hits += len(set(found.tolist()) & set(ids[_exact_top(matrix, videos, q, 5)].tolist()))
    assert hits / (5 * len(queries)) >= 0.95  # 30% are videos: found in the nearest cells


def test_a_rare_kind_is_searched_exactly(lib, index_dir):
    ids, index, matrix, videos = _mixed_library(lib, index_dir, 4000, 40)
    for q in np.random.default_rng(3).choice(len(ids), size=10, replace=False):
        found, _ = index.search(matrix[q], 5, exclude=[ids[q]], kinds=("video",))
        assert found.tolist() == ids[_exact_top(matrix, videos, q, 5)].tolist()


def test_an_index_of_another_format_is_searched_exactly_until_rebuilt(lib, index_dir):
    ids, _ = _audio_library(lib, 600)
    m = build_space(lib, index_dir, "audio", BuildOptions(fresh_margin=0))
    doc = json.loads((index_dir / "audio.json").read_text())
    doc["format"] = 1  # what an older mediarec wrote: Annoy over the items, rows in media order
    (index_dir / "audio.json").write_text(json.dumps(doc))
    index = SpaceIndex(lib, index_dir, "audio", scan_below=0)
    v = index.vector(ids[0])
    found, _ = index.search(v, 5, exclude=[ids[0]])
    assert index.manifest is None  # not read as cells
    _, all_vectors, _ = compose(lib, SPACES["audio"])
    assert found.tolist() == [ids[i] for i in np.argsort(-(all_vectors @ v), kind="stable")[1:6]]
    st = space_status(lib, index_dir, "audio", registered={})
    assert st["stale"] and st["reasons"] == ["built in another format: rebuild"]
    assert rebuild(lib, index_dir, ["audio"], opts=BuildOptions(fresh_margin=0))["audio"]["action"] == "built"
    new = read_manifest(index_dir, "audio")
    assert new.build_id != m.build_id and not space_status(lib, index_dir, "audio", registered={})["stale"]
    assert sorted(p.name for p in index_dir.glob("audio-*")) == sorted(new.files.values())  # old files gone
