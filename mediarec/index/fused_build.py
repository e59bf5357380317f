"""Building the fused index (fused.py): the spaces' cells lined up by item, the sketch, the calibrated
probe and every item's list (neighbour_lists.py), written under a new build id and swapped in."""
from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np

from ..jobs import CancelToken
from .build import BuildOptions, new_build_id
from .files import build_lock, remove_other_builds, save_npz
from .fused import FUSED, SKETCH_DIM, library_weights, remove_fused
from .fused_format import CANDIDATES, LIST_CANDIDATES, LIST_K, FusedBuild, load, no_filter, sketch_best
from .manifest import Manifest, read_manifest, write_manifest
from .neighbour_lists import LISTS_MAX, neighbour_lists
from .search import kind_codes
from .spaces import SPACES

if TYPE_CHECKING:
    from ..library import Library

log = logging.getLogger(__name__)

SKETCH_RECALL = 0.99  # calibration target: the sketch ranking's top 10 found through the cells
FIT_ROWS = 20_000  # rows a projection is fitted on
CALIBRATION_QUERIES = 200
MAX_CANDIDATES = 8 * CANDIDATES
CUT_FLOOR = 0.975
"""A wider cut is calibrated only where the usual one stalls below this: at 100k items it stalls at 0.98,
and widening it to 3600 (0.99) doubled the live search's time (1.1 -> 2.5 ms) for the same recall@10 of
the lists scored exactly (0.995); at 1M items it stalled far lower (more like this recall@10 0.71)."""
"""The most candidates calibration passes on to the sketch: 7200 rows of ~400 floats, ~0.6 ms a search."""
BLOCK = 65_536


def projection(matrix: np.ndarray, dim: int = SKETCH_DIM, seed: int = 1) -> np.ndarray | None:
    """(dim, d) rows spanning the top principal directions of `matrix`'s rows (uncentred, so inner
    products are kept up to what is dropped), or None when d <= dim (the space is used as it is)."""
    n, d = matrix.shape
    if d <= dim:
        return None
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(n, size=min(n, FIT_ROWS), replace=False))
    sample = np.asarray(matrix[rows], dtype=np.float64)
    _, vecs = np.linalg.eigh(sample.T @ sample)  # ascending eigenvalues
    return np.ascontiguousarray(vecs[:, ::-1][:, :dim].T, dtype=np.float32)


def _space_builds(lib: "Library", index_dir: Path) -> dict[str, tuple]:
    out = {}
    for name in SPACES:
        m = read_manifest(index_dir, name)
        if m is None:
            continue
        ids, kinds = lib.index.items(name, m.build_id)
        if len(ids) != m.items:
            continue  # replaced while we read: the next rebuild catches up
        matrix = np.load(index_dir / m.files["vectors"], mmap_mode="r").view(np.ndarray)
        with np.load(index_dir / m.files["cells"], allow_pickle=False) as z:
            starts, centroids = z["starts"].astype(np.int64), z["centroids"]
        out[name] = (m, ids, kind_codes(kinds), matrix, starts, centroids)
    return out


def build_fused(lib: "Library", index_dir: Path, opts: BuildOptions | None = None,
                progress: Callable[[int, int], None] | None = None, cancel: CancelToken | None = None
                ) -> Manifest | None:
    """Build the fused index from the spaces' current builds; None (and no index) when none is built.
    `progress(done, total)` is called as the neighbour lists are worked out (it may raise, e.g.
    Cancelled, to stop the build); `cancel` is checked between the build's steps. A build stopped
    either way removes its files and leaves the previous fused index in use."""
    index_dir = Path(index_dir)
    opts = opts or BuildOptions()
    cancel = cancel or CancelToken()
    with build_lock(index_dir, FUSED.name):
        build_id = new_build_id()
        try:
            return _build_fused(lib, index_dir, opts, progress, cancel, build_id)
        except BaseException:
            current = read_manifest(index_dir, FUSED.name)
            if current is None or current.build_id != build_id:  # not swapped in: nobody reads them
                for f in index_dir.glob(f"{FUSED.name}-{build_id}.*"):
                    f.unlink(missing_ok=True)
            raise


def _checked(progress: Callable[[int, int], None] | None, cancel: CancelToken) -> Callable[[int, int], None]:
    """The lists build's callback: stops it (Cancelled) once `cancel` is set, then reports."""
    def report(done: int, total: int) -> None:
        cancel.check()
        if progress is not None:
            progress(done, total)
    return report


