"""Benchmark: the recommender's indexes (and, later, up-next) on synthetic vectors with the real dimensions.

    python bench/recommend.py [--sizes 10k,100k,1M] [--spaces audio,visual,text,mood] [--queries 200]
                              [--section index ...] [--dir DIR] [--keep]

Section `index`, per library size and space:
  - build: index build time (k-means cells, Annoy over their centroids, calibration of probe and
    search_k), the cells and the probe (cells scored per query) and Annoy search_k chosen;
  - search: SpaceIndex.search latency p50/p95 for k=10 (Annoy picks the cells, their items are scored
    exactly on the memory-mapped vectors, merged with items newer than the build) and its recall@10
    against exact search; "annoy" is the share of the CPU time spent inside Annoy;
  - baseline in the same run: exact numpy search over the same memory-mapped matrix (p50/p95, and the
    speed-up as a ratio), and Annoy at its defaults (10 trees, search_k = 10 x trees) for its recall;
  - all: more-like-this over all four spaces (MoreLikeThis.similar_items) at sizes up to --fused-max:
    the fused index's build time (index/fused.py: the spaces' cells aligned, a sketch of every space,
    its probe calibrated, every item's list worked out: index/neighbour_lists.py), latency and recall@10
    against scoring every item in every space, reading the lists (what the app does for an item in the
    build) and searching live (other weights, items analysed since), and in the same run the union of
    each space's own nearest (what it replaces) as the baseline. The spaces' vectors are drawn
    independently (an item's audio cluster says nothing of its text cluster): the hard case for
    fusion, real items' spaces agree more: --agree SHARE draws them with shared clusters (see agreeing()).
Targets: more-like-this p50 <= 2 ms at 100k items with recall@10 >= 0.98.

Section `upnext` (sizes up to --upnext-max): refill latency p50/p95 after each event with a synthetic
history (see section_upnext), against the same model scoring the whole catalogue. Target: <= 30 ms at 100k.

Vectors come from tests/vector_factory.py (clustered, embedding-like; see there) and are written to
memory-mapped .npy files, so a million 1280-d rows never sit in RAM. Sections are functions in SECTIONS;
a new one takes (args, work) and prints its own table."""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

# One BLAS thread: on a small machine shared with other work, threaded BLAS spin-waits, and a
# matrix-vector product (the exact baseline) is memory-bound anyway: one thread was 2-5x faster here.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import numpy as np  # noqa: E402

from mediarec.index import exact  # noqa: E402
from mediarec.index.annoy_file import AnnoyFile, write_annoy  # noqa: E402
from mediarec.index.build import BuildOptions, kth_best_scores, recall_at_k, write_build  # noqa: E402
from mediarec.index.search import SpaceIndex  # noqa: E402
from mediarec.index.spaces import SPACES  # noqa: E402
from mediarec.library import Library  # noqa: E402
from vector_factory import add_media, clustered  # noqa: E402

SPACE_DIMS = {"audio": 256, "visual": 1280, "text": 384, "mood": 10}
"""Space vector lengths as the real extractors give them: musicnn 200 + audio.dsp 56; EfficientNet-Lite0
1280; MiniLM 384; valence/arousal on a sphere (3) + the mood labels (7)."""


def parse_size(text: str) -> int:
    text = text.strip().lower()
    mult = {"k": 1_000, "m": 1_000_000}.get(text[-1], 1)
    return int(float(text.rstrip("km")) * mult)


def percentiles(seconds: list[float]) -> tuple[float, float]:
    ms = np.asarray(seconds) * 1e3
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 95))


def synthetic(work: Path, space: str, n: int, seed: int, agree: float | None = None) -> np.ndarray:
    path = work / f"vectors-{space}-{n}.npy"
    dim = SPACE_DIMS[space]
    mm = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(n, dim))
    if agree is None:
        clustered(n, dim, seed=seed, intrinsic=min(48, dim - 2), out=mm)
    else:
        agreeing(n, dim, seed, agree, out=mm)
    mm.flush()
    del mm
    return np.load(path, mmap_mode="r")


