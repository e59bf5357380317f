"""Benchmark: one library of 100k / 1M items on one machine, and analysis on a dask cluster.

    python bench/scale.py [--sizes 100k,1M] [--dir DIR] [--keep] [--queries 200] [--events 2000]
                          [--reuse [--reuse-index]] [--generate-only] [--dtypes float32,float16]
    python bench/scale.py --dask [--dask-files 48] [--workers 2]

--reuse with a --dir: a library generated there before (same size and --events) is used as it is, so a
rerun measures without regenerating (45 min at 1M here); --reuse-index also keeps its indexes when they
have the first --dtypes. --dtypes: the indexes are rebuilt with each vector type in turn and measured;
r@10 is each one's recall@10 against scoring every item exactly with the first type's vectors.

Per size, a library database is generated through the real storage code (media rows, feature rows of
audio.musicnn, audio.dsp, text.embedding and emotion.music for every item, video.frames for the 10% that
are videos, play events), with no media files, then the indexes are built by the real rebuild job. The
table: database size, index build time and size, cold start of `mediarec status` and of the GUI main
window to first paint (offscreen; each a fresh subprocess, with its peak RSS), library search latency,
more-like-this (all spaces, precomputed lists and live with other weights) and up-next refill p50/p95,
and the bench process's peak RSS. Targets at 100k (issue 14): GUI cold start <= 1.5 s, RSS <= 500 MB,
search <= 50 ms, up-next refill <= 10 ms p50, live more-like-this <= 2 ms p50.

--dask: the same real extractor (audio.dsp) over generated audio files with the local process pool and
with a dask LocalCluster of as many worker processes, in the same run: files/s of each and the ratio.

Measured 2026-12-06 on the shared 2-core box (load ~8), 100k items, 2000 events:
  gen 55 s, db 525 MB, index build 211-255 s, 495 MB; `status` cold 2.04 s (76 MB); GUI cold to first
  paint 13.9 s (333 MB); search p50 887-1879 ms; more like this (lists) p50 0.49-0.64 ms, live 1.02-1.19
  ms; up next refill p50 11.1-16.0 ms. With 20000 events every up-next refill took 107-161 s (the
  history refitted on each catch_up). 1M not run (over the time available). --dask, 24 files: pool
  1.68 files/s, LocalCluster 2.14 files/s (1.28x; the cluster's start-up excluded).
That GUI figure came from an older cold_gui that built its own window reading every row (the table
model's data() ran 2.4M times); cold_gui now starts the real app through bench/appstart.py, as
bench/gui.py does: 0.54 s to first paint, 192 MB peak, on bench/gui.py's 100k library (2026-12-06).
Later the same day, 100k items, 20,000 events, --dtypes float32,float16 (load ~9, a 1M run beside it):
  index 495 MB float32, 341 MB float16; recall@10 lists 0.990 / live 0.995 with either; lists p50 0.46 /
  0.55 ms, live 1.61 / 1.26 ms; up next 34.6 / 17.7 ms p50; search 2.98 / 1.13 s p50 (the noise of the box:
  both rows read the same tables). 1M, float16 (before the library search's matrix and the cold-start work were
merged; load ~9; 20,000 events):
    items   dtype   gen s   db MB  build s  index MB  status s  search     p95    mlt    p95   live    p95  r@10  r@10  upnext
  1000000 float16    1840    5738   1078.5      3243     13.23 18604.7 19326.0  21.36  49.07  10.98  16.70 0.730 0.850    13.7
  (no neighbour lists above 300k items, so "mlt" is the live search with the library's weights; the fused
  sketch's recall stalls near 0.71-0.79 at 1M however many cells or candidates it reads.)
The merged code, 11:00 UTC, idle box, 100k items, 20,000 events (--events 20000, then --reuse --reuse-index):
    items   dtype   gen s   db MB  build s  index MB  status s    MB  gui s    MB  search    p95    mlt    p95   live    p95  r@10  r@10  upnext    p95
   100000 float16      43     614     89.7       341      0.53    54   0.53   192    23.8   55.3   0.39   0.65   1.37   1.83 0.990 0.995    13.5   20.8
Third session, 17:40 UTC, idle box, 20,000 events (--reuse; 1M generated in 219 s): the fused build calibrated
against exact scoring, with a wider sketch where it measures the need (1M: 256 a space, float16 over 1 GB), the
streamed compose back, up next's refill trimmed:
    items   dtype   gen s   db MB  build s  index MB  status s    MB  gui s    MB  search    p95    mlt    p95   live    p95  r@10  r@10  upnext    p95  build MB  bench MB
   100000 float16      22     614     55.1       341      0.30    60   0.25   306    18.9   44.2   0.20   0.38   0.88   1.10 0.995 0.990     7.8    9.8       816      1369
  1000000 float16     219    6082    366.1      3228      1.36    59   0.25   260   135.9  419.1   2.09   2.47   2.11   2.42 0.995 1.000     9.0   21.7      3933     10930
  (1M before, same session and box: build 391 s, 3243 MB, mlt 8.58 / 13.60 ms, live 4.16 / 7.91, r@10 0.750 /
  0.860, build peak 9099 MB. 1M has no neighbour lists: "mlt" is the live search with the library's weights.)"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # see bench/recommend.py: one BLAS thread is faster here
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

import numpy as np  # noqa: E402

from mediarec.extract import registry  # noqa: E402
from mediarec.jobs import run_job  # noqa: E402
from mediarec.library import Library  # noqa: E402
from mediarec.paths import AppPaths  # noqa: E402
from recommend import parse_size, percentiles, synthetic_history  # noqa: E402
from vector_factory import clustered  # noqa: E402

MOODS = ("happy", "sad", "calm", "angry", "tender", "tense", "dark")
EXTRACTORS = {"audio.musicnn": 200, "audio.dsp": 56, "text.embedding": 384, "emotion.music": None}
"""Extractor -> vector length (None: the extractor's own spec.dim)."""


def generate(paths: AppPaths, n: int, n_events: int, chunk: int = 20_000) -> dict:
    """Media, features and events for `n` items (10% videos), written a chunk per transaction."""
    n_video = n // 10
    started = time.perf_counter()
    dims = {name: d or registry.create(name).spec.dim for name, d in EXTRACTORS.items()}
    versions = {name: registry.create(name).spec.version for name in (*EXTRACTORS, "video.frames")}
    labels = np.empty(n, dtype=np.int64)
    with Library(paths.db) as lib:
        ids = np.empty(n, dtype=np.int64)
        for lo in range(0, n, chunk):
            hi = min(n, lo + chunk)
            vectors = {name: clustered(hi - lo, dim, seed=k * 1000 + lo, intrinsic=min(48, dim - 2))
                       for k, (name, dim) in enumerate(dims.items())}
            frames = None
            if hi > n - n_video:
                v0 = max(lo, n - n_video)
                frames = clustered(hi - v0, 1280, seed=99 + lo)[0]
            labels[lo:hi] = vectors["audio.musicnn"][1]
            batch = []
            with lib.transaction():
                for i in range(lo, hi):
                    kind = "video" if i >= n - n_video else "audio"
                    fp = f"scale-{kind}-{i}"
                    row = {"kind": kind, "size": 1000 + i, "mtime": 1.0, "fingerprint": fp, "duration": 200.0,
                           "title": f"{kind} {i} {MOODS[i % 7]} track", "artist": f"artist {i % 5000}",
                           "album": f"album {i % 20000}", "tags": {}, "streams": []}
                    mid = lib.media.insert(f"/scale/{kind}/{i // 1000:04d}/{i:07d}.{'mp4' if kind == 'video' else 'ogg'}",
                                           None, row)
                    ids[i] = mid
                    for name, (vec, _) in vectors.items():
                        v = vec[i - lo]
                        if name == "emotion.music":
                            v = v.copy()
                            v[:2] = np.abs(v[:2])  # valence and arousal live in [0, 1]
                        batch.append((mid, name, versions[name], fp, v,
                                      {"mood": MOODS[i % 7]} if name == "emotion.music" else {}))
                    if kind == "video":
                        batch.append((mid, "video.frames", versions["video.frames"], fp,
                                      frames[i - max(lo, n - n_video)], {}))
                lib.features.put_many(batch)  # one executemany per chunk, as an analysis batch writes
            print(f"  generated {hi}/{n} items ({time.perf_counter() - started:.0f} s)", flush=True)
        now = time.time() - 3600.0
        with lib.transaction():
            synthetic_history(lib, labels[: n - n_video] % 50, ids[: n - n_video], n_events, now)
    return {"generate_s": time.perf_counter() - started, "ids": ids, "now": now}


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())


