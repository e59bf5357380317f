"""Benchmark: the analysis pipeline file by file vs batched across files, on the CPU and (where there is one) CUDA.

    python bench/gpu.py [--songs 16] [--videos 8] [--threads 1] [--rounds 2]

On a CUDA machine (onnxruntime-gpu or torch with CUDA installed in the venv), the exact command:

    python bench/gpu.py --songs 32 --videos 16 --threads 8 --rounds 2

A generated library (songs of 40 s: two vibenet windows each, 8 musicnn patches; videos of 4 s: 16 frames;
a two-line transcript per file for MiniLM) runs through the real worker (`worker.run_tasks`) with the
batched extractors (video.frames, audio.musicnn, emotion.music, text.embedding), once with batching off
(one file per model call, what a CPU worker does) and once on (BATCH_FILES files per call, vibenet through
its batchable graph), alternated `--rounds` times, best of each. Per device and extractor it prints files/s
of each stage, prepare (decoding, frames, log-mels, tokens), infer (the model) and finish (pooling,
attributes), and the ratio batched / file by file, then the largest difference between the two modes'
vectors. On the CPU the rates are per CPU-second of this process (a shared machine's wall time is noise;
models use `--threads`), on CUDA per wall-second (the GPU's time is not the process's CPU time)."""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import numpy as np  # noqa: E402

from mediarec.extract import device as dev  # noqa: E402
from mediarec.extract import worker  # noqa: E402
from mediarec.extract.base import FeatureResult, Runtime, Transcript  # noqa: E402
from mediarec.extract.batching import BatchedExtractor  # noqa: E402
from mediarec.extract.plan import Task  # noqa: E402
from mediarec.media.audio import ExcerptPolicy  # noqa: E402
from mediarec.settings import Settings  # noqa: E402

NAMES = ["video.frames", "audio.musicnn", "emotion.music", "text.embedding"]
STAGES = ("prepare", "infer", "finish")
LYRICS = ["we walk along the river in the evening light", "and the city hums a song we used to know"]


def library(folder: Path, songs: int, videos: int) -> list[Task]:
    """Generated files on disk and their tasks (each with a stored transcript for text.embedding)."""
    from media_factory import write_audio, write_video

    rate = 22050
    t = np.arange(40 * rate, dtype=np.float32) / rate
    rng = np.random.default_rng(0)
    tasks = []
    for n in range(songs + videos):
        if n < songs:
            base = 110.0 * (1 + n % 7)
            mix = sum(np.sin(2 * np.pi * base * k * t * (1 + 0.01 * np.sin(t * (n + 1)))) / k for k in (1, 2, 3))
            beat = (np.sin(2 * np.pi * t * (1 + n % 3)) > 0.95).astype(np.float32) * rng.normal(0, 0.3, t.size)
            sig = (0.15 * mix + beat).astype(np.float32)
            path = write_audio(folder / f"song{n:03d}.flac", signal=np.stack([sig, sig]), rate=rate)
            item = {"kind": "audio", "duration": 40.0, "title": f"Song {n}", "artist": f"Band {n % 5}"}
            extractors = ["audio.musicnn", "emotion.music", "text.embedding"]
        else:
            path = write_video(folder / f"clip{n:03d}.mp4", seconds=4.0, size=(160, 120), motion=2.0 + n % 5,
                               color=(37 * n % 256, 120, 200 - 9 * (n % 20)))
            item = {"kind": "video", "duration": 4.0, "title": f"Clip {n}", "artist": "Film club"}
            extractors = ["video.frames", "audio.musicnn", "emotion.music", "text.embedding"]
        item.update(id=n + 1, path=str(path), fingerprint=str(n), size=path.stat().st_size, mtime=0.0)
        said = FeatureResult(None, {"speech": True}, Transcript("en", [(0.0, 4.0, LYRICS[0]), (4.0, 8.0, LYRICS[n % 2])]))
        tasks.append(Task(item, extractors, {"speech.transcript": said}))
    return tasks


def timed(ext: BatchedExtractor, clock, spent: dict[str, float]) -> None:
    """Wrap the extractor's three stages so each call adds its time to `spent`."""
    for stage in STAGES:
        method = getattr(type(ext), stage)

        def wrapper(*args, _method=method, _stage=stage):
            started = clock()
            try:
                return _method(ext, *args)
            finally:
                spent[_stage] += clock() - started
        setattr(ext, stage, wrapper)


