"""dsp_kernels against the librosa functions they replace, on generated and real music, and the promise
they exist for: the audio extractors' start-up and per-file path never import scipy.signal, numba or librosa."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mediarec.extract import dsp_kernels as k
from mediarec.extract.base import MediaInput
from mediarec.extract.extractors.audio_dsp import stft_magnitude, stft_power
from mediarec.extract.models import musicnn_net

from music_signals import RATE, chords, click_track, drum_loop, soft_slow_chords

librosa = pytest.importorskip("librosa")

SR, N_FFT, HOP = 22050, 2048, 512  # audio.dsp's analysis


def generated() -> dict[str, np.ndarray]:
    noise = np.random.default_rng(3).standard_normal(8 * RATE).astype(np.float32)
    return {"clicks": click_track(137, seconds=12.0), "drums": drum_loop(120, seconds=12.0),
            "chords": chords("A minor"), "soft": soft_slow_chords(12.0), "noise": 0.1 * noise}


@pytest.fixture(scope="module", params=sorted(generated()))
def music(request) -> np.ndarray:
    return np.ascontiguousarray(generated()[request.param], dtype=np.float32)


@pytest.fixture(scope="module")
def real_music(corpus) -> list[np.ndarray]:
    """The shared decode (22.05 kHz, excerpt policy) of one Ogg and one MP3 track of the dev corpus."""
    paths = [sorted((corpus / "music" / "singularity").glob("*.ogg"))[0],
             sorted((corpus / "music" / "asc").glob("*.mp3"))[0]]
    return [np.ascontiguousarray(MediaInput({"path": str(p), "kind": "audio", "duration": None}).audio(SR),
                                 dtype=np.float32) for p in paths]


def mel_db_of(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(magnitude frames, dB mel spectrogram) as audio.dsp computes them."""
    frames = stft_magnitude(y)
    return frames, librosa.power_to_db(k.mel_filters(SR, N_FFT, 96) @ (frames.T ** 2), ref=1.0, top_db=80.0)


# --- constants: bit for bit ---------------------------------------------------------------------------

@pytest.mark.parametrize("n", [7, 512, 640, 1024, 2048])
def test_hann_is_scipys(n):
    import scipy.signal

    np.testing.assert_array_equal(k.hann(n), scipy.signal.get_window("hann", n, fftbins=True))


@pytest.mark.parametrize("sr, n_fft, n_mels, fmin, fmax", [
    (22050, 2048, 96, 0.0, None),  # audio.dsp
    (16000, 512, 96, 0.0, None),  # musicnn
    (16000, 1024, 128, 0.0, 8000.0),  # vibenet
    (44100, 4096, 40, 300.0, 11000.0),  # neither: fmin above zero, fmax below Nyquist
])
def test_mel_filters_are_librosas(sr, n_fft, n_mels, fmin, fmax):
    ours = k.mel_filters(sr, n_fft, n_mels, fmin, fmax)
    theirs = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax)
    assert ours.dtype == theirs.dtype == np.float32
    np.testing.assert_array_equal(ours, theirs)
    assert not ours.flags.writeable  # shared by every caller: nobody may change it


@pytest.mark.parametrize("sr, n_fft", [(22050, 2048), (16000, 1024)])
def test_chroma_filters_are_librosas(sr, n_fft):
    np.testing.assert_array_equal(k.chroma_filters(sr, n_fft), librosa.filters.chroma(sr=sr, n_fft=n_fft, tuning=0.0))


# --- spectrogram kernels --------------------------------------------------------------------------------

def test_musicnn_mel_is_librosas_bit_for_bit(music):
    y16 = librosa.resample(music, orig_sr=RATE, target_sr=16000, res_type="soxr_hq")
    segments = np.stack([y16[:48128], y16[30000:78128], np.zeros(48128, np.float32)])
    ours = k.mel_spectrogram_uncentred(segments, 16000, 512, 256, 96)
    theirs = librosa.feature.melspectrogram(y=segments, sr=16000, n_fft=512, hop_length=256, n_mels=96, center=False)
    assert ours.shape == theirs.shape == (3, 96, 187)
    np.testing.assert_array_equal(ours, theirs)


def test_log_mel_patches_unchanged(music, monkeypatch):
    """musicnn's input patches are bit for bit what they were with librosa's mel (the weights saw those)."""
    y16 = librosa.resample(music, orig_sr=RATE, target_sr=16000, res_type="soxr_hq")
    ours = musicnn_net.log_mel_patches(y16)

    def librosas_mel(y, sr, n_fft, hop, n_mels):
        return librosa.feature.melspectrogram(y=y, sr=sr, n_fft=n_fft, hop_length=hop, n_mels=n_mels, center=False)

    monkeypatch.setattr(k, "mel_spectrogram_uncentred", librosas_mel)
    np.testing.assert_array_equal(ours, musicnn_net.log_mel_patches(y16))


def test_db_mfcc_onset_strength_are_librosas(music):
    frames, mel_db = mel_db_of(music)
    mel = k.mel_filters(SR, N_FFT, 96) @ (frames.T ** 2)
    np.testing.assert_array_equal(k.power_to_db(mel), mel_db)
    np.testing.assert_array_equal(k.mfcc(mel_db, 13), librosa.feature.mfcc(S=mel_db, n_mfcc=13))
    np.testing.assert_array_equal(k.onset_strength(mel_db, N_FFT, HOP),
                                  librosa.onset.onset_strength(S=mel_db, sr=SR, hop_length=HOP))


