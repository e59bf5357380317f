"""Benchmark: the model stages on the CPU and (where there is one) the CUDA GPU, per file vs batched across files.

    python bench/gpu.py [--files 24] [--frames 16] [--batch-frames 64] [--batch-patches 32]

A generated library: `--files` clips, each with `--frames` 224x224 frames (moving gradients, the input
video.frames gives EfficientNet-Lite0), 8 musicnn patches computed by the real log-mel front end from a
generated 30 s tone mix, and a title + lyric line for MiniLM. Per device and stage: items/s one model call
per file (what a worker does today) and batched across files (mediarec.extract.batching.map_batched), and
the ratio; the batched results are checked against the per-file ones. Without a GPU it prints the CPU
figures and says "no CUDA device". Decoding is not timed here (bench/analyze_video.py and
analyze_audio.py time it); Whisper is not covered (its batching is CTranslate2's own)."""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from mediarec.extract import device as dev  # noqa: E402
from mediarec.extract.batching import map_batched  # noqa: E402
from mediarec.extract.models import musicnn_net as net  # noqa: E402
from mediarec.extract.models.efficientnet_lite import FrameEmbedder  # noqa: E402
from mediarec.extract.models.minilm import MiniLM  # noqa: E402
from mediarec.extract.models.musicnn_input import SAMPLE_RATE, log_mel_patches, patch_count  # noqa: E402


def library(files: int, frames: int) -> tuple[list[np.ndarray], list[np.ndarray], list[list[str]], float]:
    """Per file: frames (uint8), musicnn patches (from the real front end), texts; and the mel seconds."""
    yy, xx = np.mgrid[0:224, 0:224].astype(np.float32)
    clips, audio_patches, texts = [], [], []
    mel_s = 0.0
    for f in range(files):
        shift = np.arange(frames, dtype=np.float32)[:, None, None] * (3 + f)
        r = (xx[None] + shift) % 256
        g = (yy[None] * (1 + f % 3) + shift) % 256
        b = np.broadcast_to((xx + yy)[None] / 2 + 20 * f, r.shape) % 256
        clips.append(np.stack([r, g, b], axis=-1).astype(np.uint8))
        t = np.arange(30 * SAMPLE_RATE, dtype=np.float32) / SAMPLE_RATE
        tone = sum(np.sin(2 * np.pi * (110 * (1 + f % 7) * k) * t) / k for k in (1, 2, 3)).astype(np.float32) * 0.2
        started = time.perf_counter()
        idx = np.linspace(0, patch_count(len(tone)) - 1, 8).astype(int)
        audio_patches.append(log_mel_patches(tone, idx))
        mel_s += time.perf_counter() - started
        texts.append([f"song number {f} by the band", "we walk along the river in the evening light"])
    return clips, audio_patches, texts, mel_s


def stage(name: str, fn, inputs: list, batch: int, unit_count, repeats: int = 2) -> dict:
    fn(inputs[0])  # warm-up: sessions allocate on their first run
    per_file = batched = float("inf")
    for _ in range(repeats):  # alternated, best of each: a shared machine's noise hits both alike
        t = time.perf_counter()
        alone = [fn(x) for x in inputs]
        per_file = min(per_file, time.perf_counter() - t)
        t = time.perf_counter()
        together = map_batched(fn, inputs, batch)
        batched = min(batched, time.perf_counter() - t)
    worst = 0.0
    for a, b in zip(alone, together):
        for x, y in zip(a if isinstance(a, tuple) else (a,), b if isinstance(b, tuple) else (b,)):
            worst = max(worst, float(np.max(np.abs(np.asarray(x) - np.asarray(y)))) if np.size(x) else 0.0)
    items = sum(unit_count(x) for x in inputs)
    return {"stage": name, "items": items, "per_file": items / per_file, "batched": items / batched,
            "max_diff": worst}


def run_device(device: str, clips, patches, texts, args, models_dir: str) -> list[dict]:
    frames = FrameEmbedder(models_dir, device=device, threads=args.threads)
    tagger = net.Tagger(net.weights_dir() / f"{net.MODELS[0]}.npz", models_dir, device, args.threads)
    minilm = MiniLM(device=device, threads=args.threads)
    ids = [np.array(minilm.token_ids(t), dtype=object) for t in texts]
    rows = [stage("frames (EfficientNet-Lite0)", frames.embed, clips, args.batch_frames, len),
            stage("patches (musicnn)", tagger.run, patches, args.batch_patches, len),
            stage("texts (MiniLM)", lambda x: minilm.embed_ids(list(x)), ids, args.batch_texts, len)]
    for r in rows:
        r["device"] = f"{device} ({frames.backend if r['stage'].startswith('frames') else tagger.backend})"
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=24)
    ap.add_argument("--frames", type=int, default=16)
    ap.add_argument("--batch-frames", type=int, default=64)
    ap.add_argument("--batch-patches", type=int, default=32)
    ap.add_argument("--batch-texts", type=int, default=32)
    ap.add_argument("--threads", type=int, default=1, help="model threads on the CPU (one worker's share)")
    args = ap.parse_args()
    inv = dev.inventory()
    devices = ["cpu"] + (["cuda"] if dev.cuda_available(inv) else [])
    print(f"inventory: {inv}")
    if "cuda" not in devices:
        print("no CUDA device: CPU figures only")
    for model, where in dev.plan("auto", inv).items():
        print(f"  {model}: {where}")
    clips, patches, texts, mel_s = library(args.files, args.frames)
    print(f"\n{args.files} files: {args.frames} frames, 8 musicnn patches (log-mel front end "
          f"{8 * args.files / mel_s:.0f} patches/s on the CPU), 2 texts each; items/s")
    print(f"{'device':<18} {'stage':<28} {'items':>6} {'per file':>9} {'batched':>9} {'ratio':>6} {'max diff':>9}")
    with tempfile.TemporaryDirectory() as models_dir:
        for device in devices:
            for r in run_device(device, clips, patches, texts, args, models_dir):
                print(f"{r['device']:<18} {r['stage']:<28} {r['items']:>6} {r['per_file']:>9.1f} "
                      f"{r['batched']:>9.1f} {r['batched'] / r['per_file']:>5.2f}x {r['max_diff']:>9.1e}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
