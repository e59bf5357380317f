"""Feature rows read for the indexes: streamed into one matrix, strays and flagged rows left out; bulk writes."""
import numpy as np

from vector_factory import add_media


def _fp(lib, mid):
    return lib.conn.execute("SELECT fingerprint FROM media WHERE id = ?", (mid,)).fetchone()[0]


def test_rows_streamed_in_chunks_are_the_rows_written(lib):
    ids = add_media(lib, 10)
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((10, 6)).astype(np.float32)
    lib.features.put_many((m, "x.vec", 1, _fp(lib, m), vectors[i], {"n": i}) for i, m in enumerate(ids))
    got_ids, matrix, attrs, stray = lib.index.feature_matrix("x.vec", 1, attrs=True, chunk=3)
    assert got_ids.tolist() == ids and stray == 0
    assert matrix.dtype == np.float32 and np.array_equal(matrix, vectors)
    assert [a["n"] for a in attrs] == list(range(10))
    some, part, _, _ = lib.index.feature_matrix("x.vec", 1, ids[3:5], chunk=1)
    assert some.tolist() == ids[3:5] and np.array_equal(part, vectors[3:5])


def test_stray_lengths_and_flagged_rows_are_left_out(lib):
    ids = add_media(lib, 6)
    rows = [(m, "x.vec", 1, _fp(lib, m), np.full(4, i, np.float32), {}) for i, m in enumerate(ids)]
    rows[1] = (ids[1], "x.vec", 1, _fp(lib, ids[1]), np.ones(7, np.float32), {})  # another length
    rows[2] = (ids[2], "x.vec", 1, _fp(lib, ids[2]), np.full(4, 2, np.float32), {"wordless": True})
    rows[3] = (ids[3], "x.vec", 1, _fp(lib, ids[3]), None, {})  # no vector at all: not a stray
    lib.features.put_many(rows)
    got, matrix, _, stray = lib.index.feature_matrix("x.vec", 1, leave_out="wordless")
    assert got.tolist() == [ids[0], ids[4], ids[5]] and stray == 1
    assert matrix[:, 0].tolist() == [0.0, 4.0, 5.0]
    every, empty, attrs, _ = lib.index.feature_matrix("x.vec", 1, dim=0, attrs=True)
    assert len(every) == 6 and empty.shape == (6, 0) and len(attrs) == 6  # attributes only: every row


def test_an_extractor_with_only_empty_vectors_gives_no_rows(lib):
    """Every item wordless (a library of instrumentals): the text space has no rows, not one row of no width per
    item, which made Up Next fail with 'zero-size array to reduction operation maximum'."""
    ids = add_media(lib, 4)
    lib.features.put_many((m, "x.vec", 1, _fp(lib, m), None, {"wordless": True}) for m in ids)
    got, matrix, _, stray = lib.index.feature_matrix("x.vec", 1)
    assert len(got) == 0 and matrix.shape[0] == 0 and stray == 0


def test_put_many_replaces_an_older_version_as_put_does(lib):
    (mid,) = add_media(lib, 1)
    lib.features.put(mid, "x.vec", 1, _fp(lib, mid), np.zeros(3, np.float32))
    assert lib.features.put_many([(mid, "x.vec", 2, _fp(lib, mid), np.ones(3, np.float32), {"v": 2})]) == 1
    row = lib.features.get(mid, "x.vec")
    assert row["version"] == 2 and row["vector"].tolist() == [1.0, 1.0, 1.0]
    assert lib.conn.execute("SELECT count(*) FROM features").fetchone()[0] == 1
