"""Benchmark: the full video pipeline vs. decode-only, on narrated videos, in the same run.

    python bench/analyze_video.py [--minutes 4] [--videos 4] [--workers 2] [--cache DIR] [DIR]

Without DIR it makes --videos 640x360 h264 videos totalling about --minutes, narrated by espeak-ng
(one with a soft music bed under the voice), cached under the temp dir so a second run skips that.
Then, with the same number of processes each:
  1. decode-only: the shared audio decode the pipeline does (excerpt policy), and, as a reference,
     decoding every audio and video frame once (what a player does);
  2. mediarec: scan into a fresh library and `analyze` through the real runner and its process pool
     with every registered video-pipeline extractor: video.frames, audio.dsp, audio.musicnn,
     emotion.music, speech.transcript, emotion.speech, text.embedding (missing ones are named).
Prints the real-time factor (media seconds per second) of each pass and of each stage (worker time
per extractor), the workers' CPU time, and the word error rate of the transcripts against the
narration. Target on 2 cores with tiny.en: the whole pipeline at least 10x faster than real time.
The machine may be shared: the CPU-time figure is the less noisy one; run twice, trust the better."""
from __future__ import annotations

import argparse
import hashlib
import os
import re
import resource
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import av  # noqa: E402
import numpy as np  # noqa: E402

from mediarec.extract import registry  # noqa: E402
from mediarec.extract.runner import analyze, excerpt_policy  # noqa: E402
from mediarec.jobs import run_job  # noqa: E402
from mediarec.library import Library  # noqa: E402
from mediarec.media.audio import ExcerptPolicy, decode_audio  # noqa: E402
from mediarec.paths import AppPaths  # noqa: E402
from mediarec.scan.scanner import scan  # noqa: E402
from mediarec.settings import Settings  # noqa: E402
from speech_factory import RATE, chords, espeak  # noqa: E402

PIPELINE = ["video.frames", "audio.dsp", "audio.musicnn", "emotion.music", "speech.transcript", "emotion.speech",
            "text.embedding"]
NARRATION = [
    "Volcanoes form where molten rock rises from deep inside the earth. When the pressure builds up, the "
    "mountain erupts and throws ash and lava into the sky. Some volcanoes sleep for hundreds of years before "
    "they wake up again, and scientists watch them closely with instruments that measure small earthquakes.",
    "To bake good bread you mix flour, water, salt and yeast. Knead the dough for ten minutes, let it rise "
    "in a warm kitchen for an hour, shape the loaf, and bake it in a hot oven until the crust is brown.",
    "The moon travels around the earth once a month. Its gravity pulls on the oceans and makes the tides. "
    "Astronauts first walked on its dusty surface in nineteen sixty nine and brought rocks back home.",
    "Bees live in large colonies ruled by a single queen. Worker bees fly from flower to flower collecting "
    "nectar and pollen, and they tell each other where to find food by dancing inside the hive.",
    "The river starts as a small stream high in the mountains. It grows as rain and melting snow join it, "
    "carves a deep valley through the hills, and finally reaches the sea through a wide muddy delta.",
]