def load(device: str, batch: str, threads: int, models_dir: str, cache_dir: str) -> dict[str, dict[str, float]]:
    """Fresh extractors for this device and batching mode, their stages timed; returns the timing table."""
    os.environ[dev.BATCH_ENV] = batch
    worker._EXTRACTORS.clear()
    runtime = Runtime(models_dir=models_dir, cache_dir=cache_dir, device=device, threads=threads, settings=Settings())
    worker.init_worker(NAMES, runtime, ExcerptPolicy())
    if worker._LOAD_ERRORS:
        raise SystemExit(f"extractors failed to load: {worker._LOAD_ERRORS}")
    clock = time.process_time if device == "cpu" else time.perf_counter
    spent: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for name in NAMES:
        timed(worker._EXTRACTORS[name], clock, spent[name])
    return spent


def run(tasks: list[Task], group: int) -> dict[tuple[int, str], np.ndarray]:
    vectors = {}
    for lo in range(0, len(tasks), group):
        part = tasks[lo:lo + group]
        for task, outcomes in zip(part, worker.run_tasks(part)):
            for name in NAMES:
                o = outcomes.get(name)
                if o is None:
                    continue
                if o.result is None:
                    raise SystemExit(f"{task.item['path']}: {name} failed: {o.message}")
                vectors[(task.media_id, name)] = o.result.vector
    return vectors


def measure(device: str, tasks: list[Task], args, models_dir: str, cache_dir: str) -> None:
    best: dict[str, dict[str, dict[str, float]]] = {}
    totals: dict[str, float] = {}
    results = {}
    for _ in range(args.rounds):  # alternated, best of each: a shared machine's noise hits both alike
        for batch, group in (("off", 1), ("on", dev.BATCH_FILES)):
            spent = load(device, batch, args.threads, models_dir, cache_dir)
            run(tasks[:2], group)  # warm-up: first-run allocations, the batched graph's first shapes
            for table in spent.values():
                table.clear()
            started = time.perf_counter()
            results[batch] = run(tasks, group)
            wall = time.perf_counter() - started
            totals[batch] = min(totals.get(batch, float("inf")), wall)
            mine = best.setdefault(batch, {})
            for name, table in spent.items():
                for stage in STAGES:
                    mine.setdefault(name, {}).setdefault(stage, float("inf"))
                    mine[name][stage] = min(mine[name][stage], table[stage])
    unit = "CPU-s" if device == "cpu" else "wall-s"
    print(f"\n{device}: files per {unit} (file by file -> batched {dev.BATCH_FILES} files per call)")
    print(f"{'extractor':<16} {'files':>5} " + " ".join(f"{s + ' off':>12} {s + ' on':>11} {'ratio':>6}" for s in STAGES)
          + f" {'max diff':>9}")
    for name in NAMES:
        files = sum(1 for t in tasks if name in t.extractors)
        cells = []
        for stage in STAGES:
            off, on = best["off"][name][stage], best["on"][name][stage]
            cells.append(f"{files / off:>12.1f} {files / on:>11.1f} {off / on:>5.2f}x")
        diff = max(float(np.max(np.abs(results["on"][k] - v))) for k, v in results["off"].items() if k[1] == name)
        print(f"{name:<16} {files:>5} " + " ".join(cells) + f" {diff:>9.1e}", flush=True)
    print(f"whole pipeline, wall: {len(tasks) / totals['off']:.2f} -> {len(tasks) / totals['on']:.2f} files/s "
          f"({totals['off'] / totals['on']:.2f}x)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--songs", type=int, default=16)
    ap.add_argument("--videos", type=int, default=8)
    ap.add_argument("--threads", type=int, default=1, help="model threads (one worker's share of the cores)")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--devices", default="", help="cpu,cuda (default: cpu, and cuda where there is one)")
    args = ap.parse_args()
    inv = dev.inventory()
    devices = args.devices.split(",") if args.devices else ["cpu"] + (["cuda"] if dev.cuda_available(inv) else [])
    print(f"inventory: {inv}")
    if "cuda" not in devices:
        print("no CUDA device: CPU figures only")
    for model, where in dev.plan("auto", inv).items():
        print(f"  {model}: {where}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "library"
        folder.mkdir()
        tasks = library(folder, args.songs, args.videos)
        print(f"{args.songs} songs of 40 s, {args.videos} videos of 4 s")
        for device in devices:
            measure(device, tasks, args, str(Path(tmp) / "models"), str(Path(tmp) / "cache"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
