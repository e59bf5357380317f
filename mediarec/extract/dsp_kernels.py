"""The audio extractors' signal-processing kernels: librosa's STFT, filter banks, dB, MFCC, contrast, onsets.

Each is a numpy (and scipy pocketfft) port of the librosa 0.11 function named in its docstring, computing the
same thing in the same order, so results are the same: bit for bit where the docstring says so, else to
float rounding. Why not librosa itself: its spectral and filter modules import scipy.signal at module
level and its onset picking is numba-jitted, which costs every freshly spawned analysis worker seconds
before its first file (more without a bytecode cache, PYTHONDONTWRITEBYTECODE). The extractors' per-file
path imports nothing beyond numpy and scipy's pocketfft (extract/fft.py, without scipy.fft's imports);
tests/extract/test_dsp_kernels.py holds each kernel to the librosa function it replaces, on generated
and real audio."""
from __future__ import annotations

import functools
import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

_MAX_MEM_BLOCK = 2 ** 8 * 2 ** 10  # librosa.util.MAX_MEM_BLOCK: stft's block size, kept for identical results


def _readonly(a: np.ndarray) -> np.ndarray:
    """Built once per process and shared by every caller (functools.cache): nobody may change it."""
    a.setflags(write=False)
    return a


# --- windows and filter banks (built once per process) -------------------------------------------------

@functools.cache
def hann(n: int) -> np.ndarray:
    """The periodic Hann window, float64: scipy.signal.get_window("hann", n, fftbins=True) bit for bit
    (scipy's general cosine over n + 1 points, last one dropped), librosa's default STFT window."""
    if n <= 1:
        return _readonly(np.ones(n))
    fac = np.linspace(-np.pi, np.pi, n + 1)
    w = np.zeros(n + 1)
    for k, a in enumerate(np.array([0.5, 0.5])):
        w += a * np.cos(k * fac)
    return _readonly(w[:-1])


def hz_to_mel(hz: np.ndarray) -> np.ndarray:
    """Slaney's mel scale (librosa.hz_to_mel, htk=False): linear below 1 kHz, logarithmic above."""
    hz = np.array(hz, np.float64, ndmin=1)
    f_sp = 200.0 / 3
    mels = hz / f_sp
    min_log_hz, min_log_mel, logstep = 1000.0, 1000.0 / f_sp, np.log(6.4) / 27.0
    high = hz >= min_log_hz
    mels[high] = min_log_mel + np.log(hz[high] / min_log_hz) / logstep
    return mels


def mel_to_hz(mels: np.ndarray) -> np.ndarray:
    """Inverse of `hz_to_mel` (librosa.mel_to_hz, htk=False)."""
    mels = np.array(mels, np.float64, ndmin=1)
    f_sp = 200.0 / 3
    hz = f_sp * mels
    min_log_hz, min_log_mel, logstep = 1000.0, 1000.0 / f_sp, np.log(6.4) / 27.0
    high = mels >= min_log_mel
    hz[high] = min_log_hz * np.exp(logstep * (mels[high] - min_log_mel))
    return hz


