"""Neighbour lists kept between up-next lists: the nearest items of each recently finished item and of the
long-term profile, per space.

At 100k items one index search costs ~5 ms (its search_k is calibrated for recall@10 >= 0.985), and a
refill needs the neighbours of the last few finished items and of the profile in every space, nearly
all of which it already asked for one event earlier. An item's neighbours change only when its index
does (a rebuild, or items analysed since: the lists are dropped then); the profile moves a little with
every event, so its lists are recomputed every PROFILE_EVERY events. Lists are kept unfiltered and
longer than asked for; the no-repeat window and the kind filter are applied by the caller."""
from __future__ import annotations

import time
from collections import OrderedDict

import numpy as np

from .vectors import SpaceVectors

OVERSAMPLE = 2  # kept lists are this many times longer than asked: the no-repeat window eats into them
PROFILE_EVERY = 10  # events between two profile searches
TTL_S = 600.0
MAX_LISTS = 2048


class NeighbourCache:
    def __init__(self, vectors: SpaceVectors, ttl: float = TTL_S, max_lists: int = MAX_LISTS):
        self.vectors, self.ttl, self.max_lists = vectors, ttl, max_lists
        self._lists: OrderedDict[tuple, tuple[float, np.ndarray]] = OrderedDict()
        self._stamp: tuple | None = None
        self.searches = 0  # index searches made (what the cache saves is visible in tests and benchmarks)

    def check(self) -> None:
        """Drop every list when an index changed (a new build, or items analysed since it)."""
        stamp = self.vectors.stamp()
        if stamp != self._stamp:
            self._lists.clear()
            self._stamp = stamp

    def _get(self, key: tuple, search) -> np.ndarray:
        hit = self._lists.get(key)
        now = time.monotonic()
        if hit is not None and now - hit[0] < self.ttl:
            self._lists.move_to_end(key)
            return hit[1]
        ids = search()
        self.searches += 1
        self._lists[key] = (now, ids)
        while len(self._lists) > self.max_lists:
            self._lists.popitem(last=False)
        return ids

    def of_item(self, space: str, media_id: int, k: int) -> np.ndarray:
        """Up to OVERSAMPLE * k nearest items of `media_id` in `space`, nearest first (not itself)."""
        def search() -> np.ndarray:
            v = self.vectors.one(space, media_id)
            if v is None:
                return np.zeros(0, np.int64)
            return self.vectors.search(space, v, OVERSAMPLE * k, exclude=[media_id])[0]
        return self._get(("item", space, media_id, k), search)

    def of_profile(self, space: str, direction: np.ndarray, k: int, events: int) -> np.ndarray:
        """Up to OVERSAMPLE * k nearest items of the profile; searched again every PROFILE_EVERY events, each
        space at another event (so no one list pays for all of them)."""
        offset = list(self.vectors.indexes).index(space) * PROFILE_EVERY // len(self.vectors.indexes)
        return self._get(("profile", space, k, (events + offset) // PROFILE_EVERY),
                         lambda: self.vectors.search(space, direction, OVERSAMPLE * k)[0])


__all__ = ["NeighbourCache", "OVERSAMPLE", "PROFILE_EVERY"]
