"""The transcript's voice gate with emotion.music's hint: instrumental music is stored as "no speech"
without the voice probe, while speech and a song with a spoken verse still reach it."""
import numpy as np
import pytest

from mediarec.extract.base import FeatureResult, MediaInput, Runtime
from mediarec.extract.extractors import transcript as T
from mediarec.settings import Settings
from media_factory import write_audio
from speech_factory import RATE, VOLCANO, SpeechSynthMissing, chords, drum_loop, espeak, stereo


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """Real audio.musicnn and emotion.music, loaded once."""
    from mediarec.extract.extractors.emotion_music import MusicEmotion
    from mediarec.extract.extractors.musicnn import Musicnn

    root = tmp_path_factory.mktemp("gate")
    runtime = Runtime(models_dir=str(root / "models"), cache_dir=str(root / "cache"), settings=Settings())
    tagger, mood = Musicnn(), MusicEmotion()
    tagger.load(runtime)
    mood.load(runtime)
    return tagger, mood


def gate(models, path):
    tagger, mood = models
    media = MediaInput({"id": 1, "path": str(path), "kind": "audio", "duration": None})
    media.results["audio.musicnn"] = tagger.extract(media)
    media.results["emotion.music"] = mood.extract(media)
    return T.voice_gate(media), media.results["emotion.music"].attrs["instrumentalness_min"]


def test_instrumental_music_is_not_probed_and_voices_still_are(models, tmp_path):
    band = chords(60.0) + drum_loop(60.0)
    (verdict, _, share), lowest = gate(models, write_audio(tmp_path / "band.flac", signal=stereo(band)))
    assert verdict == "none" and share is None, (verdict, share)  # decided without the voice probe
    assert lowest >= T.INSTRUMENTAL_MIN
    try:
        talk = espeak(VOLCANO)
    except SpeechSynthMissing as exc:
        pytest.skip(str(exc))
    verse = np.concatenate([0.3 * chords(25.0), talk, 0.3 * chords(25.0)])  # the tagger misses this voice
    for name, signal in (("talk", talk), ("verse", verse)):
        (verdict, _, share), lowest = gate(models, write_audio(tmp_path / f"{name}.flac", signal=stereo(signal)))
        assert lowest < T.INSTRUMENTAL_MIN and share is not None and verdict == "probe", (name, lowest, share)


def hinted(path, instrumentalness_min, vocal=0.02):
    """A file the gate can only decide by probing would fail to decode (the path does not exist)."""
    media = MediaInput({"id": 1, "path": str(path), "kind": "audio", "duration": 200.0})
    media.results["audio.musicnn"] = FeatureResult(None, {"mtt": {"vocals": vocal, "no vocals": 0.3}, "msd": {}})
    if instrumentalness_min is not None:
        media.results["emotion.music"] = FeatureResult(None, {"instrumentalness_min": instrumentalness_min})
    return media


def test_the_hint_decides_only_with_both_signals(tmp_path):
    missing = tmp_path / "gone.flac"
    assert T.voice_gate(hinted(missing, 0.9))[0] == "none"
    for media in (hinted(missing, 0.6), hinted(missing, None)):  # a voice may be there: probe it
        with pytest.raises(Exception):
            T.voice_gate(media)
    assert T.voice_gate(hinted(missing, 0.9, vocal=0.5))[0] == "tagger"  # the tagger's vocals still win
