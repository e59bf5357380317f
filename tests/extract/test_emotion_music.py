"""emotion.music: vibenet reproduced exactly on our decode, arousal and mood that fit the music, the musicnn
blend moving the estimate the way its tags say, outputs in [0, 1], silence and very short files."""
import warnings

import numpy as np
import pytest

from mediarec.extract import registry
from mediarec.extract.base import FeatureResult, MediaInput, Runtime
from mediarec.extract.extractors import emotion_music as em
from media_factory import write_audio

from music_signals import RATE, chords, drum_loop, soft_slow_chords, stereo

HIGH_AROUSAL_MOODS = {"energetic", "happy", "tense"}
LOW_AROUSAL_MOODS = {"calm", "sad"}


@pytest.fixture(scope="module")
def emotion(tmp_path_factory):
    root = tmp_path_factory.mktemp("runtime")
    ext = registry.create("emotion.music")
    runtime = Runtime(models_dir=str(root / "models"), cache_dir=str(root / "cache"))
    reason = ext.check(runtime)
    if reason:
        pytest.fail(f"emotion.music unavailable: {reason}")  # vibenet is a declared dependency
    ext.load(runtime)
    return ext


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("emotion")
    signals = {
        "drums": drum_loop(140, seconds=20.0),  # fast, loud, bright
        "soft": soft_slow_chords(20.0),  # slow, quiet, mellow
        "silence": np.zeros(RATE * 3, np.float32),
        "short": chords("C major", bar_seconds=0.125, repeats=1),  # 0.5 s
    }
    return {name: write_audio(d / f"{name}.flac", signal=stereo(s), rate=RATE) for name, s in signals.items()}


def media_for(path, **results):
    return MediaInput({"path": str(path), "kind": "audio", "duration": None}, stored=results)


def run(ext, media):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return ext.extract(media)


def hand_made_musicnn(**mtt):
    """A STAND-IN for audio.musicnn's result, made by hand for this unit test: only the tag attributes that
    emotion.music reads (`mtt`, `msd`: tag -> probability), with every other tag at 0."""
    return FeatureResult(np.zeros(200, np.float32), {"mtt": dict(mtt), "msd": {}})


def in_unit_range(result):
    values = [result.attrs["valence"], result.attrs["arousal"], *result.vector.tolist()]
    return all(0.0 <= v <= 1.0 for v in values)


def test_mel_is_vibenets_own(emotion):
    core = pytest.importorskip("vibenet.core")  # needs vibenet's own dependencies (pydub, audioread)
    y = np.random.default_rng(3).standard_normal(RATE * 3).astype(np.float32) * 0.2
    y[RATE:RATE + 4000] = 0.0  # a gap, so the 80 dB floor matters
    np.testing.assert_allclose(em.vibenet_mel(y), core.extract_mel(y, 16000), atol=1e-3)
    np.testing.assert_allclose(em.vibenet_mel(y[:300]), core.extract_mel(y[:300], 16000), atol=1e-3)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # vibenet's own importlib.resources call
def test_predictions_are_vibenets_own(emotion, files):
    pytest.importorskip("vibenet.core")
    from vibenet.backends import EfficientNetModel

    y16 = media_for(files["drums"]).audio(16000)
    theirs = EfficientNetModel().predict([y16], 16000)[0].to_dict()
    ours = emotion.predict(y16)  # under 30 s: one window, the whole clip, as vibenet runs it
    assert ours == pytest.approx(theirs, abs=1e-4)


def test_fast_loud_track_has_higher_arousal_than_a_slow_quiet_one(emotion, files):
    fast = run(emotion, media_for(files["drums"]))
    slow = run(emotion, media_for(files["soft"]))
    assert fast.attrs["musicnn"] is False and "vibenet alone" in fast.attrs["note"]
    assert fast.attrs["arousal"] > slow.attrs["arousal"] + 0.2
    assert fast.attrs["mood"] in HIGH_AROUSAL_MOODS
    assert slow.attrs["mood"] in LOW_AROUSAL_MOODS
    assert in_unit_range(fast) and in_unit_range(slow)
    for key in ("energy", "danceability", "acousticness", "instrumentalness", "liveness", "speechiness"):
        assert 0.0 <= fast.attrs[key] <= 1.0