def test_the_shared_power_spectrogram_and_banded_mel_are_librosas(music):
    """audio.dsp computes one power spectrogram and projects only each mel filter's non-zero bins:
    the same numbers as librosa's dense mel spectrogram, to float32 rounding."""
    power = stft_power(music)
    theirs = np.abs(librosa.stft(music, n_fft=N_FFT, hop_length=HOP)) ** 2
    np.testing.assert_allclose(power, theirs, rtol=1e-4, atol=1e-6 * theirs.max())
    mel = k.mel_project(power, SR, N_FFT, 96)
    dense = librosa.feature.melspectrogram(S=power, sr=SR, n_fft=N_FFT, n_mels=96)
    np.testing.assert_allclose(mel, dense, rtol=1e-4, atol=1e-6 * dense.max())
    np.testing.assert_allclose(k.power_to_db(mel), k.power_to_db(dense), atol=1e-3)


def test_spectral_contrast_is_librosas(music):
    frames = stft_magnitude(music)[::8]
    theirs = librosa.feature.spectral_contrast(S=frames.T, sr=SR, n_fft=N_FFT)
    np.testing.assert_allclose(k.spectral_contrast(frames, SR, N_FFT), theirs, rtol=1e-4, atol=1e-4)


def test_onsets_are_librosas(music):
    _, mel_db = mel_db_of(music)
    env = librosa.onset.onset_strength(S=mel_db, sr=SR, hop_length=HOP)
    theirs = librosa.onset.onset_detect(onset_envelope=env, sr=SR, hop_length=HOP)
    np.testing.assert_array_equal(k.onset_detect(env, SR, HOP), theirs)


def test_no_onsets_in_a_flat_envelope():
    assert k.onset_detect(np.zeros(100, np.float32), SR, HOP).size == 0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("params", [(1, 1, 4, 5, 0.07, 1), (3, 2, 10, 10, 0.0, 0), (0, 1, 0, 1, 0.25, 7)])
def test_peak_pick_is_librosas_with_ties(dtype, params):
    """Values on a coarse grid make plateaus and means that land exactly on the threshold."""
    x = (np.random.default_rng(7).integers(0, 9, 2000) / 8).astype(dtype)
    pre_max, post_max, pre_avg, post_avg, delta, wait = params
    theirs = librosa.util.peak_pick(x, pre_max=pre_max, post_max=post_max, pre_avg=pre_avg, post_avg=post_avg,
                                    delta=delta, wait=wait)
    np.testing.assert_array_equal(k.peak_pick(x, pre_max, post_max, pre_avg, post_avg, delta, wait), theirs)


@pytest.mark.corpus
def test_kernels_match_librosa_on_real_music(real_music):
    for y in real_music:
        frames, mel_db = mel_db_of(y)
        power = frames.T ** 2
        chroma = librosa.feature.chroma_stft(S=power, sr=SR, n_fft=N_FFT, tuning=0.0, norm=None)
        np.testing.assert_allclose(k.chroma_filters(SR, N_FFT) @ power.sum(axis=1, dtype=np.float64),
                                   chroma.sum(axis=1), rtol=1e-4)
        np.testing.assert_allclose(k.spectral_contrast(frames[::8], SR, N_FFT),
                                   librosa.feature.spectral_contrast(S=frames[::8].T, sr=SR, n_fft=N_FFT),
                                   rtol=1e-4, atol=1e-4)
        env = k.onset_strength(mel_db, N_FFT, HOP)
        np.testing.assert_array_equal(env, librosa.onset.onset_strength(S=mel_db, sr=SR, hop_length=HOP))
        onsets = k.onset_detect(env, SR, HOP)
        assert onsets.size > 20
        np.testing.assert_array_equal(onsets, librosa.onset.onset_detect(onset_envelope=env, sr=SR, hop_length=HOP))
        y16 = librosa.resample(y[:30 * SR], orig_sr=SR, target_sr=16000, res_type="soxr_hq")
        segments = np.stack([y16[i * 47872:i * 47872 + 48128] for i in range(3)])
        np.testing.assert_array_equal(
            k.mel_spectrogram_uncentred(segments, 16000, 512, 256, 96),
            librosa.feature.melspectrogram(y=segments, sr=16000, n_fft=512, hop_length=256, n_mels=96, center=False))


# --- what the kernels are for ----------------------------------------------------------------------------

HOT_PATH = """
import json, sys
import numpy as np
from mediarec.extract.base import Runtime
from mediarec.extract.extractors import audio_dsp, emotion_music
from mediarec.extract.models import musicnn_net
audio_dsp.AudioDSP().load(Runtime(models_dir="", cache_dir=""))
y = (0.1 * np.random.default_rng(0).standard_normal(10 * 22050)).astype(np.float32)
audio_dsp.analyse(y)
musicnn_net.log_mel_patches(y[:10 * 16000])
emotion_music.vibenet_mel(y[:10 * 16000])
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("librosa", "numba", "torch")
                        or m.startswith("scipy.signal"))))
"""


def test_audio_hot_path_imports_no_librosa_numba_or_scipy_signal():
    """Each analysis worker is a fresh process: these imports would cost it seconds before its first file."""
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", HOT_PATH], capture_output=True, text=True, cwd=root, timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
