"""Measure the transcript's voice gate: which files it lets through to Whisper, and what it costs.

    python bench/speech_gate.py

Runs audio.musicnn and `voice_gate` (mediarec/extract/extractors/transcript.py) on the corpora the tests
use: the dev corpus's music and speech clips, the album corpus when fetched, and generated files
(espeak-ng speech, chords, drums, a band, a song with a spoken verse, speech over a band). Prints, per
file, the tagger's vocal probability, the probe's speech share and the verdict, with the time the probe
took against Silero VAD over the whole decode; then the instrumentals it lets through and the voiced
files it misses (both should be none)."""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import numpy as np  # noqa: E402

from mediarec.extract.base import MediaInput, Runtime  # noqa: E402
from mediarec.extract.extractors import transcript as T  # noqa: E402
from mediarec.extract.extractors.musicnn import Musicnn  # noqa: E402
from mediarec.paths import AppPaths  # noqa: E402
from mediarec.settings import Settings  # noqa: E402

AUDIO = {".mp3", ".ogg", ".opus", ".flac", ".wav", ".m4a"}


def generated(folder: Path) -> list[tuple[str, bool, Path]]:
    """(label, has a voice, path) of generated files; empty without espeak-ng."""
    import speech_factory as S
    from media_factory import write_audio

    try:
        talk = {k: S.espeak(getattr(S, k)) for k in ("VOLCANO", "BAKING", "HAPPY", "SAD")}
    except S.SpeechSynthMissing as exc:
        print(f"(no generated speech: {exc})")
        return []
    band = lambda s: 0.3 * (S.chords(s) + S.drum_loop(s))  # noqa: E731
    verse = np.concatenate([S.chords(25.0) * 0.3, talk["VOLCANO"], S.chords(25.0) * 0.3])
    sung = np.concatenate([talk[k] for k in ("VOLCANO", "BAKING", "HAPPY", "SAD")] * 2)
    sung = sung + band(sung.size / S.RATE)
    signals = [(f"espeak {k}", True, v) for k, v in talk.items()]
    signals += [("song with a spoken verse", True, verse), ("voice over a band", True, sung),
                ("chords", False, S.chords(20.0)), ("drums", False, S.drum_loop(20.0)),
                ("band", False, S.chords(60.0) + S.drum_loop(60.0))]
    return [(label, voiced, write_audio(folder / f"g{i}.flac", signal=S.stereo(sig)))
            for i, (label, voiced, sig) in enumerate(signals)]


def corpus_files() -> list[tuple[str, bool, Path]]:
    out = []
    home = Path.home() / ".cache"
    for p in sorted((home / "mediarec-corpus" / "speech").rglob("*")):
        if p.suffix in AUDIO:
            out.append((f"speech/{p.stem}", True, p))
    for base in (home / "mediarec-corpus" / "music", home / "mediarec-albums"):
        for p in sorted(base.rglob("*")):
            if p.suffix in AUDIO:
                out.append((f"{p.parent.name}/{p.stem}", False, p))  # all instrumental soundtracks
    return out


def main() -> int:
    paths = AppPaths.resolve().ensure()
    runtime = Runtime(models_dir=str(paths.models), cache_dir=str(paths.cache), threads=1, settings=Settings())
    tagger = Musicnn()
    tagger.load(runtime)
    missed, leaked, probe_s, vad_s = [], [], 0.0, 0.0
    with tempfile.TemporaryDirectory() as tmp:
        files = generated(Path(tmp)) + corpus_files()
        for label, voiced, path in files:
            media = MediaInput({"id": 1, "path": str(path), "kind": "audio", "duration": None})
            media.results["audio.musicnn"] = tagger.extract(media)
            y = media.audio(T.RATE)
            t = time.perf_counter()
            verdict, vocals, share = T.voice_gate(media)
            probe_s += time.perf_counter() - t
            t = time.perf_counter()
            full = T.voice_share(y)[0] if y.size <= T.PROBE_WINDOWS * T.PROBE_WINDOW * T.RATE else None
            if full is None:
                from faster_whisper.vad import get_speech_timestamps

                get_speech_timestamps(y, T.vad_options())
            vad_s += time.perf_counter() - t
            print(f"{label:36s} {len(y) / T.RATE:6.1f} s  vocals {vocals or 0:.3f}  probe "
                  f"{'-' if share is None else f'{share:.2f}':>5s}  -> {verdict}", flush=True)
            if voiced and verdict == "none":
                missed.append(label)
            if not voiced and verdict != "none":
                leaked.append(label)
    print(f"\n{len(files)} files; gate {probe_s:.2f} s in all, Silero VAD over every decode {vad_s:.2f} s")
    print(f"voiced files the gate misses: {missed or 'none'}")
    print(f"instrumentals it lets through to Whisper: {leaked or 'none'}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