def test_musicnn_tags_move_the_estimate_their_way(emotion, files):
    """Same audio, opposite hand-made tags: the blend follows the tags, within its bounded weight."""
    alone = run(emotion, media_for(files["soft"]))
    def with_tags(**mtt):
        return run(emotion, media_for(files["soft"], **{"audio.musicnn": hand_made_musicnn(**mtt)}))

    excited = with_tags(fast=0.7, loud=0.6, beat=0.8)
    subdued = with_tags(slow=0.7, quiet=0.6, soft=0.8)
    assert excited.attrs["musicnn"] is True and "note" not in excited.attrs
    assert excited.attrs["arousal"] > alone.attrs["arousal"] > subdued.attrs["arousal"]
    weight = excited.attrs["sources"]["arousal"]["tag_weight"]
    assert 0.0 < weight <= em.W_MAX["arousal"]
    # Tags with no arousal words leave arousal where vibenet put it.
    neutral = with_tags(piano=0.9)
    assert neutral.attrs["arousal"] == pytest.approx(alone.attrs["arousal"], abs=1e-6)
    assert all(in_unit_range(r) for r in (alone, excited, subdued, neutral))


def test_with_the_real_musicnn(emotion, files, tmp_path):
    if "audio.musicnn" not in registry.names():
        pytest.skip("audio.musicnn is not registered yet")
    musicnn = registry.create("audio.musicnn")
    runtime = Runtime(models_dir=str(tmp_path / "models"), cache_dir=str(tmp_path / "cache"))
    if musicnn.check(runtime):
        pytest.skip(f"audio.musicnn unavailable: {musicnn.check(runtime)}")
    musicnn.load(runtime)
    out = {}
    for name in ("drums", "soft"):
        media = media_for(files[name])
        media.results["audio.musicnn"] = musicnn.extract(media)
        out[name] = run(emotion, media)
    assert out["drums"].attrs["musicnn"] is True
    assert out["drums"].attrs["arousal"] > out["soft"].attrs["arousal"] + 0.2
    assert out["drums"].attrs["mood"] in HIGH_AROUSAL_MOODS
    assert out["soft"].attrs["mood"] in LOW_AROUSAL_MOODS
    assert in_unit_range(out["drums"]) and in_unit_range(out["soft"])


@pytest.mark.parametrize("valence, arousal, mood", [
    (0.8, 0.8, "happy"), (0.2, 0.85, "tense"), (0.5, 0.9, "energetic"), (0.8, 0.2, "calm"),
    (0.2, 0.2, "sad"), (0.5, 0.5, "neutral")])
def test_mood_words(valence, arousal, mood):
    assert em.mood_of(valence, arousal) == mood


def test_deterministic(emotion, files):
    first = run(emotion, media_for(files["drums"]))
    second = run(emotion, media_for(files["drums"]))
    assert first.vector.dtype == np.float32 and first.vector.shape == (em.DIM,) == (emotion.spec.dim,)
    np.testing.assert_array_equal(first.vector, second.vector)
    assert first.vector[0] == pytest.approx(first.attrs["valence"], abs=1e-4)
    assert first.vector[1] == pytest.approx(first.attrs["arousal"], abs=1e-4)


def test_silence_is_silent_and_calm(emotion, files):
    result = run(emotion, media_for(files["silence"]))
    assert result.attrs["silent"] is True and result.attrs["mood"] == "silent"
    assert result.attrs["arousal"] == 0.0
    assert np.all(np.isfinite(result.vector)) and in_unit_range(result)


def test_half_a_second(emotion, files):
    result = run(emotion, media_for(files["short"]))
    assert result.attrs["silent"] is False
    assert np.all(np.isfinite(result.vector)) and in_unit_range(result)


def test_windows_cover_the_excerpt_within_the_budget():
    w = em.WINDOW
    assert em.windows(w // 2) == [(0, w // 2)]
    six = em.windows(6 * w)  # a long file's full excerpt: 6 windows of 30 s
    assert len(six) == em.MAX_WINDOWS and six[0] == (0, w) and six[-1] == (5 * w, 6 * w)
    assert all(end - start == w for start, end in six)
    assert em.windows(2 * w + w // 2)[-1] == (w + w // 2, 2 * w + w // 2)  # a 15 s tail is kept
    assert len(em.windows(2 * w + w // 10)) == 2  # a 3 s tail is not
