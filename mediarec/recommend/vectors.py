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


class SpaceVectors:
    """The spaces of one library, for one thread. Call `refresh()` once per list, then read."""

    def __init__(self, lib: "Library", index_dir: Path, scan_below: int = SCAN_BELOW):
        self.lib = lib
        self.indexes = {name: SpaceIndex(lib, index_dir, name, scan_below) for name in SPACES}

    def refresh(self) -> None:
        for index in self.indexes.values():
            index.refresh()

    def dim(self, space: str) -> int:
        return self.indexes[space].vectors([], refresh=False)[0].shape[1]

    def spaces_for(self, kinds: Iterable[str]) -> list[str]:
        """Spaces that items of `kinds` can have and that hold any vectors now."""
        kinds = set(kinds)
        return [s for s, space in SPACES.items() if space.kinds & kinds and self.dim(s) > 0]

    def get(self, space: str, media_ids: Iterable[int]) -> tuple[np.ndarray, np.ndarray]:
        """(vectors, has) of the items in `space`; rows of items without one are zero."""
        return self.indexes[space].vectors(media_ids, refresh=False)

    def one(self, space: str, media_id: int) -> np.ndarray | None:
        return self.indexes[space].vector(media_id, refresh=False)

    def search(self, space: str, vector: np.ndarray, k: int, exclude: Iterable[int] = (),
               kinds: Iterable[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
        return self.indexes[space].search(vector, k, exclude=exclude, kinds=kinds, refresh=False)

    def fused(self, media_ids: Iterable[int], weights: dict[str, float]) -> np.ndarray:
        """Fused vectors (see the module docstring) over the spaces in `weights` that hold data."""
        ids = np.asarray(list(media_ids), dtype=np.int64)
        used = {s: w for s, w in weights.items() if w > 0 and self.dim(s) > 0}
        total = sum(used.values()) or 1.0
        parts = [self.get(s, ids)[0] * np.float32(np.sqrt(w / total)) for s, w in used.items()]
        return np.hstack(parts) if parts else np.zeros((len(ids), 0), dtype=np.float32)

    def close(self) -> None:
        for index in self.indexes.values():
            index.close()


def unit(vector: np.ndarray) -> np.ndarray | None:
    """The vector scaled to unit length; None when it is (nearly) zero."""
    norm = float(np.linalg.norm(vector))
    return None if norm < 1e-9 else (vector / norm).astype(np.float32)


__all__ = ["SpaceVectors", "unit", "SCAN_BELOW"]
