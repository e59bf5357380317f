"""The one module that touches Annoy: write a built index, open one, query it, with the checks Annoy lacks.

Annoy's contract (spotify/annoy README and annoy/__init__.pyi): ids are non-negative integers and it
allocates memory for max(id) + 1 items, so we only ever use dense ids 0..n-1; items cannot be added
after `build`, so an index is written once and then only read (memory-mapped by `load`); nothing is
bounds-checked (an id past the end reads foreign memory, a vector of the wrong length is read past
its end) and the file has no header saying its dimension, so every call here is validated first and a
file is checked against what its manifest says before it is used."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from annoy import AnnoyIndex

from ..errors import MediarecError

METRIC = "angular"  # sqrt(2 - 2 cos) on unit vectors: the same order as cosine


class IndexUnavailable(MediarecError):
    """An index file is missing, damaged or does not match its manifest; searching falls back to exact."""


def _check_matrix(vectors: np.ndarray) -> np.ndarray:
    if vectors.ndim != 2 or vectors.shape[0] == 0 or vectors.shape[1] == 0:
        raise ValueError(f"need a non-empty 2-D matrix of vectors, got shape {vectors.shape}")
    if not np.isfinite(vectors).all():
        raise ValueError("vectors contain NaN or infinity")
    return np.ascontiguousarray(vectors, dtype=np.float32)


def write_annoy(path: Path, vectors: np.ndarray, n_trees: int, seed: int = 1, n_jobs: int = 1) -> None:
    """Build an index over rows 0..n-1 of `vectors` and save it at `path` (via a temp file and a rename)."""
    vectors = _check_matrix(vectors)
    if n_trees < 1:
        raise ValueError(f"n_trees must be at least 1, got {n_trees}")
    index = AnnoyIndex(vectors.shape[1], METRIC)
    index.set_seed(seed)  # the same data gives the same trees: builds are reproducible
    for i, row in enumerate(vectors):
        index.add_item(i, row)
    index.build(n_trees, n_jobs)
    tmp = path.with_name(path.name + ".tmp")
    try:
        index.save(str(tmp))
        index.unload()
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise IndexUnavailable(f"{path}: cannot write the index: {exc.strerror or exc}") from None


class AnnoyFile:
    """A built index, memory-mapped read-only. Queries return dense ids as an int64 array."""

    def __init__(self, path: Path, dim: int, n_items: int, first_row: np.ndarray | None = None):
        if dim < 1 or n_items < 1:
            raise IndexUnavailable(f"{path}: manifest says dim {dim}, {n_items} items")
        self.path, self.dim, self.n_items = Path(path), dim, n_items
        self._closed = False
        self._index = AnnoyIndex(dim, METRIC)
        try:
            self._index.load(str(path))
        except OSError as exc:  # missing file, or a size that is not a whole number of nodes
            raise IndexUnavailable(f"{path}: {exc}") from None
        if self._index.get_n_items() != n_items:
            self.close()
            raise IndexUnavailable(f"{path}: has {self._index.get_n_items()} items, manifest says {n_items}")
        if first_row is not None:  # the file has no dimension header: a wrong one shows as a wrong vector
            stored = np.asarray(self._index.get_item_vector(0), dtype=np.float32)
            if stored.shape != first_row.shape or not np.allclose(stored, first_row, atol=1e-5):
                self.close()
                raise IndexUnavailable(f"{path}: does not hold the vectors its manifest names")

    def query(self, vector: np.ndarray, k: int, search_k: int) -> np.ndarray:
        """The ids of about the `k` nearest rows, inspecting `search_k` tree nodes (at least k)."""
        if self._closed:  # Annoy itself would read unmapped memory
            raise IndexUnavailable(f"{self.path}: index is closed")
        if vector.shape != (self.dim,):
            raise ValueError(f"query has shape {vector.shape}, index dim is {self.dim}")
        if not np.isfinite(vector).all():
            raise ValueError("query vector contains NaN or infinity")
        k = max(1, min(int(k), self.n_items))
        ids = self._index.get_nns_by_vector(vector.tolist(), k, max(int(search_k), k))
        return np.asarray(ids, dtype=np.int64)

    def close(self) -> None:
        self._closed = True
        self._index.unload()


__all__ = ["AnnoyFile", "IndexUnavailable", "write_annoy", "METRIC"]