def _build_fused(lib: "Library", index_dir: Path, opts: BuildOptions, progress: Callable[[int, int], None] | None,
                 cancel: CancelToken, build_id: str) -> Manifest | None:
    started = time.perf_counter()
    built = _space_builds(lib, index_dir)
    if not built:
        remove_fused(lib, index_dir)
        return None
    ids = np.unique(np.concatenate([b[1] for b in built.values()]))
    kinds = np.full(len(ids), 2, dtype=np.int8)
    codes = np.empty((len(ids), len(built)), dtype=np.int32)
    arrays: dict[str, np.ndarray] = {"ids": ids}
    layout, offset, table = {}, 0, 0
    for j, (name, (m, space_ids, space_kinds, matrix, starts, centroids)) in enumerate(built.items()):
        rows = np.searchsorted(ids, space_ids)  # the space's rows are cell by cell: so are these
        kinds[rows] = space_kinds
        codes[:, j] = table + m.cells  # the entry of "no vector here"
        codes[rows, j] = table + np.repeat(np.arange(m.cells), np.diff(starts))
        proj = projection(matrix)
        width = m.dim if proj is None else len(proj)
        arrays.update({f"{name}.rows": rows, f"{name}.starts": starts,
                       f"{name}.centroids": centroids if proj is None else centroids @ proj.T,
                       f"{name}.proj": proj if proj is not None else np.zeros((0, m.dim), np.float32)})
        layout[name] = {"build_id": m.build_id, "offset": offset, "width": width, "dim": m.dim,
                        "cells": m.cells, "table": table}
        offset, table = offset + width, table + m.cells + 1
    arrays.update(kinds=kinds, codes=codes)
    cancel.check()
    files = {"arrays": f"{FUSED.name}-{build_id}.npz", "sketch": f"{FUSED.name}-{build_id}.sketch.npy"}
    save_npz(index_dir / files["arrays"], arrays)
    _write_sketch(index_dir / files["sketch"], len(ids), offset, built, arrays, layout)
    cancel.check()
    draft = _manifest(build_id, len(ids), offset, layout, dict(files), 0, 0.0, [], 0.0, {})
    fused = load(index_dir, draft)
    weights = {n: w for n, w in library_weights(lib).items() if w > 0}
    probe, candidates, recall, tried = calibrate(fused, weights, opts.seed, cancel)
    del fused
    cancel.check()
    lists = {}
    if len(ids) <= LISTS_MAX:
        draft.probe = probe
        vector_files = {n: index_dir / b[0].files["vectors"] for n, b in built.items()}
        # as many candidates as when the lists' build time (1.4 ms an item at 100k) was measured
        rows = neighbour_lists(index_dir, draft, vector_files, weights, probe, LIST_CANDIDATES,
                               _jobs(opts.n_jobs), progress)
        files["lists"] = f"{FUSED.name}-{build_id}.lists.npz"
        save_npz(index_dir / files["lists"], {"rows": rows})
        lists = {"k": LIST_K, "weights": weights}
    m = _manifest(build_id, len(ids), offset, layout, files, probe, recall, tried, time.perf_counter() - started,
                  lists, candidates)
    lib.index.drop(FUSED.name)  # an id map an older fused index kept in the database
    write_manifest(index_dir, m)
    remove_other_builds(index_dir, FUSED.name, build_id)
    log.info("built fused index: %d items, %d-d sketch, probe %d, recall@10 %.3f, %.1f s", m.items, m.dim, probe,
             recall, m.build_seconds)
    return m


def _write_sketch(path: Path, n: int, dim: int, built: dict, arrays: dict, layout: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    out = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.float32, shape=(n, dim))  # zeros
    for name, (_, _, _, matrix, _, _) in built.items():
        rows, proj = arrays[f"{name}.rows"], arrays[f"{name}.proj"]
        a, b = layout[name]["offset"], layout[name]["offset"] + layout[name]["width"]
        for s in range(0, len(rows), BLOCK):
            block = np.asarray(matrix[s:s + BLOCK], dtype=np.float32)
            out[rows[s:s + BLOCK], a:b] = block if len(proj) == 0 else block @ proj.T
    out.flush()
    del out
    os.replace(tmp, path)


