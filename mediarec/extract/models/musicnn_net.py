"""musicnn (Pons & Serra, 2019): its log-mel input and the tagger that runs the network (ONNX, torch as fallback).

A faithful port of `build_musicnn` from the `musicnn` 0.1.0 wheel (ISC, Music Technology Group, UPF),
with the weights of its MSD_musicnn and MTT_musicnn checkpoints as converted by tools/convert_musicnn.py
(mediarec/resources/models/musicnn/). Tests check it against outputs of the original TensorFlow code
(tests/fixtures/musicnn_reference.npz).

Layers, as TensorFlow's `tf.layers` built them (conv -> ReLU -> batch norm, eps 1e-3, inference mode):
* front-end over a batch-normalised log-mel patch (time x 96 mel bands): two timbral convolutions
  (7 frames x 38 and x 67 bands, 204 filters each) and three temporal ones (128, 64, 32 frames x 1
  band, 51 filters each, TensorFlow 'same' padding), each max-pooled over frequency: 561 channels;
* mid-end: three 1-d convolutions (7 frames, 64 filters), the 2nd and 3rd with residual connections;
* back-end: the front- and mid-end channels (753) max- and mean-pooled over time, interleaved
  ([max0, mean0, max1, ...] as TensorFlow flattened them), batch norm, a 200-unit ReLU dense layer
  with batch norm (the "penultimate" features), and a 50-unit output layer (sigmoid: tag probabilities).
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np

from ..onnx_cache import EarlierFailure, cached_onnx, file_hash, session

log = logging.getLogger(__name__)

SAMPLE_RATE = 16000
N_FFT = 512
HOP = 256
N_MELS = 96
PATCH_FRAMES = 187  # librosa.time_to_frames(3 s) + 1, as musicnn computes it
BN_EPS = 1e-3  # tf.layers.batch_normalization's default (torch's is 1e-5)
FLOAT16_MAX = 65504.0
EXPORT_VERSION = "2"  # bump when the exported graph changes (2: dead filters pruned)
OPSET = 17
BATCH = 8  # patches per inference call: bounds memory (the first conv's output is ~9 MB a patch)

MODELS = ("MSD_musicnn", "MTT_musicnn")
SHIPPED_DIR = Path(__file__).resolve().parents[2] / "resources" / "models" / "musicnn"


def weights_dir(models_dir: str | os.PathLike | None = None) -> Path:
    """Where the converted weights are: `<models dir>/musicnn` when it holds them, else the shipped copy."""
    if models_dir is not None:
        local = Path(models_dir) / "musicnn"
        if all((local / f"{name}.npz").exists() for name in MODELS):
            return local
    return SHIPPED_DIR


# --- input: log-mel patches, as musicnn's extractor.batch_data computes them ------------------------

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


# --- the network --------------------------------------------------------------------------------------

class Tagger:
    """One musicnn model run on log-mel patches: onnxruntime (exported once, cached under the models dir
    by weights hash) or, if export or loading fails, torch eager, with the reason logged.

    With `int8` on a CPU, the ONNX model's int8 version (musicnn_int8: built once from the fp32 export
    and cached beside it) runs instead; where it cannot be built, or disagrees with fp32 or is not
    faster here (remembered), the fp32 model runs, with the reason logged. `precision` says which ran."""

    def __init__(self, weights: str | os.PathLike, models_dir: str | os.PathLike, device: str = "cpu",
                 threads: int = 1, backend: str = "auto", int8: bool = False):
        self.weights = Path(weights)
        self.name = self.weights.stem
        self.device, self.threads = device, max(1, threads)
        self.backend = ""
        self.precision = "fp32"
        self._session = None
        self._torch = None  # musicnn_torch.MusicNN, only when ONNX is not usable
        if backend in ("auto", "onnx"):
            try:
                key = file_hash(self.weights, extra=f"musicnn:{EXPORT_VERSION}:{OPSET}")
                path = cached_onnx(models_dir, self.name, key, self._export)
                if int8 and device == "cpu":
                    self._session = self._int8_session(models_dir, path)
                if self._session is None:
                    self._session = session(path, device, self.threads)
                self.backend = "onnx"
            except Exception as exc:  # noqa: BLE001 - any export/runtime failure falls back to torch, logged
                if backend == "onnx":
                    raise
                log.warning("%s: ONNX export or load failed, using torch instead: %s: %s",
                            self.name, type(exc).__name__, exc)
        if self._session is None:
            import torch

            from .musicnn_torch import load

            torch.set_num_threads(self.threads)
            self._torch = load(self.weights)
            if device == "cuda" and torch.cuda.is_available():
                self._torch = self._torch.cuda()
            self.backend = "torch"

    def _export(self, path: str) -> None:
        from .musicnn_torch import export_onnx, load

        export_onnx(load(self.weights), path)

    def _int8_session(self, models_dir: str | os.PathLike, fp32: Path):
        """A session of the int8 model made from `fp32` (built once), or None (the reason logged)."""
        from . import musicnn_int8

        try:
            key = file_hash(fp32, extra=musicnn_int8.cache_tag())
            path = cached_onnx(models_dir, f"{self.name}-int8", key, lambda tmp: musicnn_int8.build(fp32, tmp),
                               remember=(musicnn_int8.QuantizationRejected,))
            int8 = session(path, "cpu", self.threads)
        except Exception as exc:  # noqa: BLE001 - any failure to build or load int8 means fp32, logged
            level = logging.INFO if isinstance(exc, EarlierFailure) else logging.WARNING  # said when it failed
            log.log(level, "%s: no int8 model, running fp32: %s: %s", self.name, type(exc).__name__, exc)
            return None
        self.precision = "int8"
        return int8

    def run(self, patches: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(tag probabilities (n, 50), penultimate features (n, 200)), float32, for (n, 187, 96) patches."""
        patches = np.ascontiguousarray(patches, dtype=np.float32)
        if patches.ndim != 3 or patches.shape[1:] != (PATCH_FRAMES, N_MELS):
            raise ValueError(f"expected n x {PATCH_FRAMES} x {N_MELS} patches, got {patches.shape}")
        tags, features = [], []
        for start in range(0, len(patches), BATCH):
            t, f = self._run_batch(patches[start:start + BATCH])
            tags.append(t)
            features.append(f)
        return np.concatenate(tags).astype(np.float32), np.concatenate(features).astype(np.float32)

    def _run_batch(self, batch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self._session is not None:
            tags, features = self._session.run(None, {"mel": batch})
            return tags, features
        import torch

        assert self._torch is not None
        device = next(self._torch.parameters()).device
        with torch.inference_mode():
            tags, features = self._torch(torch.from_numpy(batch).to(device))
        return tags.cpu().numpy(), features.cpu().numpy()


def __getattr__(name: str):
    """The torch network's names (MusicNN, load, export_onnx ...), imported only when asked for."""
    from . import musicnn_torch

    try:
        return getattr(musicnn_torch, name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
