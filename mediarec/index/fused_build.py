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
from .neighbour_lists import LISTS_MAX, SEARCH_WANT, neighbour_lists, space_rows_of
from .search import kind_codes
from .spaces import SPACES

if TYPE_CHECKING:
    from ..library import Library

log = logging.getLogger(__name__)

SKETCH_RECALL = 0.99  # calibration target: the exact top 10 among what the search passes on to exact scoring
MAX_SKETCH_DIM = 512  # the widest a space's part of the sketch is made (a space no wider goes in whole)
WIDER_GAIN = 0.01
"""A wider sketch is kept only where it finds this much more of the exact top 10: on the synthetic spaces of
bench/scale.py 128 dimensions a space held 0.99 at 100k items and 0.80 at 1M (its items drawn around many
more directions), 256 held 0.99-1.0 there; each doubling doubles the sketch's size and its scoring."""
SKETCH_HALF_BYTES = 1 << 30
"""A sketch larger than this in float32 is stored in float16: a million items' 778-wide sketch is 1.6 GB
instead of 3.1 GB (memory-mapped and read whole when loaded), for +0.35 ms a live search (numpy converts
the candidates' rows: 900 x 778 in 1.0 ms against 0.67 ms in float32)."""
TRUTH_CELLS = 50_000_000  # scores held at once while the calibration's reference is worked out (200 MB)
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
    table, tables = 0, {}
    for j, (name, (m, space_ids, space_kinds, _, starts, _)) in enumerate(built.items()):
        rows = np.searchsorted(ids, space_ids)  # the space's rows are cell by cell: so are these
        kinds[rows] = space_kinds
        codes[:, j] = table + m.cells  # the entry of "no vector here"
        codes[rows, j] = table + np.repeat(np.arange(m.cells), np.diff(starts))
        arrays.update({f"{name}.rows": rows, f"{name}.starts": starts})
        tables[name] = table
        table += m.cells + 1
    arrays.update(kinds=kinds, codes=codes)
    weights = {n: w for n, w in library_weights(lib).items() if w > 0}
    cancel.check()
    truth = exact_truth(built, arrays, len(ids), weights, opts.seed, cancel)
    files = {"arrays": f"{FUSED.name}-{build_id}.npz", "sketch": f"{FUSED.name}-{build_id}.sketch.npy"}
    layout, offset, probe, candidates, recall, tried = _fit_sketch(index_dir, build_id, files, built, arrays, tables,
                                                                   weights, truth, cancel)
    lists = {}
    if len(ids) <= LISTS_MAX:
        draft = _manifest(build_id, len(ids), offset, layout, dict(files), probe, recall, tried, 0.0, {})
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


def _fit_sketch(index_dir: Path, build_id: str, files: dict[str, str], built: dict, arrays: dict,
                tables: dict[str, int], weights: dict[str, float], truth, cancel: CancelToken) -> tuple:
    """Write the sketch as narrow as the library allows, wider where its ranking loses the exact best items,
    and calibrate the search on it: (layout, sketch width, probe, candidates, recall, every step tried). Each
    width tried is written to a file of its own; the one kept becomes files["sketch"], the others go."""
    width, best, steps, made = SKETCH_DIM, None, [], {}
    while True:
        made[width] = _sketch_files(index_dir, files, built, arrays, tables, width)
        layout, offset, _, sketch = made[width]
        fused = load(index_dir, _manifest(build_id, len(arrays["ids"]), offset, layout,
                                          {**files, "sketch": sketch}, 0, 0.0, [], 0.0, {}))
        probe, candidates, recall, tried = calibrate(fused, weights, truth, cancel)
        del fused
        cancel.check()
        log.info("fused sketch %d-d a space: recall@10 %.3f (probe %d, %d candidates)", width, recall, probe,
                 candidates)
        steps += [{"sketch_dim": width, **t} for t in tried]
        if best is None or recall > best[1] + WIDER_GAIN:
            best = width, recall, probe, candidates
        wider = any(rec["width"] < rec["dim"] for rec in layout.values())
        if recall >= SKETCH_RECALL or not wider or width >= MAX_SKETCH_DIM or best[0] != width:
            break
        width *= 2
    layout, offset, parts, sketch = made[best[0]]
    if best[0] != width:  # the wider sketch did not help enough: the narrower one's arrays again
        arrays.update(parts)
        save_npz(index_dir / files["arrays"], arrays)
    os.replace(index_dir / sketch, index_dir / files["sketch"])
    for w, other in made.items():
        if w != best[0]:
            (index_dir / other[3]).unlink(missing_ok=True)
    return layout, offset, best[2], best[3], best[1], steps


