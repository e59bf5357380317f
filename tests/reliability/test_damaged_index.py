"""Index files truncated, overwritten in part or swapped for another build's: the manifest's checksums catch it,
the query falls back to exact search (the same answer, never a crash), the space reports stale, and a rebuild
restores a verified index."""
import shutil

import numpy as np
import pytest

from mediarec.index import BuildOptions, SpaceIndex, build_space, rebuild, space_status
from mediarec.index.compose import compose
from mediarec.index.manifest import files_problem, read_manifest
from mediarec.index.spaces import SPACES
from vector_factory import add_media, clustered, put_features


@pytest.fixture
def built(lib, app_dirs):
    index_dir = app_dirs["data"] / "index"
    ids = add_media(lib, 300)
    x, _ = clustered(300, 200, seed=3)
    put_features(lib, ids, "audio.musicnn", x)
    m = build_space(lib, index_dir, "audio", BuildOptions(fresh_margin=0))
    assert set(m.checksums) == set(m.files.values()) and files_problem(index_dir, m) is None
    return lib, index_dir, ids, m


def _exact(lib, index, ids, k=5):
    v = index.vector(ids[0])
    _, all_vectors, _ = compose(lib, SPACES["audio"])
    order = np.argsort(-(all_vectors @ v), kind="stable")[1:k + 1]
    return v, [ids[i] for i in order]


def _overwrite_middle(path):
    data = bytearray(path.read_bytes())
    mid = len(data) // 2
    data[mid:mid + 4096] = bytes(4096)[: len(data) - mid]
    path.write_bytes(bytes(data))


def _swap_with_other_build(lib, index_dir, m, key):
    other = index_dir / "other"
    m2 = build_space(lib, other, "audio", BuildOptions(fresh_margin=0, seed=7))
    shutil.copyfile(other / m2.files[key], index_dir / m.files[key])


@pytest.mark.parametrize("damage", ["truncate-vectors", "overwrite-vectors", "overwrite-cells", "truncate-ann",
                                    "swap-ann"])
def test_damaged_index_file_means_exact_search_then_rebuild(built, damage):
    lib, index_dir, ids, m = built
    what, key = damage.split("-")
    path = index_dir / m.files[key]
    if what == "truncate":
        with open(path, "r+b") as f:
            f.truncate(path.stat().st_size // 2)
    elif what == "overwrite":
        _overwrite_middle(path)
    else:
        _swap_with_other_build(lib, index_dir, m, key)
    problem = files_problem(index_dir, m)
    if what == "swap" and problem is None:
        pytest.skip("the other build's Annoy file is byte-identical (same data, same seed)")
    assert problem and m.files[key] in problem
    assert read_manifest(index_dir, "audio") is None  # the space is unusable, so stale
    index = SpaceIndex(lib, index_dir, "audio", scan_below=0)
    v, expected = _exact(lib, index, ids)
    found, _ = index.search(v, 5, exclude=[ids[0]])
    assert index.manifest is None and index.problem and m.files[key] in index.problem
    assert found.tolist() == expected  # exact search: the right answer, not a half-read index
    assert space_status(lib, index_dir, "audio")["stale"]
    rebuild(lib, index_dir, ["audio"])
    fresh = read_manifest(index_dir, "audio")
    assert fresh is not None and files_problem(index_dir, fresh) is None
    again = SpaceIndex(lib, index_dir, "audio", scan_below=0)
    found, _ = again.search(v, 5, exclude=[ids[0]])
    assert again.manifest is not None and again.problem is None and len(found) == 5
