"""How long the damage checks take on a big library: Library() open (header + schema read, what runs at every
open) against PRAGMA quick_check and integrity_check, on a library of N items with 3 feature rows each.

    PYTHONPATH=. python bench/damaged_db.py [--items 100000]

Prints seconds per check and the ratio to the plain open measured in the same run."""
from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from pathlib import Path

import numpy as np

from mediarec.library import Library


def make(db: Path, items: int) -> None:
    Library(db).close()  # the real schema
    conn = sqlite3.connect(db)
    rng = np.random.default_rng(1)
    now = time.time()
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO media (id, path, kind, size, mtime, fingerprint, duration, title, artist, album, status, added_at, updated_at)"
        " VALUES (?, ?, 'audio', 1000, ?, ?, 200.0, ?, ?, ?, 'ok', ?, ?)",
        ((i, f"/music/artist {i % 997}/album {i % 5003}/track {i}.flac", now, f"fp{i}", f"Title {i}",
          f"Artist {i % 997}", f"Album {i % 5003}", now, now) for i in range(1, items + 1)))
    for name, dim in (("audio.musicnn", 200), ("audio.dsp", 64), ("text.embedding", 384)):
        conn.executemany(
            "INSERT INTO features (media_id, extractor, version, fingerprint, dim, vector, created_at)"
            " VALUES (?, ?, 1, ?, ?, ?, ?)",
            ((i, name, f"fp{i}", dim, rng.standard_normal(dim, dtype=np.float32).tobytes(), now)
             for i in range(1, items + 1)))
    conn.execute("COMMIT")
    conn.close()


def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def pragma(db: Path, name: str) -> None:
    conn = sqlite3.connect(db)
    assert conn.execute(f"PRAGMA {name}").fetchone()[0] == "ok"
    conn.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=100_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        db = Path(d) / "library.db"
        make(db, args.items)
        size = db.stat().st_size / 2**20
        open_s = min(timed(lambda: Library(db).close()) for _ in range(3))
        quick = min(timed(lambda: pragma(db, "quick_check")) for _ in range(2))
        full = timed(lambda: pragma(db, "integrity_check"))
        with Library(db) as lib:
            daily = timed(lib.periodic_backup)  # the once-a-day online backup after a scan or analysis
            skip = timed(lib.periodic_backup)  # the same day: only a glob and a stat
    print(f"{args.items} items, {size:.0f} MiB: open {open_s * 1000:.1f} ms; quick_check {quick:.2f} s "
          f"({quick / open_s:.0f}x open); integrity_check {full:.2f} s ({full / open_s:.0f}x open); "
          f"daily backup {daily:.2f} s, later the same day {skip * 1000:.2f} ms")


if __name__ == "__main__":
    main()