PRINT_HWM = ("\nprint('RSS', [int(line.split()[1]) / 1024 for line in open('/proc/self/status') "
             "if line.startswith('VmHWM')][0], file=sys.stderr)")
"""The child's own peak RSS: VmHWM starts afresh at exec, while getrusage's ru_maxrss keeps the forking
parent's peak (this bench's, a gigabyte at 100k)."""


def cold_status(paths: AppPaths) -> tuple[float, float]:
    """`mediarec status` in a fresh process: wall seconds and its peak RSS (MB)."""
    code = ("import sys; from mediarec.cli import main; rc = main(['--data-dir', sys.argv[1], 'status']);"
            + PRINT_HWM)
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, str(paths.data)], capture_output=True, text=True,
                          timeout=600)
    wall = time.perf_counter() - t
    if done.returncode:
        raise RuntimeError(f"mediarec status failed: {done.stderr[-500:]}")
    return wall, _rss(done.stderr)


def cold_gui(paths: AppPaths) -> tuple[float, float]:
    """The app to its first paint, offscreen, in a fresh process, started as `mediarec-gui` starts it
    (bench/appstart.py, as bench/gui.py): seconds and the process' peak RSS (MB)."""
    from appstart import app_start

    got = app_start(paths.data, timeout=600)
    return got["paint"], got["hwm_mb"]


