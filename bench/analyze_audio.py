"""Benchmark: mediarec's `analyze` (default, and the music extractors alone) against bliss-rs, same files, same run.

    python bench/analyze_audio.py [--library dev|cues|both] [--workers N] [--baseline TREE]

Two libraries (both by default):
  dev   the dev corpus's music (~/.cache/mediarec-corpus/music, 19 tracks of 4-7 minutes);
  cues  a generated soundtrack-like library: full-length real tracks (the album corpus,
        ~/.cache/mediarec-albums, else the dev corpus) and, for about a third of the files, short
        cues of 5-60 s cut from them at other places and re-encoded as Ogg Opus, as games ship them.
On each, with the same number of processes:
  1. decode-only: mediarec's decode stage with the pipeline's excerpt policy (the floor);
  2. bliss-rs (PyPI bliss-audio): bliss_audio.Song(path) per file;
  3. mediarec `analyze --only audio.dsp audio.musicnn emotion.music` ("music");
  4. mediarec `analyze` with its default extractors ("default": with transcript, speech emotion and
     text embedding), into a fresh library each time, worker start and model loading included.
With `--baseline TREE` (a checkout of older code, e.g. `git archive <commit> | tar -x -C TREE`),
passes 3 and 4 also run that tree's mediarec, so before and after are timed in the same run. Each
analyze pass runs in its own process with the tree's package first on sys.path. Prints tracks/s,
the ratio to bliss-rs (target: default >= 1.3x, music >= 1.6x), the CPU-s each pass cost (all its
processes; the steadier figure on a shared machine), each extractor's worker CPU-s and the rest of the
pass's CPU-s (fixed costs: worker start, model loading, scan, database writes). bench/analyze_stages.py
splits the workers' share further, stage by stage.

Each tree's mediarec is byte-compiled first, as an installed package is (pip writes the .pyc files at
install): without it, under PYTHONDONTWRITEBYTECODE or in a fresh checkout, every process of every
pass compiles mediarec's modules from source, ~0.2 CPU-s a pass that no user pays."""
from __future__ import annotations

import argparse
import compileall
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUSIC = ["audio.dsp", "audio.musicnn", "emotion.music"]
AUDIO_SUFFIXES = {".mp3", ".ogg", ".opus", ".flac", ".wav", ".m4a"}
CUE_SECONDS = (5, 8, 12, 18, 25, 35, 45, 60)
TARGETS = {"default": 1.3, "music": 1.6}


def _decode(path: str) -> float:
    sys.path.insert(0, str(ROOT))
    from mediarec.media.audio import decode_audio

    return decode_audio(path).duration


def _bliss(path: str) -> float:
    from bliss_audio import Song

    return float(Song(path).duration)


def cpu_seconds() -> float:
    """CPU time of this process and its finished children: what a pass cost, however busy the machine."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def timed_pool(fn, items, workers: int):
    """(results, wall seconds, CPU seconds of the pool's workers)."""
    t, c = time.perf_counter(), cpu_seconds()
    with ProcessPoolExecutor(workers) as ex:
        out = list(ex.map(fn, items))
    return out, time.perf_counter() - t, cpu_seconds() - c


def _audio_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in AUDIO_SUFFIXES)


def dev_library() -> Path:
    env = os.environ.get("MEDIAREC_CORPUS")
    return (Path(env) if env else Path.home() / ".cache" / "mediarec-corpus") / "music"


