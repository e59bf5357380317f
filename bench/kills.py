"""Kill campaign, long run: SIGKILL at seeded random moments during scan, analyze, index rebuild, export and
forget (CLI processes), then the next run; tests/reliability/test_kills.py does 20 seeds on 31 files.

    python bench/kills.py [--seeds 50] [--files 120] [--ops scan analyze index export forget]

Prints per operation: seeds, kills that landed before the run would have ended, kills survived, events
checked, the uninterrupted run's time (the baseline the kill delays are drawn from) and every problem."""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "reliability")]

import kills  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=50)
    ap.add_argument("--files", type=int, default=120, help="generated audio files in the library")
    ap.add_argument("--ops", nargs="+", choices=kills.OPERATIONS, default=list(kills.OPERATIONS))
    args = ap.parse_args()
    home = Path(tempfile.mkdtemp(prefix="mediarec-kills-"))
    started = time.monotonic()
    lab = kills.build_lab(home, files=args.files)
    print(f"library of {args.files + 1} files built in {time.monotonic() - started:.1f} s; "
          f"{len(lab.events)} events in every state")
    failed = 0
    for op in args.ops:
        started = time.monotonic()
        r = kills.campaign(lab, op, range(args.seeds), home / "work")
        print(f"{op:8s} seeds {r['seeds']}, kills landed {r['killed']}, survived {r['survived']}, events checked "
              f"{r['events_checked']}, uninterrupted run {r['full_seconds']:.2f} s, campaign "
              f"{time.monotonic() - started:.0f} s")
        for problem in r["problems"]:
            print(f"  PROBLEM: {problem}")
        failed += bool(r["problems"])
    shutil.rmtree(home, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
