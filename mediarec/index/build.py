"""Build a space's index from the stored features and swap it in atomically.

A build writes new files under a fresh build id (`<space>-<id>.ann`, `.npy`, `.stats.npz`), each via a
temp file and a rename; then it stores the id map in SQLite and replaces `<space>.json`, the manifest
naming the files, with one rename. Readers that opened the old files keep them: on POSIX a deleted file
stays readable while it is mapped, and the old id map is held in memory. A lock file keeps two
processes from building the same space at once.

Recall: Annoy's defaults give poor recall on embedding-like data (see bench/recommend.py), so each
build measures it. It queries a sample of its own items, compares with exact search, and keeps the
smallest `search_k` (nodes inspected per query) that reaches the target recall@10 after exact
re-ranking. The search then costs no more than the data needs."""
from __future__ import annotations

import logging
import os
import secrets
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import numpy as np

from ..errors import MediarecError
from . import exact
from .annoy_file import AnnoyFile, write_annoy
from .compose import Layout, compose
from .manifest import Manifest, manifest_path, write_manifest
from .spaces import SPACES, Space

if TYPE_CHECKING:
    from ..library import Library

log = logging.getLogger(__name__)

FRESH_MARGIN_S = 60.0
"""Rows created up to this long before a build's snapshot are also searched exactly: a writer stamps its
rows inside its transaction, before it commits, so a row committed just after the snapshot can carry an
older time. Analysis batches commit within seconds; a minute is a wide margin and costs a few items."""
SEARCH_K_START = 250  # calibration doubles search_k from here, then narrows the last step by bisection
SEARCH_K_MAX = 200_000
CALIBRATION_K = 10


def default_trees(n_items: int) -> int:
    """More trees let a smaller search_k reach the same recall, and search time follows search_k; trees
    cost build time and index size. Measured on the clustered 256-d vectors of bench/recommend.py at
    100k items, for recall@10 >= 0.985: 100 trees needed search_k 20000, 150 14000, 200 11000, 250 10000;
    the index files of 100, 150 and 250 trees take about 220, 280 and 400 MB."""
    return 50 if n_items < 5_000 else 100 if n_items < 50_000 else 200


def candidates_for(k: int) -> int:
    """How many ids to ask Annoy for when k are wanted: room for the item itself, duplicates and filters."""
    return 2 * k + 20


@dataclass
class BuildOptions:
    n_trees: int | None = None  # None: default_trees(n)
    target_recall: float = 0.985  # calibrated recall@10 to reach (the promise is 0.98; this leaves a margin)
    calibration_queries: int = 400  # the recall estimate is within about 0.003 (one standard error)
    n_jobs: int = 1  # threads Annoy builds with (-1: all cores); a background build leaves the player a core
    seed: int = 1
    fresh_margin: float = FRESH_MARGIN_S


def calibrate(ann: AnnoyFile, vectors: np.ndarray, trees: int, opts: BuildOptions) -> tuple[int, float, list]:
    """The smallest search_k (to within about 10%) whose re-ranked recall@10 reaches the target, its recall,
    and every step tried: doubling from SEARCH_K_START until the target is met, then bisecting the last
    step. Queries are a seeded sample of the items themselves (each excluded from its own answer, as "more
    like this" does). See `recall_at_k` for how ties count."""
    n, k = len(vectors), CALIBRATION_K
    if n <= k + 1:
        return n * trees, 1.0, []
    rng = np.random.default_rng(opts.seed)
    queries = np.sort(rng.choice(n, size=min(opts.calibration_queries, n), replace=False))
    q_vectors = np.asarray(vectors[queries])
    kth = kth_best_scores(vectors, queries, k)
    tried: dict[int, float] = {}

    def recall_at(search_k: int) -> float:
        found = []
        for q, v in zip(queries, q_vectors):
            rows = ann.query(v, candidates_for(k), search_k)
            rows = rows[rows != q]
            scores = np.asarray(vectors[rows]) @ v
            found.append(scores[exact.top(scores, k)])
        tried[search_k] = recall_at_k(found, kth, k)
        return tried[search_k]

    exhaustive = min(SEARCH_K_MAX, n * trees)  # past this Annoy already looks at every item
    low, high = 0, SEARCH_K_START
    while recall_at(high) < opts.target_recall and high < exhaustive:
        low, high = high, min(2 * high, exhaustive)
    while low and high - low > 0.1 * high:
        mid = (low + high) // 2
        if recall_at(mid) >= opts.target_recall:
            high = mid
        else:
            low = mid
    steps = [{"search_k": sk, "recall": round(r, 4)} for sk, r in sorted(tried.items())]
    return high, tried[high], steps


