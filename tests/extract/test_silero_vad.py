"""Silero VAD with its STFT front end in numpy: the same speech probabilities and the same speech
chunks as faster-whisper's model, on speech and on music."""
import numpy as np
import pytest

from mediarec.extract.models import silero_vad as S
from speech_factory import VOLCANO, SpeechSynthMissing, chords, drum_loop, espeak


@pytest.fixture(scope="module")
def signals():
    try:
        talk = espeak(VOLCANO)
    except SpeechSynthMissing as exc:
        pytest.skip(str(exc))
    band = 0.3 * (chords(12.0) + drum_loop(12.0))
    over = band[:talk.size] + talk if band.size >= talk.size else talk
    return {"talk": talk, "band": band, "voice over band": np.concatenate([band, over, band])}


def test_the_front_end_is_a_hann_windowed_dft():
    basis = S.dft_basis(S.shipped_model())[:, 0]
    n = np.arange(S.N_FFT)
    k = np.arange(S.N_FFT // 2 + 1)[:, None]
    window = S.front_end_window()
    np.testing.assert_allclose(basis[:129], window * np.cos(2 * np.pi * k * n / S.N_FFT), atol=1e-6)
    np.testing.assert_allclose(basis[129:], -window * np.sin(2 * np.pi * k * n / S.N_FFT), atol=1e-6)


def test_probabilities_and_speech_chunks_match_faster_whispers_model(signals, tmp_path, monkeypatch):
    from faster_whisper import vad

    from mediarec.extract.extractors.transcript import vad_options

    shipped = vad.SileroVADModel(str(S.shipped_model()))
    ours = S.SileroVAD(tmp_path / "models")
    for name, y in signals.items():
        y = np.pad(y.astype(np.float32), (0, S.CHUNK - y.size % S.CHUNK))
        np.testing.assert_allclose(ours(y), shipped(y), atol=1e-4, err_msg=name)
    monkeypatch.setattr(vad, "get_vad_model", lambda: shipped)  # restored after the test
    expected = {name: vad.get_speech_timestamps(y, vad_options()) for name, y in signals.items()}
    assert expected["talk"] and expected["voice over band"]  # the comparison below is not of nothing
    S.install(tmp_path / "models")
    assert vad.get_vad_model() is not shipped
    assert {name: vad.get_speech_timestamps(y, vad_options()) for name, y in signals.items()} == expected
