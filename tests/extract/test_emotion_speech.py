"""emotion.speech: happy words read happier than sad ones, fast loud speech reads more aroused than slow
quiet speech, files without speech say so, and prosody is measured on the speech wherever it is in the file."""
import numpy as np
import pytest

from mediarec.errors import ExtractorError, OurBug
from mediarec.extract.base import FeatureResult, MediaInput, Runtime, Transcript
from mediarec.extract.extractors.emotion_speech import SpeechEmotion
from mediarec.extract.extractors.transcript import SpeechTranscript
from mediarec.settings import Settings
from media_factory import write_audio
from speech_factory import HAPPY, RATE, SAD, SpeechSynthMissing, espeak

NEUTRAL = ("The report about the new bridge will be published on Monday, and the committee will meet again "
           "next week to discuss the budget.")


@pytest.fixture(scope="module")
def extractors(tmp_path_factory):
    root = tmp_path_factory.mktemp("rt")
    runtime = Runtime(models_dir=str(root / "models"), cache_dir=str(root / "cache"), threads=2, settings=Settings())
    words, feel = SpeechTranscript(), SpeechEmotion()
    words.load(runtime)
    feel.load(runtime)
    return words, feel


@pytest.fixture(scope="module")
def said(extractors, tmp_path_factory):
    """speak(text, **espeak options) -> (emotion result, transcript result) of a wav file of that speech."""
    words, feel = extractors
    folder = tmp_path_factory.mktemp("speech")

    def speak(text, **options):
        try:
            signal = espeak(text, **options)
        except SpeechSynthMissing as exc:
            pytest.skip(str(exc))
        path = write_audio(folder / f"s{len(list(folder.iterdir()))}.wav", signal=signal[None])
        media = MediaInput({"id": 1, "path": str(path), "kind": "audio", "duration": None})
        media.results["speech.transcript"] = words.extract(media)
        return feel.extract(media), media.results["speech.transcript"]
    return speak


def test_happy_words_have_higher_valence_than_sad_ones(said):
    happy, _ = said(HAPPY)
    sad, _ = said(SAD)
    assert happy.attrs["valence"] > sad.attrs["valence"] + 0.4
    assert happy.attrs["mood"] in ("happy", "energetic", "calm") and sad.attrs["mood"] in ("sad", "tense")
    for r in (happy, sad):
        assert r.vector.dtype == np.float32 and r.vector.shape == (5,)
        assert r.vector[0] == pytest.approx(r.attrs["valence"], abs=1e-3)
        assert r.vector[1] == pytest.approx(r.attrs["arousal"], abs=1e-3)
        assert np.all((r.vector >= 0) & (r.vector <= 1))


def test_fast_loud_speech_is_more_aroused_than_slow_quiet_speech(said):
    excited, _ = said(NEUTRAL, speed=230, amplitude=200, pitch=75)
    calm, _ = said(NEUTRAL, speed=110, amplitude=30, pitch=35)
    assert excited.attrs["arousal"] > calm.attrs["arousal"] + 0.3
    assert excited.attrs["speaking_rate"] > calm.attrs["speaking_rate"]
    assert excited.attrs["loudness"] > calm.attrs["loudness"] + 6
    assert excited.attrs["pitch_hz"] > calm.attrs["pitch_hz"]
    assert abs(excited.attrs["valence"] - calm.attrs["valence"]) < 0.15  # same words, same valence


def _media(path, segments, language="en", duration=None):
    media = MediaInput({"id": 1, "path": str(path), "kind": "video", "duration": duration})
    media.results["speech.transcript"] = FeatureResult(None, {"speech": bool(segments)},
                                                       Transcript(language if segments else None, segments))
    return media


def test_no_speech_is_a_result_that_says_so_and_a_failed_transcript_an_error(extractors, tmp_path):
    _, feel = extractors
    path = write_audio(tmp_path / "quiet.wav", signal=np.zeros((1, RATE), np.float32))
    r = feel.extract(_media(path, []))
    assert r.vector is None and r.attrs["speech"] is False
    with pytest.raises(ExtractorError, match="speech.transcript failed"):  # it runs first; so it failed here
        feel.extract(MediaInput({"id": 1, "path": str(path), "kind": "audio", "duration": 1.0}))
    broken = MediaInput({"id": 1, "path": str(path), "kind": "audio", "duration": 1.0})
    broken.results["speech.transcript"] = FeatureResult(None, {"speech": True, "words": 5})  # text lost on the way
    with pytest.raises(OurBug):
        feel.extract(broken)


def test_prosody_is_measured_where_the_speech_is_in_a_long_file(extractors, tmp_path):
    _, feel = extractors
    try:
        speech = espeak(NEUTRAL)
    except SpeechSynthMissing as exc:
        pytest.skip(str(exc))
    seconds = speech.size / RATE
    short = write_audio(tmp_path / "short.wav", signal=speech[None])
    # 300 s: longer than the shared decode's whole-file limit, and the speech (at 100 s) lies between
    # its excerpt windows, so the extractor must decode the transcript's spans itself.
    long = np.zeros(300 * RATE, np.float32)
    long[100 * RATE:100 * RATE + speech.size] = speech
    long_path = write_audio(tmp_path / "long.wav", signal=long[None])
    segment = [(0.4, seconds - 0.4, NEUTRAL)]
    a = feel.extract(_media(short, segment))
    b = feel.extract(_media(long_path, [(100 + s, 100 + e, t) for s, e, t in segment], duration=300.0))
    assert b.attrs["voiced"] > 0.3
    assert b.attrs["pitch_hz"] == pytest.approx(a.attrs["pitch_hz"], rel=0.05)
    assert b.attrs["arousal"] == pytest.approx(a.attrs["arousal"], abs=0.05)


def test_other_languages_get_neutral_valence_not_a_wrong_one(extractors, tmp_path):
    _, feel = extractors
    path = write_audio(tmp_path / "x.wav", signal=np.zeros((1, 3 * RATE), np.float32))
    r = feel.extract(_media(path, [(0.0, 2.0, "c'est une catastrophe terrible")], language="fr"))
    assert r.attrs["valence"] == 0.5 and "English" in r.attrs["sentiment"]
