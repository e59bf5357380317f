"""Where up-next candidates come from: the session's and the long-term taste's neighbours in each space,
the items the user finishes next to this session's, a small exploration pool, and a varied cold start.

- `session`, `profile`: the nearest items to each of the session's last finished items (in the content
  spaces, how it sounds and looks; in the others only for an item that has neither) and to the long-term
  profile in every space the wanted kinds can have (SpaceIndex: Annoy re-ranked exactly, plus what is
  newer; the lists are kept between lists, see neighbours.py). The session's direction itself is not
  searched (it weighs in through the scorer's features): at 100k items each search costs ~5 ms, and the
  mean of a session that mixes two styles lies between them, where neither style's items are nearest.
- `radio`: with a seed (radio from an item), its nearest items first, as the newest finished item.
- `again`: finished items heard lately that may come back (pacing.py decides which, and how much less
  they are worth than a fresh item).
- `cooc`: partners of the session's finished items in the user's own sequences.
- exploration: unplayed items drawn at random from the whole library, outside the neighbourhoods
  above (so mostly other clusters); up next gives them a small share of the slots.
- `varied`: with no taste to go on (no history, or only skips), a spread over the library picked the
  way k-means++ seeds its centres: each next item drawn with probability growing with its squared
  distance from those already chosen, so every region is visited and outliers do not dominate.
- `artist`, `folder`: when none of the above has anything for a seed (not analysed yet), the items of its
  artist, then of its folder (`kin`), so radio never starts empty."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable

import numpy as np

from .features import Context
from .neighbours import NeighbourCache
from .vectors import SpaceVectors

if TYPE_CHECKING:
    from ..library import Library

ITEM_QUERIES = 3  # the last finished items searched around one by one ...
ITEM_SPACES = ("audio", "visual")  # ... in the content spaces
EXPLORE_SAMPLE = 48  # unplayed items drawn per list; the model picks the best of them for the exploring slots
VARIED_SAMPLE = 1500  # items a cold start spreads over
CATALOGUE_TTL_S = 30.0


class Catalogue:
    """The ok items of each kind, re-read at most every CATALOGUE_TTL_S (listing 100k ids takes ~10 ms;
    an item added since is found by the indexes anyway, and a stale id is filtered by them)."""

    def __init__(self, lib: "Library", ttl: float = CATALOGUE_TTL_S):
        self.lib, self.ttl = lib, ttl
        self._by_kind: dict[str, np.ndarray] = {}
        self._merged: dict[tuple[str, ...], np.ndarray] = {}  # kinds -> their ids, sorted (kept: 5 ms at 100k)
        self._read_at = -1e18

    def ids(self, kinds: Iterable[str]) -> np.ndarray:
        if time.monotonic() - self._read_at > self.ttl:
            self._by_kind = {k: np.asarray(self.lib.media.ids(kind=k), dtype=np.int64) for k in ("audio", "video")}
            self._merged = {}
            self._read_at = time.monotonic()
        kinds = tuple(kinds)
        if kinds not in self._merged:
            parts = [self._by_kind.get(k, np.zeros(0, np.int64)) for k in kinds]
            self._merged[kinds] = np.sort(np.concatenate(parts)) if len(parts) > 1 else parts[0]
        return self._merged[kinds]


@dataclass
class Candidates:
    ids: np.ndarray
    origin: dict[int, str] = field(default_factory=dict)  # media id -> where it came from (first source wins)
    explore: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # the exploration pool


def gather(vectors: SpaceVectors, neighbours: NeighbourCache, ctx: Context, spaces: list[str],
           kinds: tuple[str, ...], exclude: set[int], played, catalogue: np.ndarray, k: int, n: int,
           rng: np.random.Generator, weights: dict[str, float], events: int, seed: int | None = None,
           again: Iterable[int] = ()) -> Candidates:
    origin: dict[int, str] = {}
    allowed = _members(catalogue)
    excluded = _members(np.sort(np.fromiter(exclude, dtype=np.int64, count=len(exclude))))  # (np.isin sorts per call)

    def take(ids: np.ndarray, group: str, limit: int) -> None:
        ids = ids[allowed(ids) & ~excluded(ids)][:limit]
        for mid in ids.tolist():
            origin.setdefault(mid, group)

    take(np.fromiter(again, dtype=np.int64), "again", 10**9)  # first: the neighbours find them too
    recent = list(dict.fromkeys(reversed(ctx.finished)))[:ITEM_QUERIES]
    if seed is not None:
        recent = [seed, *[m for m in recent if m != seed]][:ITEM_QUERIES]
    neighbours.check()
    # Around each of the last finished items, in the content spaces; one that has neither, in the others.
    content = [s for s in spaces if s in ITEM_SPACES]
    for mid in recent:
        found = False
        group = "radio" if mid == seed else "session"
        for s in content:
            ids = neighbours.of_item(s, mid, k)
            found = found or len(ids) > 0
            take(ids, group, k)
        if not found:
            for s in spaces:
                if s not in ITEM_SPACES:
                    take(neighbours.of_item(s, mid, k), group, k)
    for s in spaces:
        direction = ctx.directions.get("profile", {}).get(s)
        if direction is not None:
            take(neighbours.of_profile(s, direction, k, events), "profile", k)
    partners = sorted(ctx.cooc.items(), key=lambda kv: -kv[1])[:2 * k]
    take(np.array([m for m, _ in partners], dtype=np.int64), "cooc", k)
    if not ctx.has_taste and len(catalogue):
        for mid in varied(vectors, catalogue, weights, 3 * n, rng, exclude).tolist():
            origin.setdefault(mid, "varied")
    explore = _explore_pool(catalogue, exclude, played, origin, rng)
    ids = np.array(sorted(origin), dtype=np.int64)
    return Candidates(ids, origin, explore)


def kin(lib: "Library", anchor: int, kinds: tuple[str, ...], exclude: set[int], limit: int
        ) -> list[tuple[int, str]]:
    """Up to `limit` ok items of the wanted kinds by `anchor`'s artist, then from its folder, each with
    "artist" or "folder", outside `exclude` and the anchor: what radio falls back to when the indexes
    know nothing near the anchor. (Two queries, only on this path; they belong in the media store once it has them.)"""
    row = lib.media.get(anchor)
    if row is None:
        return []
    marks = ",".join("?" * len(kinds))
    out: list[tuple[int, str]] = []
    seen = set(exclude) | {anchor}
    artist = (row.get("artist") or row.get("album_artist") or "").strip()
    queries = []
    if artist:
        queries.append(("artist", f"SELECT id FROM media WHERE status = 'ok' AND kind IN ({marks}) AND "
                                  "(artist = ? COLLATE NOCASE OR album_artist = ? COLLATE NOCASE) ORDER BY path",
                        (*kinds, artist, artist)))
    folder = str(row.get("path") or "").rsplit("/", 1)[0]
    if folder:  # the folder's direct children: a range on the path, then no further slash
        queries.append(("folder", f"SELECT id, path FROM media WHERE status = 'ok' AND kind IN ({marks}) AND "
                                  "path > ? AND path < ? ORDER BY path", (*kinds, folder + "/", folder + "0")))
    for group, sql, args in queries:
        for r in lib.conn.execute(sql, args):
            if len(r) > 1 and "/" in r[1][len(folder) + 1:]:
                continue
            if r[0] not in seen:
                seen.add(r[0])
                out.append((int(r[0]), group))
                if len(out) >= limit:
                    return out
    return out


def _members(sorted_ids: np.ndarray):
    """A test: which of some ids are in `sorted_ids` (the catalogue of the wanted kinds)."""
    def test(ids: np.ndarray) -> np.ndarray:
        if len(sorted_ids) == 0 or len(ids) == 0:
            return np.zeros(len(ids), dtype=bool)
        pos = np.minimum(np.searchsorted(sorted_ids, ids), len(sorted_ids) - 1)
        return sorted_ids[pos] == ids
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


__all__ = ["Catalogue", "Candidates", "gather", "kin", "varied", "spread", "EXPLORE_SAMPLE"]
