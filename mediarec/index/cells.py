"""Cells: a space's items partitioned by spherical k-means and stored cell by cell (an IVF layout).

A search asks the space's Annoy index, built over the cell centroids, for the `probe` cells nearest the
query, and scores every item of those cells exactly. Each cell is one contiguous run of rows of the
memory-mapped matrix, so a search streams a few runs through BLAS instead of fetching Annoy's scattered
candidates one node at a time, and nothing is scored twice. Measured on the clustered 256-d vectors of
bench/recommend.py at 100k items (CPU ms per query, machine loaded): Annoy over the items, 200 trees,
reaches recall@10 0.98 at about search_k 8000-9000, 2.5-3 ms; cells reach it at probe 6 of 1000 cells,
0.3 ms. With 20 broad clusters instead of 200 both need about 1.2-1.4 ms; on one shapeless 48-d cloud
neither reaches 0.98 under 4 ms (see the report in bench/recommend.py's history).

The build fixes the cells; items analysed later are searched exactly (search.py) until the next build."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CELL_SIZE = 100  # items per cell on average: a scan of one cell is a ~100 x dim product, cheap to call
MAX_CELLS = 4096  # k-means cost grows with cells squared; past this cells grow instead
TRAIN_PER_CELL = 40  # k-means is fitted on a sample of this many items per cell
ITERATIONS = 8
ASSIGN_BLOCK = 1 << 22  # scores computed at a time when assigning items to cells (16 MB of float32)


def n_cells(n_items: int) -> int:
    return max(1, min(MAX_CELLS, round(n_items / CELL_SIZE)))


@dataclass
class Partition:
    centroids: np.ndarray  # (cells, dim) unit vectors, the mean direction of each cell's items
    order: np.ndarray  # row i of the stored matrix is input row order[i]
    starts: np.ndarray  # (cells + 1,): cell c holds stored rows starts[c]:starts[c + 1], never empty


def partition(vectors: np.ndarray, cells: int, seed: int = 1) -> Partition:
    """Spherical k-means on a seeded sample, then every item to its nearest centroid. Empty cells are
    dropped, and each centroid becomes the normalised mean of the items it ended up with."""
    n = len(vectors)
    cells = max(1, min(cells, n))
    rng = np.random.default_rng(seed)
    sample_rows = np.sort(rng.choice(n, size=min(n, TRAIN_PER_CELL * cells), replace=False))
    train = np.asarray(vectors[sample_rows], dtype=np.float32)
    centroids = train[rng.choice(len(train), size=cells, replace=False)].copy()
    for _ in range(ITERATIONS):
        centroids = _means(train, assign(train, centroids), centroids)
    labels = np.zeros(n, dtype=np.int64)
    sums = np.zeros_like(centroids, dtype=np.float64)
    for s in range(0, n, 65536):  # in blocks: the vectors may be a large memory-mapped file
        block = np.asarray(vectors[s:s + 65536], dtype=np.float32)
        labels[s:s + len(block)] = assign(block, centroids)
        sums += _sums(block, labels[s:s + len(block)], len(centroids))
    order = np.argsort(labels, kind="stable")
    counts = np.bincount(labels, minlength=cells)
    kept = counts > 0
    starts = np.concatenate([[0], np.cumsum(counts[kept])]).astype(np.int64)
    return Partition(_unit(sums[kept]), order, starts)


def assign(rows: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """Index of the nearest centroid (highest cosine) of each row."""
    if len(rows) == 0:
        return np.zeros(0, dtype=np.int64)
    block = max(1, ASSIGN_BLOCK // len(centroids))
    return np.concatenate([np.argmax(rows[s:s + block] @ centroids.T, axis=1)
                           for s in range(0, len(rows), block)])


def _sums(rows: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """Sum of the rows of each label 0..k-1 (float64)."""
    order = np.argsort(labels, kind="stable")
    counts = np.bincount(labels, minlength=k)
    out = np.zeros((k, rows.shape[1]), dtype=np.float64)
    present = counts > 0
    starts = (np.cumsum(counts) - counts)[present]
    out[present] = np.add.reduceat(rows[order], starts, axis=0)
    return out


def _means(rows: np.ndarray, labels: np.ndarray, old: np.ndarray) -> np.ndarray:
    """Normalised mean of each cluster; an empty one is re-seeded with the rows least like their own
    centroid (a cluster that is too wide gives one away)."""
    sums = _sums(rows, labels, len(old))
    empty = np.flatnonzero(~np.any(sums, axis=1))
    if len(empty):
        fit = np.einsum("ij,ij->i", rows, old[labels])
        sums[empty] = rows[np.argsort(fit, kind="stable")[:len(empty)]]
    return _unit(sums)


def _unit(m: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return (m / np.maximum(norms, 1e-12)).astype(np.float32)


def scan(matrix: np.ndarray, starts: list[int], cells: np.ndarray | list[int], vector: np.ndarray
         ) -> tuple[np.ndarray, np.ndarray]:
    """(rows, cosines) of every item in `cells`, where cell c is rows starts[c]:starts[c + 1] (a list: a
    few cells are looked up in plain Python faster than through numpy): one matrix-vector product per
    run of adjacent cells."""
    vector = np.asarray(vector, dtype=np.float32)  # a float16 row of a build: sums in float32
    runs: list[list[int]] = []
    for c in sorted(cells.tolist() if isinstance(cells, np.ndarray) else cells):
        a, b = starts[c], starts[c + 1]
        if runs and runs[-1][1] == a:  # cell c + 1 starts where c ends: one run
            runs[-1][1] = b
        else:
            runs.append([a, b])
    total = sum(b - a for a, b in runs)
    scores = np.empty(total, dtype=np.float32)
    rows = np.empty(total, dtype=np.int64)
    pos = 0
    for a, b in runs:
        np.dot(matrix[a:b], vector, out=scores[pos:pos + b - a])
        rows[pos:pos + b - a] = np.arange(a, b)
        pos += b - a
    return rows, scores


__all__ = ["Partition", "partition", "assign", "scan", "n_cells", "CELL_SIZE", "MAX_CELLS"]
