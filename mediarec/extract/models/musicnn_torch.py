"""musicnn's network in torch (used to export the ONNX model once, to check the port, and as a fallback).

Kept apart from musicnn_net so that analysis workers, which run the cached ONNX model, never import torch
(importing it costs each worker about 2.5 s)."""
from __future__ import annotations

import os

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .musicnn_net import BN_EPS, N_MELS, PATCH_FRAMES

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
