"""The fused index: every space in one vector, so "more like this" over all spaces is one search.

An item's row is, for each space s, sqrt(w_s) * P_s v_s: v_s its unit vector in s (zero where it has
none), P_s the projection onto the space's REDUCED_DIM principal directions (spaces wider than that;
fitted on the built vectors, uncentred, so inner products are kept up to what the projection drops).
The inner product of two rows is then sum_s w_s cos_s: similar.py's fused score, up to a constant of
the query. One search of this index therefore finds the items that fusion ranks best, where the union
of each space's own nearest neighbours misses items that are fairly close in every space and nearest in
none (on the independent synthetic spaces of bench/recommend.py that union held 0.38 of the fused top
10). similar.py then scores the candidates exactly in every space, as before.

It is built from the spaces' current builds (maintain.rebuild, after them), records their build ids and
the weights, and is used only while those still hold; otherwise similar.py falls back to the union.
Items analysed since the builds are not in it: their old rows are left out (the spaces' `superseded`)
and the items the spaces search exactly (`fresh`) are added to the candidates."""
from __future__ import annotations

import dataclasses
import logging
import math
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

import numpy as np

from .build import BuildOptions, _build_lock, remove_space, write_build
from .cells import ExactCells
from .manifest import Manifest, read_manifest
from .search import _EMPTY_IDS, SCAN_BELOW, SpaceIndex, _Fresh
from .spaces import SPACES, Space

if TYPE_CHECKING:
    from ..library import Library

log = logging.getLogger(__name__)

FUSED = Space("fused", (), frozenset({"audio", "video"}), "all spaces at once, weighted (for more like this)")
WEIGHTS = {"audio": 1.0, "visual": 0.6, "text": 0.5, "mood": 0.35}
"""How much each space counts in "all": how it sounds first, then looks, what it is about, how it feels."""
WEIGHTS_KEY = "similar.weights"
REDUCED_DIM = 128
"""Dimensions kept of a wider space. On the independent clustered spaces of bench/recommend.py the
fused top 10 is then found at recall 0.98 (10k items) and 0.97 (100k) after exact rescoring, and a row
is 394 floats instead of 1930 (the 1280-d frame embedding alone would be 5 KB per item, zeros for songs)."""
FIT_ROWS = 20_000  # rows the projection is fitted on
BLOCK = 65_536


def library_weights(lib: "Library") -> dict[str, float]:
    """The fusion weights: the defaults, replaced by what `mediarec tune` stored for this library."""
    stored = lib.kv.get(WEIGHTS_KEY) or {}
    return {**WEIGHTS, **{k: float(v) for k, v in stored.items() if k in SPACES}}


class _Projections:
    """The build's projections, saved in its stats file as a Layout's statistics of block 0."""

    def __init__(self, arrays: dict[str, np.ndarray]):
        self.arrays = arrays

    def stats_arrays(self) -> dict[str, np.ndarray]:
        return self.arrays


def projection(matrix: np.ndarray, dim: int = REDUCED_DIM, seed: int = 1) -> np.ndarray | None:
    """(dim, d) rows spanning the top principal directions of `matrix`'s rows (uncentred), or None when
    d <= dim (the space is used as it is)."""
    n, d = matrix.shape
    if d <= dim:
        return None
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(n, size=min(n, FIT_ROWS), replace=False))
    sample = np.asarray(matrix[rows], dtype=np.float64)
    _, vecs = np.linalg.eigh(sample.T @ sample)  # ascending eigenvalues
    return np.ascontiguousarray(vecs[:, ::-1][:, :dim].T, dtype=np.float32)


def _spaces_built(lib: "Library", index_dir: Path, weights: dict[str, float]) -> dict[str, tuple]:
    out = {}
    for name in SPACES:
        m = read_manifest(index_dir, name)
        if m is None or weights.get(name, 0.0) <= 0:
            continue
        ids, _ = lib.index.items(name, m.build_id)
        matrix = np.load(index_dir / m.files["vectors"], mmap_mode="r").view(np.ndarray)
        out[name] = (m, ids, matrix)
    return out


def build_fused(lib: "Library", index_dir: Path, opts: BuildOptions | None = None) -> Manifest | None:
    """Build the fused index from the spaces' current builds; None (and no index) when none is built."""
    index_dir = Path(index_dir)
    weights = library_weights(lib)
    with _build_lock(index_dir, FUSED.name):
        built = _spaces_built(lib, index_dir, weights)
        if not built:
            remove_space(lib, index_dir, FUSED.name)
            return None
        all_ids = np.unique(np.concatenate([ids for _, ids, _ in built.values()]))
        projections = {name: projection(matrix) for name, (_, _, matrix) in built.items()}
        widths = {name: m.dim if projections[name] is None else len(projections[name])
                  for name, (m, _, _) in built.items()}
        vectors = np.zeros((len(all_ids), sum(widths.values())), dtype=np.float32)  # filled in place, space by space
        arrays, extractors, offset = {}, {}, 0
        for name, (m, ids, matrix) in built.items():
            proj, width = projections[name], widths[name]
            pos = np.searchsorted(all_ids, ids)
            scale = np.float32(math.sqrt(weights[name]))
            for s in range(0, len(ids), BLOCK):
                rows = np.asarray(matrix[s:s + BLOCK], dtype=np.float32)
                vectors[pos[s:s + BLOCK], offset:offset + width] = (rows if proj is None else rows @ proj.T) * scale
            arrays[f"b0.{name}"] = proj if proj is not None else np.zeros((0, m.dim), np.float32)
            extractors[name] = {"version": 0, "dim": width, "offset": offset, "build_id": m.build_id,
                                "weight": weights[name]}
            offset += width
        opts = dataclasses.replace(opts or BuildOptions(), exact_cells=True)
        return write_build(lib, index_dir, FUSED, all_ids, vectors, _Projections(arrays), extractors, opts=opts)


