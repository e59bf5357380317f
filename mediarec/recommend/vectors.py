"""Item vectors of every similarity space for the recommender: one SpaceIndex per space, and the fused view.

The fused vector of an item is its space vectors side by side, each scaled by sqrt(w_s / sum w): the dot
product of two fused vectors is then the weighted mean of their per-space cosines (a space one of them
lacks counts as 0), the same fusion more-like-this uses. Up next uses it for diversity, journeys to move
between items, evaluation for intra-list diversity."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Iterable

import numpy as np

from ..index.search import SCAN_BELOW, SpaceIndex
from ..index.spaces import SPACES

if TYPE_CHECKING:
    from ..library import Library

ROW_CACHE = 4096  # rows kept per space: 4096 x 1280 float32 (visual) is 21 MB


class SpaceVectors:
    """The spaces of one library, for one thread. Call `refresh()` once per list, then read."""

    def __init__(self, lib: "Library", index_dir: Path, scan_below: int = SCAN_BELOW):
        self.lib = lib
        self.indexes = {name: SpaceIndex(lib, index_dir, name, scan_below) for name in SPACES}
        self._dims: dict[str, int] = {}
        self._rows: dict[str, _RowCache] = {}
        self._stamp: tuple | None = None

    def refresh(self) -> None:
        for index in self.indexes.values():
            index.refresh()
        self._dims = {}
        stamp = self.stamp()
        if stamp != self._stamp:  # an index changed: what was read from the old one may be stale
            self._rows = {}
            self._stamp = stamp

    def stamp(self) -> tuple:
        """Changes when any index does (a new build, or items analysed since it)."""
        return tuple((s, idx.manifest.build_id if idx.manifest else None, idx.fresh_count)
                     for s, idx in self.indexes.items())

    def dim(self, space: str) -> int:
        """The space's vector length (0: no data); only a refresh changes it."""
        if space not in self._dims:
            self._dims[space] = self.indexes[space].vectors([], refresh=False)[0].shape[1]
        return self._dims[space]

    def spaces_for(self, kinds: Iterable[str]) -> list[str]:
        """Spaces that items of `kinds` can have and that hold any vectors now."""
        kinds = set(kinds)
        return [s for s, space in SPACES.items() if space.kinds & kinds and self.dim(s) > 0]

    def get(self, space: str, media_ids: Iterable[int]) -> tuple[np.ndarray, np.ndarray]:
        """(vectors, has) of the items in `space`; rows of items without one are zero.

        The rows of the last ROW_CACHE items read are kept (a list reads the same session and profile
        items again and again; an index lookup costs ~0.3 ms at 100k items however few rows it returns)."""
        ids = np.asarray(media_ids if isinstance(media_ids, np.ndarray) else list(media_ids), dtype=np.int64)
        dim = self.dim(space)
        if dim == 0 or len(ids) == 0:
            return np.zeros((len(ids), dim), dtype=np.float32), np.zeros(len(ids), dtype=bool)
        cache = self._rows.get(space)
        if cache is None or cache.rows.shape[1] != dim:
            cache = self._rows[space] = _RowCache(dim)
        slots = cache.lookup(ids)
        missing = slots < 0
        has = cache.has[np.maximum(slots, 0)] & ~missing
        if has.all():  # every row cached (most of a list's reads): one gather
            return cache.rows[slots], has
        out = np.zeros((len(ids), dim), dtype=np.float32)  # only rows that exist are copied: a video
        out[has] = cache.rows[slots[has]]  # space asked about songs reads nothing
        if missing.any():
            wanted, back = np.unique(ids[missing], return_inverse=True)
            rows, found = self.indexes[space].vectors(wanted, refresh=False)
            cache.store(wanted, rows, found)
            out[missing], has[missing] = rows[back], found[back]
        return out, has

    def one(self, space: str, media_id: int) -> np.ndarray | None:
        rows, has = self.get(space, [media_id])
        return rows[0] if has[0] else None

    def search(self, space: str, vector: np.ndarray, k: int, exclude: Iterable[int] = (),
               kinds: Iterable[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
        return self.indexes[space].search(vector, k, exclude=exclude, kinds=kinds, refresh=False)

    def fused(self, media_ids: Iterable[int], weights: dict[str, float]) -> np.ndarray:
        """Fused vectors (see the module docstring) over the spaces in `weights` that hold data."""
        ids = np.asarray(media_ids if isinstance(media_ids, np.ndarray) else list(media_ids), dtype=np.int64)
        used = {s: w for s, w in weights.items() if w > 0 and self.dim(s) > 0}
        total = sum(used.values()) or 1.0
        parts = [self.get(s, ids)[0] * np.float32(np.sqrt(w / total)) for s, w in used.items()]
        return np.hstack(parts) if parts else np.zeros((len(ids), 0), dtype=np.float32)

    def close(self) -> None:
        for index in self.indexes.values():
            index.close()


class _RowCache:
    """Rows of one space by media id, in a ring of at most ROW_CACHE slots (the oldest are reused).
    Media ids are SQLite row ids, dense from 1, so the id -> slot map is an array."""

    def __init__(self, dim: int) -> None:
        self.slot_of = np.full(1024, -1, dtype=np.int64)  # media id -> slot
        self.owner = np.full(64, -1, dtype=np.int64)  # slot -> media id
        self.rows = np.zeros((64, dim), dtype=np.float32)
        self.has = np.zeros(64, dtype=bool)
        self.used = 0
        self.next = 0  # the slot to reuse next once full

    def lookup(self, ids: np.ndarray) -> np.ndarray:
        inside = (ids >= 0) & (ids < len(self.slot_of))
        return np.where(inside, self.slot_of[np.where(inside, ids, 0)], -1)

    def store(self, ids: np.ndarray, rows: np.ndarray, has: np.ndarray) -> None:
        ids, rows, has = ids[-ROW_CACHE:], rows[-ROW_CACHE:], has[-ROW_CACHE:]
        n = len(ids)
        if ids.max() >= len(self.slot_of):
            grown = np.full(max(2 * len(self.slot_of), int(ids.max()) + 1), -1, dtype=np.int64)
            grown[:len(self.slot_of)] = self.slot_of
            self.slot_of = grown
        fresh = min(n, ROW_CACHE - self.used)
        while self.used + fresh > len(self.rows):
            self.rows = np.vstack([self.rows, np.zeros_like(self.rows)])
            self.has = np.concatenate([self.has, np.zeros_like(self.has)])
            self.owner = np.concatenate([self.owner, np.full_like(self.owner, -1)])
        slots = np.concatenate([np.arange(self.used, self.used + fresh),
                                (self.next + np.arange(n - fresh)) % ROW_CACHE]).astype(np.int64)
        self.used += fresh
        if n > fresh:
            self.next = int((self.next + n - fresh) % ROW_CACHE)
        evicted = self.owner[slots]
        self.slot_of[evicted[evicted >= 0]] = -1
        self.owner[slots] = ids
        self.slot_of[ids] = slots
        self.rows[slots], self.has[slots] = rows, has


def unit(vector: np.ndarray) -> np.ndarray | None:
    """The vector scaled to unit length; None when it is (nearly) zero."""
    norm = float(np.linalg.norm(vector))
    return None if norm < 1e-9 else (vector / norm).astype(np.float32)


__all__ = ["SpaceVectors", "unit", "SCAN_BELOW"]
