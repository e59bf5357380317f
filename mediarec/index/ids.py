"""Sorted media-id arrays: the empty one, and finding ids in them by binary search."""
from __future__ import annotations

import numpy as np

EMPTY_IDS = np.zeros(0, dtype=np.int64)


def sorted_find(sorted_ids: np.ndarray, wanted: int) -> int:
    """Position of one id in a sorted array, -1 where absent."""
    i = int(sorted_ids.searchsorted(wanted))
    return i if i < len(sorted_ids) and sorted_ids[i] == wanted else -1


def sorted_lookup(sorted_ids: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Position of each wanted id in a sorted array, -1 where absent."""
    if len(sorted_ids) == 0:
        return np.full(len(wanted), -1, dtype=np.int64)
    pos = np.minimum(np.searchsorted(sorted_ids, wanted), len(sorted_ids) - 1)
    return np.where(sorted_ids[pos] == wanted, pos, -1)


__all__ = ["EMPTY_IDS", "sorted_find", "sorted_lookup"]
