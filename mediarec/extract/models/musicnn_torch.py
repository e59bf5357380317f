"""musicnn's network in torch (used to export the ONNX model once, to check the port, and as a fallback).

Kept apart from musicnn_net, which imports it only when it needs torch, so that analysis workers, which
run the cached ONNX model, never import torch (importing it costs each worker about 2.5 s)."""
from __future__ import annotations

import os

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .musicnn_input import FLOAT16_MAX, N_MELS, PATCH_FRAMES

BN_EPS = 1e-3  # tf.layers.batch_normalization's default (torch's is 1e-5)

PRUNE_BOUND = 1e-6
"""A filter is left out of the exported graph when it cannot move its block's output by more than this
for any valid input (log-mels are clipped to float16's range, so every layer's input is bounded): its
weights are numerically zero, the remains of units that died in training (weights ~1e-30). Its output
is then the constant it gives for zero weights, BN(ReLU(bias)), put back in its place. MSD_musicnn has
181 and 190 such filters of the two timbral blocks' 204, 48, 44 and 34 of the temporal blocks' 51 and
44 of the first mid-end block's 64; MTT_musicnn 88, 123, 13, 15 and 4, and 43 of 64."""
LOG_MEL_MAX = float(np.log10(10000.0 * FLOAT16_MAX + 1.0))  # the largest value log_mel_patches gives


def _bn2d(channels: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, eps=BN_EPS)


def _bn1d(channels: int) -> nn.BatchNorm1d:
    return nn.BatchNorm1d(channels, eps=BN_EPS)


def _bn_affine(bn: nn.modules.batchnorm._BatchNorm) -> tuple[torch.Tensor, torch.Tensor]:
    """(scale, shift) of a batch norm in inference mode: bn(x) = scale * x + shift."""
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    return scale, bn.bias - bn.running_mean * scale


class _Prunable(nn.Module):
    """A conv -> ReLU -> BN block whose dead filters can be left out of the exported graph (`prune`)."""

    conv: nn.Conv1d | nn.Conv2d
    bn: nn.modules.batchnorm._BatchNorm

    @staticmethod
    def exported(filters: int) -> int:
        """How many filters the exported graph computes for `filters` filters."""
        return filters

    def _init_pruning(self) -> None:
        self.for_export = False
        self.keep: torch.Tensor | None = None  # indices of the filters computed when exporting

    @torch.no_grad()
    def prune(self, input_bound: float) -> float:
        """Choose the filters to export, given a bound on the input's magnitude; returns a bound on the
        output's. Filters are left out only when that makes the exported convolution an eighth smaller
        or more (a few dead filters of 64 are not worth the reordering)."""
        scale, shift = _bn_affine(self.bn)
        reach = self.conv.weight.abs().flatten(1).sum(1) * input_bound  # how far the weights move the conv
        live = torch.nonzero(reach * scale.abs() > PRUNE_BOUND).flatten()
        smaller = self.exported(len(live)) <= self.exported(len(reach)) * 7 // 8
        self.keep = live if smaller else None
        dead = torch.ones(len(reach), dtype=torch.bool)
        dead[live] = False
        self.register_buffer("dead_output", (scale * F.relu(self.conv.bias) + shift)[dead].view(1, -1, 1), False)
        self.register_buffer("order", torch.argsort(torch.cat([live, torch.nonzero(dead).flatten()])), False)
        return float((scale.abs() * (reach + self.conv.bias.abs()) + shift.abs()).max())

    def _kept(self) -> torch.Tensor | None:
        return self.keep if self.for_export else None

    def _batch_norm(self, x: torch.Tensor, keep: torch.Tensor | None) -> torch.Tensor:
        if keep is None:
            return self.bn(x)
        bn = self.bn
        return F.batch_norm(x, bn.running_mean[keep], bn.running_var[keep], bn.weight[keep], bn.bias[keep],
                            False, 0.0, bn.eps)

    def _restore(self, live: torch.Tensor) -> torch.Tensor:
        """(B, kept, T) -> (B, filters, T): the dead filters' constants put back in their places."""
        dead = self.dead_output.expand(live.shape[0], -1, live.shape[2])
        return torch.index_select(torch.cat([live, dead], dim=1), 1, self.order)