@functools.cache
def mel_filters(sr: float, n_fft: int, n_mels: int, fmin: float = 0.0, fmax: float | None = None) -> np.ndarray:
    """(n_mels, n_fft/2+1) float32 Slaney mel filter bank with Slaney area normalisation:
    librosa.filters.mel(sr=, n_fft=, n_mels=, fmin=, fmax=) with its defaults, bit for bit."""
    if fmax is None:
        fmax = float(sr) / 2
    weights = np.zeros((n_mels, 1 + n_fft // 2), dtype=np.float32)
    fftfreqs = np.fft.rfftfreq(n=n_fft, d=1.0 / sr)
    min_mel, max_mel = hz_to_mel(np.array([fmin, fmax], np.float64))
    mel_f = mel_to_hz(np.linspace(min_mel, max_mel, n_mels + 2))
    fdiff = np.diff(mel_f)
    ramps = np.subtract.outer(mel_f, fftfreqs)
    for i in range(n_mels):
        lower = -ramps[i] / fdiff[i]
        upper = ramps[i + 2] / fdiff[i + 1]
        weights[i] = np.maximum(0, np.minimum(lower, upper))
    enorm = 2.0 / (mel_f[2:n_mels + 2] - mel_f[:n_mels])
    weights *= enorm[:, np.newaxis]
    return _readonly(weights)


@functools.cache
def chroma_filters(sr: float, n_fft: int, n_chroma: int = 12) -> np.ndarray:
    """(n_chroma, n_fft/2+1) float32 chroma filter bank, C first, A440 tuning: librosa.filters.chroma(sr=,
    n_fft=, n_chroma=) with its defaults (Gaussian bumps per pitch class, each FFT bin's column
    L2-normalised, then weighted by a 2-octave-wide Gaussian centred at octave 5 (~880 Hz))."""
    frequencies = np.linspace(0, sr, n_fft, endpoint=False)[1:]
    frqbins = n_chroma * np.log2(frequencies / (float(440.0 * 2.0 ** (0.0 / n_chroma)) / 16))
    # The 0 Hz bin is made up: 1.5 octaves below bin 1, so it is smeared over all pitch classes.
    frqbins = np.concatenate(([frqbins[0] - 1.5 * n_chroma], frqbins))
    binwidthbins = np.concatenate((np.maximum(frqbins[1:] - frqbins[:-1], 1.0), [1]))
    d = np.subtract.outer(frqbins, np.arange(0, n_chroma, dtype="d")).T
    n_chroma2 = np.round(float(n_chroma) / 2)
    d = np.remainder(d + n_chroma2 + 10 * n_chroma, n_chroma) - n_chroma2
    wts = np.exp(-0.5 * (2 * d / np.tile(binwidthbins, (n_chroma, 1))) ** 2)
    length = np.sum(np.abs(wts) ** 2, axis=0, keepdims=True) ** (1.0 / 2)  # librosa.util.normalize, norm=2
    length[length < np.finfo(wts.dtype).tiny] = 1.0
    wts = wts / length
    wts *= np.tile(np.exp(-0.5 * (((frqbins / n_chroma - 5.0) / 2) ** 2)), (n_chroma, 1))
    wts = np.roll(wts, -3 * (n_chroma // 12), axis=0)
    return _readonly(np.ascontiguousarray(wts[:, :int(1 + n_fft / 2)], dtype=np.float32))


@functools.cache
def _mel_bands(sr: float, n_fft: int, n_mels: int) -> tuple[tuple[int, int], ...]:
    """(first, end) FFT bin of each mel filter's non-zero weights."""
    spans = []
    for row in mel_filters(sr, n_fft, n_mels):
        nz = np.flatnonzero(row)
        spans.append((int(nz[0]), int(nz[-1]) + 1) if nz.size else (0, 0))
    return tuple(spans)


def mel_project(power: np.ndarray, sr: float, n_fft: int, n_mels: int) -> np.ndarray:
    """mel_filters(sr, n_fft, n_mels) @ power for a (n_fft/2+1, frames) C-ordered power spectrogram,
    (n_mels, frames) float32, multiplying only each filter's non-zero bins: 96 bands over 1025 bins have
    2,008 non-zero weights of 98,400, so this is 8x faster than the dense product. The same products are
    added in another order: equal to the dense product within float32 rounding."""
    weights = mel_filters(sr, n_fft, n_mels)
    out = np.zeros((n_mels, power.shape[1]), np.float32)
    for i, (first, end) in enumerate(_mel_bands(sr, n_fft, n_mels)):
        if end > first:
            np.dot(weights[i, first:end], power[first:end], out=out[i])
    return out


# --- spectrograms ----------------------------------------------------------------------------------------

def power_spectrogram_uncentred(y: np.ndarray, n_fft: int, hop: int) -> np.ndarray:
    """np.abs(librosa.stft(y, n_fft=, hop_length=, center=False)) ** 2 for float32 y of shape (..., samples):
    (..., n_fft/2+1, frames) float32, bit for bit. Same Hann window (float64), same framing, same
    scipy.fft blocks and the same complex64 Fortran-ordered result, so the same numbers come out."""
    from .fft import rfft

    y = np.asarray(y)
    if y.shape[-1] < n_fft:
        raise ValueError(f"input of {y.shape[-1]} samples is shorter than one {n_fft}-sample frame")
    window = hann(n_fft).reshape(n_fft, 1)
    frames = np.swapaxes(sliding_window_view(y, n_fft, axis=-1), -1, -2)[..., ::hop]  # (..., n_fft, frames)
    dtype = np.result_type(y.dtype, np.complex64)
    stft = np.zeros((*frames.shape[:-2], 1 + n_fft // 2, frames.shape[-1]), dtype=dtype, order="F")
    n_columns = max(1, int(_MAX_MEM_BLOCK // (np.prod(frames.shape[:-1]) * frames.itemsize)))
    for start in range(0, frames.shape[-1], n_columns):
        stop = min(start + n_columns, frames.shape[-1])
        stft[..., start:stop] = rfft(window * frames[..., start:stop], axis=-2)
    return np.abs(stft) ** 2.0


def mel_spectrogram_uncentred(y: np.ndarray, sr: float, n_fft: int, hop: int, n_mels: int) -> np.ndarray:
    """librosa.feature.melspectrogram(y=, sr=, n_fft=, hop_length=, n_mels=, center=False), bit for bit:
    (..., n_mels, frames) float32 mel power."""
    power = power_spectrogram_uncentred(y, n_fft, hop)
    return np.einsum("...ft,mf->...mt", power, mel_filters(sr, n_fft, n_mels), optimize=True)


def power_to_db(s: np.ndarray, amin: float = 1e-10, top_db: float | None = 80.0) -> np.ndarray:
    """librosa.power_to_db(s, ref=1.0, amin=, top_db=): 10 log10(s), floored at amin and at top_db below the max."""
    log_spec = 10.0 * np.log10(np.maximum(amin, s))
    if top_db is not None:
        log_spec = np.maximum(log_spec, log_spec.max() - top_db)
    return log_spec


def mfcc(s_db: np.ndarray, n_mfcc: int) -> np.ndarray:
    """librosa.feature.mfcc(S=s_db, n_mfcc=): the orthonormal DCT-II of a (bands, frames) log spectrogram."""
    from .fft import dct_ortho

    return dct_ortho(s_db, axis=-2)[..., :n_mfcc, :]


@functools.cache
def _contrast_bands(sr: float, n_fft: int, fmin: float, n_bands: int, quantile: float) -> tuple:
    """(first bin, end bin, quantile count) of each band of librosa.feature.spectral_contrast: octaves
    from fmin, the first from 0 Hz and the last up to Nyquist; each band also takes the bin below it and
    gives up its top bin to the next band, as librosa's masks do."""
    freq = np.fft.rfftfreq(n=n_fft, d=1.0 / sr)
    octa = np.zeros(n_bands + 2)
    octa[1:] = fmin * (2.0 ** np.arange(0, n_bands + 1))
    if np.any(octa[:-1] >= 0.5 * sr):
        raise ValueError("spectral contrast band exceeds Nyquist: reduce fmin or n_bands")
    bands = []
    for k, (f_low, f_high) in enumerate(zip(octa[:-1], octa[1:])):
        band = np.logical_and(freq >= f_low, freq <= f_high)
        idx = np.flatnonzero(band)
        if k > 0:
            band[idx[0] - 1] = True
        if k == n_bands:
            band[idx[-1] + 1:] = True
        selected = np.flatnonzero(band)  # always one contiguous run of bins
        end = selected[-1] + 1 if k == n_bands else selected[-1]  # all but the last, except in the top band
        count = int(np.maximum(np.rint(quantile * np.sum(band)), 1))
        bands.append((int(selected[0]), int(end), count))
    return tuple(bands)


def spectral_contrast(mag: np.ndarray, sr: float, n_fft: int, fmin: float = 200.0, n_bands: int = 6,
                      quantile: float = 0.02) -> np.ndarray:
    """librosa.feature.spectral_contrast(S=mag.T, sr=, n_fft=, fmin=, n_bands=, quantile=) for magnitude
    frames `mag` (frames, n_fft/2+1): (n_bands+1, frames) float64, peak minus valley in dB per octave band.

    Peak and valley are the means of the `count` largest and smallest magnitudes of a band. Each frame's
    band is sorted along contiguous memory (numpy's vectorised sort: faster here than a partial sort or
    librosa's sort across frames); the means add the same values in another order, so results differ
    from librosa's only in rounding."""
    n_frames = mag.shape[0]
    valley = np.zeros((n_bands + 1, n_frames))
    peak = np.zeros_like(valley)
    for k, (start, end, count) in enumerate(_contrast_bands(sr, n_fft, fmin, n_bands, quantile)):
        ordered = np.sort(mag[:, start:end], axis=1)
        valley[k] = ordered[:, :count].mean(axis=1)
        peak[k] = ordered[:, -count:].mean(axis=1)
    return power_to_db(peak) - power_to_db(valley)


# --- onsets ----------------------------------------------------------------------------------------------

def onset_strength(s_db: np.ndarray, n_fft: int, hop: int, lag: int = 1) -> np.ndarray:
    """librosa.onset.onset_strength(S=s_db, n_fft=, hop_length=, lag=), bit for bit: the mean over bands of
    the positive frame-to-frame rise of a (bands, frames) dB spectrogram, delayed so that frame t
    describes the onset centred on it."""
    # C order: librosa's mean over bands then adds rows in the same order as here (it keeps the caller's
    # layout, and our callers' spectrograms are C-ordered).
    s = np.ascontiguousarray(np.atleast_2d(s_db))
    rise = np.maximum(0.0, s[..., lag:] - s[..., :-lag])
    env = np.mean(rise, axis=-2)
    pad = lag + n_fft // (2 * hop)
    env = np.pad(env, [(0, 0)] * (env.ndim - 1) + [(int(pad), 0)], mode="constant")
    return env[..., :s.shape[-1]]


def onset_detect(env: np.ndarray, sr: float, hop: int) -> np.ndarray:
    """librosa.onset.onset_detect(onset_envelope=env, sr=, hop_length=) with its defaults: onset frames.

    The envelope is scaled to [0, 1]; a frame is an onset when it is the maximum of the 30 ms before it,
    at least 0.07 above the mean of the 100 ms around it, and 30 ms after the previous onset."""
    x = env - np.min(env, keepdims=True, axis=-1)
    x /= np.max(x, keepdims=True, axis=-1) + np.finfo(x.dtype).tiny
    if not x.any() or not np.all(np.isfinite(x)):
        return np.array([], dtype=int)
    frames = lambda seconds, extra=0: int(math.ceil(seconds * sr // hop + extra))  # noqa: E731 - librosa's rounding
    return peak_pick(x, pre_max=frames(0.03), post_max=frames(0.0, 1), pre_avg=frames(0.10),
                     post_avg=frames(0.10, 1), delta=0.07, wait=frames(0.03))


def peak_pick(x: np.ndarray, pre_max: int, post_max: int, pre_avg: int, post_avg: int, delta: float,
              wait: int) -> np.ndarray:
    """librosa.util.peak_pick(x, ...) for a 1-d float x, without numba: indices n where
    x[n] == max(x[n-pre_max : n+post_max]) and x[n] >= mean(x[n-pre_avg : n+post_avg]) + delta (windows
    clipped at the ends), skipping `wait` frames after each peak.

    librosa's jitted loop sums each mean window in x's precision, in order, then divides in double and
    rounds back, and adds delta in x's precision; this does the same arithmetic on all windows at once,
    so the same frames pass the threshold even when a value lands right on it."""
    x = np.asarray(x)
    if x.ndim != 1 or x.size == 0 or x.dtype not in (np.float32, np.float64):
        raise ValueError(f"peak_pick expects a non-empty 1-d float array, not {x.dtype} {x.shape}")
    n, dtype = x.shape[0], x.dtype
    padded = np.concatenate([np.full(pre_max, -np.inf, dtype), x, np.full(post_max - 1, -np.inf, dtype)])
    mov_max = sliding_window_view(padded, pre_max + post_max).max(axis=1)
    # Zeros outside the signal add nothing to a running sum, bit for bit, so one padded window fits all.
    padded = np.concatenate([np.zeros(pre_avg, dtype), x, np.zeros(post_avg - 1, dtype)])
    windows = sliding_window_view(padded, pre_avg + post_avg)
    total = np.zeros(n, dtype)
    for k in range(pre_avg + post_avg):
        total += windows[:, k]
    index = np.arange(n)
    count = np.minimum(index + post_avg, n) - np.maximum(0, index - pre_avg)
    mean = (total.astype(np.float64) / count).astype(dtype)
    candidates = np.flatnonzero((x == mov_max) & (x >= mean + np.float32(delta).astype(dtype)))
    peaks, next_allowed = [], 0
    for i in candidates.tolist():
        if i >= next_allowed:
            peaks.append(i)
            next_allowed = i + wait + 1
    return np.array(peaks, dtype=int)