def kth_best_scores(vectors: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """For each query row, the exact k-th best cosine among the other rows."""
    truth = exact.search_many(vectors, np.asarray(vectors[queries]), k + 1)
    out = np.empty(len(queries), dtype=np.float32)
    for i, (q, row) in enumerate(zip(queries, truth)):
        others = row[row != q][:k]
        out[i] = float(np.asarray(vectors[others[-1]]) @ np.asarray(vectors[q]))
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
             "stats": f"{space.name}-{build_id}.stats.npz"}
    n, dim = vectors.shape
    trees = opts.n_trees or default_trees(n)
    _save_npy(index_dir / names["vectors"], vectors)
    _save_stats(index_dir / names["stats"], layout)
    write_annoy(index_dir / names["ann"], vectors, trees, seed=opts.seed, n_jobs=opts.n_jobs)
    matrix = np.load(index_dir / names["vectors"], mmap_mode="r")
    ann = AnnoyFile(index_dir / names["ann"], dim, n, first_row=np.asarray(matrix[0]))
    try:
        search_k, recall, tried = calibrate(ann, matrix, trees, opts)
    finally:
        ann.close()
    manifest = Manifest(
        space=space.name, build_id=build_id, items=n, dim=dim, trees=trees, search_k=search_k,
        built_at=time.time(), snapshot_at=snapshot_at, fresh_after=snapshot_at - opts.fresh_margin,
        build_seconds=round(time.perf_counter() - started, 3), recall_at_10=round(recall, 4),
        extractors=extractors or {},
        blocks=[{"sources": list(b.sources), "weight": b.weight, "transform": b.transform.name,
                 "width": (layout.widths.get(i, 0) if layout else None)} for i, b in enumerate(space.blocks)],
        files=names, calibration=tried)
    lib.index.replace(space.name, build_id, media_ids.tolist(), manifest.built_at)
    write_manifest(index_dir, manifest)
    _remove_other_builds(index_dir, space.name, build_id)
    log.info("built %s index: %d items, %d trees, search_k %d, recall@10 %.3f, %.1f s", space.name, n, trees,
             search_k, recall, manifest.build_seconds)
    return manifest


def build_space(lib: "Library", index_dir: Path, space_name: str, opts: BuildOptions | None = None
                ) -> Manifest | None:
    """Rebuild one space from the features stored now; None (and no index) when no item has any."""
    space = SPACES[space_name]
    with _build_lock(index_dir, space_name):
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
    _remove_other_builds(index_dir, space_name, keep=None)


def load_layout(index_dir: Path, manifest: Manifest) -> Layout:
    with np.load(index_dir / manifest.files["stats"], allow_pickle=False) as z:
        stats = Layout.stats_from_arrays({k: z[k] for k in z.files})
    widths = {i: b["width"] or 0 for i, b in enumerate(manifest.blocks)}
    return Layout({k: v["version"] for k, v in manifest.extractors.items()},
                  {k: v["dim"] for k, v in manifest.extractors.items()}, stats, widths)


def _save_npy(path: Path, vectors: np.ndarray) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        np.save(f, np.asarray(vectors, dtype=np.float32))
    os.replace(tmp, path)


def _save_stats(path: Path, layout: Layout | None) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        np.savez(f, **(layout.stats_arrays() if layout else {}))
    os.replace(tmp, path)


def _remove_other_builds(index_dir: Path, space: str, keep: str | None) -> None:
    for path in Path(index_dir).glob(f"{space}-*"):
        if keep is not None and path.name.startswith(f"{space}-{keep}."):
            continue
        try:
            path.unlink()  # a reader that mapped it keeps it; on Windows this fails and waits for next time
        except OSError:
            pass


@contextmanager
def _build_lock(index_dir: Path, space: str, stale_after: float = 3600.0) -> Iterator[None]:
    """One builder per space across processes: an exclusive lock file, taken over when it is stale."""
    index_dir.mkdir(parents=True, exist_ok=True)
    lock = index_dir / f".{space}.lock"
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            break
        except FileExistsError:
            try:
                if time.time() - lock.stat().st_mtime < stale_after:
                    raise BuildInProgress(f"{lock}: another build of the {space} index is running") from None
                lock.unlink()
            except FileNotFoundError:
                pass
    else:
        raise BuildInProgress(f"{lock}: cannot take the build lock")
    try:
        os.write(fd, f"{os.getpid()}\n".encode())
        os.close(fd)
        yield
    finally:
        lock.unlink(missing_ok=True)


class BuildInProgress(MediarecError):
    """Another process is building this space now; its result will land shortly."""


__all__ = ["BuildOptions", "BuildInProgress", "build_space", "write_build", "remove_space", "calibrate",
           "default_trees", "candidates_for", "load_layout", "kth_best_scores", "recall_at_k", "FRESH_MARGIN_S"]
