"""musicnn's input: 3 s log-mel patches of mono 16 kHz audio, as musicnn's extractor.batch_data computes them.

Its own module so that the tagger (musicnn_net), the torch network (musicnn_torch) and the int8 builder
(musicnn_int8) share the constants without importing one another."""
from __future__ import annotations

import numpy as np

SAMPLE_RATE = 16000
N_FFT = 512
HOP = 256
N_MELS = 96
PATCH_FRAMES = 187  # librosa.time_to_frames(3 s) + 1, as musicnn computes it
FLOAT16_MAX = 65504.0


def patch_count(n_samples: int) -> int:
    """How many 3 s patches musicnn cuts from `n_samples` samples: the whole ones (it drops the tail),
    and at least one: a shorter input is zero-padded, which musicnn itself does not handle."""
    frames = 1 + n_samples // HOP  # librosa's frame count with centred frames
    return max(1, frames // PATCH_FRAMES)


def log_mel_patches(samples: np.ndarray, indices: np.ndarray | list[int] | None = None) -> np.ndarray:
    """(n, 187, 96) float32 log-mel patches of mono 16 kHz audio: patch i is frames 187*i ... 187*i+186
    of the log-mel spectrogram musicnn computes over the whole input (n_fft 512, hop 256, 96 slaney
    mel bands, centred frames with zero padding), but only the patches in `indices` (default: all
    `patch_count` of them) are computed. A centred frame j sees samples 256*j-256 ... 256*j+255, so a
    patch is the uncentred mel of its own stretch of samples, zero-filled outside the input: the same
    values, bit for bit, at a fraction of the cost when few patches are used.

    musicnn rounds the mel power to float16 before `log10(10000 * mel + 1)` (computed in float32 under
    the numpy 1.x it was written for; numpy 2 keeps float16 there and overflows to inf). We keep the
    rounding, so inputs match what the models saw, and clip at float16's maximum so a pathologically
    loud band gives a large finite value instead of inf. The mel is librosa.feature.melspectrogram's, bit
    for bit, through dsp_kernels (librosa itself would cost each analysis worker seconds of imports)."""
    from ..dsp_kernels import mel_spectrogram_uncentred

    samples = np.asarray(samples, dtype=np.float32)
    if indices is None:
        indices = range(patch_count(len(samples)))
    span = HOP * (PATCH_FRAMES - 1) + N_FFT
    segments = np.zeros((len(indices), span), np.float32)
    for row, i in enumerate(indices):
        start = HOP * PATCH_FRAMES * int(i) - N_FFT // 2
        lo, hi = max(start, 0), min(start + span, len(samples))
        if hi > lo:
            segments[row, lo - start:hi - start] = samples[lo:hi]
    mel = mel_spectrogram_uncentred(segments, SAMPLE_RATE, N_FFT, HOP, N_MELS)  # (n, 96, 187)
    mel = np.minimum(np.swapaxes(mel, 1, 2), FLOAT16_MAX).astype(np.float16).astype(np.float32)
    return np.ascontiguousarray(np.log10(np.float32(10000.0) * mel + np.float32(1.0)), dtype=np.float32)


__all__ = ["SAMPLE_RATE", "N_FFT", "HOP", "N_MELS", "PATCH_FRAMES", "FLOAT16_MAX", "patch_count", "log_mel_patches"]