def cue_library(out: Path, full: int = 24) -> Path:
    """`full` real full-length tracks (symlinked) and half as many cues (5-60 s) cut from other tracks."""
    albums = Path.home() / ".cache" / "mediarec-albums"
    sources = _audio_files(albums) if albums.exists() else []
    sources = sources or _audio_files(dev_library())
    out.mkdir(parents=True, exist_ok=True)
    step = max(1, len(sources) // full)
    kept = sources[::step][:full]
    for i, src in enumerate(kept):
        (out / f"full{i:02d}{src.suffix}").symlink_to(src)
    others = [s for s in sources if s not in kept] or sources
    for i in range(full // 2):
        src = others[(i * 7) % len(others)]
        seconds = CUE_SECONDS[i % len(CUE_SECONDS)]
        _cut(src, out / f"cue{i:02d}.opus", start=10.0 + 13.0 * i, seconds=seconds)
    return out


def _cut(src: Path, dst: Path, start: float, seconds: float) -> None:
    """Re-encode [start, start + seconds) of `src` (wrapping inside its length) as Ogg Opus, stereo 48 kHz."""
    sys.path.insert(0, str(ROOT))
    import av
    import numpy as np

    from mediarec.media.audio import ExcerptPolicy, decode_audio

    rate = 48000
    whole = decode_audio(str(src), rate=rate, policy=ExcerptPolicy(full_up_to=1e9)).samples
    begin = int(start * rate) % max(1, len(whole) - int(seconds * rate))
    clip = whole[begin:begin + int(seconds * rate)]
    fade = np.minimum(1.0, np.minimum(np.arange(clip.size), np.arange(clip.size)[::-1]) / (0.05 * rate))
    clip = (clip * fade).astype(np.float32)
    with av.open(str(dst), "w") as container:
        stream = container.add_stream("libopus", rate=rate, layout="stereo")
        frame = av.AudioFrame.from_ndarray(np.stack([clip, clip]).T.reshape(1, -1).copy(), format="flt",
                                           layout="stereo")
        frame.sample_rate = rate
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


def one_pass(tree: str, folder: str, only: list[str] | None, workers: int) -> dict:
    """Scan `folder` into a fresh library and time `analyze` with the mediarec under `tree` (run in a
    subprocess: see --pass)."""
    cmd = [sys.executable, __file__, "--pass", folder, "--tree", tree, "--workers", str(workers)]
    if only:
        cmd += ["--only", *only]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _run_pass(tree: str, folder: str, only: list[str] | None, workers: int) -> dict:
    sys.path.insert(0, tree)
    from mediarec.extract.runner import analyze
    from mediarec.jobs import run_job
    from mediarec.library import Library
    from mediarec.paths import AppPaths
    from mediarec.scan.scanner import scan
    from mediarec.settings import Settings

    settings = Settings()
    settings.analyze.workers = workers
    with tempfile.TemporaryDirectory(prefix="mediarec-bench-") as tmp:
        for name in ("DATA", "CACHE", "CONFIG"):
            os.environ[f"MEDIAREC_{name}_DIR"] = os.path.join(tmp, name.lower())
        paths = AppPaths.resolve().ensure()  # the models dir stays the user's: ONNX exports are cached there
        with Library(paths.db) as lib:
            lib.roots.add(Path(folder))
            run_job(scan(lib))
            t, c = time.perf_counter(), cpu_seconds()
            report = run_job(analyze(lib, paths, settings, only=only, workers=workers))
            seconds, cpu = time.perf_counter() - t, cpu_seconds() - c
            no_speech = lib.conn.execute(
                "SELECT count(*) FROM features WHERE extractor = 'speech.transcript' "
                "AND json_extract(attrs, '$.speech') = 0").fetchone()[0]
    return {"seconds": seconds, "cpu_total": cpu, "files": report.files, "failed": report.failed,
            "unavailable": report.unavailable, "cpu": report.cpu_seconds, "no_speech": no_speech}


def bench_library(label: str, folder: Path, workers: int, trees: dict[str, str]) -> list[tuple[str, float]]:
    files = [str(p) for p in _audio_files(folder)]
    n = len(files)
    for f in files:  # warm the page cache so no pass pays for the first read
        Path(f).read_bytes()
    durations, t_decode, c_decode = timed_pool(_decode, files, workers)
    audio_min = sum(durations) / 60
    short = sum(d <= 60 for d in durations)
    print(f"\n== {label}: {n} files under {folder} ({short} of them <= 60 s), {audio_min:.1f} min of audio, "
          f"{workers} processes each pass")
    _, t_bliss, c_bliss = timed_pool(_bliss, files, workers)
    rows = [("decode-only (excerpt policy)", t_decode, c_decode), ("bliss-rs (bliss-audio)", t_bliss, c_bliss)]
    details = {}
    for tree_label, tree in trees.items():
        for what, only in (("music", MUSIC), ("default", None)):
            result = one_pass(tree, str(folder), only, workers)
            if result["failed"] or result["unavailable"]:
                print(f"  {tree_label} {what}: failed {result['failed']} unavailable {result['unavailable']}")
            rows.append((f"mediarec {what} ({tree_label})", result["seconds"], result["cpu_total"]))
            details[(tree_label, what)] = result
    # CPU-s (all processes of the pass, main one included) is the steadier figure on a shared machine.
    print(f"{'pass':36s} {'seconds':>8s} {'tracks/s':>9s} {'x bliss':>8s} {'CPU-s':>8s} {'x bliss':>8s}")
    for name, secs, cpu in rows:
        print(f"{name:36s} {secs:8.2f} {n / secs:9.2f} {t_bliss / secs:8.2f} {cpu:8.1f} {c_bliss / cpu:8.2f}")
    for (tree_label, what), result in details.items():
        target = TARGETS[what]
        ratio = t_bliss / result["seconds"]
        cpu_ratio = c_bliss / result["cpu_total"]
        cpu = ", ".join(f"{k} {v:.1f}" for k, v in sorted(result["cpu"].items(), key=lambda kv: -kv[1]))
        fixed = result["cpu_total"] - sum(result["cpu"].values())  # worker start, model loading, scan, writes
        print(f"  {tree_label} {what}: {ratio:.2f}x bliss (target {target}x: {'OK' if ratio >= target else 'MISSED'}), "
              f"by CPU {cpu_ratio:.2f}x;"
              f" no-speech rows {result['no_speech']}; worker CPU-s: {cpu}; fixed (the rest) {fixed:.1f}")
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--library", choices=("dev", "cues", "both"), default="both")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--baseline", help="a checkout of older mediarec code to time in the same run")
    ap.add_argument("--pass", dest="one", help=argparse.SUPPRESS)
    ap.add_argument("--tree", default=str(ROOT), help=argparse.SUPPRESS)
    ap.add_argument("--only", nargs="*", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(_run_pass(args.tree, args.one, args.only, args.workers)))
        return 0
    trees = {"this": str(ROOT)}
    if args.baseline:
        trees = {"baseline": str(Path(args.baseline).resolve()), **trees}
    for tree in trees.values():  # py_compile writes the .pyc files even under PYTHONDONTWRITEBYTECODE
        compileall.compile_dir(str(Path(tree) / "mediarec"), quiet=1)
    # Export/load the models once (cached by weights hash) so no timed pass pays for it.
    one_pass(str(ROOT), str(dev_library() / "asc"), None, 1)
    with tempfile.TemporaryDirectory(prefix="mediarec-cues-") as tmp:
        libraries = []
        if args.library in ("dev", "both"):
            libraries.append(("dev corpus", dev_library()))
        if args.library in ("cues", "both"):
            libraries.append(("short cues + full tracks", cue_library(Path(tmp) / "cues")))
        for label, folder in libraries:
            bench_library(label, folder, args.workers, trees)
    return 0


if __name__ == "__main__":
    sys.exit(main())
