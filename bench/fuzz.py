"""Fuzz campaign, long run: N hostile files (mutants of every container) beside the good ones, scanned and
analysed by a separate process, as tests/fuzz does with 200.

    python bench/fuzz.py [-n 1000] [--seed S ...] [--timeout 20] [--memory-mb 1024] [--workers 2] [--keep]

Prints per seed: mutants tried, main-process crashes, hangs (timeouts), worker crashes, files marked by
kind, worst time per file and worst worker peak memory, against the slowest good file of the same batch
(the baseline, as a ratio), and any problem (a file neither analysed nor marked, a good file missed, a bug)."""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "fuzz")]

import campaign  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=1000, help="mutants per seed")
    ap.add_argument("--seed", type=int, nargs="+", default=[2026])
    ap.add_argument("--timeout", type=float, default=20.0, help="per-file time limit, seconds")
    ap.add_argument("--memory-mb", type=int, default=1024, help="per-worker memory limit")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--keep", action="store_true", help="keep the files (printed) to replay a failure")
    args = ap.parse_args()
    failed = 0
    for seed in args.seed:
        home = Path(tempfile.mkdtemp(prefix=f"mediarec-fuzz-{seed}-"))
        for name in ("DATA", "CONFIG", "CACHE", "MODELS"):
            os.environ[f"MEDIAREC_{name}_DIR"] = str(home / name.lower())
        result = campaign.run(home, args.n, seed=seed, file_timeout=args.timeout, workers=args.workers,
                              memory_mb=args.memory_mb)
        print(f"seed {seed}: {result.report()}")
        for problem in result.problems():
            print(f"  PROBLEM: {problem}")
        failed += bool(result.problems())
        if args.keep:
            print(f"  files kept in {home}")
        else:
            shutil.rmtree(home, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