class FrontEndBlock(_Prunable):
    """conv over (time, frequency) -> ReLU -> BN -> max over frequency: (B, 1, T, F) -> (B, filters, T).

    Computed in an equivalent, cheaper order: pool first, then ReLU and BN on the 60x smaller pooled
    map. BN here is a per-filter affine map a*x + b; with a >= 0 it commutes with max, with a < 0 the
    max becomes a min, and ReLU commutes with both. A min is a max of the negated convolution, so each
    filter's weights are multiplied by the sign of its BN scale, max-pooled, and the sign restored.
    The arithmetic is the same (negation, max and ReLU do not round); it removes the ReLU and BN
    passes over the full conv output, about a fifth of the model's time.

    With `for_export` set, only the filters `prune` kept are computed, and their count is padded with
    zero filters to a multiple of 16: onnxruntime then keeps the conv and the pooling in its blocked
    NCHWc layout, which cuts the time of the two timbral blocks (most of the model's) by a third to a
    half, and spares the temporal blocks' reordering out of it, even where that means computing 16
    filters for 3 (padded, the pruned MSD_musicnn took 16% less time than unpadded, MTT_musicnn 23%
    less); the extra channels are dropped after pooling, so the outputs do not change."""

    @staticmethod
    def exported(filters: int) -> int:
        return filters + export_padding(filters)

    def __init__(self, filters: int, frames: int, bands: int, pad: tuple[int, int], n_mels: int = N_MELS):
        super().__init__()
        self.pad = pad  # time padding (before, after): the output keeps T frames
        self.pool = n_mels - bands + 1  # conv output width, pooled whole (a constant, for ONNX export)
        self.conv = nn.Conv2d(1, filters, (frames, bands))
        self.bn = _bn2d(filters)
        self._init_pruning()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.pad(x, (0, 0, self.pad[0], self.pad[1]))
        keep = self._kept()
        sign = torch.where(self.bn.weight < 0, -1.0, 1.0)  # sign of a = gamma / sqrt(var + eps)
        weight, bias = self.conv.weight * sign.view(-1, 1, 1, 1), self.conv.bias * sign
        if keep is not None:
            weight, bias, sign = weight[keep], bias[keep], sign[keep]
        filters = len(bias)
        padding = export_padding(filters) if self.for_export else 0
        if padding:
            weight = torch.cat([weight, weight.new_zeros(padding, *weight.shape[1:])])
            bias = torch.cat([bias, bias.new_zeros(padding)])
        pooled = F.max_pool2d(F.conv2d(x, weight, bias), (1, self.pool))[:, :filters]
        pooled = pooled * sign.view(1, -1, 1, 1)  # (B, filters, T, 1)
        out = self._batch_norm(F.relu(pooled), keep).squeeze(3)
        return out if keep is None else self._restore(out)


def export_padding(filters: int) -> int:
    """Zero filters added to an exported front-end convolution of `filters` filters (see FrontEndBlock)."""
    return -filters % 16


def _same_padding(kernel: int) -> tuple[int, int]:
    """TensorFlow's 'same' padding for stride 1: the odd extra frame goes after."""
    total = kernel - 1
    return total // 2, total - total // 2


class MidEndBlock(_Prunable):
    """conv over 7 frames across all channels -> ReLU -> BN: (B, C, T) -> (B, filters, T)."""

    def __init__(self, channels: int, filters: int):
        super().__init__()
        self.conv = nn.Conv1d(channels, filters, 7, padding=3)
        self.bn = _bn1d(filters)
        self._init_pruning()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        keep = self._kept()
        if keep is None:
            return self.bn(F.relu(self.conv(x)))
        live = F.conv1d(x, self.conv.weight[keep], self.conv.bias[keep], padding=3)
        return self._restore(self._batch_norm(F.relu(live), keep))


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


def prune(model: MusicNN) -> list[tuple[str, int, int]]:
    """Choose each block's exported filters (`PRUNE_BOUND`), bounding every block's input from the
    input's range: log-mels lie in [0, LOG_MEL_MAX], and each block's output is bounded by its own.
    Returns (block, filters exported, filters) for each block."""
    with torch.no_grad():
        scale, shift = _bn_affine(model.input_bn)
    x = float(max(abs(shift), abs(scale * LOG_MEL_MAX + shift)))  # one channel: the BN'd log-mel's extremes
    front = max(block.prune(x) for block in (*model.timbral, *model.temporal))
    m1 = model.midend[0].prune(front)
    m2 = model.midend[1].prune(m1) + m1  # residual connections add the bounds
    model.midend[2].prune(m2)
    names = [f"timbral.{i}" for i in range(2)] + [f"temporal.{i}" for i in range(3)] + [f"midend.{i}" for i in range(3)]
    blocks = [*model.timbral, *model.temporal, *model.midend]
    return [(name, len(b.bn.weight) if b.keep is None else len(b.keep), len(b.bn.weight)) for name, b in zip(names, blocks)]


def export_onnx(model: MusicNN, path: str | os.PathLike, pruned: bool = True) -> None:
    """Write `model` as ONNX (input "mel" (batch, 187, 96); outputs "tags", "penultimate"; batch dynamic),
    with its dead filters left out (`prune`) unless `pruned` is false."""
    import warnings

    blocks = [*model.timbral, *model.temporal, *model.midend]
    if pruned:
        prune(model)
    else:
        for block in blocks:
            block.keep = None
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
