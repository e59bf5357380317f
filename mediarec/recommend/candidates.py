"""Where up-next candidates come from: the session's and the long-term taste's neighbours in each space,
the items the user finishes next to this session's, a small exploration pool, and a varied cold start.

- `session`, `profile`: the nearest items to the session's direction, to each of its last finished
  items and to the long-term profile, in every space the wanted kinds can have (SpaceIndex: Annoy
  re-ranked exactly, plus what is newer).
- `cooc`: partners of the session's finished items in the user's own sequences.
- exploration: unplayed items drawn at random from the whole library, outside the neighbourhoods
  above (so mostly other clusters); up next gives them a small share of the slots.
- `varied`: with no taste to go on (no history, or only skips), a spread over the library picked the
  way k-means++ seeds its centres: each next item drawn with probability growing with its squared
  distance from those already chosen, so every region is visited and outliers do not dominate."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable

import numpy as np

from .features import Context
from .vectors import SpaceVectors

if TYPE_CHECKING:
    from ..library import Library

ITEM_QUERIES = 3  # the last finished items searched around one by one
EXPLORE_SAMPLE = 48  # unplayed items drawn per list; the model picks the best of them for the exploring slots
VARIED_SAMPLE = 1500  # items a cold start spreads over
CATALOGUE_TTL_S = 30.0


class Catalogue:
    """The ok items of each kind, re-read at most every CATALOGUE_TTL_S (listing 100k ids takes ~10 ms;
    an item added since is found by the indexes anyway, and a stale id is filtered by them)."""

    def __init__(self, lib: "Library", ttl: float = CATALOGUE_TTL_S):
        self.lib, self.ttl = lib, ttl
        self._by_kind: dict[str, np.ndarray] = {}
        self._read_at = -1e18

    def ids(self, kinds: Iterable[str]) -> np.ndarray:
        if time.monotonic() - self._read_at > self.ttl:
            self._by_kind = {k: np.asarray(self.lib.media.ids(kind=k), dtype=np.int64) for k in ("audio", "video")}
            self._read_at = time.monotonic()
        parts = [self._by_kind.get(k, np.zeros(0, np.int64)) for k in kinds]
        return np.sort(np.concatenate(parts)) if len(parts) > 1 else parts[0]


@dataclass
class Candidates:
    ids: np.ndarray
    origin: dict[int, str] = field(default_factory=dict)  # media id -> where it came from (first source wins)
    explore: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # the exploration pool


def gather(vectors: SpaceVectors, ctx: Context, spaces: list[str], kinds: tuple[str, ...], exclude: set[int],
           played: set[int] | dict, catalogue: np.ndarray, k: int, n: int, rng: np.random.Generator,
           weights: dict[str, float]) -> Candidates:
    origin: dict[int, str] = {}
    recent = list(dict.fromkeys(reversed(ctx.finished)))[:ITEM_QUERIES]
    for s in spaces:
        # Around each of the last finished items too: a session that mixes two styles has its mean
        # direction between them, where neither style's items are nearest.
        queries = [(ctx.directions.get(g, {}).get(s), k, g) for g in ("session", "profile")]
        queries += [(vectors.one(s, mid), k // 2, "session") for mid in recent]
        for direction, kk, group in queries:
            if direction is None:
                continue
            ids, _ = vectors.search(s, direction, kk, exclude=exclude, kinds=kinds)
            for mid in ids.tolist():
                origin.setdefault(mid, group)
    allowed = _member(catalogue)
    for mid, _ in sorted(ctx.cooc.items(), key=lambda kv: -kv[1])[:k]:
        if mid not in exclude and allowed(mid):
            origin.setdefault(mid, "cooc")
    if not ctx.has_taste and len(catalogue):
        for mid in varied(vectors, catalogue, weights, 3 * n, rng, exclude).tolist():
            origin.setdefault(mid, "varied")
    explore = _explore_pool(catalogue, exclude, played, origin, rng)
    ids = np.array(sorted(origin), dtype=np.int64)
    return Candidates(ids, origin, explore)


def _member(sorted_ids: np.ndarray):
    def test(mid: int) -> bool:
        pos = int(np.searchsorted(sorted_ids, mid))
        return pos < len(sorted_ids) and int(sorted_ids[pos]) == mid
    return test


def _explore_pool(catalogue: np.ndarray, exclude: set[int], played, found: dict[int, str],
                  rng: np.random.Generator) -> np.ndarray:
    if len(catalogue) == 0:
        return np.zeros(0, np.int64)
    draw = rng.choice(catalogue, size=min(len(catalogue), 2 * EXPLORE_SAMPLE), replace=False)
    pool = [int(m) for m in draw if int(m) not in exclude and int(m) not in played and int(m) not in found]
    return np.array(pool[:EXPLORE_SAMPLE], dtype=np.int64)


def varied(vectors: SpaceVectors, catalogue: np.ndarray, weights: dict[str, float], n: int,
           rng: np.random.Generator, exclude: set[int] = frozenset()) -> np.ndarray:
    """`n` items spread over the library (k-means++ seeding on the fused vectors of a sample)."""
    pool = catalogue[~np.isin(catalogue, list(exclude))] if exclude else catalogue
    if len(pool) > VARIED_SAMPLE:
        pool = np.sort(rng.choice(pool, size=VARIED_SAMPLE, replace=False))
    if len(pool) <= n:
        return rng.permutation(pool)
    fused = vectors.fused(pool, weights)
    return pool[spread(fused, n, rng)]


def spread(fused: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Positions of `n` rows chosen k-means++ style: the first at random, each next one with probability
    proportional to its squared distance (1 - cosine) from the nearest already chosen."""
    first = int(rng.integers(len(fused)))
    chosen = [first]
    nearest = fused @ fused[first] if fused.shape[1] else np.zeros(len(fused), np.float32)
    for _ in range(n - 1):
        d2 = np.clip(1.0 - nearest, 0.0, None) ** 2
        d2[chosen] = 0.0
        total = float(d2.sum())
        if total <= 1e-12:
            rest = np.setdiff1d(np.arange(len(fused)), chosen)
            if len(rest) == 0:
                break
            nxt = int(rng.choice(rest))
        else:
            nxt = int(rng.choice(len(fused), p=d2 / total))
        chosen.append(nxt)
        if fused.shape[1]:
            nearest = np.maximum(nearest, fused @ fused[nxt])
    return np.asarray(chosen, dtype=np.int64)


__all__ = ["Catalogue", "Candidates", "gather", "varied", "spread", "EXPLORE_SAMPLE"]
