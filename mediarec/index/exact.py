"""Exact cosine search with numpy: the ground truth for recall, the re-ranker, and the search over items
an index does not hold yet. Rows are unit vectors, so a dot product is the cosine."""
from __future__ import annotations

import numpy as np

CHUNK_ROWS = 65536  # rows scored at a time: bounds memory when the matrix is memory-mapped and large


def top(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the k highest scores, best first (ties broken by position, so results are stable)."""
    k = min(k, len(scores))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    if len(scores) <= 256:  # a re-ranked candidate list: one small sort is cheaper than partitioning
        return np.argsort(-scores, kind="stable")[:k]
    part = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
    return part[np.lexsort((part, -scores[part]))]


def search(matrix: np.ndarray, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(rows, cosines) of the k rows nearest `vector`, best first."""
    if len(matrix) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    if len(matrix) <= CHUNK_ROWS:
        scores = matrix @ vector
        rows = top(scores, k)
        return rows, scores[rows]
    best_rows, best_scores = [], []
    for start in range(0, len(matrix), CHUNK_ROWS):
        scores = matrix[start:start + CHUNK_ROWS] @ vector
        rows = top(scores, k)
        best_rows.append(rows + start)
        best_scores.append(scores[rows])
    rows, scores = np.concatenate(best_rows), np.concatenate(best_scores)
    order = top(scores, k)
    return rows[order], scores[order]


def search_many(matrix: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """Rows of the k nearest for each query (shape (len(queries), k)): one matrix product per chunk."""
    best = np.zeros((len(queries), 0), dtype=np.int64)
    best_scores = np.zeros((len(queries), 0), dtype=np.float32)
    for start in range(0, len(matrix), CHUNK_ROWS):
        scores = queries @ np.asarray(matrix[start:start + CHUNK_ROWS]).T
        kk = min(k, scores.shape[1])
        part = np.argpartition(-scores, kk - 1, axis=1)[:, :kk]
        best = np.hstack([best, part + start])
        best_scores = np.hstack([best_scores, np.take_along_axis(scores, part, axis=1)])
        if best.shape[1] > k:
            keep = np.argpartition(-best_scores, k - 1, axis=1)[:, :k]
            best = np.take_along_axis(best, keep, axis=1)
            best_scores = np.take_along_axis(best_scores, keep, axis=1)
    order = np.argsort(-best_scores, axis=1, kind="stable")
    return np.take_along_axis(best, order, axis=1)


__all__ = ["top", "search", "search_many", "CHUNK_ROWS"]
