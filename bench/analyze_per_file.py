"""Benchmark: what one file costs a worker, short cues (<= 60 s) against full-length tracks.

    python bench/analyze_per_file.py [--baseline TREE] [--only NAME ...]

On bench/analyze_audio.py's generated library of cues and full tracks, in one process per tree (no
pool: worker start and model loading are left out, they are paid once per worker): each file's task
(`run_task`, decode and extractors) is run twice and the second is timed. Prints, per group, CPU ms
per file, CPU ms per second of audio analysed (the excerpt for long files, everything for a cue) and
per second of the file, each extractor's share, and with --baseline the same for older code (a
checkout, e.g. `git archive <commit> | tar -x -C TREE`) in the same run, with the ratio."""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUSIC = ["audio.dsp", "audio.musicnn", "emotion.music"]


def measure(tree: str, folder: str, only: list[str] | None) -> dict:
    """{group: {files, cpu, analysed, length, parts}} for the mediarec under `tree` (run in this process)."""
    sys.path.insert(0, tree)
    from mediarec.extract.plan import Task
    from mediarec.extract.registry import resolve
    from mediarec.extract.runner import excerpt_policy, make_runtime
    from mediarec.extract.worker import init_worker, run_task
    from mediarec.media.audio import decode_audio
    from mediarec.paths import AppPaths
    from mediarec.settings import Settings

    settings = Settings()
    names = only or [n for n in resolve(None) if n != "video.frames"]
    policy = excerpt_policy(settings)
    init_worker(names, make_runtime(AppPaths.resolve(), settings, 2), policy)
    groups: dict[str, dict] = {}
    for i, path in enumerate(sorted(Path(folder).iterdir())):
        item = {"id": i, "path": str(path), "kind": "audio", "duration": None, "tags": {}, "title": path.stem,
                "artist": None, "album": None, "album_artist": None, "genre": None, "date": None}
        run_task(Task(item, list(names)))  # warm: first-use costs (lazy model parts) are not per file
        started = time.process_time()
        outcomes = run_task(Task(item, list(names)))
        cpu = time.process_time() - started
        decoded = decode_audio(str(path), policy=policy)
        g = groups.setdefault("cue (<= 60 s)" if decoded.duration <= 60 else "full track",
                              {"files": 0, "cpu": 0.0, "analysed": 0.0, "length": 0.0, "parts": {}})
        g["files"] += 1
        g["cpu"] += cpu
        g["analysed"] += decoded.seconds
        g["length"] += decoded.duration
        for name, o in outcomes.items():
            g["parts"][name] = g["parts"].get(name, 0.0) + o.seconds
    return groups


def run_tree(tree: str, folder: str, only: list[str] | None) -> dict:
    cmd = [sys.executable, __file__, "--measure", folder, "--tree", tree] + (["--only", *only] if only else [])
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", help="a checkout of older mediarec code to time in the same run")
    ap.add_argument("--only", nargs="*", help=f"extractors (default: the default analyze; music: {' '.join(MUSIC)})")
    ap.add_argument("--measure", help=argparse.SUPPRESS)
    ap.add_argument("--tree", default=str(ROOT), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:
        print(json.dumps(measure(args.tree, args.measure, args.only)))
        return 0
    sys.path.insert(0, str(ROOT / "bench"))
    from analyze_audio import cue_library

    trees = {"this": str(ROOT)}
    if args.baseline:
        trees = {"baseline": str(Path(args.baseline).resolve()), **trees}
    with tempfile.TemporaryDirectory(prefix="mediarec-perfile-") as tmp:
        folder = str(cue_library(Path(tmp) / "cues"))
        results = {label: run_tree(tree, folder, args.only) for label, tree in trees.items()}
    print(f"{'tree':9s} {'group':14s} {'files':>5s} {'ms/file':>8s} {'ms/s analysed':>14s} {'ms/s of file':>13s}  per file")
    for label, groups in results.items():
        for group, g in sorted(groups.items()):
            n = g["files"]
            parts = ", ".join(f"{k} {1000 * v / n:.0f}" for k, v in sorted(g["parts"].items(), key=lambda kv: -kv[1]))
            print(f"{label:9s} {group:14s} {n:5d} {1000 * g['cpu'] / n:8.0f} {1000 * g['cpu'] / g['analysed']:14.1f} "
                  f"{1000 * g['cpu'] / g['length']:13.1f}  {parts}")
    if args.baseline:
        for group in results["this"]:
            before, after = results["baseline"][group], results["this"][group]
            print(f"{group}: {before['cpu'] / after['cpu']:.2f}x less CPU per file than the baseline")
    return 0


if __name__ == "__main__":
    sys.exit(main())