def fused_status(lib: "Library", index_dir: Path) -> list[str]:
    """Why the fused index does not match the spaces' builds and the weights (empty: it does)."""
    weights = library_weights(lib)
    m = read_manifest(Path(index_dir), FUSED.name)
    spaces = {name: read_manifest(Path(index_dir), name) for name in SPACES}
    return _mismatch(m, {n: (s.build_id if s else None) for n, s in spaces.items()}, weights)


def _mismatch(m: Manifest | None, builds: dict[str, str | None], weights: dict[str, float]) -> list[str]:
    wanted = {n: b for n, b in builds.items() if b is not None and weights.get(n, 0.0) > 0}
    if m is None:
        return ["not built yet"] if wanted else []
    have = {n: rec.get("build_id") for n, rec in m.extractors.items()}
    reasons = [f"{n} rebuilt" for n in sorted(set(wanted) | set(have)) if wanted.get(n) != have.get(n)]
    if any(abs(m.extractors[n].get("weight", 0.0) - weights.get(n, 0.0)) > 1e-9 for n in have):
        reasons.append("weights changed")
    return reasons


class _FusedIndex(SpaceIndex):
    """The fused build searched like a space's; what it must leave out comes from the spaces' indexes."""

    def __init__(self, lib: "Library", index_dir: Path, spaces: dict[str, SpaceIndex], scan_below: int):
        super().__init__(lib, index_dir, FUSED, scan_below)
        self.spaces = spaces

    def _cell_ranker(self, m: Manifest, centroids: np.ndarray) -> ExactCells:
        return ExactCells(centroids)  # as it was calibrated: every centroid scored

    def _refresh_fresh(self) -> None:
        superseded = [s.superseded() for s in self.spaces.values()]
        masked = np.unique(np.concatenate(superseded)) if superseded else _EMPTY_IDS
        dim = self._built.manifest.dim if self._built else 0
        self._fresh = _Fresh(_EMPTY_IDS, np.zeros((0, dim), np.float32), np.zeros(0, np.int8), masked)


class FusedSearch:
    """Candidates for "more like this" over all spaces, when the fused build matches the spaces' builds."""

    def __init__(self, lib: "Library", index_dir: Path, spaces: dict[str, SpaceIndex], scan_below: int = SCAN_BELOW):
        self.spaces = spaces
        self.index = _FusedIndex(lib, index_dir, spaces, scan_below)
        self._projections: dict[str, np.ndarray | None] = {}
        self._for_build: str | None = None

    def usable(self, weights: dict[str, float], refresh: bool = True) -> bool:
        """Whether the fused build matches the spaces' current builds and these weights."""
        if refresh:
            for s in self.spaces.values():
                s.refresh()
        self.index.refresh()
        m = self.index.manifest
        if m is None:
            return False
        builds = {n: (s.manifest.build_id if s.manifest else None) for n, s in self.spaces.items()}
        if _mismatch(m, builds, weights):
            return False
        if self._for_build != m.build_id:  # the projections were saved as the build's statistics
            saved = self.index._built.layout.stats.get(0, {})
            self._projections = {n: (saved[n] if len(saved[n]) else None) for n in m.extractors}
            self._for_build = m.build_id
        return True

    def candidates(self, queries: dict[str, np.ndarray], k: int, exclude: Iterable[int], kinds: Iterable[str]
                   ) -> np.ndarray:
        """Media ids of the `k` items the fused index ranks best for the query's space vectors, plus every
        item the spaces search exactly (analysed since their builds), of `kinds`, without `exclude`."""
        m = self.index.manifest
        query = np.zeros(m.dim, np.float32)
        for name, rec in m.extractors.items():  # (the manifest's JSON need not keep the build's order)
            proj, v = self._projections.get(name), queries.get(name)
            if v is not None:
                part = v if proj is None else proj @ v
                query[rec["offset"]:rec["offset"] + rec["dim"]] = part * np.float32(math.sqrt(rec["weight"]))
        ids, _ = self.index.search(query, k, exclude=exclude, kinds=kinds, refresh=False)
        fresh = [s.fresh(kinds) for s in self.spaces.values()]
        drop = np.fromiter(exclude, dtype=np.int64)
        extra = np.setdiff1d(np.unique(np.concatenate(fresh)), drop) if fresh else _EMPTY_IDS
        return np.union1d(ids, extra)

    def close(self) -> None:
        self.index.close()


__all__ = ["FUSED", "WEIGHTS", "WEIGHTS_KEY", "FusedSearch", "build_fused", "fused_status", "library_weights",
           "projection", "REDUCED_DIM"]
