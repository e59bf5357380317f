"""Build a space's index from the stored features and swap it in atomically.

The layout (cells.py): the items are partitioned into cells by k-means and stored cell by cell in
`<space>-<id>.npy`; `<space>-<id>.cells.npz` holds where each cell starts and its centroid, and
`<space>-<id>.ann` is the space's Annoy index, over the centroids: a search asks it for the nearest
cells and scores their items exactly.

A build writes new files under a fresh build id (`.ann`, `.npy`, `.cells.npz`, `.stats.npz`), each via a
temp file and a rename; then it stores the id map in SQLite and replaces `<space>.json`, the manifest
naming the files, with one rename. Readers that opened the old files keep them: on POSIX a deleted file
stays readable while it is mapped, and the old id map is held in memory. A lock file keeps two
processes from building the same space at once.

Recall: how many cells a search must read depends on the data, so each build measures it. It queries
a sample of its own items, compares with exact search, and keeps the smallest `probe` (cells scored
per query) that reaches the target recall@10, then the smallest Annoy `search_k` over the centroids
that keeps it. The search then costs no more than the data needs."""
from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from . import exact
from .annoy_file import AnnoyFile, write_annoy
from .cells import n_cells, partition, scan
from .compose import Layout, compose
from .files import BuildInProgress, build_lock, remove_other_builds, save_npz
from .manifest import Manifest, manifest_path, write_manifest
from .spaces import SPACES, Space
from .stored import DEFAULT_DTYPE, check_dtype, open_rows, write_rows

if TYPE_CHECKING:
    from ..library import Library

log = logging.getLogger(__name__)

FRESH_MARGIN_S = 60.0
"""Rows created up to this long before a build's snapshot are also searched exactly: a writer stamps its
rows inside its transaction, before it commits, so a row committed just after the snapshot can carry an
older time. Analysis batches commit within seconds; a minute is a wide margin and costs a few items."""
CALIBRATION_K = 10
HALF_MIN_DIM = 64
"""Narrower spaces (mood: 10 numbers) keep float32 whatever BuildOptions.dtype says: they are small, and
scanned whole (search.SCAN_BELOW), where numpy's slow float16 conversion would cost every search."""


def default_trees(n_cells: int) -> int:
    """Trees of the Annoy index over the centroids. It is small (a few thousand centroids at most), so
    trees are cheap; with 20, a search_k of about one pass over the centroids ranks the nearest cells
    as exactly as scoring every centroid (measured at 1000 cells of 256-d: same recall@10, 0.05 ms)."""
    return 10 if n_cells < 256 else 20


def candidates_for(k: int) -> int:
    """How many ids a search ranks when k are wanted: room for the item itself, duplicates and filters."""
    return 2 * k + 20


@dataclass
class BuildOptions:
    n_trees: int | None = None  # trees of the Annoy index over the centroids; None: default_trees(cells)
    cells: int | None = None  # None: cells.n_cells(n), about 100 items per cell
    target_recall: float = 0.985  # calibrated recall@10 to reach (the promise is 0.98; this leaves a margin)
    calibration_queries: int = 400  # the recall estimate is within about 0.003 (one standard error)
    n_jobs: int = 1  # threads Annoy builds with (-1: all cores); a background build leaves the player a core
    seed: int = 1
    fresh_margin: float = FRESH_MARGIN_S
    dtype: str = DEFAULT_DTYPE  # of the stored space vectors (stored.py): float16 halves them

    def __post_init__(self) -> None:
        check_dtype(self.dtype)


