"""Every item's "more like this" over all spaces, worked out when the fused index is built.

More like this over all spaces costs a search of every space's cells, an estimate, a sketch ranking and
exact rescoring: 3-4 ms at 100k items (bench/recommend.py). An item's list only changes when the
spaces are rebuilt or the weights change, both of which rebuild the fused index, so the build works out
each item's LIST_K best, scored exactly in every space, and a query for an item in the build reads them
(similar.py still rescores them, with what was analysed since, and filters them). The lists hold for the
weights they were made with; with other weights, for items analysed since, or when more than a list
holds is asked for, the fused search runs live (fused.py).

The build runs fused.py's search for every item (its cells chosen BATCH items at a time, in one product
per space), then scores each item's SEARCH_WANT best exactly. A library larger than LISTS_MAX gets no
lists: at ~2 ms an item here the build would take too long."""
from __future__ import annotations

import logging
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from pathlib import Path
from typing import Callable

import numpy as np

from .fused_format import LIST_K, FusedBuild, load, no_filter, rank, top_cells
from .manifest import Manifest
from .stored import open_rows

log = logging.getLogger(__name__)

SEARCH_WANT = 60  # ranked on the sketch, then scored exactly (recall@10 0.99 at 100k, independent spaces)
LISTS_MAX = 300_000
BATCH = 64  # items whose cells are chosen in one product per space
CHUNK = 1024  # items a worker process lists at a time: a cancel waits for the jobs + 1 chunks under way
STEP = 512  # items listed between progress reports when listing in this process


def neighbour_lists(index_dir: Path, manifest: Manifest, vector_files: dict[str, Path], weights: dict[str, float],
                    probe: int, candidates: int, jobs: int = 1, progress: Callable[[int, int], None] | None = None
                    ) -> np.ndarray:
    """For each row of the fused build `manifest` names (its files written, not yet swapped in), its
    LIST_K best rows by fused score (sum_s w_s cos_s / sum_s w_s over the spaces the item has), best
    first, -1 where fewer. `vector_files`: each space's build matrix; `probe` cells per space and
    `candidates` estimated as fused.py's search does; `jobs` processes (a library of CHUNK items or
    fewer is done in this one)."""
    started = time.monotonic()
    n = manifest.items
    chunks = [(s, min(n, s + CHUNK)) for s in range(0, n, CHUNK)]
    args = (str(index_dir), manifest.to_json(), {k: str(v) for k, v in vector_files.items()})
    out = np.full((n, LIST_K), -1, dtype=np.int32)
    done = 0
    if jobs > 1 and len(chunks) > 1:
        try:
            with ProcessPoolExecutor(jobs, mp_context=get_context("spawn"), initializer=_open, initargs=args) as pool:
                for start, block in pool.map(_lists, *zip(*[(weights, probe, candidates, a, b) for a, b in chunks])):
                    out[start:start + len(block)] = block
                    done += len(block)
                    if progress:
                        progress(done, n)
        except (BrokenProcessPool, OSError) as exc:  # e.g. a host program that cannot be re-imported
            log.warning("neighbour lists: worker processes failed (%s); listing in this process", exc)
            done = 0
    if done < n:
        _open(*args)
        try:
            # steps of STEP items here (no per-task cost in one process): progress, and a cancel
            # raised from it, come every fraction of a second
            for start in range(0, n, STEP):
                stop = min(n, start + STEP)
                out[start:stop] = _lists(weights, probe, candidates, start, stop)[1]
                if progress:
                    progress(stop, n)
        finally:
            _opened.clear()
    log.info("neighbour lists of %d items in %.1f s (%d processes)", n, time.monotonic() - started, max(1, jobs))
    return out


_opened: dict[str, tuple] = {}  # in a worker: the build being listed


def _open(index_dir: str, manifest_doc: dict, vector_files: dict[str, str]) -> None:
    fused = load(Path(index_dir), Manifest(**manifest_doc))
    matrices = {k: open_rows(Path(v)) for k, v in vector_files.items()}
    _opened["build"] = (fused, matrices, {name: space_rows(fused, name) for name in fused.parts})


def _lists(weights: dict[str, float], probe: int, candidates: int, start: int, stop: int) -> tuple[int, np.ndarray]:
    """(start, the lists of rows start..stop-1) of the opened build."""
    fused, matrices, srows = _opened["build"]
    out = np.full((stop - start, LIST_K), -1, dtype=np.int32)
    spaces = [(fused.parts[name], np.float32(weights[name]), matrices[name], srows[name])
              for name in fused.parts if weights.get(name, 0.0) > 0]
    for s in range(start, stop, BATCH):
        qs = np.arange(s, min(stop, s + BATCH))
        sketch_q = np.asarray(fused.sketch[qs], dtype=np.float32)  # (a float16 sketch: sums in float32)
        tables = np.zeros((len(qs), fused.table_size), np.float32)
        query = np.zeros_like(sketch_q)
        chosen = []
        for p, w, _, srow in spaces:
            part = sketch_q[:, p.offset:p.offset + p.width]
            cos = part @ p.centroids.T  # (queries, cells): the batch's cells in one product
            has = srow[qs] >= 0
            tables[:, p.table:p.table + cos.shape[1]] = cos * w * has[:, None]
            query[:, p.offset:p.offset + p.width] = part * w
            chosen.append([top_cells(c, probe) if h else None for c, h in zip(cos, has)])
        for i, r in enumerate(qs.tolist()):
            cells = [(p, picks[i]) for (p, *_), picks in zip(spaces, chosen) if picks[i] is not None]
            found = rank(fused, cells, tables[i], query[i], SEARCH_WANT + 1, no_filter, candidates)
            found = found[found != r]
            if len(found):
                best = _exact_best(spaces, r, found)
                out[r - start, :len(best)] = best
    return start, out


def _exact_best(spaces, r: int, found: np.ndarray) -> np.ndarray:
    """The LIST_K of `found` with the best fused score for row r, on the spaces' whole vectors."""
    score = np.zeros(len(found), np.float32)  # (not divided by the weights' sum: the order is the same)
    for _, w, matrix, srow in spaces:
        if srow[r] < 0:
            continue
        rows = srow[found]
        held = rows >= 0
        score[held] += w * (matrix[rows[held]] @ matrix[srow[r]].astype(np.float32))  # a float16 build: f32 sums
    return found[np.lexsort((found, -score))[:LIST_K]]


def space_rows(fused: FusedBuild, name: str) -> np.ndarray:
    """Per fused row, its row in the space's build (-1 where it has no vector there)."""
    return space_rows_of(fused.parts[name].rows, len(fused.sketch))


def space_rows_of(rows: np.ndarray, n: int) -> np.ndarray:
    """The inverse of a space's `rows` (its build row -> fused row) over `n` fused rows, -1 where it has none."""
    srow = np.full(n, -1, dtype=np.int64)
    srow[rows] = np.arange(len(rows))
    return srow


__all__ = ["neighbour_lists", "space_rows", "space_rows_of", "LIST_K", "SEARCH_WANT", "LISTS_MAX"]