def _rss(stderr: str) -> float:
    lines = [line for line in stderr.splitlines() if line.startswith("RSS ")]
    return float(lines[-1].split()[1]) if lines else float("nan")


def time_calls(fn, args_list) -> tuple[float, float]:
    fn(*args_list[0])  # first touch: page the indexes in
    times = []
    for a in args_list:
        t = time.perf_counter()
        fn(*a)
        times.append(time.perf_counter() - t)
    return percentiles(times)


def exhaustive(mlt, query: int, ids: np.ndarray, k: int = 10, chunk: int = 100_000) -> set[int]:
    """The fused top k of `query`, scoring every item in every space (the recall reference), in chunks."""
    weights = mlt._weights_for("all", ("audio", "video"))
    vectors = {s: v for s in weights if (v := mlt.indexes[s].vector(query)) is not None}
    best_ids, best = np.zeros(0, np.int64), np.zeros(0)
    for lo in range(0, len(ids), chunk):
        part = ids[lo:lo + chunk]
        fused = sum(w * np.nan_to_num(mlt.indexes[s].cosines(vectors[s], part)) for s, w in weights.items()
                    if s in vectors)
        fused = np.where(part == query, -np.inf, fused)
        best_ids, best = np.concatenate([best_ids, part]), np.concatenate([best, fused])
        keep = np.argsort(-best, kind="stable")[:k]
        best_ids, best = best_ids[keep], best[keep]
    return set(best_ids.tolist())


