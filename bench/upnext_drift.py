"""Benchmark: does a long up-next session drift into skips? The simulated listener of tests/ over many picks.

    python bench/upnext_drift.py [--picks 100] [--seeds 0,1,2 | 0-9] [--shares 6,3] [--before REV | --no-before]

A clustered library (tests/recommend/listening.py: 12 sound clusters of 16 songs, 192 in all, stored through the
real tables) and a listener who finishes the songs of the clusters they like and skips the rest at 10 s
(share 6: two clusters of twelve, a sixth of the library; share 3: four, a third). From a cold start
the listener plays the top pick of each refilled list (UpNext.refill, what the player does). Printed per
share and seed: the skip rate of each 20-pick window, over picks 21-end, the worst rise from one window
to the next, the shortest gap between two plays of one item, and whether the run meets issue 11's criterion
(over picks 21-end at most 0.15, no window worse than the one before by more than 0.05, no repeat within
MIN_GAP picks). Baselines in the same run: shuffle
(the expected skip rate of random picks) and, with --before, the same listener on the code of commit
REV (extracted with `git archive` to a temporary folder and run there in a subprocess)."""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "recommend"))

WINDOW = 20
CRITERION = (0.15, 0.05, 5)  # issue 11 part 2: skip rate over 21-end, rise from window to window, fewest picks apart
CLUSTERS, PER_CLUSTER = 12, 16
LIKED = {6: (0, 7), 3: (0, 3, 7, 10)}  # liked clusters by the share's denominator
BEFORE = "82d2a47"  # the up-next code before issue 11 part 2


def listen(share: int, seed: int, picks: int) -> dict:
    """One simulated session in a fresh library: the listener's finished flags and picks."""
    from listening import Listener, clustered_library  # noqa: PLC0415
    from mediarec.library import Library  # noqa: PLC0415
    from mediarec.recommend.upnext import UpNext  # noqa: PLC0415

    with tempfile.TemporaryDirectory() as work:
        with Library(Path(work) / "library.db") as lib:
            library = clustered_library(lib, clusters=CLUSTERS, per_cluster=PER_CLUSTER, seed=seed)
            listener = Listener(lib, library, set(LIKED[share]))
            rec = UpNext(lib, Path(work) / "index")
            t0 = time.perf_counter()
            for _ in range(picks):
                found = rec.refill(10, now=listener.ts, explain=False)
                listener.hear(int(found.ids[0]))
            seconds = time.perf_counter() - t0
            rec.close()
    return {"finished": listener.finished, "picks": listener.picks, "seconds": seconds}


def windows(finished: list[bool]) -> list[float]:
    return [1.0 - sum(finished[i:i + WINDOW]) / len(finished[i:i + WINDOW])
            for i in range(0, len(finished), WINDOW)]


def min_gap(picks: list[int]) -> int | None:
    last: dict[int, int] = {}
    gap = None
    for i, m in enumerate(picks):
        if m in last:
            gap = i - last[m] if gap is None else min(gap, i - last[m])
        last[m] = i
    return gap


def summary(run: dict) -> dict:
    f = run["finished"]
    w = windows(f)
    return {"windows": w, "after20": 1.0 - sum(f[WINDOW:]) / max(1, len(f) - WINDOW),
            "rise": max((b - a for a, b in zip(w, w[1:])), default=0.0), "gap": min_gap(run["picks"]),
            "ms": 1000 * run["seconds"] / max(1, len(f))}


def meets(r: dict) -> bool:
    top, rise, gap = CRITERION
    return r["after20"] <= top + 1e-9 and r["rise"] <= rise + 1e-9 and (r["gap"] is None or r["gap"] > gap)


def parse_seeds(text: str) -> list[int]:
    """"0,1,2" or "0-9" (inclusive)."""
    if "-" in text:
        first, last = (int(s) for s in text.split("-"))
        return list(range(first, last + 1))
    return [int(s) for s in text.split(",")]


def run_all(shares: list[int], seeds: list[int], picks: int) -> dict:
    return {f"{share}/{seed}": summary(listen(share, seed, picks)) for share in shares for seed in seeds}


