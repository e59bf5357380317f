"""float16 builds: half the vector file, the same neighbours, and a file of another type is not trusted."""
import json

import numpy as np

from mediarec.index import BuildOptions, SpaceIndex, build_space
from mediarec.index.build import kth_best_scores, recall_at_k
from mediarec.index.manifest import manifest_path, read_manifest
from vector_factory import add_media, clustered, put_features


def _build(lib, index_dir, dtype):
    m = build_space(lib, index_dir, "audio", BuildOptions(fresh_margin=0, dtype=dtype))
    return m, (index_dir / m.files["vectors"]).stat().st_size


def test_float16_halves_the_vectors_and_finds_the_float32_neighbours(lib, app_dirs):
    index_dir = app_dirs["data"] / "index"
    n = 3000
    ids = np.array(add_media(lib, n))
    put_features(lib, ids, "audio.musicnn", clustered(n, 200, seed=4)[0])
    m32, size32 = _build(lib, index_dir, "float32")
    exact32, _ = SpaceIndex(lib, index_dir, "audio", scan_below=0).vectors(ids)
    queries = np.random.default_rng(2).choice(n, size=200, replace=False)
    kth = kth_best_scores(exact32, queries, 10)  # the float32 truth

    m16, size16 = _build(lib, index_dir, "float16")
    assert (m32.dtype, m16.dtype) == ("float32", "float16")
    assert size16 < 0.52 * size32
    index = SpaceIndex(lib, index_dir, "audio", scan_below=0)
    found = []
    for q in queries:
        got, _ = index.search(exact32[q], 10, exclude=[ids[q]])
        found.append(exact32[np.searchsorted(ids, got)] @ exact32[q])  # scored on float32, as the truth
    assert recall_at_k(found, kth, 10) >= 0.98
    v = index.vector(int(ids[0]))
    assert v.dtype == np.float32 and np.allclose(v, exact32[0], atol=1e-3)


def test_a_manifest_that_misstates_the_vector_type_makes_the_space_search_exactly(lib, app_dirs):
    index_dir = app_dirs["data"] / "index"
    ids = np.array(add_media(lib, 400))
    x = clustered(400, 200, seed=5)[0]
    put_features(lib, ids, "audio.musicnn", x)
    _build(lib, index_dir, "float16")
    path = manifest_path(index_dir, "audio")
    doc = json.loads(path.read_text())
    doc["dtype"] = "float32"  # rows read as float32 from a float16 file would be garbage
    path.write_text(json.dumps(doc))
    assert read_manifest(index_dir, "audio").dtype == "float32"
    index = SpaceIndex(lib, index_dir, "audio", scan_below=0)
    got, scores = index.search(index.vector(int(ids[7])), 5)
    assert index.manifest is None and index.problem and "float16" in index.problem
    assert got[0] == ids[7] and abs(scores[0] - 1.0) < 1e-5