def recall(mlt, queries: list[int], reference: dict, key: str, ids: np.ndarray) -> float:
    """Mean recall@10 of `mlt` (its metadata weight 0: the reference scores the content spaces only) against
    `reference[key]`, filled by exhaustive scoring on the first dtype's build when empty."""
    mlt.metadata_weight = 0.0
    truth = reference.setdefault(key, {})
    hits = []
    for q in queries:
        if q not in truth:
            truth[q] = exhaustive(mlt, q, ids)
        hits.append(len(set(mlt.similar_items(q, 10)[0].tolist()) & truth[q]) / 10)
    return float(np.mean(hits))


def build_indexes(paths: AppPaths, dtype: str, args) -> float:
    """Seconds the real rebuild job took (NaN: the indexes there already had `dtype` and --reuse-index)."""
    from mediarec.index.build import BuildOptions
    from mediarec.index.manifest import read_manifest
    from mediarec.tasks import rebuild_task

    built = read_manifest(paths.index_dir, "audio")
    if args.reuse_index and built is not None and built.dtype == dtype:
        print(f"  reusing the {dtype} indexes in {paths.index_dir}", flush=True)
        return float("nan")
    t = time.perf_counter()
    # No fresh margin (as bench/recommend.py): it covers writes racing a build, and here every row was
    # written just before it; with the margin every item would be searched as "analysed since the build".
    run_job(rebuild_task(paths, only_stale=False, opts=BuildOptions(n_jobs=-1, fresh_margin=0.0, dtype=dtype)))
    return time.perf_counter() - t


