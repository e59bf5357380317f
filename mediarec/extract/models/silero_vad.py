"""Silero VAD (faster-whisper's bundled v6 model) with its STFT front end computed by one numpy FFT.

The ONNX model turns each 576-sample chunk (64 samples of context + 512 new ones) into a magnitude
spectrogram with a 258-filter Conv1d (a Hann-windowed DFT basis over 256 samples, hop 128, after 128
samples of reflection padding each side; the first of the 5 frames is dropped), then runs its encoder
and LSTM. onnxruntime spends about half of the model's time in that front end (48% of 78 ms per 1000
chunks, one thread). Here the same magnitudes come from a single scipy rfft over every frame of every
chunk, and only the rest of the graph (cut out of the shipped file once and cached in the models dir)
runs in onnxruntime: 40 ms instead of 62 for 32 s of music, 34 instead of 54 for 28 s of speech (CPU,
one thread). The speech probabilities equal the shipped model's within 1e-5 (tests/extract/
test_silero_vad.py), so `get_speech_timestamps` gives the same chunks; faster-whisper's own state
machine is used for them."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .. import dsp_kernels as kernels

CHUNK = 512  # samples per probability at 16 kHz
CONTEXT = 64  # samples of the previous chunk each chunk is prefixed with
N_FFT, HOP, PAD = 256, 128, 128  # the front end's Conv1d: kernel, stride, and the reflection pad before it
FRONT_END_OUTPUT = "/encoder/feature_extractor/Sqrt_output_0"  # the magnitude tensor the encoder reads
BATCH = 10000  # chunks per run, as faster-whisper's SileroVADModel batches them
GRAPH_VERSION = "1"  # bump when the cut below changes: the cached file's key changes with it


def shipped_model() -> Path:
    from faster_whisper.utils import get_assets_path

    return Path(get_assets_path()) / "silero_vad_v6.onnx"


class SileroVAD:
    """Callable like faster_whisper.vad.SileroVADModel: speech probabilities (chunks, 1) of 1-d audio
    whose length is a multiple of 512."""

    def __init__(self, models_dir: str | os.PathLike, threads: int = 1):
        from ..onnx_cache import cached_onnx, file_hash, session

        source = shipped_model()
        key = file_hash(source, extra=f"silero-encoder:{GRAPH_VERSION}")
        path = cached_onnx(models_dir, "silero_vad_v6-encoder", key, lambda tmp: cut_front_end(source, tmp))
        self.session = session(path, "cpu", threads, models_dir)
        self.window = front_end_window()

    def __call__(self, audio: np.ndarray, num_samples: int = CHUNK, context_size_samples: int = CONTEXT):
        assert audio.ndim == 1 and audio.shape[0] % CHUNK == 0, "1-d input, a multiple of 512 samples"
        assert (num_samples, context_size_samples) == (CHUNK, CONTEXT), "the model's own chunking only"
        mags = magnitudes(chunks_with_context(np.asarray(audio, np.float32)), self.window)
        h = c = np.zeros((1, 1, 128), np.float32)
        outputs = []
        for start in range(0, mags.shape[0], BATCH):
            out, h, c = self.session.run(None, {FRONT_END_OUTPUT: mags[start:start + BATCH], "h": h, "c": c})
            outputs.append(out)
        return np.concatenate(outputs, axis=0)


def chunks_with_context(audio: np.ndarray) -> np.ndarray:
    """(chunks, 576): each 512-sample chunk after the last 64 samples of the one before (zeros first),
    as SileroVADModel builds its batch."""
    chunks = audio.reshape(-1, CHUNK)
    context = np.zeros((chunks.shape[0], CONTEXT), np.float32)
    context[1:] = chunks[:-1, -CONTEXT:]
    return np.concatenate([context, chunks], axis=1)


def magnitudes(batch: np.ndarray, window: np.ndarray) -> np.ndarray:
    """(chunks, 129, frames) float32 |STFT| of each chunk, as the front end's Conv1d computes it."""
    from numpy.lib.stride_tricks import sliding_window_view

    from ..fft import rfft

    padded = np.pad(batch, ((0, 0), (PAD, PAD)), mode="reflect")
    frames = sliding_window_view(padded, N_FFT, axis=1)[:, HOP::HOP]  # the graph drops the first frame
    spec = rfft(frames * window, axis=-1)  # one FFT call over every frame
    return np.ascontiguousarray(np.abs(spec).astype(np.float32).transpose(0, 2, 1))


def front_end_window() -> np.ndarray:
    """The window inside the front end's DFT basis: the periodic Hann window (its 0 Hz real filter;
    tests/extract/test_silero_vad.py checks every filter of the shipped basis against it)."""
    return kernels.hann(N_FFT).astype(np.float32)


def dft_basis(source: Path) -> np.ndarray:
    """The shipped graph's (258, 1, 256) STFT basis: 129 real filters, then 129 imaginary ones."""
    import onnx
    from onnx import numpy_helper

    for init in onnx.load(str(source)).graph.initializer:
        if init.name.endswith("forward_basis_buffer"):
            return numpy_helper.to_array(init)
    raise ValueError(f"{source}: no STFT basis found; not the Silero VAD v6 graph this code knows")


def cut_front_end(source: Path, target: str) -> None:
    """Write the shipped graph from the encoder's input (the magnitudes) on, to `target`."""
    import onnx
    from onnx.utils import Extractor

    model = onnx.load(str(source))
    outputs = [o.name for o in model.graph.output]
    onnx.save(Extractor(model).extract_model([FRONT_END_OUTPUT, "h", "c"], outputs), target)


def install(models_dir: str | os.PathLike, threads: int = 1) -> None:
    """Make faster-whisper's get_speech_timestamps use this model (it asks vad.get_vad_model() for one)."""
    from faster_whisper import vad

    model = SileroVAD(models_dir, threads)
    vad.get_vad_model = lambda: model
