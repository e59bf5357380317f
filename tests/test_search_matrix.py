"""search() from the cached text matrix and the trigram candidates gives exactly the reference's hits (every
vector read from the database, every row's tags scanned), and the cache follows the library: a new or changed
vector is searched at once, an item no longer ok or re-fingerprinted is left out."""
import numpy as np
import pytest

from mediarec import search_matrix
from mediarec.library import Library, transcripts
from mediarec.search import search
from search_factory import fill_search_library

QUERIES = ("gold", "artist 7", "velvet storm 12", "welcome episode", "café", "東京 night", "ça va", "a1 go",
           "zoë", "storm kitchen interview", "the", "album 12 rock", "no such words here")


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    lib = Library(tmp_path_factory.mktemp("search") / "library.db")
    fill_search_library(lib, 2500, spoken_share=0.3, events=100)
    yield lib
    lib.close()


def near(lib, media_id: int, noise: float, seed: int):
    """An `embed` whose query lands near one item's stored vector, so the meaning list has many hits."""
    v = lib.features.get(media_id, "text.embedding")["vector"]
    v = v + noise * np.random.default_rng(seed).standard_normal(v.size).astype(np.float32)
    v = (v / np.linalg.norm(v)).astype(np.float32)
    return lambda _query: v


@pytest.mark.parametrize("at_once", [5000, 40])
def test_fast_search_equals_the_exact_one(library, monkeypatch, at_once):
    monkeypatch.setattr(transcripts, "RANK_AT_ONCE", at_once)  # 40: tags are ranked a chunk at a time
    ids = library.media.ids()
    meaning_hits = 0
    for n, query in enumerate(QUERIES):
        embed = near(library, ids[n * 97 % len(ids)], noise=0.05 * (n % 4), seed=n)
        for kind in (None, "video"):
            for limit in (20, 300):
                fast = search(library, query, kind=kind, limit=limit, embed=embed)
                assert fast == search(library, query, kind=kind, limit=limit, embed=embed, exact=True), query
                meaning_hits += sum("meaning" in h.matched for h in fast)
    assert meaning_hits > 100  # the semantic list was exercised, not just keywords


def test_the_cache_follows_new_vectors_and_items_that_go(library):
    ids = library.media.ids()
    target, other = ids[10], ids[20]
    embed = near(library, other, noise=0.0, seed=0)
    assert search(library, "zzzq", embed=embed)[0].id == other
    fp = library.conn.execute("SELECT fingerprint FROM media WHERE id = ?", (target,)).fetchone()[0]
    query_vec = embed("")
    library.features.put(target, "text.embedding", 2, fp, query_vec, {})  # now the exact match
    library.features.put(other, "text.embedding", 2, "an older file", query_vec, {})  # stale: not current
    hits = search(library, "zzzq", embed=embed)
    assert hits[0].id == target and hits[0].cosine == pytest.approx(1.0, abs=1e-4)
    assert other not in [h.id for h in hits]
    with library.transaction() as c:
        c.execute("UPDATE media SET status = 'missing' WHERE id = ?", (target,))  # no updated_at, as roots.py
    hits = search(library, "zzzq", embed=embed)
    assert target not in [h.id for h in hits]
    assert hits == search(library, "zzzq", embed=embed, exact=True)


def test_the_matrix_is_read_once_while_nothing_changes(library, monkeypatch):
    search_matrix.forget()
    reads = []
    real = search_matrix._read
    monkeypatch.setattr(search_matrix, "_read", lambda *a: reads.append(1) or real(*a))
    embed = near(library, library.media.ids()[3], noise=0.1, seed=1)
    for query in ("gold", "blue night", "welcome"):
        search(library, query, embed=embed)
    assert len(reads) == 1


def test_a_vector_written_by_another_connection_is_searched_at_once(library):
    target = library.media.ids()[30]
    embed = near(library, library.media.ids()[40], noise=0.0, seed=0)
    search(library, "zzzq", embed=embed)  # cached and checked
    fp = library.conn.execute("SELECT fingerprint FROM media WHERE id = ?", (target,)).fetchone()[0]
    with Library(library.path) as writer:  # the analysis runner's own connection
        writer.features.put(target, "text.embedding", 2, fp, -embed(""), {})
        writer.features.put(target, "text.embedding", 2, fp, embed(""), {})
    hits = search(library, "zzzq", embed=embed)
    assert target in [h.id for h in hits[:2]]
    assert hits == search(library, "zzzq", embed=embed, exact=True)