def run_before(rev: str, args) -> dict | None:
    """The same runs on the code of `rev`, in a subprocess importing that code (this script is copied in)."""
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], capture_output=True)
        if archive.returncode:
            print(f"--before {rev}: git archive failed: {archive.stderr.decode().strip()}", file=sys.stderr)
            return None
        subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
        (Path(tmp) / "bench").mkdir(exist_ok=True)
        (Path(tmp) / "bench" / "upnext_drift.py").write_text(Path(__file__).read_text())
        out = subprocess.run([sys.executable, str(Path(tmp) / "bench" / "upnext_drift.py"), "--json", "--no-before",
                              "--picks", str(args.picks), "--seeds", args.seeds, "--shares", args.shares],
                             capture_output=True, text=True, cwd=tmp)
        if out.returncode:
            print(f"--before {rev} failed:\n{out.stderr[-2000:]}", file=sys.stderr)
            return None
        return json.loads(out.stdout.strip().splitlines()[-1])


def print_table(title: str, results: dict, shuffle: dict[int, float]) -> None:
    print(f"\n{title}")
    print(f"{'share/seed':>10}  " + " ".join(f"{f'{i + 1}-{i + WINDOW}':>7}" for i in range(0, 100, WINDOW))
          + f"  {'21-end':>7} {'vs shuf':>7} {'rise':>6} {'gap':>4} {'ms/pick':>7} {'meets':>5}")
    for key, r in results.items():
        share = int(key.split("/")[0])
        cells = " ".join(f"{w:7.2f}" for w in r["windows"])
        print(f"{key:>10}  {cells}  {r['after20']:7.2f} {r['after20'] / shuffle[share]:7.2f} {r['rise']:6.2f} "
              f"{r['gap'] if r['gap'] is not None else '-':>4} {r['ms']:7.1f} {'yes' if meets(r) else 'NO':>5}")
    worst = [max(r["windows"][i] for r in results.values() if len(r["windows"]) > i)
             for i in range(max(len(r["windows"]) for r in results.values()))]
    after, rise = max(r["after20"] for r in results.values()), max(r["rise"] for r in results.values())
    print(f"{'worst':>10}  " + " ".join(f"{w:7.2f}" for w in worst) + f"  {after:7.2f} {'':>7} {rise:6.2f}"
          + f"   criterion met in {sum(meets(r) for r in results.values())} of {len(results)} runs")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--picks", type=int, default=100)
    ap.add_argument("--seeds", default="0,1,2", help="library seeds: 0,1,2 (the default) or a range 0-9")
    ap.add_argument("--shares", default="6,3", help="liked share denominators: 6 (a sixth), 3 (a third)")
    ap.add_argument("--before", default=BEFORE, help=f"commit to compare with (default {BEFORE})")
    ap.add_argument("--no-before", action="store_true", help="skip the run on the earlier code")
    ap.add_argument("--json", action="store_true", help="print the results as one JSON line (used by --before)")
    args = ap.parse_args()
    shares = [int(s) for s in args.shares.split(",")]
    seeds = parse_seeds(args.seeds)
    now = run_all(shares, seeds, args.picks)
    if args.json:
        print(json.dumps(now))
        return
    shuffle = {s: 1.0 - len(LIKED[s]) / CLUSTERS for s in shares}
    print(f"up next drift: {CLUSTERS}x{PER_CLUSTER} songs, skip rate per {WINDOW}-pick window; 21-end: picks 21 to "
          f"{args.picks}; vs shuf: that over shuffle's expected rate "
          f"({', '.join(f'1/{s}: {v:.2f}' for s, v in shuffle.items())}); "
          "rise: worst window over the one before; gap: fewest picks between two plays of one item")
    before = None if args.no_before else run_before(args.before, args)
    if before:
        print_table(f"before ({args.before})", before, shuffle)
    print_table("now (working tree)", now, shuffle)
    if before:
        b = sum(r["after20"] for r in before.values()) / len(before)
        a = sum(r["after20"] for r in now.values()) / len(now)
        ratio = a / b if b else float("nan")
        print(f"\nmean skip rate over picks 21-end: before {b:.3f}, now {a:.3f} (ratio {ratio:.2f})")


if __name__ == "__main__":
    main()