def measure(paths: AppPaths, n: int, gen: dict, args, dtype: str, reference: dict) -> dict:
    from mediarec.recommend import events
    from mediarec.recommend.similar import MoreLikeThis
    from mediarec.recommend.upnext import UpNext
    from mediarec.search import search

    row: dict = {"n": n, "dtype": dtype, "generate_s": gen["generate_s"]}
    row["db_mb"] = paths.db.stat().st_size / 1e6
    row["build_s"] = build_indexes(paths, dtype, args)
    row["build_rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    row["index_mb"] = dir_size(paths.index_dir) / 1e6
    print(f"  {dtype} indexes built in {row['build_s']:.0f} s, {row['index_mb']:.0f} MB; cold starts…", flush=True)
    row["status_s"], row["status_rss"] = cold_status(paths)
    try:
        row["gui_s"], row["gui_rss"] = cold_gui(paths)
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        print(f"  GUI cold start not measured: {exc}")
        row["gui_s"] = row["gui_rss"] = float("nan")
    rng = np.random.default_rng(3)
    ids = gen["ids"]
    queries = [int(i) for i in rng.choice(ids, size=min(args.queries, n), replace=False)]
    words = [f"artist {i % 5000}" for i in range(0, args.search_queries * 37, 37)]
    print(f"  status {row['status_s']:.2f} s, GUI {row['gui_s']:.2f} s; latencies…", flush=True)
    live_weights = {"audio": 1.0, "visual": 0.5, "text": 0.8, "mood": 0.2}
    with Library(paths.db) as lib:
        row["search_p50"], row["search_p95"] = time_calls(lambda q: search(lib, q, limit=20), [(w,) for w in words])
        mlt = MoreLikeThis(lib, paths.index_dir)
        row["mlt_p50"], row["mlt_p95"] = time_calls(lambda m: mlt.similar_items(m, 10), [(m,) for m in queries])
        live = MoreLikeThis(lib, paths.index_dir, weights=live_weights)
        row["live_p50"], row["live_p95"] = time_calls(lambda m: live.similar_items(m, 10), [(m,) for m in queries])
        print(f"  more like this p50 {row['mlt_p50']:.2f} ms, live {row['live_p50']:.2f} ms; recall…", flush=True)
        exact_q = queries[: args.exact_queries]
        row["mlt_recall"] = recall(mlt, exact_q, reference, "lists", ids)
        row["live_recall"] = recall(live, exact_q, reference, "live", ids)
        rec = UpNext(lib, paths.index_dir, save_every=1e9)
        ts = gen["now"] + 3600.0 * len(reference.get("runs", []))  # a second dtype's events come later
        reference.setdefault("runs", []).append(dtype)
        rec.refill(10, now=ts)
        times = []
        for i in range(args.refills):
            top = int(rec.recommend(10, now=ts, explain=False).ids[0])
            ts += 30.0
            events.record(lib, top, "stop", position=200.0 if i % 3 else 10.0, duration=240.0, ts=ts)
            t = time.perf_counter()
            rec.catch_up()
            rec.recommend(10, now=ts, refresh=False)
            times.append(time.perf_counter() - t)
        row["upnext_p50"], row["upnext_p95"] = percentiles(times)
        rec.close()
    row["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return row


COLUMNS = [("n", "items", "{:>9}"), ("dtype", "dtype", "{:>7}"), ("generate_s", "gen s", "{:>7.0f}"), ("db_mb", "db MB", "{:>7.0f}"),
           ("build_s", "build s", "{:>8.1f}"), ("index_mb", "index MB", "{:>9.0f}"),
           ("status_s", "status s", "{:>9.2f}"), ("status_rss", "MB", "{:>5.0f}"), ("gui_s", "gui s", "{:>6.2f}"),
           ("gui_rss", "MB", "{:>5.0f}"), ("search_p50", "search", "{:>7.1f}"), ("search_p95", "p95", "{:>6.1f}"),
           ("mlt_p50", "mlt", "{:>6.2f}"), ("mlt_p95", "p95", "{:>6.2f}"), ("live_p50", "live", "{:>6.2f}"),
           ("live_p95", "p95", "{:>6.2f}"), ("mlt_recall", "r@10", "{:>5.3f}"), ("live_recall", "r@10", "{:>5.3f}"),
           ("upnext_p50", "upnext", "{:>7.1f}"), ("upnext_p95", "p95", "{:>6.1f}"),
           ("build_rss", "build MB", "{:>9.0f}"), ("rss_mb", "bench MB", "{:>9.0f}")]


def print_table(rows: list[dict]) -> None:
    print("\nscale: latencies in ms (p50 then p95); status/gui = cold start of a fresh process, with its peak "
          "RSS;\nmlt = more like this over all spaces (precomputed lists), live = the live fused search (other "
          "weights);\nr@10 = their recall@10 against scoring every item in every space with the first dtype's "
          "vectors (metadata weight 0);\nbuild MB / bench MB = this process's peak RSS after the build / at the end "
          "(generation included unless reused)")
    print(" ".join(f"{h:>{len(f.format('') if k == 'dtype' else f.format(0) if 'f' not in f else f.format(0.0))}}"
                   for k, h, f in COLUMNS))
    for r in rows:
        print(" ".join(f.format(r[k]) for k, _, f in COLUMNS), flush=True)


def generated(paths: AppPaths, n: int, args) -> dict:
    """The library of `n` items: the one generated by an earlier run with --reuse (its record says how it
    was made; the database is used as it is, its up-next events included), else a fresh one."""
    record = paths.data / "scale-generated.json"
    if args.reuse and record.exists():
        saved = json.loads(record.read_text())
        if saved["n"] == n and saved["events"] == args.events:
            with Library(paths.db) as lib:
                ids = np.array([r[0] for r in lib.conn.execute("SELECT id FROM media ORDER BY id")], dtype=np.int64)
            print(f"{n} items: reusing {paths.data} (generated in {saved['generate_s']:.0f} s)", flush=True)
            return {**saved, "ids": ids}
        print(f"  {record}: made for {saved['n']} items / {saved['events']} events; generating afresh")
    shutil.rmtree(paths.data, ignore_errors=True)
    paths.ensure()
    print(f"{n} items: generating…", flush=True)
    gen = generate(paths, n, args.events)
    record.write_text(json.dumps({"n": n, "events": args.events, "generate_s": gen["generate_s"], "now": gen["now"]}))
    return gen


def section_sizes(args, work: Path) -> None:
    rows = []
    for n in args.sizes:
        paths = AppPaths.resolve(work / f"lib-{n}")
        gen = generated(paths, n, args)
        if args.generate_only:
            continue
        reference: dict = {}
        for dtype in args.dtypes:
            rows.append(measure(paths, n, gen, args, dtype, reference))
            print_table(rows[-1:])
        if not (args.keep or args.reuse):
            shutil.rmtree(paths.data, ignore_errors=True)
    print_table(rows)


def section_dask(args, work: Path) -> None:
    """Files/s of audio.dsp over generated audio, process pool vs a dask LocalCluster, same run."""
    import distributed

    from media_factory import write_audio
    from mediarec.extract.runner import analyze
    from mediarec.scan.scanner import scan
    from mediarec.settings import Settings

    root = work / "media"
    root.mkdir(parents=True, exist_ok=True)
    for i in range(args.dask_files):
        write_audio(root / f"tone{i:04d}.wav", seconds=20.0, freq=110.0 * (1 + i % 12))
    paths = AppPaths.resolve(work / "dask-lib")
    paths.ensure()
    with Library(paths.db) as lib:
        lib.roots.add(root)
        run_job(scan(lib))
        rates = {}
        for name in ("pool", "dask"):
            with lib.transaction():
                lib.conn.execute("DELETE FROM features")
            settings = Settings()
            cluster = None
            if name == "dask":
                cluster = distributed.LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                                                   dashboard_address=None)
                settings.analyze.executor = "dask://127.0.0.1:" + cluster.scheduler_address.rsplit(":", 1)[1]
            t = time.perf_counter()
            report = run_job(analyze(lib, paths, settings, only=["audio.dsp"], workers=args.workers))
            rates[name] = report.files / (time.perf_counter() - t)
            if cluster is not None:
                cluster.close()
            print(f"  {name:>5}: {report.files} files, {rates[name]:.2f} files/s", flush=True)
    print(f"\ndask: audio.dsp over {args.dask_files} x 20 s wav, {args.workers} worker processes each (pool "
          f"start-up included as analyze pays it; the cluster's excluded: it runs already; workers load "
          f"extractors on the first task, timed)\n  pool {rates['pool']:.2f} files/s   dask LocalCluster {rates['dask']:.2f} files/s   "
          f"dask/pool {rates['dask'] / rates['pool']:.2f}x")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=lambda s: [parse_size(x) for x in s.split(",")], default=[100_000])
    ap.add_argument("--queries", type=int, default=200, help="more-like-this queries per size")
    ap.add_argument("--refills", type=int, default=100, help="up-next refills per size")
    ap.add_argument("--events", type=int, default=2000, help="past play events (as bench/recommend.py)")
    ap.add_argument("--dask", action="store_true", help="only the dask throughput comparison")
    ap.add_argument("--dask-files", type=int, default=48)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--dir", type=Path, help="work folder (default: a temporary one)")
    ap.add_argument("--keep", action="store_true", help="keep the generated libraries")
    ap.add_argument("--reuse", action="store_true",
                    help="use the library an earlier run with the same --dir, size and --events generated (and keep it)")
    ap.add_argument("--reuse-index", action="store_true",
                    help="with --reuse: use the indexes already built there when they have the first --dtypes")
    ap.add_argument("--generate-only", action="store_true", help="generate the libraries (with --reuse: keep them)")
    ap.add_argument("--dtypes", type=lambda s: s.split(","), default=["float16"],
                    help="index vector types to build and measure in turn, e.g. float32,float16: recall of "
                         "each against exact float32 scoring")
    ap.add_argument("--search-queries", type=int, default=20, help="library searches per size")
    ap.add_argument("--exact-queries", type=int, default=20, help="queries whose recall@10 is measured")
    args = ap.parse_args()
    work = args.dir or Path(tempfile.mkdtemp(prefix="mediarec-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        (section_dask if args.dask else section_sizes)(args, work)
    finally:
        if not (args.keep or args.reuse) and args.dir is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
