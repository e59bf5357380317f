"""Measure the transcript's voice gate: which files it lets through to Whisper, and what it costs.

    python bench/speech_gate.py

Runs audio.musicnn, emotion.music and `voice_gate` (mediarec/extract/extractors/transcript.py) on the
corpora the tests use: the dev corpus's music and speech clips, the album corpus when fetched, and
generated files (espeak-ng speech, chords, drums, a band, a song with a spoken verse, speech over a
band). Prints, per file, the tagger's vocal probability, vibenet's lowest instrumentalness over its
windows, the probe's speech share ("-": not probed) and the verdict; then the CPU seconds of the gate
as it runs (with emotion.music's result) against the gate without it (the probe on every file the
tagger hears no vocals in), and Silero VAD over every decode; then the instrumentals it lets through
and the voiced files it misses (the second must be none)."""
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
from mediarec.extract.extractors.emotion_music import MusicEmotion  # noqa: E402
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
    tagger, mood = Musicnn(), MusicEmotion()
    tagger.load(runtime)
    mood.load(runtime)
    missed, leaked, gate_s, probe_only_s, vad_s = [], [], 0.0, 0.0, 0.0
    with tempfile.TemporaryDirectory() as tmp:
        files = generated(Path(tmp)) + corpus_files()
        for label, voiced, path in files:
            media = MediaInput({"id": 1, "path": str(path), "kind": "audio", "duration": None})
            media.results["audio.musicnn"] = tagger.extract(media)
            y = media.audio(T.RATE)
            without = MediaInput(media.item)  # the same decode, without emotion.music's result
            without._audio, without.results = media.audio(), {"audio.musicnn": media.results["audio.musicnn"]}
            t = time.process_time()
            T.voice_gate(without)
            probe_only_s += time.process_time() - t
            media.results["emotion.music"] = mood.extract(media)
            t = time.process_time()
            verdict, vocals, share = T.voice_gate(media)
            gate_s += time.process_time() - t
            t = time.process_time()
            from faster_whisper.vad import get_speech_timestamps

            get_speech_timestamps(y, T.vad_options())
            vad_s += time.process_time() - t
            lowest = media.results["emotion.music"].attrs.get("instrumentalness_min")
            print(f"{label:36s} {len(y) / T.RATE:6.1f} s  vocals {vocals or 0:.3f}  instrumental "
                  f"{'-' if lowest is None else f'{lowest:.2f}':>5s}  probe "
                  f"{'-' if share is None else f'{share:.2f}':>5s}  -> {verdict}", flush=True)
            if voiced and verdict == "none":
                missed.append(label)
            if not voiced and verdict != "none":
                leaked.append(label)
    print(f"\n{len(files)} files; gate CPU-s {gate_s:.2f} (without emotion.music's result: {probe_only_s:.2f}), "
          f"Silero VAD over every decode {vad_s:.2f}")
    print(f"voiced files the gate misses: {missed or 'none'}")
    print(f"instrumentals it lets through to Whisper: {leaked or 'none'}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