def _manifest(build_id, n, dim, layout, files, probe, recall, tried, seconds, lists,
              candidates: int = CANDIDATES) -> Manifest:
    now = time.time()
    return Manifest(space=FUSED.name, build_id=build_id, items=n, dim=dim,
                    cells=sum(p["cells"] for p in layout.values()), probe=probe, trees=0, search_k=candidates,
                    built_at=now, snapshot_at=now, fresh_after=now, build_seconds=round(seconds, 3),
                    recall_at_10=round(recall, 4), extractors=layout, blocks=[lists] if lists else [], files=files,
                    calibration=tried)


def _jobs(n_jobs: int) -> int:
    return (os.cpu_count() or 1) if n_jobs < 0 else max(1, n_jobs)


def calibrate(fused: FusedBuild, weights: dict[str, float], seed: int = 1, cancel: CancelToken | None = None
              ) -> tuple[int, int, float, list]:
    """(probe, candidates, recall, every step tried): the fewest cells per space, and candidates passed on
    from the cell estimates, whose search holds SKETCH_RECALL of the sketch ranking's top 10 (the best the
    later steps can do), sample items as the queries. Probe doubles until more cells no longer help; then
    the cut to `candidates` is what limits (in a larger library more items share the query's cells and
    their estimates), so it doubles, up to MAX_CANDIDATES."""
    n = len(fused.ids)
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(n, size=min(n, CALIBRATION_QUERIES), replace=False))
    used = {name: p for name, p in fused.parts.items() if weights.get(name, 0.0) > 0}
    scale = np.zeros(fused.sketch.shape[1], np.float32)
    for name, p in used.items():
        scale[p.offset:p.offset + p.width] = weights[name]
    raw = np.asarray(fused.sketch[rows])
    truth = _sketch_top(fused.sketch, raw * scale, rows, 10)
    most = max(len(p.starts) - 1 for p in fused.parts.values())
    tried: list[dict] = []

    def recall_at(probe: int, candidates: int) -> float:
        if cancel is not None:
            cancel.check()
        hits = 0
        for q, row, best in zip(raw, rows, truth):
            parts = {name: (q[p.offset:p.offset + p.width], weights[name]) for name, p in used.items()
                     if q[p.offset:p.offset + p.width].any()}
            found = sketch_best(fused, parts, probe, 11, no_filter, candidates)
            hits += len(best & set(found[found != row][:10].tolist()))
        tried.append({"probe": probe, "candidates": candidates, "recall": round(hits / (10 * len(rows)), 4)})
        return hits / (10 * len(rows))

    probe, candidates = 1, CANDIDATES
    while True:
        if recall_at(probe, candidates) >= SKETCH_RECALL:
            return probe, candidates, tried[-1]["recall"], tried
        if probe >= most or (len(tried) > 1 and tried[-1]["recall"] < tried[-2]["recall"] + 0.002):
            break  # more cells no longer help: the cut to `candidates` limits
        probe = min(most, probe * 2)
    if tried[-1]["recall"] >= CUT_FLOOR and len(tried) > 1:  # near enough: the fewer cells, the usual cut
        return tried[-2]["probe"], candidates, tried[-2]["recall"], tried
    while candidates < MAX_CANDIDATES:
        candidates *= 2
        if recall_at(probe, candidates) >= SKETCH_RECALL:
            return probe, candidates, tried[-1]["recall"], tried
        if tried[-1]["recall"] < tried[-2]["recall"] + 0.002:
            break
    best = max(tried, key=lambda t: (t["recall"], -t["candidates"], -t["probe"]))  # ties: the cheaper
    return best["probe"], best["candidates"], best["recall"], tried


def _sketch_top(sketch: np.ndarray, queries: np.ndarray, own: np.ndarray, k: int) -> list[set[int]]:
    """For each query, the k rows of the whole sketch that score best (leaving out its own row), in blocks."""
    rows, scores = [], []
    for s in range(0, len(sketch), BLOCK):
        block = sketch[s:s + BLOCK] @ queries.T  # (rows of the block, queries)
        inside = np.flatnonzero((own >= s) & (own < s + len(block)))
        block[own[inside] - s, inside] = -np.inf
        top = np.argpartition(-block, k - 1, axis=0)[:k] if len(block) > k else \
            np.broadcast_to(np.arange(len(block))[:, None], block.shape)
        rows.append(top + s)
        scores.append(np.take_along_axis(block, top, axis=0))
    rows, scores = np.concatenate(rows), np.concatenate(scores)
    best = np.argsort(-scores, axis=0, kind="stable")[:k]
    return [set(col.tolist()) for col in np.take_along_axis(rows, best, axis=0).T]


__all__ = ["build_fused", "calibrate", "projection", "SKETCH_RECALL"]
