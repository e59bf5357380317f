"""Event to refilled Up Next on screen, in the app (mediarec.ui.upnext.bench.measure_event_to_upnext), on a
generated library (rows through the real storage code, audio and mood spaces built as in bench/recommend.py,
a 30-day history); the core refill alone is the baseline in the same run.

    QT_QPA_PLATFORM=offscreen python bench/upnext_gui.py --sizes 10k 100k"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402

from recommend import SPACE_DIMS, parse_size, synthetic_history  # noqa: E402
from mediarec.index.build import BuildOptions, write_build  # noqa: E402
from mediarec.index.spaces import SPACES  # noqa: E402
from mediarec.library import Library  # noqa: E402
from mediarec.ui.upnext.bench import measure_event_to_upnext  # noqa: E402
from vector_factory import add_media, clustered  # noqa: E402


def build(work: Path, n: int, history: int) -> tuple[Path, Path]:
    db, index_dir = work / f"gui-{n}.db", work / f"gui-index-{n}"
    with Library(db) as lib:
        ids = np.array(add_media(lib, n, kind="audio"))
        labels = None
        for space in ("audio", "mood"):
            vectors, lab = clustered(n, SPACE_DIMS[space], seed=list(SPACES).index(space),
                                     intrinsic=min(48, SPACE_DIMS[space] - 2))
            labels = lab if space == "audio" else labels
            write_build(lib, index_dir, SPACES[space], ids.astype(np.int64), vectors,
                        opts=BuildOptions(n_jobs=-1, fresh_margin=0.0))
        synthetic_history(lib, labels, ids, history, time.time() - 3600.0)
    return db, index_dir


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", nargs="+", type=parse_size, default=[10_000])
    p.add_argument("--history", type=int, default=500)
    p.add_argument("--repeats", type=int, default=20)
    args = p.parse_args()
    print("event -> refilled Up Next painted (ms); core = UpNext refill alone on a Library, same run; ratio = p50 / core")
    print(f"{'items':>8} {'p50':>7} {'p95':>7} {'core p50':>8} {'ratio':>6} {'n':>4}")
    with tempfile.TemporaryDirectory(prefix="mediarec-gui-bench-") as tmp:
        for n in args.sizes:
            db, index_dir = build(Path(tmp), n, args.history)
            r = measure_event_to_upnext(db, index_dir, args.repeats)
            print(r, flush=True)
            print(f"{n:>8} {r['p50_ms']:>7.1f} {r['p95_ms']:>7.1f} {r['core_p50_ms']:>8.1f} {r['ratio']:>5.2f}x {r['n']:>4}",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