def calibrate(ann: AnnoyFile, matrix: np.ndarray, starts: np.ndarray, trees: int, opts: BuildOptions
              ) -> tuple[int, int, float, list]:
    """(probe, search_k, recall@10, every step tried): the cheapest pair whose recall@10 reaches the target.

    Annoy's search_k goes down a ladder, from `cells x trees` (Annoy then scores every centroid: the exact
    nearest cells) halving to about one cell per probe; at each rung the smallest probe that reaches the
    target is found by doubling and bisecting (recall cannot fall as probe grows: Annoy returns the best
    `probe` of the same candidates). The cost of a query is about search_k + probe x rows per cell, in
    vectors read: Annoy reads one per candidate it collects, the scan one per row (both measured at
    ~0.08 us per 256-d vector, bench/recommend.py at 100k). Queries are a seeded sample of the items
    themselves, each excluded from its own answer as "more like this" does; see `recall_at_k` for ties."""
    n, k, cells = len(matrix), CALIBRATION_K, len(starts) - 1
    everything = cells * trees
    if n <= k + 1:
        return cells, everything, 1.0, []
    rng = np.random.default_rng(opts.seed)
    queries = np.sort(rng.choice(n, size=min(opts.calibration_queries, n), replace=False))
    q_vectors = np.asarray(matrix[queries], dtype=np.float32)
    kth = kth_best_scores(matrix, queries, k)
    cell_starts = starts.tolist()
    tried: dict[tuple[int, int], float] = {}

    def reaches(probe: int, search_k: int) -> bool:
        if (probe, search_k) not in tried:
            found = []
            for q, v in zip(queries, q_vectors):
                rows, scores = scan(matrix, cell_starts, ann.query(v, probe, search_k), v)
                scores = scores[rows != q]
                found.append(scores[exact.top(scores, k)])
            tried[probe, search_k] = recall_at_k(found, kth, k)
        return tried[probe, search_k] >= opts.target_recall

    def smallest_probe(search_k: int, low: int, most: int) -> int | None:
        """The smallest probe in (low, most] that reaches the target at this search_k; None: none does."""
        high = low + 1
        while not reaches(high, search_k):
            if high >= most:
                return None
            low, high = high, min(most, low + 2 * (high - low))
        while high - low > 1:
            mid = (low + high) // 2
            low, high = (low, mid) if reaches(mid, search_k) else (mid, high)
        return high

    per_cell = n / cells
    best: tuple[float, int, int] | None = None
    search_k, low = everything, 0
    while True:
        # Only a probe that would be cheaper than the best so far is worth trying at a lower rung.
        most = cells if best is None else min(cells, int((best[0] - search_k) / per_cell))
        probe = smallest_probe(search_k, low, most) if most > low else None
        if probe is None:
            break  # cheaper rungs would need more cells than they save
        best = (search_k + probe * per_cell, probe, search_k)
        if search_k // 2 < max(probe, 1):
            break
        search_k, low = search_k // 2, probe - 1
    assert best is not None  # at search_k = everything, probe = cells reads every row: recall 1
    _, probe, search_k = best
    steps = [{"probe": p, "search_k": sk, "recall": round(r, 4)} for (p, sk), r in sorted(tried.items())]
    return probe, search_k, tried[probe, search_k], steps


