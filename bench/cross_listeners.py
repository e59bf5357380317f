"""Benchmark: what the other listeners' signal (recommend/cross.py) costs up next, against the same refill
without it in the same run.

    python bench/cross_listeners.py [--clusters 12] [--per-cluster 100] [--events 3000] [--refills 40]

A clustered synthetic library (tests/recommend/listening.py); listener 1 and Sam each get a scripted history
(`--events` in all, half each); then `--refills` refills after one new event each (as the player does) by
UpNext with cross=False (the baseline) and cross=True, interleaved, first alone (no other listener: nothing
read), then with Sam (the cross model kept up to date incrementally). Prints p50/p95 ms and the ratios to
the baseline."""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "recommend")]


def _interleaved(lib, index_dir, library, n: int, ts: float) -> dict[str, list[float]]:
    """Refill times of UpNext without and with the cross signal, after the same events, alternating which
    goes first (a loaded machine slows both alike)."""
    from mediarec.recommend import events
    from mediarec.recommend.upnext import UpNext

    recs = {"no cross (baseline)": UpNext(lib, index_dir, persist=False, cross=False),
            "cross": UpNext(lib, index_dir, persist=False, cross=True)}
    for rec in recs.values():
        rec.refill(10, now=ts)  # warm: vectors, the first fit, the cross model's first read
    out: dict[str, list[float]] = {k: [] for k in recs}
    rng = np.random.default_rng(0)
    for i in range(n):
        events.record(lib, int(rng.choice(library.all)), "stop", position=200.0, ts=ts)
        ts += 201.0
        for name in (list(recs) if i % 2 else list(recs)[::-1]):
            t0 = time.perf_counter()
            recs[name].refill(10, now=ts, explain=True)
            out[name].append((time.perf_counter() - t0) * 1000)
    for rec in recs.values():
        rec.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clusters", type=int, default=12)
    ap.add_argument("--per-cluster", type=int, default=100)
    ap.add_argument("--events", type=int, default=3000)
    ap.add_argument("--refills", type=int, default=40)
    args = ap.parse_args()
    from listening import T0, clustered_library, scripted_history
    from mediarec.library import Library
    from mediarec.library.listeners import Listeners

    work = Path(tempfile.mkdtemp(prefix="mediarec-cross-"))
    lib = Library(work / "library.db")
    library = clustered_library(lib, clusters=args.clusters, per_cluster=args.per_cluster)
    per = max(1, args.events // 2 // 20)
    scripted_history(lib, library, [0, 1], sessions=per, per_session=20, seed=1)
    ts = T0 + (per + 1) * 86400.0
    alone = _interleaved(lib, work / "index", library, args.refills, ts)
    sam = Listeners(lib).add("Sam").id
    scripted_history(lib, library, [0, 2], sessions=per, per_session=20, seed=2, listener=sam)
    shared = _interleaved(lib, work / "index", library, args.refills, ts + 1e6)
    rows = [("alone: no cross", alone["no cross (baseline)"]), ("alone: cross", alone["cross"]),
            ("with Sam: no cross", shared["no cross (baseline)"]), ("with Sam: cross", shared["cross"])]
    print(f"{len(library.all)} items, {lib.events.count()} events, {args.refills} refills each")
    for k, (name, ms) in enumerate(rows):
        base = float(np.median(rows[k - k % 2][1]))
        p50, p95 = np.median(ms), np.percentile(ms, 95)
        print(f"{name:22s} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  x{p50 / base:.2f}")
    lib.close()


if __name__ == "__main__":
    main()
