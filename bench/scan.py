"""Benchmark: library scan vs. a bare os.walk + mutagen loop over the same files, in the same run.

    python bench/scan.py [-n 10000] [--dir DIR] [--keep]

Makes N small tagged audio files (mp3, ogg, flac, m4a), then times
  1. baseline: os.walk + mutagen.File on every file (what any tagger must at least do),
  2. mediarec's first scan into a fresh database,
  3. a no-change rescan,
and prints files/s for each and the ratios. Targets: first scan >= 0.7 x baseline rate; rescan >= 10 x
faster than the first scan. The baseline runs first and again last, and the better of the two counts,
so the page cache favours the baseline, not us."""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import mutagen  # noqa: E402

from mediarec.jobs import run_job  # noqa: E402
from mediarec.library import Library  # noqa: E402
from mediarec.scan.scanner import scan  # noqa: E402
from mediarec.scan.parallel import default_workers  # noqa: E402
from mediarec.settings import ScanSettings  # noqa: E402
from media_factory import write_audio, write_tags  # noqa: E402

EXTS = ("mp3", "ogg", "flac", "m4a")


def make_files(dest: Path, n: int) -> None:
    templates = {}
    tmp = dest / ".templates"
    tmp.mkdir(parents=True, exist_ok=True)
    for i, ext in enumerate(EXTS):
        templates[ext] = write_audio(tmp / f"t.{ext}", seconds=0.5, freq=200 + 100 * i)
    for i in range(n):
        ext = EXTS[i % len(EXTS)]
        folder = dest / f"artist{i % 97:02d}" / f"album{i % 13:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        f = folder / f"{i:05d} track.{ext}"
        shutil.copyfile(templates[ext], f)
        write_tags(f, {"title": f"Track {i}", "artist": f"Artist {i % 97}", "album": f"Album {i % 13}",
                       "genre": "Test", "date": "2024", "tracknumber": str(i % 20 + 1)})
    shutil.rmtree(tmp)


def baseline(root: Path) -> tuple[int, float]:
    exts = {"." + e for e in EXTS}
    n = 0
    t = time.perf_counter()
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if os.path.splitext(name)[1] in exts:
                mf = mutagen.File(os.path.join(folder, name))
                assert mf is not None and mf.info.length > 0
                n += 1
    return n, time.perf_counter() - t


def timed_scan(lib: Library, workers: int = 0) -> tuple[object, float]:
    t = time.perf_counter()
    report = run_job(scan(lib, ScanSettings(workers=workers)))
    return report, time.perf_counter() - t


def fresh_library(work: Path, name: str, media: Path) -> Library:
    for f in work.glob(f"{name}*"):
        f.unlink()
    lib = Library(work / name)
    lib.roots.add(media)
    return lib


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=10_000, help="number of files (default 10000)")
    ap.add_argument("--dir", type=Path, help="where to make the files (default: a temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the files afterwards")
    args = ap.parse_args()
    work = args.dir or Path(tempfile.mkdtemp(prefix="mediarec-bench-"))
    media = work / "media"
    if not media.exists() or sum(1 for _ in media.rglob("*.*")) < args.n:
        shutil.rmtree(media, ignore_errors=True)
        t = time.perf_counter()
        make_files(media, args.n)
        print(f"made {args.n} files in {time.perf_counter() - t:.1f} s")
    try:
        n_base, t_base1 = baseline(media)
        with fresh_library(work, "serial.db", media) as lib:
            serial, t_serial = timed_scan(lib, workers=1)
        with fresh_library(work, "bench.db", media) as lib:
            first, t_first = timed_scan(lib)
            again, t_again = timed_scan(lib)
        _, t_base2 = baseline(media)
        assert serial.added == first.added
        t_base = min(t_base1, t_base2)
        assert first.added == n_base == args.n, (first.added, n_base)
        assert again.unchanged == n_base and again.added == again.updated == 0
        rate = lambda t: n_base / t  # noqa: E731
        print(f"files                  {n_base}")
        print(f"baseline walk+mutagen  {rate(t_base):9.0f} files/s  ({t_base:.2f} s; runs {t_base1:.2f} / {t_base2:.2f} s)")
        print(f"first scan, 1 process  {rate(t_serial):9.0f} files/s  ({t_serial:.2f} s; ratio {t_base / t_serial:.2f})")
        print(f"first scan (default, {default_workers()} processes)"
              f" {rate(t_first):.0f} files/s  ({t_first:.2f} s)")
        print(f"no-change rescan       {rate(t_again):9.0f} files/s  ({t_again:.2f} s)")
        r1 = rate(t_first) / rate(t_base)
        r2 = t_first / t_again
        print(f"first scan / baseline  {r1:.2f}  (target >= 0.70) {'OK' if r1 >= 0.7 else 'MISSED'}")
        print(f"rescan speed-up        {r2:.1f}x (target >= 10)   {'OK' if r2 >= 10 else 'MISSED'}")
    finally:
        if not args.keep and args.dir is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
