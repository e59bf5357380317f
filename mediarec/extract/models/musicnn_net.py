"""musicnn (Pons & Serra, 2019): the tagger that runs the network on log-mel patches (ONNX, torch as fallback).

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

from ..device import model_backend
from ..onnx_cache import EarlierFailure, cached_onnx, file_hash, onnx_or_torch, session
from .verify import verify
from .musicnn_input import N_MELS, PATCH_FRAMES, SAMPLE_RATE, log_mel_patches, patch_count

log = logging.getLogger(__name__)

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


def verify_weights(folder: str | os.PathLike) -> None:
    """Both models' weights in `folder` are the converted files we ship (SHA-256); ModelRefused names one
    that is not. A user's own copy in the models dir is held to the same hashes."""
    for name in MODELS:
        verify(Path(folder) / f"{name}.npz", f"musicnn/{name}.npz", "music tags (musicnn)")


class Tagger:
    """One musicnn model run on log-mel patches: onnxruntime (exported once, cached under the models dir
    by weights hash) or, if export or loading fails, torch eager, with the reason logged.

    With `int8` on a CPU, the ONNX model's int8 version (musicnn_int8: built once from the fp32 export
    and cached beside it) runs instead; where it cannot be built, or disagrees with fp32 or is not
    faster here (remembered), the fp32 model runs, with the reason logged. `precision` says which ran."""

    def __init__(self, weights: str | os.PathLike, models_dir: str | os.PathLike, device: str = "cpu",
                 threads: int = 1, backend: str = "auto", int8: bool = False):
        self.weights = verify(weights, f"musicnn/{Path(weights).name}", "music tags (musicnn)")
        self.name = self.weights.stem
        self.device, self.threads = device, max(1, threads)
        self.backend = ""
        self.precision = "fp32"
        self._torch = None  # musicnn_torch.MusicNN, only when ONNX is not usable
        backend = model_backend(device, backend)  # torch CUDA where onnxruntime has no CUDA provider
        self._session = onnx_or_torch(self.name, backend, lambda: self._onnx_session(models_dir, int8))
        if self._session is not None:
            self.backend = "onnx"
        else:
            import torch

            from .musicnn_torch import load

            torch.set_num_threads(self.threads)
            self._torch = load(self.weights)
            if device == "cuda" and torch.cuda.is_available():
                self._torch = self._torch.cuda()
            self.backend = "torch"

    def _onnx_session(self, models_dir: str | os.PathLike, int8: bool):
        key = file_hash(self.weights, extra=f"musicnn:{EXPORT_VERSION}:{OPSET}")
        path = cached_onnx(models_dir, self.name, key, self._export)
        found = self._int8_session(models_dir, path) if int8 and self.device == "cpu" else None
        return found if found is not None else session(path, self.device, self.threads, models_dir)

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
            int8 = session(path, "cpu", self.threads, models_dir)
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


__all__ = ["Tagger", "weights_dir", "MODELS", "SHIPPED_DIR", "SAMPLE_RATE", "log_mel_patches", "patch_count"]