def agreeing(n: int, dim: int, seed: int, share: float, out: np.ndarray, chunk: int = 50_000) -> None:
    """Clustered vectors (as tests/vector_factory.clustered) whose clusters the spaces share: every space
    has as many clusters, and a `share` of the items sit in the cluster of the same number in every space
    (an album that sounds, looks and talks alike); the others in a cluster drawn for this space alone.
    Each space draws its own centres, subspace and noise, so even agreeing items are near only in part."""
    k = max(8, n // 500)
    common = np.random.default_rng(1234).integers(k, size=n)  # the same for every space
    rng = np.random.default_rng(seed)
    own = rng.integers(k, size=n)
    labels = np.where(np.random.default_rng(4321).random(n) < share, common, own)  # the same items agree
    intrinsic = min(48, dim - 2)
    centres = rng.standard_normal((k, dim)).astype(np.float32)
    basis = (rng.standard_normal((intrinsic, dim)) / np.sqrt(intrinsic)).astype(np.float32)
    for start in range(0, n, chunk):
        lab = labels[start:start + chunk]
        v = (centres[lab] + rng.standard_normal((len(lab), intrinsic), dtype=np.float32) @ basis
             + 0.3 * rng.standard_normal((len(lab), dim), dtype=np.float32))
        out[start:start + len(lab)] = v / np.linalg.norm(v, axis=1, keepdims=True)


def bench_space(lib: Library, work: Path, space: str, n: int, args) -> dict:
    vectors = synthetic(work, space, n, seed=list(SPACES).index(space), agree=args.agree)
    media_ids = np.arange(1, n + 1, dtype=np.int64)
    index_dir = work / "index"
    t = time.perf_counter()
    m = write_build(lib, index_dir, SPACES[space], media_ids, vectors,
                    opts=BuildOptions(n_jobs=-1, fresh_margin=0.0, n_trees=args.trees, cells=args.cells))
    build_s = time.perf_counter() - t
    si = SpaceIndex(lib, index_dir, space, scan_below=0)
    inside_annoy = _time_annoy(si)
    rng = np.random.default_rng(7)
    queries = np.sort(rng.choice(n, size=min(args.queries, n), replace=False))
    kth = kth_best_scores(vectors, queries, 10)
    times, cpu, found, base_times = [], [], [], []
    si.search(np.asarray(vectors[queries[0]]), 10)  # first touch: page in the index
    inside_annoy.clear()
    for q in queries:
        v = np.asarray(vectors[q])
        t, c = time.perf_counter(), time.thread_time()
        ids, scores = si.search(v, 10, exclude=[int(media_ids[q])])
        cpu.append(time.thread_time() - c)
        times.append(time.perf_counter() - t)
        found.append(scores)
    for q in queries[: args.exact_queries]:
        v = np.asarray(vectors[q])
        t = time.perf_counter()
        exact.search(vectors, v, 11)
        base_times.append(time.perf_counter() - t)
    row = {"space": space, "n": n, "dim": vectors.shape[1], "cells": m.cells, "probe": m.probe,
           "search_k": m.search_k, "build_s": build_s, "p50": percentiles(times)[0], "p95": percentiles(times)[1],
           "cpu_p50": percentiles(cpu)[0], "annoy_share": sum(inside_annoy) / sum(cpu),
           "recall": recall_at_k(found, kth, 10), "exact_p50": percentiles(base_times)[0],
           "exact_p95": percentiles(base_times)[1]}
    if n <= args.default_max:
        row["default_recall"] = annoy_default_recall(work, vectors, queries, kth)
    si.close()
    return row


def _time_annoy(si: SpaceIndex) -> list[float]:
    """CPU seconds of each Annoy query the index makes from now on (wraps its AnnoyFile.query)."""
    si.refresh()
    spent: list[float] = []
    ann = si._built.ann
    query = ann.query

    def timed(*a, **kw):
        c = time.thread_time()
        try:
            return query(*a, **kw)
        finally:
            spent.append(time.thread_time() - c)
    ann.query = timed
    return spent


def annoy_default_recall(work: Path, vectors: np.ndarray, queries: np.ndarray, kth: np.ndarray) -> float:
    """Recall@10 of plain Annoy as its README shows it: 10 trees, default search_k, no re-ranking."""
    path = work / "default.ann"
    write_annoy(path, vectors, 10, n_jobs=-1)
    ann = AnnoyFile(path, vectors.shape[1], len(vectors))
    found = []
    for q in queries:
        v = np.asarray(vectors[q])
        rows = ann.query(v, 11, 11 * 10)  # Annoy's default search_k: n x n_trees
        rows = rows[rows != q][:10]
        found.append(np.asarray(vectors[rows]) @ v)
    ann.close()
    path.unlink()
    return recall_at_k(found, kth, 10)


def bench_fused(lib: Library, work: Path, n: int, args) -> dict:
    """more-like-this over all four spaces (every item a video, so every space applies): with the fused
    index (built here from the spaces' builds, timed) and, as the baseline in the same run, the union of
    each space's own nearest; recall@10 of each against scoring every item in every space."""
    from mediarec.index.fused_build import build_fused  # noqa: PLC0415
    from mediarec.recommend.similar import MoreLikeThis  # noqa: PLC0415

    t = time.perf_counter()
    m = build_fused(lib, work / "index", BuildOptions(n_jobs=-1, fresh_margin=0.0))
    out = {"build_s": time.perf_counter() - t, "dim": m.dim, "probe": m.probe, "cells": m.cells // len(m.extractors)}
    rng = np.random.default_rng(11)
    queries = rng.choice(np.arange(1, n + 1), size=min(args.queries, n), replace=False)
    for label in ("lists", "live", "union"):
        mlt = MoreLikeThis(lib, work / "index")  # as the app runs it: small spaces (mood) are scanned
        if label == "live":  # as for other weights or items analysed since the build
            mlt.fused.listed = lambda *a, **kw: None
        if label == "union":
            mlt.fused.usable = lambda *a, **kw: False
        times, cpu, found = [], [], {}
        for mid in queries:
            t, c = time.perf_counter(), time.thread_time()
            ids, _ = mlt.similar_items(int(mid), 10)
            cpu.append(time.thread_time() - c)
            times.append(time.perf_counter() - t)
            assert len(ids) == 10 and int(mid) not in ids
            found[int(mid)] = set(ids.tolist())
        hits = [len(found[int(q)] & set(fused_exhaustive(mlt, int(q), n))) / 10 for q in queries[:args.exact_queries]]
        out[label] = (*percentiles(times), percentiles(cpu)[0], float(np.mean(hits)))
        mlt.close()
    return out


def fused_exhaustive(mlt, query: int, n: int, k: int = 10) -> list[int]:
    """The fused top k, scoring all n items in every space (the recall reference)."""
    everyone = np.arange(1, n + 1)
    total, fused = 0.0, np.zeros(n)
    for space, w in mlt._weights_for("all", ("audio", "video")).items():
        v = mlt.indexes[space].vector(query)
        if v is not None:
            fused += w * np.nan_to_num(mlt.indexes[space].cosines(v, everyone))
            total += w
    fused[query - 1] = -np.inf
    return everyone[np.argsort(-fused)[:k]].tolist()


def section_index(args, work: Path) -> None:
    print("index: per space, k=10: Annoy over the cell centroids picks `probe` cells, their items are scored exactly;\n"
          "latency in ms (wall; cpu = this thread's CPU time, what an idle machine would see; annoy = its share spent\n"
          "in Annoy); recall@10 against exact search (ties count, see build.py); exact = numpy scan of the same\n"
          "memory-mapped vectors; default = plain Annoy over the items, 10 trees, default search_k, no re-ranking")
    print("spaces drawn independently (the worst case for fusion)" if args.agree is None else
          f"spaces that agree: shared clusters, {args.agree:.0%} of the items in the same cluster in every space")
    head = (f"{'space':7} {'items':>8} {'dim':>5} {'cells':>5} {'probe':>5} {'search_k':>8} {'build s':>8} "
            f"{'p50':>6} {'p95':>6} {'cpu p50':>7} {'annoy':>5} {'recall':>6} {'exact p50':>9} {'exact p95':>9} "
            f"{'speed-up':>8} {'default recall':>14}")
    print(head)
    for n in args.sizes:
        with Library(work / f"bench-{n}.db") as lib:
            if n <= args.fused_max:
                add_media(lib, n, kind="video")
            for space in args.spaces:
                if n >= 1_000_000 and SPACE_DIMS[space] > args.max_dim_at_1m:
                    print(f"{space:7} {n:>8}  skipped: {SPACE_DIMS[space]}-d at 1M items is "
                          f"{n * SPACE_DIMS[space] * 4 / 1e9:.1f} GB per copy and hours of Annoy build on this machine")
                    continue
                r = bench_space(lib, work, space, n, args)
                dflt = f"{r['default_recall']:.3f}" if "default_recall" in r else "-"
                print(f"{r['space']:7} {r['n']:>8} {r['dim']:>5} {r['cells']:>5} {r['probe']:>5} {r['search_k']:>8} "
                      f"{r['build_s']:>8.1f} {r['p50']:>6.2f} {r['p95']:>6.2f} {r['cpu_p50']:>7.2f} "
                      f"{r['annoy_share']:>5.0%} {r['recall']:>6.3f} "
                      f"{r['exact_p50']:>9.2f} {r['exact_p95']:>9.2f} {r['exact_p50'] / r['p50']:>7.1f}x {dflt:>14}",
                      flush=True)
                for f in work.glob(f"vectors-{space}-{n}.npy"):
                    f.unlink()
            if n <= args.fused_max and set(args.spaces) == set(SPACES):
                r = bench_fused(lib, work, n, args)
                print(f"{'all':7} {n:>8} {r['dim']:>5} {r['cells']:>5} {r['probe']:>5}  fused index built in "
                      f"{r['build_s']:.1f} s; more-like-this over 4 spaces (MoreLikeThis.similar_items), recall@10 "
                      f"against scoring every item in every space:", flush=True)
                for label, what in (("lists", "fused index, lists read"), ("live", "fused index, searched live"),
                                    ("union", "union of per-space nearest")):
                    p50, p95, cpu50, rec = r[label]
                    print(f"{'':16} {what:28} p50 {p50:.2f} ms, p95 {p95:.2f} ms, cpu p50 {cpu50:.2f} ms, "
                          f"recall {rec:.3f}", flush=True)
        shutil.rmtree(work / "index", ignore_errors=True)


def synthetic_history(lib: Library, labels: np.ndarray, ids: np.ndarray, n_events: int, now: float) -> None:
    """`n_events` over the last 30 days in sessions of ~20: each session plays items of one or two clusters
    (finished) and now and then an item of another (skipped after 10 s)."""
    from mediarec.recommend import events  # noqa: PLC0415

    rng = np.random.default_rng(5)
    by_cluster = {c: ids[labels == c] for c in np.unique(labels)}
    clusters = list(by_cluster)
    sessions = -(-n_events // 20)
    done = 0
    for k in range(sessions):
        ts = now - 30 * 86400.0 * (1 - k / sessions)
        liked = rng.choice(clusters, size=2, replace=False)
        for _ in range(min(20, n_events - done)):
            finished = rng.random() > 0.2
            c = rng.choice(liked) if finished else rng.choice(clusters)
            mid = int(rng.choice(by_cluster[c]))
            events.record(lib, mid, "stop", position=200.0 if finished else 10.0, duration=240.0, ts=ts)
            ts += 201.0 if finished else 11.0
            done += 1


def section_upnext(args, work: Path) -> None:
    """Up-next refill: one event recorded, then what the player does to refill its list (UpNext.refill:
    catch_up = one SGD step, the taste and session moved on; recommend = candidates from the indexes,
    features, scores, MMR, reasons). The player's recommender saves its state at most every 30 s; the
    save is timed on its own, and `mediarec upnext` (cold: indexes and state loaded, one list, saved) too.
    Baseline in the same run: the same model scoring every item of the catalogue (no candidates)."""
    from mediarec.recommend import events  # noqa: PLC0415
    from mediarec.recommend.features import feature_matrix  # noqa: PLC0415
    from mediarec.recommend.upnext import UpNext, upnext  # noqa: PLC0415

    print(f"\nupnext: refill after each event, n=10 with reasons; {args.history} past events; 90% songs, 10% videos;\n"
          "spaces audio 256-d, text 384-d, mood 10-d for every item, visual 1280-d for the videos (real dims);\n"
          "latency in ms; refill = catch_up + recommend; save = the state to kv; cold = `mediarec upnext` in-process;\n"
          "baseline = the same model scoring the whole catalogue; speed-up = baseline p50 / refill p50")
    print(f"{'items':>8} {'refill p50':>10} {'p95':>6} {'catch_up':>8} {'recommend':>9} {'save':>6} {'cold':>7} "
          f"{'baseline':>8} {'speed-up':>8} {'searches':>8}")
    for n in args.sizes:
        if n > args.upnext_max:
            print(f"{n:>8}  skipped (--upnext-max {args.upnext_max})")
            continue
        index_dir = work / f"upnext-index-{n}"
        with Library(work / f"upnext-{n}.db") as lib:
            n_video = n // 10
            ids = np.array(add_media(lib, n - n_video, kind="audio") + add_media(lib, n_video, kind="video"))
            labels = None
            for space in ("audio", "text", "mood", "visual"):
                rows = ids if space != "visual" else ids[-n_video:]
                vectors, lab = clustered(len(rows), SPACE_DIMS[space], seed=list(SPACES).index(space),
                                         intrinsic=min(48, SPACE_DIMS[space] - 2))
                labels = lab if space == "audio" else labels
                write_build(lib, index_dir, SPACES[space], rows.astype(np.int64), vectors,
                            opts=BuildOptions(n_jobs=-1, fresh_margin=0.0, n_trees=args.trees, cells=args.cells))
                del vectors
            now = time.time() - 3600.0
            synthetic_history(lib, labels[: n - n_video], ids[: n - n_video], args.history, now)
            rec = UpNext(lib, index_dir, save_every=30.0)
            rec.refill(10, now=now)  # first touch: page the indexes in, read the catalogue
            t = {k: [] for k in ("refill", "catch_up", "recommend", "save", "cold", "baseline")}
            ts = now
            for i in range(args.refills):
                top = int(rec.recommend(10, now=ts, explain=False).ids[0])
                ts += 30.0
                events.record(lib, top, "stop", position=200.0 if i % 3 else 10.0, duration=240.0, ts=ts)
                t0 = time.perf_counter()
                rec.catch_up()
                t1 = time.perf_counter()
                rec.recommend(10, now=ts, refresh=False)
                t2 = time.perf_counter()
                t["refill"].append(t2 - t0)
                t["catch_up"].append(t1 - t0)
                t["recommend"].append(t2 - t1)
                if i < args.baseline_refills:
                    t3 = time.perf_counter()
                    rec.save()
                    t["save"].append(time.perf_counter() - t3)
                    t3 = time.perf_counter()
                    ctx = rec.context(ts)
                    everything = rec.catalogue.ids(("audio", "video"))
                    scores = rec.scorer.logits(feature_matrix(ctx, rec.vectors, rec.taste, everything))
                    everything[np.argsort(-scores)[:10]]
                    t["baseline"].append(time.perf_counter() - t3)
                if i < args.cold_refills:
                    t3 = time.perf_counter()
                    upnext(lib, index_dir, 10, now=ts)
                    t["cold"].append(time.perf_counter() - t3)
            searches = rec.neighbours.searches
            rec.close()
            p50, p95 = percentiles(t["refill"])
            m = {k: percentiles(v)[0] for k, v in t.items()}
            print(f"{n:>8} {p50:>10.1f} {p95:>6.1f} {m['catch_up']:>8.1f} {m['recommend']:>9.1f} {m['save']:>6.1f} "
                  f"{m['cold']:>7.1f} {m['baseline']:>8.1f} {m['baseline'] / p50:>7.1f}x {searches:>8}", flush=True)
        shutil.rmtree(index_dir, ignore_errors=True)


SECTIONS = {"index": section_index, "upnext": section_upnext}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10k,100k,1M", help="library sizes (default 10k,100k,1M)")
    ap.add_argument("--spaces", default=",".join(SPACES), help="spaces (default all four)")
    ap.add_argument("--section", nargs="+", default=list(SECTIONS), choices=list(SECTIONS))
    ap.add_argument("--queries", type=int, default=200, help="queries per measurement (default 200)")
    ap.add_argument("--exact-queries", type=int, default=50, help="queries for the exact baseline (default 50)")
    ap.add_argument("--trees", type=int, help="trees of the Annoy index over the cell centroids (default: see "
                    "index/build.py)")
    ap.add_argument("--cells", type=int, help="k-means cells (default: about 100 items each, see index/cells.py)")
    ap.add_argument("--default-max", type=parse_size, default=100_000, help="largest size to also run plain Annoy")
    ap.add_argument("--fused-max", type=parse_size, default=100_000, help="largest size for the fused measurement")
    ap.add_argument("--max-dim-at-1m", type=int, default=400, help="skip spaces wider than this at 1M items")
    ap.add_argument("--agree", type=float, metavar="SHARE",
                    help="spaces that agree as real ones do: shared clusters, SHARE of the items (e.g. 0.5) in the "
                         "same cluster in every space (default: every space drawn independently, the worst case)")
    ap.add_argument("--history", type=int, default=2000, help="up next: past events (default 2000)")
    ap.add_argument("--refills", type=int, default=100, help="up next: refills measured (default 100)")
    ap.add_argument("--baseline-refills", type=int, default=10, help="up next: baseline measurements (default 10)")
    ap.add_argument("--cold-refills", type=int, default=10, help="up next: cold CLI measurements (default 10)")
    ap.add_argument("--upnext-max", type=parse_size, default=100_000, help="largest size for up next")
    ap.add_argument("--dir", type=Path, help="work directory (default: a temp dir)")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    args.sizes = [parse_size(s) for s in args.sizes.split(",")]
    args.spaces = [s.strip() for s in args.spaces.split(",")]
    work = args.dir or Path(tempfile.mkdtemp(prefix="mediarec-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        for name in args.section:
            print("load average (1, 5, 15 min) at the start: %.2f %.2f %.2f on %d CPUs" % (*os.getloadavg(), os.cpu_count()))
            SECTIONS[name](args, work)
            print("load average at the end: %.2f %.2f %.2f" % os.getloadavg())
    finally:
        if not args.keep and args.dir is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