def kth_best_scores(vectors: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """For each query row, the exact k-th best cosine among the other rows."""
    truth = exact.search_many(vectors, np.asarray(vectors[queries], dtype=np.float32), k + 1)
    out = np.empty(len(queries), dtype=np.float32)
    for i, (q, row) in enumerate(zip(queries, truth)):
        others = row[row != q][:k]
        out[i] = float(np.asarray(vectors[others[-1]], dtype=np.float32) @ np.asarray(vectors[q], dtype=np.float32))
    return out


def recall_at_k(found_scores: list[np.ndarray], kth: np.ndarray, k: int, tol: float = 1e-5) -> float:
    """Share of the true k nearest found, counting a result as true when its cosine is at least the exact
    k-th best (as ann-benchmarks does): among equally near items (copies, items with identical moods)
    any k are a right answer."""
    hits = sum(int(np.sum(s[:k] >= t - tol)) for s, t in zip(found_scores, kth))
    return hits / (k * len(found_scores))


def new_build_id() -> str:
    return f"{time.strftime('%Y%m%d%H%M%S')}-{secrets.token_hex(3)}"


def write_build(lib: "Library", index_dir: Path, space: Space, media_ids: np.ndarray, vectors: np.ndarray,
                layout: Layout | None = None, extractors: dict | None = None, snapshot_at: float | None = None,
                opts: BuildOptions | None = None) -> Manifest:
    """Write the files of a new build of `space` over (media_ids, unit vectors), then swap it in."""
    opts = opts or BuildOptions()
    started = time.perf_counter()
    snapshot_at = time.time() if snapshot_at is None else snapshot_at
    index_dir.mkdir(parents=True, exist_ok=True)
    build_id = new_build_id()
    names = {"ann": f"{space.name}-{build_id}.ann", "vectors": f"{space.name}-{build_id}.npy",
             "cells": f"{space.name}-{build_id}.cells.npz", "stats": f"{space.name}-{build_id}.stats.npz"}
    n, dim = vectors.shape
    part = partition(vectors, opts.cells or n_cells(n), seed=opts.seed)
    media_ids = np.asarray(media_ids)[part.order]  # row i of the stored matrix is media_ids[i]
    cells = len(part.starts) - 1
    trees = opts.n_trees or default_trees(cells)
    dtype = opts.dtype if dim >= HALF_MIN_DIM else "float32"
    write_rows(index_dir / names["vectors"], vectors, part.order, dtype)
    save_npz(index_dir / names["cells"], {"starts": part.starts, "centroids": part.centroids})
    save_npz(index_dir / names["stats"], layout.stats_arrays() if layout else {})
    write_annoy(index_dir / names["ann"], part.centroids, trees, seed=opts.seed, n_jobs=opts.n_jobs)
    matrix = open_rows(index_dir / names["vectors"])
    ann = AnnoyFile(index_dir / names["ann"], dim, cells, first_row=part.centroids[0])
    try:
        probe, search_k, recall, tried = calibrate(ann, matrix, part.starts, trees, opts)
    finally:
        ann.close()
    manifest = Manifest(
        space=space.name, build_id=build_id, items=n, dim=dim, cells=cells, probe=probe, trees=trees,
        search_k=search_k, built_at=time.time(), snapshot_at=snapshot_at, fresh_after=snapshot_at - opts.fresh_margin,
        build_seconds=round(time.perf_counter() - started, 3), recall_at_10=round(recall, 4),
        extractors=extractors or {},
        blocks=[{"sources": list(b.sources), "weight": b.weight, "transform": b.transform.name,
                 "width": (layout.widths.get(i, 0) if layout else None)} for i, b in enumerate(space.blocks)],
        files=names, calibration=tried, dtype=dtype)
    lib.index.replace(space.name, build_id, media_ids.tolist(), manifest.built_at)
    write_manifest(index_dir, manifest)
    remove_other_builds(index_dir, space.name, build_id)
    log.info("built %s index: %d items in %d cells, probe %d, search_k %d, recall@10 %.3f, %.1f s", space.name,
             n, cells, probe, search_k, recall, manifest.build_seconds)
    return manifest


def build_space(lib: "Library", index_dir: Path, space_name: str, opts: BuildOptions | None = None
                ) -> Manifest | None:
    """Rebuild one space from the features stored now; None (and no index) when no item has any."""
    space = SPACES[space_name]
    with build_lock(index_dir, space_name):
        with lib.index.read_snapshot():
            snapshot_at = time.time()
            ids, vectors, layout = compose(lib, space)
            extractors = {name: {"version": version, "dim": layout.dims.get(name, 0),
                                 **lib.index.feature_state(name, version)}
                          for name, version in layout.versions.items()}
        if len(ids) == 0:
            remove_space(lib, index_dir, space_name)
            return None
        return write_build(lib, index_dir, space, ids, vectors, layout, extractors, snapshot_at, opts)


def remove_space(lib: "Library", index_dir: Path, space_name: str) -> None:
    manifest_path(index_dir, space_name).unlink(missing_ok=True)
    lib.index.drop(space_name)
    remove_other_builds(index_dir, space_name, keep=None)


def load_layout(index_dir: Path, manifest: Manifest) -> Layout:
    with np.load(index_dir / manifest.files["stats"], allow_pickle=False) as z:
        stats = Layout.stats_from_arrays({k: z[k] for k in z.files})
    widths = {i: b["width"] or 0 for i, b in enumerate(manifest.blocks)}
    return Layout({k: v["version"] for k, v in manifest.extractors.items()},
                  {k: v["dim"] for k, v in manifest.extractors.items()}, stats, widths)


__all__ = ["BuildOptions", "BuildInProgress", "build_space", "write_build", "remove_space", "calibrate",
           "default_trees", "candidates_for", "load_layout", "kth_best_scores", "recall_at_k", "FRESH_MARGIN_S"]
