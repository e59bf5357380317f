"""musicnn (Pons & Serra, 2019) in torch: its log-mel input and the network, loading our converted weights.

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
import torch
import torch.nn.functional as F
from torch import nn

from ..onnx_cache import cached_onnx, file_hash, session

log = logging.getLogger(__name__)

SAMPLE_RATE = 16000
N_FFT = 512
HOP = 256
N_MELS = 96
PATCH_FRAMES = 187  # librosa.time_to_frames(3 s) + 1, as musicnn computes it
BN_EPS = 1e-3  # tf.layers.batch_normalization's default (torch's is 1e-5)
FLOAT16_MAX = 65504.0
EXPORT_VERSION = "1"  # bump when the exported graph changes
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
    loud band gives a large finite value instead of inf."""
    import librosa

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
    mel = librosa.feature.melspectrogram(y=segments, sr=SAMPLE_RATE, hop_length=HOP, n_fft=N_FFT, n_mels=N_MELS,
                                         center=False)  # (n, 96, 187)
    mel = np.minimum(np.swapaxes(mel, 1, 2), FLOAT16_MAX).astype(np.float16).astype(np.float32)
    return np.ascontiguousarray(np.log10(np.float32(10000.0) * mel + np.float32(1.0)), dtype=np.float32)


# --- the network --------------------------------------------------------------------------------------

def _bn2d(channels: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, eps=BN_EPS)


def _bn1d(channels: int) -> nn.BatchNorm1d:
    return nn.BatchNorm1d(channels, eps=BN_EPS)