def frame(i: int, w: int = 640, h: int = 360) -> np.ndarray:
    """Boxes sliding over a gradient; a new layout every 6 s (cuts for the frame sampler to find)."""
    rng = np.random.default_rng(i // 150)
    img = np.empty((h, w, 3), np.uint8)
    img[:] = np.linspace(30, 140, w, dtype=np.uint8)[None, :, None]
    for k in range(5):
        x = int((i * (2 + k) + 113 * k) % (w - 90))
        y = (30 + 60 * k) % (h - 70)
        img[y:y + 60, x:x + 90] = rng.integers(0, 256, 3)
    return img


def write_narrated(path: Path, speech: np.ndarray, music_bed: bool) -> None:
    """640x360 h264 at 25 fps with AAC audio: the speech, optionally over quiet chords."""
    audio = speech if not music_bed else speech + 0.12 * chords(speech.size / RATE)[:speech.size]
    fps = 25
    with av.open(str(path), "w") as out:
        vs = out.add_stream("libx264", rate=fps)
        vs.width, vs.height, vs.pix_fmt = 640, 360, "yuv420p"
        vs.codec_context.time_base = Fraction(1, fps)
        vs.codec_context.options = {"preset": "veryfast"}
        as_ = out.add_stream("aac", rate=RATE, layout="stereo")
        for i in range(int(audio.size / RATE * fps)):
            f = av.VideoFrame.from_ndarray(frame(i), format="rgb24")
            f.pts = i
            for packet in vs.encode(f):
                out.mux(packet)
        for packet in vs.encode(None):
            out.mux(packet)
        stereo = np.ascontiguousarray(np.vstack([audio, audio]).astype(np.float32))
        step = as_.codec_context.frame_size or 1024
        for start in range(0, stereo.shape[1], step):
            af = av.AudioFrame.from_ndarray(np.ascontiguousarray(stereo[:, start:start + step]), format="fltp",
                                            layout="stereo")
            af.sample_rate, af.pts = RATE, start
            for packet in as_.encode(af):
                out.mux(packet)
        for packet in as_.encode(None):
            out.mux(packet)


def make_videos(folder: Path, minutes: float, videos: int) -> dict[str, str]:
    """{path: narration text}; made once per (minutes, videos) and kept in `folder`."""
    per_video = minutes * 60 / videos
    texts: dict[str, str] = {}
    folder.mkdir(parents=True, exist_ok=True)
    for v in range(videos):
        path = folder / f"talk{v + 1}.mp4"
        parts, said, seconds, k = [], [], 0.0, v
        while seconds < per_video:
            text = NARRATION[k % len(NARRATION)]
            speech = espeak(text, speed=150 + 10 * (k % 3), pause=0.8)
            parts.append(speech)
            said.append(text)
            seconds += speech.size / RATE
            k += 1
        texts[str(path)] = " ".join(said)
        if not (folder / f".{path.name}.done").exists():
            write_narrated(path, np.concatenate(parts), music_bed=(v == videos - 1))
            (folder / f".{path.name}.done").touch()
    return texts


def _decode_shared(args: tuple[str, ExcerptPolicy]) -> float:
    path, policy = args
    return decode_audio(path, policy=policy).duration


def _decode_everything(path: str) -> None:
    with av.open(path) as c:
        for s in c.streams:
            s.thread_type = "AUTO"
        for _ in c.decode(*c.streams):
            pass


def timed_pool(fn, items, workers: int):
    t = time.perf_counter()
    with ProcessPoolExecutor(workers) as ex:
        out = list(ex.map(fn, items))
    return out, time.perf_counter() - t


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def wer(reference: str, hypothesis: str) -> float:
    ref, hyp = words(reference), words(hypothesis)
    d = np.arange(len(hyp) + 1)
    for i, r in enumerate(ref, 1):
        prev, d[0] = d.copy(), i
        for j, h in enumerate(hyp, 1):
            d[j] = min(prev[j] + 1, d[j - 1] + 1, prev[j - 1] + (r != h))
    return float(d[len(hyp)]) / max(1, len(ref))


def run_pipeline(media_dir: Path, tmp: Path, name: str, settings: Settings, only: list[str], workers: int,
                 limit: int | None = None):
    os.environ["MEDIAREC_DATA_DIR"] = str(tmp / name)
    paths = AppPaths.resolve().ensure()  # models dir stays the user's: ONNX exports are cached there
    lib = Library(paths.db)
    lib.roots.add(media_dir)
    run_job(scan(lib))
    t = time.perf_counter()
    report = run_job(analyze(lib, paths, settings, only=only, workers=workers, limit=limit))
    return lib, report, time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", nargs="?", type=Path, help="videos to use instead of generated ones")
    ap.add_argument("--minutes", type=float, default=4.0)
    ap.add_argument("--videos", type=int, default=4)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--cache", type=Path, help="where generated videos are kept (default: temp dir)")
    args = ap.parse_args()

    texts: dict[str, str] = {}
    if args.dir:
        media_dir = args.dir
    else:
        key = hashlib.sha1(f"{args.minutes}-{args.videos}-v1".encode()).hexdigest()[:8]
        media_dir = (args.cache or Path(tempfile.gettempdir()) / "mediarec-bench-video") / key
        t = time.perf_counter()
        texts = make_videos(media_dir, args.minutes, args.videos)
        print(f"videos in {media_dir} (ready in {time.perf_counter() - t:.1f} s)")
    files = sorted(str(p) for p in media_dir.glob("*.mp4"))
    names = registry.names()
    only = [n for n in PIPELINE if n in names]
    missing = [n for n in PIPELINE if n not in names]
    if missing:
        print(f"not registered yet, skipped: {', '.join(missing)}")
    settings = Settings()
    settings.analyze.workers = w = args.workers
    print(f"{len(files)} videos, {w} processes each pass, stages: {', '.join(only)}")

    for f in files:  # warm the page cache so no pass pays for the first read
        Path(f).read_bytes()
    durations, t_shared = timed_pool(_decode_shared, [(f, excerpt_policy(settings)) for f in files], w)
    _, t_everything = timed_pool(_decode_everything, files, w)
    media_seconds = sum(durations)

    with tempfile.TemporaryDirectory(prefix="mediarec-bench-") as tmp:
        for var in ("CACHE", "CONFIG"):
            os.environ[f"MEDIAREC_{var}_DIR"] = os.path.join(tmp, var.lower())
        # Warm-up in its own library: ONNX exports happen once, outside the timing.
        run_pipeline(media_dir, Path(tmp), "warmup", settings, only, 1, limit=1)[0].close()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        lib, report, t_ours = run_pipeline(media_dir, Path(tmp), "timed", settings, only, w)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        errors = {}
        for f in files:
            item = lib.media.by_path(f)
            said = lib.transcripts.get(item["id"]) if item else None
            if said is not None and f in texts:
                errors[Path(f).name] = wer(texts[f], said["text"])
        lib.close()
    if report.unavailable:
        print(f"unavailable extractors: {report.unavailable}")
    if report.failed:
        print(f"failures: {report.failed}")

    rtf = lambda secs: media_seconds / secs if secs > 0 else float("inf")  # noqa: E731
    print(f"\nmedia: {media_seconds / 60:.1f} min of video")
    print(f"{'pass':40s} {'wall s':>8s} {'x real time':>12s}")
    print(f"{'decode-only: shared audio decode':40s} {t_shared:8.2f} {rtf(t_shared):11.1f}x")
    print(f"{'decode-only: every audio+video frame':40s} {t_everything:8.2f} {rtf(t_everything):11.1f}x")
    print(f"{'mediarec full video pipeline':40s} {t_ours:8.2f} {rtf(t_ours):11.1f}x   "
          f"(target >= 10x: {'OK' if rtf(t_ours) >= 10 else 'MISSED'})")
    print(f"pipeline / shared-decode time {t_ours / t_shared:.1f}; pipeline / full-decode time "
          f"{t_ours / t_everything:.2f}")
    print(f"worker CPU time {cpu:.1f} s: {rtf(cpu / w):.1f}x real time on {w} dedicated cores "
          f"(load-independent estimate)")
    busy = sum(report.cpu_seconds.values())
    print(f"steady state (worker time per file only, no start-up or model loading): {rtf(busy / w):.1f}x real time")
    print(f"\n{'stage (worker time, all workers)':40s} {'s':>8s} {'x real time per core':>22s}")
    for name, secs in sorted(report.cpu_seconds.items(), key=lambda kv: -kv[1]):
        print(f"  {name:38s} {secs:8.2f} {rtf(secs):21.1f}x")
    if errors:
        print("\ntranscript word error rate vs narration: "
              + ", ".join(f"{n} {e:.1%}" for n, e in sorted(errors.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
