"""More like this over all spaces at once: candidates from every space's cells, ranked by what fusion scores.

The fused score of an item x for a query q is sum_s w_s cos_s(q, x) over the spaces (similar.py). Its
best items are often nobody's nearest in any one space (fairly close in two, nearest in none), so the
union of each space's own nearest misses them (0.29-0.39 of the fused top 10 on the independent
synthetic spaces of bench/recommend.py). This module finds them in three cheap steps, over what the
spaces' builds already hold (each space's items in k-means cells):

1. Cells: in every space the query has, the `probe` cells whose centroids are nearest it; their items
   are the candidates (a few thousand at 100k items: the union of deep per-space lists).
2. Codes: each candidate's fused score is estimated from its cell in every space,
   sum_s w_s cos_s(q, centroid of its cell), a few table lookups per item (the cells act as one
   coarse code per space, an inverted multi-index); the CANDIDATES best go on.
3. Sketch: those are scored on a sketch of every space's vector (each space projected on its
   SKETCH_DIM main directions, side by side: 394 floats a row instead of 1930; wider where the build
   finds that too narrow), and the best `want` are returned. similar.py then scores them exactly in
   every space.

The weights enter only at query time, so a search serves new weights at once. The build (fused_build.py,
after the spaces in maintain.rebuild) aligns the spaces' cells by media id, writes the sketch,
calibrates `probe` and the cut so that the search passes on SKETCH_RECALL of the exact top 10 (every
item scored on its whole vectors) to the exact scoring, widens the sketch where no probe and cut can,
and works out every item's list with the library's weights (neighbour_lists.py): "more like this" for an
item in the build then reads its list (about 1.2 ms at 100k items instead of 3-4). It records the
spaces' build ids and is used only while they hold. Items analysed since the builds are not in it: their
old rows are left out (the spaces' `superseded`) and what the spaces search exactly (`fresh`) is added."""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

import numpy as np

from .files import remove_other_builds
from .fused_format import CANDIDATES, LIST_K, FusedBuild, load, sketch_best
from .ids import EMPTY_IDS, sorted_find
from .manifest import Manifest, manifest_path, read_manifest
from .search import SpaceIndex, kind_mask
from .spaces import SPACES, Space
from .weights import WEIGHTS, WEIGHTS_KEY

if TYPE_CHECKING:
    from ..library import Library

log = logging.getLogger(__name__)

FUSED = Space("fused", (), frozenset({"audio", "video"}), "all spaces at once (for more like this)")
SKETCH_DIM = 128
"""Dimensions first kept of a wider space in the sketch. With 64 the sketch's top 100 of 300 held 0.96 of the
fused top 10 (100k independent synthetic spaces); with 128, 0.99. At 1M items of bench/scale.py, whose
vectors are spread over many more directions, 128 held 0.80 of it and 256 held 0.99: the build doubles the
width while that helps (fused_build.py)."""


def library_weights(lib: "Library") -> dict[str, float]:
    """The fusion weights: the defaults, replaced by what `mediarec tune` stored for this library."""
    stored = lib.kv.get(WEIGHTS_KEY) or {}
    return {**WEIGHTS, **{k: float(v) for k, v in stored.items() if k in SPACES}}


def fused_status(lib: "Library", index_dir: Path) -> list[str]:
    """Why the fused index should be rebuilt (empty: it need not): it does not match the spaces' builds
    (it is not used then), or its lists were made with other weights (the live search serves them)."""
    m = read_manifest(Path(index_dir), FUSED.name)
    spaces = {name: read_manifest(Path(index_dir), name) for name in SPACES}
    reasons = _mismatch(m, {n: (s.build_id if s else None) for n, s in spaces.items()})
    if not reasons and m is not None and m.blocks and not _same_weights(m.blocks[0]["weights"], {
            n: w for n, w in library_weights(lib).items() if w > 0}):
        reasons.append("weights changed")
    return reasons


def _same_weights(a: dict[str, float], b: dict[str, float]) -> bool:
    return a.keys() == b.keys() and all(abs(a[n] - b[n]) <= 1e-9 for n in a)


def _mismatch(m: Manifest | None, builds: dict[str, str | None]) -> list[str]:
    wanted = {n: b for n, b in builds.items() if b is not None}
    if m is None:
        return ["not built yet"] if wanted else []
    if "sketch" not in m.files:
        return ["built by an older mediarec: rebuild"]
    have = {n: rec.get("build_id") for n, rec in m.extractors.items()}
    return [f"{n} rebuilt" for n in sorted(set(wanted) | set(have)) if wanted.get(n) != have.get(n)]


def remove_fused(lib: "Library", index_dir: Path) -> None:
    manifest_path(index_dir, FUSED.name).unlink(missing_ok=True)
    lib.index.drop(FUSED.name)
    remove_other_builds(index_dir, FUSED.name, keep=None)


