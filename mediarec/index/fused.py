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
   SKETCH_DIM main directions, side by side: 394 floats a row instead of 1930), and the best `want`
   are returned. similar.py then scores them exactly in every space.

The weights enter only at query time, so a search serves new weights at once. The build (fused_build.py,
after the spaces in maintain.rebuild) aligns the spaces' cells by media id, writes the sketch,
calibrates `probe` so that the sketch ranking's top 10 is found at SKETCH_RECALL, and works out every
item's list with the library's weights (neighbour_lists.py): "more like this" for an item in the build
then reads its list (about 1.2 ms at 100k items instead of 3-4). It records the spaces' build ids and is
used only while they hold. Items analysed since the builds are not in it: their old rows are left out
(the spaces' `superseded`) and what the spaces search exactly (`fresh`) is added."""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

import numpy as np

from .build import _remove_other_builds
from .manifest import Manifest, manifest_path, read_manifest
from .neighbour_lists import LIST_K
from .search import _EMPTY_IDS, SpaceIndex, _sorted_find, kind_mask
from .spaces import SPACES, Space

if TYPE_CHECKING:
    from ..library import Library

log = logging.getLogger(__name__)

FUSED = Space("fused", (), frozenset({"audio", "video"}), "all spaces at once (for more like this)")
WEIGHTS = {"audio": 1.0, "visual": 0.6, "text": 0.5, "mood": 0.35}
"""How much each space counts in "all": how it sounds first, then looks, what it is about, how it feels."""
WEIGHTS_KEY = "similar.weights"
SKETCH_DIM = 128
"""Dimensions kept of a wider space in the sketch. With 64 the sketch's top 100 of 300 held 0.96 of the
fused top 10 (100k independent synthetic spaces); with 128, 0.99."""
CANDIDATES = 450
"""Items the cell estimates pass on to the sketch. At 100k items (independent synthetic spaces, 8 cells
per space) 300 held 0.982 of the sketch ranking's top 10, 450 0.992, 600 0.993."""


def library_weights(lib: "Library") -> dict[str, float]:
    """The fusion weights: the defaults, replaced by what `mediarec tune` stored for this library."""
    stored = lib.kv.get(WEIGHTS_KEY) or {}
    return {**WEIGHTS, **{k: float(v) for k, v in stored.items() if k in SPACES}}


@dataclass
class _SpacePart:
    """One space's share of the fused build."""

    build_id: str
    offset: int  # its columns in the sketch
    width: int
    proj: np.ndarray | None  # (width, dim) or None: the space as it is
    centroids: np.ndarray  # (cells, width): the space's cell centroids, projected like the sketch
    rows: np.ndarray  # fused rows of the space's items, cell by cell (the space build's row order)
    starts: list[int]  # cell c is rows[starts[c]:starts[c + 1]]
    codes: np.ndarray  # (len(rows), spaces): each of those items' entries in the table of estimates
    table: int  # where this space's cells' entries start in that table (one table for all spaces)

    def to_sketch(self, v: np.ndarray) -> np.ndarray:
        return v if self.proj is None else self.proj @ v


@dataclass
class _Fused:
    manifest: Manifest
    ids: np.ndarray  # fused row -> media id, ascending
    kinds: np.ndarray  # fused row -> search.KIND_CODES
    sketch: np.ndarray  # (rows, dim), memory-mapped (float16 would halve it, but numpy converts it slowly)
    parts: dict[str, _SpacePart]
    table_size: int  # every space's cells, and after them one entry for "no vector in this space"
    lists: np.ndarray | None = None  # neighbour_lists.py: each row's best rows, for the weights in the manifest


# --- searching --------------------------------------------------------------------------------------------
def _no_filter(rows: np.ndarray) -> None:
    return None


def _sketch_best(fused: _Fused, parts: dict[str, tuple[np.ndarray, float]], probe: int, want: int, keep,
                 candidates: int = CANDIDATES) -> np.ndarray:
    """Fused rows of the `want` items the sketch ranks best among the candidates of steps 1-2, best first.
    `parts`: space -> (the query in the sketch's terms for that space, its weight); `keep(rows)` gives a
    mask of the rows that may be returned, or None for all."""
    cells, query = [], np.zeros(fused.sketch.shape[1], np.float32)
    table = np.zeros(fused.table_size, np.float32)  # a space the query lacks adds 0, as in the fused score
    for name, (q, w) in parts.items():
        p = fused.parts[name]
        cos = p.centroids @ q
        cells.append((p, top_cells(cos, probe)))
        table[p.table:p.table + len(cos)] = cos * np.float32(w)
        query[p.offset:p.offset + p.width] = q * np.float32(w)
    return rank(fused, cells, table, query, want, keep, candidates)


def top_cells(cos: np.ndarray, probe: int) -> list[int]:
    return np.argpartition(-cos, probe - 1)[:probe].tolist() if probe < len(cos) else list(range(len(cos)))


def rank(fused: _Fused, cells: list[tuple[_SpacePart, list[int]]], table: np.ndarray, query: np.ndarray, want: int,
         keep, candidates: int) -> np.ndarray:
    """Steps 2 and 3 of a search whose cells were chosen (per space) and whose table of estimates and
    weighted sketch query were made: fused rows, best first on the sketch."""
    rows, codes = [], []
    for p, chosen in cells:
        for c in chosen:
            a, b = p.starts[c], p.starts[c + 1]
            rows.append(p.rows[a:b])
            codes.append(p.codes[a:b])
    if not rows:
        return _EMPTY_IDS
    cand, codes = np.concatenate(rows), np.concatenate(codes)
    ok = keep(cand)
    if ok is not None:
        cand, codes = cand[ok], codes[ok]
    if len(cand) > candidates:
        est = table[codes].sum(axis=1)
        top = np.argpartition(-est, candidates - 1)[:candidates]  # an item in two spaces' cells: twice
        cand = cand[top]
    cand = _distinct(cand)
    scores = fused.sketch[cand] @ query
    best = np.argsort(-scores, kind="stable")[:want] if len(cand) <= 4 * want else \
        np.argpartition(-scores, want - 1)[:want]
    return cand[best[np.argsort(-scores[best], kind="stable")]]


def _distinct(rows: np.ndarray) -> np.ndarray:
    """The distinct values, sorted (np.unique hashes first: 3x slower on a few hundred ints)."""
    rows = np.sort(rows)
    return rows[np.concatenate(([True], rows[1:] != rows[:-1]))] if len(rows) else rows


# --- reading, status ----------------------------------------------------------------------------------------
def _load(index_dir: Path, m: Manifest) -> _Fused:
    sketch = np.load(index_dir / m.files["sketch"], mmap_mode="r").view(np.ndarray)
    _touch(sketch)
    with np.load(index_dir / m.files["arrays"], allow_pickle=False) as z:
        ids, kinds, codes = z["ids"], z["kinds"], z["codes"]
        parts = {}
        for name, rec in m.extractors.items():
            proj = z[f"{name}.proj"]
            parts[name] = _SpacePart(rec["build_id"], rec["offset"], rec["width"], proj if len(proj) else None,
                                     np.ascontiguousarray(z[f"{name}.centroids"], dtype=np.float32),
                                     z[f"{name}.rows"], z[f"{name}.starts"].tolist(),
                                     codes[z[f"{name}.rows"]], rec["table"])  # read in list order: no seeks
    if sketch.shape != (m.items, m.dim) or len(ids) != m.items or codes.shape != (m.items, len(parts)):
        raise ValueError(f"{m.files['sketch']}: shape {sketch.shape}, manifest ({m.items}, {m.dim})")
    lists = None
    if "lists" in m.files:
        with np.load(index_dir / m.files["lists"], allow_pickle=False) as z:
            lists = z["rows"]
    return _Fused(m, ids, kinds, sketch, parts, sum(r["cells"] + 1 for r in m.extractors.values()), lists)


def _touch(matrix: np.ndarray) -> None:
    """Read one number of every page of a mapped matrix, so searches do not stop on first touches: each
    reads a few hundred scattered rows, and at 100k items page faults were half its time until every
    page had been read once (~40 ms for the 160 MB of a 100k-item sketch)."""
    flat = matrix.reshape(-1)
    flat[::1024].sum()  # 1024 float32: one 4 KB page


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
    _remove_other_builds(index_dir, FUSED.name, keep=None)


class FusedSearch:
    """Candidates for "more like this" over all spaces, while the fused build matches the spaces' builds."""

    FRESH_ALL = 1000  # up to this many items analysed since a space's build are all added as candidates

    def __init__(self, index_dir: Path, spaces: dict[str, SpaceIndex]):
        self.index_dir, self.spaces = Path(index_dir), spaces
        self._fused: _Fused | None = None
        self._stamp: tuple | None = ()
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
            st = os.stat(manifest_path(self.index_dir, FUSED.name))
            stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        except OSError:
            stamp = None
        if stamp == self._stamp:
            return
        self._fused, self.problem = None, None
        m = read_manifest(self.index_dir, FUSED.name)
        if m is not None and "sketch" in m.files:
            try:
                self._fused = _load(self.index_dir, m)
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
        row = -1 if query_id is None or query_id in masked else _sorted_find(f.ids, query_id)
        stored = f.sketch[row] if row >= 0 else None  # the query's own row: already projected
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
            found = f.ids[_sketch_best(f, parts, probe, want + len(drop), keep)]
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
        row = -1 if query_id in masked else _sorted_find(f.ids, query_id)
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
        return np.concatenate(masked) if masked else _EMPTY_IDS

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
