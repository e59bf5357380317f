"""Benchmark: the full audio pipeline vs. decode-only vs. bliss-rs, on the same files, in the same run.

    python bench/analyze_audio.py [DIR] [--workers N]

DIR defaults to the dev corpus's music (tools/fetch-dev-corpus.sh). Three passes over the same files,
each using the same number of processes:
  1. decode-only: mediarec's decode stage alone (the same excerpt policy the pipeline uses), and a
     whole-file decode for reference;
  2. mediarec: scan into a fresh library, then `analyze` with the audio extractors (audio.dsp,
     audio.musicnn, emotion.music) through the real runner and its process pool;
  3. bliss-rs (PyPI bliss-audio, the fastest open analyser): bliss_audio.Song(path) per file.
Prints tracks/s and audio-seconds per wall-second for each, the ratios, and each extractor's share of
mediarec's worker time. Targets on 2 cores: pipeline <= 3x decode-only time; tracks/s >= bliss-rs."""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mediarec.extract.runner import analyze, excerpt_policy  # noqa: E402
from mediarec.jobs import run_job  # noqa: E402
from mediarec.library import Library  # noqa: E402
from mediarec.media.audio import ExcerptPolicy, decode_audio  # noqa: E402
from mediarec.paths import AppPaths  # noqa: E402
from mediarec.scan.formats import AUDIO_EXTENSIONS  # noqa: E402
from mediarec.scan.scanner import scan  # noqa: E402
from mediarec.settings import Settings  # noqa: E402

AUDIO_EXTRACTORS = ["audio.dsp", "audio.musicnn", "emotion.music"]


def _decode(args: tuple[str, ExcerptPolicy]) -> tuple[float, float]:
    path, policy = args
    d = decode_audio(path, policy=policy)
    return d.duration, d.seconds


def _bliss(path: str) -> float:
    from bliss_audio import Song

    return float(Song(path).duration)


def timed_pool(fn, items, workers: int):
    t = time.perf_counter()
    with ProcessPoolExecutor(workers) as ex:
        out = list(ex.map(fn, items))
    return out, time.perf_counter() - t


def default_dir() -> Path:
    env = os.environ.get("MEDIAREC_CORPUS")
    base = Path(env) if env else Path.home() / ".cache" / "mediarec-corpus"
    return base / "music"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", nargs="?", type=Path, default=default_dir())
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--no-bliss", action="store_true")
    args = ap.parse_args()
    files = sorted(str(p) for p in args.dir.rglob("*") if p.suffix[1:].lower() in AUDIO_EXTENSIONS)
    if not files:
        print(f"no audio files under {args.dir}", file=sys.stderr)
        return 1
    settings = Settings()
    settings.analyze.workers = args.workers
    policy = excerpt_policy(settings)
    w = args.workers
    print(f"{len(files)} files under {args.dir}, {w} processes each pass")

    # Warm the page cache so no pass pays for the first read.
    for f in files:
        Path(f).read_bytes()
    decoded, t_decode = timed_pool(_decode, [(f, policy) for f in files], w)
    _, t_decode_full = timed_pool(_decode, [(f, ExcerptPolicy(full_up_to=1e9)) for f in files], w)
    total_audio = sum(d for d, _ in decoded)
    excerpt_audio = sum(s for _, s in decoded)

    with tempfile.TemporaryDirectory(prefix="mediarec-bench-") as tmp:
        for name in ("DATA", "CACHE", "CONFIG"):
            os.environ[f"MEDIAREC_{name}_DIR"] = os.path.join(tmp, name.lower())
        paths = AppPaths.resolve().ensure()  # models dir stays the user's: ONNX exports are cached there
        with Library(paths.db) as lib:
            lib.roots.add(args.dir)
            run_job(scan(lib))
            # Warm-up: export/load the models once (cached by weights hash), outside the timing.
            run_job(analyze(lib, paths, settings, only=AUDIO_EXTRACTORS, limit=1, workers=1))
            lib.conn.execute("DELETE FROM features")
            lib.conn.execute("DELETE FROM file_status")
            t = time.perf_counter()
            report = run_job(analyze(lib, paths, settings, only=AUDIO_EXTRACTORS, workers=w))
            t_ours = time.perf_counter() - t
    if report.unavailable:
        print(f"unavailable extractors: {report.unavailable}")
    if report.failed:
        print(f"failures: {report.failed}")

    t_bliss = None
    if not args.no_bliss:
        try:
            _, t_bliss = timed_pool(_bliss, files, w)
        except ImportError:
            print("bliss-audio not installed: pip install bliss-audio")

    n = len(files)
    row = lambda label, t: print(f"{label:34s} {t:7.2f} s  {n / t:6.2f} tracks/s  "  # noqa: E731
                                 f"{total_audio / t:7.1f} audio-s/s")
    print(f"library audio {total_audio / 60:.1f} min; decoded by the excerpt policy {excerpt_audio / 60:.1f} min")
    row("decode-only (excerpt policy)", t_decode)
    row("decode-only (whole files)", t_decode_full)
    row("mediarec full audio pipeline", t_ours)
    if t_bliss:
        row("bliss-rs (bliss-audio)", t_bliss)
    print(f"pipeline / decode-only time       {t_ours / t_decode:.2f}  (target <= 3)   "
          f"{'OK' if t_ours / t_decode <= 3 else 'MISSED'}")
    print(f"pipeline / whole-file decode time {t_ours / t_decode_full:.2f}")
    if t_bliss:
        ratio = t_bliss / t_ours
        print(f"tracks/s mediarec / bliss-rs      {ratio:.2f}  (target >= 1)   {'OK' if ratio >= 1 else 'MISSED'}")
    busy = sum(report.cpu_seconds.values()) or 1.0
    print("share of mediarec worker time:")
    for name, secs in sorted(report.cpu_seconds.items(), key=lambda kv: -kv[1]):
        print(f"  {name:18s} {secs:7.2f} s  {100 * secs / busy:5.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
