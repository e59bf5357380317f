"""musicnn (Pons & Serra, 2019) in torch: its log-mel input and the network, loading our converted weights.

A faithful port of `build_musicnn` from the `musicnn` 0.1.0 wheel (ISC, Music Technology Group, UPF),
with the weights of its MSD_musicnn and MTT_musicnn checkpoints as converted by tools/convert_musicnn.py
(resources/models/musicnn/). Tests check it against outputs of the original TensorFlow code
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

import os
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

SAMPLE_RATE = 16000
N_FFT = 512
HOP = 256
N_MELS = 96
PATCH_FRAMES = 187  # librosa.time_to_frames(3 s) + 1, as musicnn computes it
BN_EPS = 1e-3  # tf.layers.batch_normalization's default (torch's is 1e-5)
FLOAT16_MAX = 65504.0

MODELS = ("MSD_musicnn", "MTT_musicnn")
SHIPPED_DIR = Path(__file__).resolve().parents[3] / "resources" / "models" / "musicnn"


def weights_dir(models_dir: str | os.PathLike | None = None) -> Path:
    """Where the converted weights are: `<models dir>/musicnn` when it holds them, else the shipped copy."""
    if models_dir is not None:
        local = Path(models_dir) / "musicnn"
        if all((local / f"{name}.npz").exists() for name in MODELS):
            return local
    return SHIPPED_DIR


# --- input: log-mel patches, as musicnn's extractor.batch_data computes them ------------------------

def log_mel(samples: np.ndarray) -> np.ndarray:
    """(frames, 96) log-compressed mel spectrogram of mono float32 audio at 16 kHz.

    musicnn rounds the mel power to float16 before `log10(10000 * mel + 1)` (computed in float32 under
    the numpy 1.x it was written for; numpy 2 keeps float16 there and overflows to inf). We keep the
    rounding, so inputs match what the models saw, and clip at float16's maximum so a pathologically
    loud band gives a large finite value instead of inf."""
    import librosa

    mel = librosa.feature.melspectrogram(y=np.asarray(samples, dtype=np.float32), sr=SAMPLE_RATE,
                                         hop_length=HOP, n_fft=N_FFT, n_mels=N_MELS).T
    mel = np.minimum(mel, FLOAT16_MAX).astype(np.float16).astype(np.float32)
    return np.log10(np.float32(10000.0) * mel + np.float32(1.0))


def patches(logmel: np.ndarray) -> np.ndarray:
    """(n, 187, 96) float32: non-overlapping 3-second patches; a shorter input is zero-padded to one.

    musicnn drops the incomplete tail patch; so do we, except when there is no whole patch at all.
    Zero is the log-mel of silence (log10(1)), so padding adds silence, not noise."""
    frames = logmel.shape[0]
    if frames < PATCH_FRAMES:
        padded = np.zeros((PATCH_FRAMES, N_MELS), np.float32)
        padded[:frames] = logmel
        return padded[None]
    count = frames // PATCH_FRAMES
    return np.ascontiguousarray(logmel[:count * PATCH_FRAMES].reshape(count, PATCH_FRAMES, N_MELS), np.float32)


# --- the network --------------------------------------------------------------------------------------

def _bn2d(channels: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, eps=BN_EPS)


def _bn1d(channels: int) -> nn.BatchNorm1d:
    return nn.BatchNorm1d(channels, eps=BN_EPS)


class FrontEndBlock(nn.Module):
    """conv over (time, frequency) -> ReLU -> BN -> max over frequency: (B, 1, T, F) -> (B, filters, T)."""

    def __init__(self, filters: int, frames: int, bands: int, pad: tuple[int, int]):
        super().__init__()
        self.pad = pad  # time padding (before, after): the output keeps T frames
        self.conv = nn.Conv2d(1, filters, (frames, bands))
        self.bn = _bn2d(filters)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.pad(x, (0, 0, self.pad[0], self.pad[1]))
        return self.bn(F.relu(self.conv(x))).amax(dim=3)


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
            FrontEndBlock(timbral_filters, 7, int(share * n_mels), (3, 3)) for share in (0.4, 0.7))
        self.temporal = nn.ModuleList(
            FrontEndBlock(temporal_filters, k, 1, _same_padding(k)) for k in (128, 64, 32))
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