class FusedSearch:
    """Candidates for "more like this" over all spaces, while the fused build matches the spaces' builds."""

    FRESH_ALL = 1000  # up to this many items analysed since a space's build are all added as candidates

    def __init__(self, index_dir: Path, spaces: dict[str, SpaceIndex]):
        self.index_dir, self.spaces = Path(index_dir), spaces
        self._fused: FusedBuild | None = None
        self._stamp: tuple | None = ()
        self._manifest_file = manifest_path(self.index_dir, FUSED.name)  # (a Path per search: 0.05 ms)
        self._matches: tuple = (None, False)  # ((fused build, spaces' builds), whether they match)
        self.problem: str | None = None

    def usable(self, refresh: bool = True) -> bool:
        """Whether the fused build matches the spaces' current builds."""
        if refresh:
            for s in self.spaces.values():
                s.refresh()
        self._reload()
        f = self._fused
        if f is None:
            return False
        builds = tuple((n, s.manifest.build_id if s.manifest else None) for n, s in self.spaces.items())
        if self._matches[0] != (f.manifest.build_id, builds):
            self._matches = (f.manifest.build_id, builds), not _mismatch(f.manifest, dict(builds))
        return self._matches[1]

    def _reload(self) -> None:
        try:
            st = os.stat(self._manifest_file)
            stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        except OSError:
            stamp = None
        if stamp == self._stamp:
            return
        self._fused, self.problem = None, None
        m = read_manifest(self.index_dir, FUSED.name)
        if m is not None and "sketch" in m.files:
            try:
                self._fused = load(self.index_dir, m)
            except (OSError, ValueError, KeyError) as exc:  # half swapped, or damaged: the union until rebuilt
                self.problem = str(exc)
                log.warning("fused index unusable, using each space's nearest until it is rebuilt: %s", exc)
                return
        self._stamp = stamp

    def candidates(self, queries: dict[str, np.ndarray], weights: dict[str, float], want: int,
                   exclude: Iterable[int], kinds: Iterable[str], query_id: int | None = None) -> np.ndarray:
        """Media ids of the `want` items the fused score most likely ranks best for the query's space
        vectors (those of item `query_id`, if given), plus the items the spaces search exactly (analysed
        since their builds), of `kinds`, without `exclude`."""
        f = self._fused
        drop = np.fromiter(exclude, dtype=np.int64)
        masked = self._superseded(queries)
        row = -1 if query_id is None or query_id in masked else sorted_find(f.ids, query_id)
        # the query's own row, already projected (a float16 sketch's in float32: the estimates sum in it)
        stored = np.asarray(f.sketch[row], dtype=np.float32) if row >= 0 else None
        parts = {n: (f.parts[n].to_sketch(v) if stored is None else
                     stored[f.parts[n].offset:f.parts[n].offset + f.parts[n].width], weights[n])
                 for n, v in queries.items() if n in f.parts}
        allowed = kind_mask(kinds)  # (an item deleted since the build is among the spaces' superseded)

        def keep(rows: np.ndarray) -> np.ndarray | None:
            ok = None if allowed[:2].all() else allowed[f.kinds[rows]]
            if len(masked):
                gone = np.isin(f.ids[rows], masked)
                ok = ~gone if ok is None else ok & ~gone
            return ok

        probe, most = f.manifest.probe, max(len(p.starts) - 1 for p in f.parts.values())
        while True:  # a kind filter may leave too few in the cells: read more of them
            # search_k: the candidates calibrated at the build (CANDIDATES in builds before that)
            found = f.ids[sketch_best(f, parts, probe, want + len(drop), keep, f.manifest.search_k or CANDIDATES)]
            if len(drop):
                found = found[~np.isin(found, drop)]
            if len(found) >= want or probe >= most:
                break
            probe = min(most, probe * 4)
        return self._with_fresh(found[:want], queries, want, kinds, exclude, drop)

    def listed(self, query_id: int, queries: dict[str, np.ndarray], weights: dict[str, float], count: int,
               exclude: Iterable[int], kinds: Iterable[str]) -> np.ndarray | None:
        """Media ids of the item's list made at the build (its `count` best, without `exclude` and what was
        re-analysed since), plus what the spaces search exactly; None where the lists do not apply: other
        weights or spaces, a kind filter, more asked for than a list holds, the item analysed since."""
        f = self._fused
        if f.lists is None or count > LIST_K or not kind_mask(kinds)[:2].all() or not set(queries) <= set(f.parts):
            return None
        if not _same_weights(f.manifest.blocks[0]["weights"], weights):
            return None
        masked = self._superseded(queries)
        row = -1 if query_id in masked else sorted_find(f.ids, query_id)
        if row < 0:
            return None
        listed = f.lists[row]
        ids = f.ids[listed[listed >= 0]]
        drop = np.fromiter(exclude, dtype=np.int64)
        ids = ids[~np.isin(ids, np.concatenate([drop, masked]))][:count]
        return self._with_fresh(ids, queries, count, kinds, exclude, drop)

    def _superseded(self, queries: dict[str, np.ndarray]) -> np.ndarray:
        """Media ids whose built rows are out of date in a space of the query (other spaces play no part)."""
        masked = [m for n in queries if len(m := self.spaces[n].superseded())]
        return np.concatenate(masked) if masked else EMPTY_IDS

    def _with_fresh(self, ids: np.ndarray, queries: dict[str, np.ndarray], want: int, kinds: Iterable[str],
                    exclude: Iterable[int], drop: np.ndarray) -> np.ndarray:
        """`ids`, sorted, with what the query's spaces search exactly: all that was analysed since a build
        (up to FRESH_ALL), or a space's own nearest where it has more or no build."""
        extra = []
        for name, v in queries.items():
            space = self.spaces[name]
            fresh = space.fresh(kinds)
            if len(fresh) > self.FRESH_ALL or space.manifest is None:
                fresh = space.search(v, want, exclude=exclude, kinds=kinds, refresh=False)[0]
            if len(fresh):
                extra.append(fresh)
        return np.sort(ids) if not extra else np.union1d(ids, np.setdiff1d(np.concatenate(extra), drop))

    def close(self) -> None:
        self._fused = None


__all__ = ["FUSED", "WEIGHTS", "WEIGHTS_KEY", "FusedSearch", "fused_status", "library_weights", "remove_fused",
           "SKETCH_DIM", "CANDIDATES"]