def _sketch_files(index_dir: Path, files: dict[str, str], built: dict, arrays: dict, tables: dict[str, int],
                  width: int) -> tuple[dict, int, dict, str]:
    """Write the arrays and a sketch with each space projected on its `width` main directions (a space no
    wider: as it is): (the layout, the sketch's width, the arrays of this width, the sketch's file name)."""
    layout, offset, parts = {}, 0, {}
    for name, (m, _, _, matrix, _, centroids) in built.items():
        proj = projection(matrix, width)
        w = m.dim if proj is None else len(proj)
        parts.update({f"{name}.centroids": centroids if proj is None else centroids @ proj.T,
                      f"{name}.proj": proj if proj is not None else np.zeros((0, m.dim), np.float32)})
        layout[name] = {"build_id": m.build_id, "offset": offset, "width": w, "dim": m.dim,
                        "cells": m.cells, "table": tables[name]}
        offset += w
    arrays.update(parts)
    save_npz(index_dir / files["arrays"], arrays)
    sketch = files["sketch"].replace(".sketch.", f".sketch{width}.")  # (the build's prefix: removed if it fails)
    _write_sketch(index_dir / sketch, len(arrays["ids"]), offset, built, arrays, layout)
    return layout, offset, parts, sketch


def _write_sketch(path: Path, n: int, dim: int, built: dict, arrays: dict, layout: dict) -> None:
    """Every item's sketch row: float32, or float16 when that would be over SKETCH_HALF_BYTES."""
    tmp = path.with_name(path.name + ".tmp")
    dtype = np.float16 if n * dim * 4 > SKETCH_HALF_BYTES else np.float32
    out = np.lib.format.open_memmap(tmp, mode="w+", dtype=dtype, shape=(n, dim))  # zeros
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


def exact_truth(built: dict, arrays: dict, n: int, weights: dict[str, float], seed: int = 1,
                cancel: CancelToken | None = None) -> tuple[np.ndarray, list[set[int]]]:
    """(sample fused rows, each one's 10 best other rows by the exact fused score): the reference calibration
    measures the search against, every item scored on its whole vectors in every space, as more like this
    scores its candidates. The sample's scores are worked out for a group of queries at a time, space by
    space in blocks of the memory-mapped matrices (a million items: ~200 MB a group)."""
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(n, size=min(n, CALIBRATION_QUERIES), replace=False))
    spaces = {}
    for name, (_, _, _, matrix, _, _) in built.items():
        if weights.get(name, 0.0) <= 0:
            continue
        frow = arrays[f"{name}.rows"]
        srow = space_rows_of(frow, n)
        has = np.flatnonzero(srow[rows] >= 0)
        spaces[name] = (matrix, frow, has, np.asarray(matrix[srow[rows[has]]], dtype=np.float32)
                        * np.float32(weights[name]))
    group = int(max(1, min(len(rows), TRUTH_CELLS // max(n, 1))))
    best: list[set[int]] = []
    for g in range(0, len(rows), group):
        if cancel is not None:
            cancel.check()
        k = min(group, len(rows) - g)
        scores = np.zeros((n, k), np.float32)
        for matrix, frow, has, queries in spaces.values():
            sel = (has >= g) & (has < g + k)
            if not sel.any():
                continue
            cols, q = has[sel] - g, queries[sel].T
            for s in range(0, len(frow), BLOCK):
                scores[np.ix_(frow[s:s + BLOCK], cols)] += np.asarray(matrix[s:s + BLOCK], dtype=np.float32) @ q
        scores[rows[g:g + k], np.arange(k)] = -np.inf  # not itself
        top = np.argpartition(-scores, 10, axis=0)[:10] if n > 11 else np.argsort(-scores, axis=0)[:10]
        best.extend(set(top[:, j].tolist()) - {int(rows[g + j])} for j in range(k))
    return rows, best


def calibrate(fused: FusedBuild, weights: dict[str, float], truth: tuple[np.ndarray, list[set[int]]],
              cancel: CancelToken | None = None) -> tuple[int, int, float, list]:
    """(probe, candidates, recall, every step tried): the fewest cells per space, and candidates passed on
    from the cell estimates, whose search puts SKETCH_RECALL of each sample query's exact top 10 (`truth`,
    exact_truth) among the SEARCH_WANT best it ranks on the sketch, which more like this then scores
    exactly. Probe doubles until more cells no longer help; then the cut to `candidates` is what limits (in a
    larger library more items share the query's cells and their estimates), so it doubles, up to
    MAX_CANDIDATES. Where neither helps, the sketch itself loses them: the build tries a wider one."""
    rows, best_rows = truth
    used = {name: p for name, p in fused.parts.items() if weights.get(name, 0.0) > 0}
    raw = np.asarray(fused.sketch[rows], dtype=np.float32)
    most = max(len(p.starts) - 1 for p in fused.parts.values())
    tried: list[dict] = []
    asked = sum(len(b) for b in best_rows) or 1

    def recall_at(probe: int, candidates: int) -> float:
        if cancel is not None:
            cancel.check()
        hits = 0
        for q, row, best in zip(raw, rows, best_rows):
            parts = {name: (q[p.offset:p.offset + p.width], weights[name]) for name, p in used.items()
                     if q[p.offset:p.offset + p.width].any()}
            found = sketch_best(fused, parts, probe, SEARCH_WANT + 1, no_filter, candidates)
            hits += len(best & set(found[found != row][:SEARCH_WANT].tolist()))
        tried.append({"probe": probe, "candidates": candidates, "recall": round(hits / asked, 4)})
        return hits / asked

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


__all__ = ["build_fused", "calibrate", "exact_truth", "projection", "SKETCH_RECALL"]