class FrontEndBlock(nn.Module):
    """conv over (time, frequency) -> ReLU -> BN -> max over frequency: (B, 1, T, F) -> (B, filters, T).

    Computed in an equivalent, cheaper order: pool first, then ReLU and BN on the 60x smaller pooled
    map. BN here is a per-filter affine map a*x + b; with a >= 0 it commutes with max, with a < 0 the
    max becomes a min, and ReLU commutes with both. A min is a max of the negated convolution, so each
    filter's weights are multiplied by the sign of its BN scale, max-pooled, and the sign restored.
    The arithmetic is the same (negation, max and ReLU do not round); it removes the ReLU and BN
    passes over the full conv output, about a fifth of the model's time.

    With `for_export` set, the filter count is padded with zero filters to a multiple of 16 where that
    costs little (204 -> 208): onnxruntime then keeps the conv and the pooling in its blocked NCHWc
    layout, which cuts the time of the two timbral blocks (most of the model's) by a third to a half;
    the extra channels are dropped after pooling, so the outputs do not change."""

    def __init__(self, filters: int, frames: int, bands: int, pad: tuple[int, int], n_mels: int = N_MELS):
        super().__init__()
        self.pad = pad  # time padding (before, after): the output keeps T frames
        self.pool = n_mels - bands + 1  # conv output width, pooled whole (a constant, for ONNX export)
        self.conv = nn.Conv2d(1, filters, (frames, bands))
        self.bn = _bn2d(filters)
        self.for_export = False
        blocked = -(-filters // 16) * 16
        self.export_padding = blocked - filters if blocked - filters <= filters // 32 else 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.pad(x, (0, 0, self.pad[0], self.pad[1]))
        sign = torch.where(self.bn.weight < 0, -1.0, 1.0)  # sign of a = gamma / sqrt(var + eps)
        weight, bias = self.conv.weight * sign.view(-1, 1, 1, 1), self.conv.bias * sign
        if self.for_export and self.export_padding:
            weight = torch.cat([weight, weight.new_zeros(self.export_padding, *weight.shape[1:])])
            bias = torch.cat([bias, bias.new_zeros(self.export_padding)])
        pooled = F.max_pool2d(F.conv2d(x, weight, bias), (1, self.pool))[:, :self.conv.out_channels]
        pooled = pooled * sign.view(1, -1, 1, 1)  # (B, filters, T, 1)
        return self.bn(F.relu(pooled)).squeeze(3)


def _same_padding(kernel: int) -> tuple[int, int]:
    """TensorFlow's 'same' padding for stride 1: the odd extra frame goes after."""
    total = kernel - 1
    return total // 2, total - total // 2


class MidEndBlock(nn.Module):
    """conv over 7 frames across all channels -> ReLU -> BN: (B, C, T) -> (B, filters, T)."""

    def __init__(self, channels: int, filters: int):
        super().__init__()
        self.conv = nn.Conv1d(channels, filters, 7, padding=3)
        self.bn = _bn1d(filters)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bn(F.relu(self.conv(x)))


class MusicNN(nn.Module):
    """(batch, 187, 96) log-mel patches -> (tag probabilities (batch, 50), penultimate (batch, 200))."""

    def __init__(self, n_tags: int = 50, n_mels: int = N_MELS, midend_filters: int = 64, backend_units: int = 200):
        super().__init__()
        timbral_filters, temporal_filters = int(1.6 * 128), int(1.6 * 32)
        self.input_bn = _bn2d(1)
        self.timbral = nn.ModuleList(
            FrontEndBlock(timbral_filters, 7, int(share * n_mels), (3, 3), n_mels) for share in (0.4, 0.7))
        self.temporal = nn.ModuleList(
            FrontEndBlock(temporal_filters, k, 1, _same_padding(k), n_mels) for k in (128, 64, 32))
        front = 2 * timbral_filters + 3 * temporal_filters
        self.midend = nn.ModuleList([MidEndBlock(front, midend_filters), MidEndBlock(midend_filters, midend_filters),
                                     MidEndBlock(midend_filters, midend_filters)])
        pooled = 2 * (front + 3 * midend_filters)
        self.pool_bn = _bn1d(pooled)
        self.dense = nn.Linear(pooled, backend_units)
        self.dense_bn = _bn1d(backend_units)
        self.out = nn.Linear(backend_units, n_tags)

    def forward(self, mel: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.input_bn(mel.unsqueeze(1))
        front = torch.cat([block(x) for block in (*self.timbral, *self.temporal)], dim=1)  # (B, 561, T)
        m1 = self.midend[0](front)
        m2 = self.midend[1](m1) + m1
        m3 = self.midend[2](m2) + m2
        features = torch.cat([front, m1, m2, m3], dim=1)  # (B, 753, T)
        pooled = torch.stack([features.amax(dim=2), features.mean(dim=2)], dim=2).flatten(1)
        penultimate = self.dense_bn(F.relu(self.dense(self.pool_bn(pooled))))
        return torch.sigmoid(self.out(penultimate)), penultimate


def load(path: str | os.PathLike) -> MusicNN:
    """A MusicNN in inference mode with the weights of one converted checkpoint (`MSD_musicnn.npz` ...)."""
    with np.load(path, allow_pickle=False) as data:
        state = {name: torch.from_numpy(np.array(data[name], dtype=np.float32)) for name in data.files}
    model = MusicNN(n_tags=state["out.weight"].shape[0])
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [name for name in missing if not name.endswith("num_batches_tracked")]
    if missing or unexpected:
        raise ValueError(f"{path}: weights do not fit MusicNN (missing {missing}, unexpected {unexpected})")
    return model.eval()


def export_onnx(model: MusicNN, path: str | os.PathLike) -> None:
    """Write `model` as ONNX (input "mel" (batch, 187, 96); outputs "tags", "penultimate"; batch dynamic)."""
    import warnings

    blocks = [*model.timbral, *model.temporal]
    for block in blocks:
        block.for_export = True
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation and folding notes
            torch.onnx.export(model, (torch.zeros(2, PATCH_FRAMES, N_MELS),), str(path), dynamo=False,
                              input_names=["mel"], output_names=["tags", "penultimate"], opset_version=17,
                              dynamic_axes={"mel": {0: "batch"}, "tags": {0: "batch"}, "penultimate": {0: "batch"}})
    finally:
        for block in blocks:
            block.for_export = False


class Tagger:
    """One musicnn model run on log-mel patches: onnxruntime (exported once, cached under the models dir
    by weights hash) or, if export or loading fails, torch eager, with the reason logged."""

    def __init__(self, weights: str | os.PathLike, models_dir: str | os.PathLike, device: str = "cpu",
                 threads: int = 1, backend: str = "auto"):
        self.weights = Path(weights)
        self.name = self.weights.stem
        self.device, self.threads = device, max(1, threads)
        self.backend = ""
        self._session = None
        self._torch: MusicNN | None = None
        if backend in ("auto", "onnx"):
            try:
                key = file_hash(self.weights, extra=f"musicnn:{EXPORT_VERSION}:{OPSET}")
                path = cached_onnx(models_dir, self.name, key, lambda tmp: export_onnx(load(self.weights), tmp))
                self._session = session(path, device, self.threads)
                self.backend = "onnx"
            except Exception as exc:  # noqa: BLE001 - any export/runtime failure falls back to torch, logged
                if backend == "onnx":
                    raise
                log.warning("%s: ONNX export or load failed, using torch instead: %s: %s",
                            self.name, type(exc).__name__, exc)
        if self._session is None:
            torch.set_num_threads(self.threads)
            self._torch = load(self.weights)
            if device == "cuda" and torch.cuda.is_available():
                self._torch = self._torch.cuda()
            self.backend = "torch"

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
        assert self._torch is not None
        device = next(self._torch.parameters()).device
        with torch.inference_mode():
            tags, features = self._torch(torch.from_numpy(batch).to(device))
        return tags.cpu().numpy(), features.cpu().numpy()
