"""Benchmark: where the music analysis of a library spends its CPU, stage by stage, in one process.

    python bench/analyze_stages.py [--library dev|FOLDER] [--bliss]

Runs the pipeline's own code on each file (the default excerpt policy, one thread, as a worker runs
with 2 processes on 2 cores) and adds up the CPU seconds of: the shared decode, the resample to 16 kHz,
audio.dsp's analysis, musicnn's log-mels and each tagger, vibenet's mels and its network, and the
transcript's voice-activity probe. With --bliss, bliss-rs (PyPI bliss-audio) on the same files in the
same process, and the budget that the targets of bench/analyze_audio.py leave (music extractors at
1.6x bliss, default analyze at 1.3x) beside what the stages cost. What is left between these sums and
a whole analyze pass (analyze_audio.py's CPU-s) is fixed cost: worker start, model loading, scan and
database writes."""
from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):  # as the pool sets them
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

from analyze_audio import TARGETS, _audio_files, dev_library  # noqa: E402

MUSIC_STAGES = ("decode", "resample 16k", "dsp", "musicnn mel", "MSD_musicnn", "MTT_musicnn", "vibenet mel",
                "vibenet net")


def stage_seconds(files: list[Path]) -> dict[str, float]:
    """CPU seconds per stage over `files`, with the extractors loaded as a worker loads them."""
    from mediarec.extract import worker
    from mediarec.extract.base import MediaInput, Runtime
    from mediarec.extract.extractors import audio_dsp, emotion_music, transcript
    from mediarec.extract.extractors.musicnn import select_patches
    from mediarec.extract.models import musicnn_net as net
    from mediarec.media.audio import ExcerptPolicy
    from mediarec.paths import AppPaths

    paths = AppPaths.resolve()
    runtime = Runtime(models_dir=str(paths.models), cache_dir=str(paths.cache), threads=1)
    worker.init_worker(["audio.dsp", "audio.musicnn", "emotion.music"], runtime, ExcerptPolicy())
    transcript._VAD_MODELS_DIR = runtime.models_dir  # the faster VAD, as the transcript's load() sets it up
    musicnn, emotion = worker._EXTRACTORS["audio.musicnn"], worker._EXTRACTORS["emotion.music"]
    totals: dict[str, float] = {}
    for path in files:
        media = MediaInput({"id": 0, "path": str(path), "kind": "audio", "duration": None})
        clock = [time.process_time()]

        def lap(stage: str) -> None:
            now = time.process_time()
            totals[stage] = totals.get(stage, 0.0) + now - clock[0]
            clock[0] = now

        decoded = media.audio()
        y22 = media.audio(audio_dsp.SR)
        lap("decode")
        y16 = media.audio(net.SAMPLE_RATE)
        lap("resample 16k")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            audio_dsp.analyse(np.ascontiguousarray(y22, dtype=np.float32))
        lap("dsp")
        patches = net.log_mel_patches(y16, select_patches(net.patch_count(len(y16)), musicnn._max_patches))
        lap("musicnn mel")
        for name, tagger in musicnn._taggers.items():
            tagger.run(patches)
            lap(name)
        spans = emotion_music.windows(len(y16), emotion_music.excerpt_spans(decoded, emotion_music.RATE))
        mels = [emotion_music.vibenet_mel(y16[a:b]) for a, b in spans]
        lap("vibenet mel")
        for mel in mels:
            emotion.session.run(None, {"x": mel[np.newaxis]})
        lap("vibenet net")
        transcript.voice_share(y16)
        lap("voice probe")
    return totals


def bliss_seconds(files: list[Path]) -> float:
    from bliss_audio import Song

    started = time.process_time()
    for path in files:
        Song(str(path))
    return time.process_time() - started


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--library", default="dev", help="dev (the dev corpus's music) or a folder")
    ap.add_argument("--bliss", action="store_true", help="time bliss-rs on the same files too")
    args = ap.parse_args()
    folder = dev_library() if args.library == "dev" else Path(args.library)
    files = _audio_files(folder)
    totals = stage_seconds(files)
    music = sum(totals[s] for s in MUSIC_STAGES)
    print(f"{len(files)} files under {folder}; CPU-s by stage (one process, one thread):")
    for stage, secs in sorted(totals.items(), key=lambda kv: -kv[1]):
        print(f"  {stage:14s} {secs:6.2f}  {secs / len(files) * 1000:5.0f} ms/file")
    print(f"  music extractors + decode {music:.2f}; + voice probe {music + totals['voice probe']:.2f}")
    if args.bliss:
        bliss = bliss_seconds(files)
        print(f"bliss-rs {bliss:.2f} CPU-s: music at {TARGETS['music']}x leaves {bliss / TARGETS['music']:.2f} "
              f"CPU-s for the whole pass (stages alone: {bliss / music:.2f}x), default at {TARGETS['default']}x "
              f"leaves {bliss / TARGETS['default']:.2f} (stages alone: {bliss / (music + totals['voice probe']):.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
