"""audio.dsp on generated music: tempo of click tracks, key of chord progressions, loudness, brightness,
distances that mean something, silence and very short files; on the dev corpus, albums cluster."""
import glob
import warnings

import numpy as np
import pytest

from mediarec.extract.base import MediaInput, Runtime
from mediarec.extract.extractors.audio_dsp import DIM, LAYOUT, stft_magnitude
from mediarec.extract.registry import create
from media_factory import write_audio

from music_signals import RATE, chords, click_track, drum_loop, soft_slow_chords, stereo


@pytest.fixture(scope="module")
def dsp(tmp_path_factory):
    root = tmp_path_factory.mktemp("runtime")
    ext = create("audio.dsp")
    ext.load(Runtime(models_dir=str(root / "models"), cache_dir=str(root / "cache")))
    return ext


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("dsp")


def analyse(dsp, folder, name, signal):
    """Write `signal` to a FLAC file and run the extractor on it, with warnings turned into errors."""
    path = folder / f"{name}.flac"
    if not path.exists():
        write_audio(path, signal=stereo(signal), rate=RATE)
    media = MediaInput({"path": str(path), "kind": "audio", "duration": len(signal) / RATE})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return dsp.extract(media)


def cosine(a, b):
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


@pytest.mark.parametrize("bpm", [60, 90, 120, 140])
def test_click_track_tempo(dsp, folder, bpm):
    result = analyse(dsp, folder, f"click{bpm}", click_track(bpm, seconds=20.0))
    assert result.attrs["tempo_bpm"] == pytest.approx(bpm, abs=2.0)
    assert result.attrs["pulse_clarity"] > 0.5
    assert result.attrs["onset_rate"] == pytest.approx(bpm / 60, rel=0.1)


@pytest.mark.parametrize("key, tonic, mode", [("A minor", "A", "minor"), ("C major", "C", "major")])
def test_key_of_a_chord_progression(dsp, folder, key, tonic, mode):
    result = analyse(dsp, folder, key.replace(" ", "_"), chords(key))
    assert (result.attrs["key"], result.attrs["mode"]) == (tonic, mode)
    assert result.attrs["key_label"] == key
    assert result.attrs["key_confidence"] > 0.5


def test_louder_is_louder_by_the_right_amount(dsp, folder):
    music = drum_loop(120, seconds=10.0)
    loud = analyse(dsp, folder, "loud", music * 0.9)
    quiet = analyse(dsp, folder, "quiet", music * 0.09)
    assert loud.attrs["loudness_db"] - quiet.attrs["loudness_db"] == pytest.approx(20.0, abs=1.0)
    assert loud.attrs["peak_db"] > quiet.attrs["peak_db"]
    # The same music at another level: everything but the loudness block stays where it was.
    sizes = [size for _, size, _ in LAYOUT]
    loudness = slice(sum(sizes[:6]), sum(sizes[:7]))
    rest = np.ones(DIM, bool)
    rest[loudness] = False
    assert np.abs(loud.vector[rest] - quiet.vector[rest]).max() < 0.02
    assert np.abs(loud.vector[loudness] - quiet.vector[loudness]).max() > 0.1


def test_drums_are_brighter_and_busier_than_soft_chords(dsp, folder):
    drums = analyse(dsp, folder, "drums", drum_loop(120, seconds=15.0))
    soft = analyse(dsp, folder, "soft", soft_slow_chords(15.0))
    assert drums.attrs["brightness"] > 4 * soft.attrs["brightness"]
    assert drums.attrs["onset_rate"] > soft.attrs["onset_rate"]
    assert drums.attrs["loudness_db"] > soft.attrs["loudness_db"] + 10
    assert soft.attrs["tempo_bpm"] is None or soft.attrs["pulse_clarity"] < drums.attrs["pulse_clarity"]


def test_similar_music_is_closer_than_different_music(dsp, folder):
    drums_a = analyse(dsp, folder, "drums_a", drum_loop(118, seconds=15.0, seed=1))
    drums_b = analyse(dsp, folder, "drums_b", drum_loop(124, seconds=15.0, seed=2))
    minor = analyse(dsp, folder, "chords_minor", chords("A minor"))
    major = analyse(dsp, folder, "chords_major", chords("C major"))
    assert cosine(drums_a.vector, drums_b.vector) > cosine(drums_a.vector, minor.vector) + 0.3
    assert cosine(minor.vector, major.vector) > cosine(minor.vector, drums_b.vector) + 0.3


def test_our_stft_is_librosas():
    import librosa

    y = np.random.default_rng(0).standard_normal(RATE + 123).astype(np.float32) * 0.3
    ours = stft_magnitude(y).T
    theirs = np.abs(librosa.stft(y, n_fft=2048, hop_length=512))
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-3)


def test_vector_is_fixed_length_finite_and_deterministic(dsp, folder):
    signal = drum_loop(100, seconds=8.0)
    first = analyse(dsp, folder, "det", signal)
    second = analyse(dsp, folder, "det", signal)
    assert first.vector.dtype == np.float32 and first.vector.shape == (DIM,) == (dsp.spec.dim,)
    assert np.all(np.isfinite(first.vector))
    np.testing.assert_array_equal(first.vector, second.vector)
    assert first.attrs == second.attrs


def test_silence_says_so(dsp, folder):
    result = analyse(dsp, folder, "silence", np.zeros(RATE * 3, np.float32))
    assert result.attrs["silent"] is True
    assert result.attrs["tempo_bpm"] is None and result.attrs["key"] is None
    assert result.attrs["loudness_db"] <= -100
    assert result.vector.shape == (DIM,) and np.all(np.isfinite(result.vector))
    assert np.linalg.norm(result.vector) > 0  # a direction of its own: cosine distances stay defined


def test_half_a_second(dsp, folder):
    result = analyse(dsp, folder, "short", chords("C major", bar_seconds=0.125, repeats=1))
    assert result.attrs["silent"] is False
    assert result.attrs["tempo_bpm"] is None  # too short for a tempo worth stating
    assert result.attrs["seconds_analysed"] == pytest.approx(0.5, abs=0.05)
    assert result.attrs["loudness_db"] > -40
    assert result.vector.shape == (DIM,) and np.all(np.isfinite(result.vector))


@pytest.mark.corpus
@pytest.mark.slow
def test_album_tracks_are_closer_to_each_other_than_to_another_soundtrack(dsp, corpus):
    album = sorted(glob.glob(str(corpus / "music" / "singularity" / "**" / "*.ogg"), recursive=True))
    other = sorted(glob.glob(str(corpus / "music" / "asc" / "*.mp3")))
    assert len(album) >= 3 and len(other) >= 2
    vec = {p: dsp.extract(MediaInput({"path": p, "kind": "audio", "duration": None})).vector for p in album + other}
    within = [cosine(vec[a], vec[b]) for i, a in enumerate(album) for b in album[i + 1:]]
    across = [cosine(vec[a], vec[b]) for a in album for b in other]
    assert np.mean(within) > np.mean(across)
