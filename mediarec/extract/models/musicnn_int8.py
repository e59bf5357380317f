"""musicnn's int8 model: the fp32 ONNX export with its two timbral convolutions quantized, built here once.

The timbral convolutions (7 x 38 and 7 x 67 filters over the log-mel) are most of what is left of
MTT_musicnn's arithmetic once its dead filters are pruned (musicnn_torch.prune). onnxruntime runs
them as int8 QLinearConv (uint8 x int8 GEMM, VNNI where the CPU has it) when they are wrapped in
quantize/dequantize pairs: static QDQ quantization, weights per output channel (int8, symmetric),
activations per tensor (uint8), ranges calibrated on `synthetic_music` patches, so nothing is
downloaded or shipped. The rest stays fp32, where int8 costs quality or time. Measured on the 19
dev-corpus tracks against fp32, 8 patches per track (bench/musicnn_speed.py, unpruned models, one
layer at a time):
* the timbral convolutions: embedding cosine 0.9998, tags within 0.01, 45% of the model's time saved;
* midend.2 alone: embedding cosine 0.978 (its residual sum has outliers one per-tensor range cannot hold);
* the temporal convolutions (128, 64 and 32 frames x 1 band, one input channel) ran 5-13x slower as
  int8 (onnxruntime's im2col for a tall one-channel kernel), int8 x int8 activations 2x slower than
  uint8 x int8, and 7-bit weights (`reduce_range`) doubled the tag error for no speed.
On the pruned models, int8 timbral convolutions make MTT_musicnn 1.4x faster again (tags within 0.005
of fp32, the same top 5), and MSD_musicnn, whose pruned timbral convolutions are small, 1.1x at most,
at the price of an embedding no longer exact (cosine 0.9997): see the extractor's INT8_MODELS.

`build` checks the result on synthetic pieces it did not calibrate on, for agreement with fp32 and for
speed, and raises `QuantizationRejected` when either falls short (another onnxruntime or CPU quantizing
or running differently: CPUs without VNNI can saturate uint8 x int8 sums); the caller then runs fp32,
and remembers the verdict for this model, quantizer and onnxruntime version."""
from __future__ import annotations

import functools
import logging
import os
import time

import numpy as np

from .musicnn_input import HOP, N_FFT, PATCH_FRAMES, SAMPLE_RATE, log_mel_patches

log = logging.getLogger(__name__)

QUANTIZER_VERSION = "1"
"""Bump when what `build` makes changes: the cached int8 models are keyed by it."""
QUANTIZED_PREFIX = "/timbral."
"""Names of the convolutions quantized (the exported graph's `timbral` blocks)."""
CALIBRATION_PIECES = 32
CHECK_PIECES = 8
MIN_COSINE = 0.998
"""Least mean cosine between the int8 and fp32 penultimate features of the check patches (measured
here: MTT_musicnn 0.9998, MSD_musicnn 0.9996)."""
MAX_TAG_DIFFERENCE = 0.05
"""Largest difference allowed in any tag probability of any check patch (measured: 0.016 and 0.012)."""
MAX_TIME_RATIO = 0.95
"""The int8 model must take at most this share of the fp32 model's time on the check patches (measured
here: MTT_musicnn 0.68, MSD_musicnn 0.90)."""
BATCH = 8


class QuantizationRejected(RuntimeError):
    """The int8 model disagrees with fp32, or is not faster on this machine: fp32 is used instead."""


def cache_tag() -> str:
    """What the cached int8 model depends on besides the fp32 model: this quantizer and onnxruntime."""
    import onnxruntime

    return f"musicnn-int8:{QUANTIZER_VERSION}:onnxruntime-{onnxruntime.__version__}"


@functools.lru_cache(maxsize=2)
def synthetic_patches(count: int, seed: int) -> np.ndarray:
    """(count, 187, 96) log-mel patches of synthetic music, one per piece (cached: both models use them)."""
    from . import synthetic_music

    seconds = (HOP * PATCH_FRAMES + N_FFT) / SAMPLE_RATE  # one whole patch each
    pieces = synthetic_music.pieces(count, seconds=seconds, seed=seed, rate=SAMPLE_RATE)
    return np.concatenate([log_mel_patches(p, [0]) for p in pieces])


def build(fp32_path: str | os.PathLike, out_path: str | os.PathLike) -> None:
    """Write the int8 model of the fp32 musicnn ONNX model at `fp32_path` to `out_path`, checked."""
    started = time.perf_counter()
    quantize(fp32_path, out_path)
    check(fp32_path, out_path)
    log.info("%s: int8 model built in %.1f s", os.path.basename(fp32_path), time.perf_counter() - started)


def quantize(fp32_path: str | os.PathLike, out_path: str | os.PathLike) -> None:
    """Write the int8 model of the fp32 musicnn ONNX model at `fp32_path` to `out_path`, unchecked."""
    import onnx
    from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType,
                                          quantize_static)

    graph = onnx.load(str(fp32_path)).graph
    nodes = [n.name for n in graph.node if n.op_type == "Conv" and n.name.startswith(QUANTIZED_PREFIX)]
    if len(nodes) != 2:
        raise RuntimeError(f"{fp32_path}: expected the 2 timbral convolutions, found {nodes}")
    patches = synthetic_patches(CALIBRATION_PIECES, 0)

    class Patches(CalibrationDataReader):
        def __init__(self) -> None:
            self.batches = iter([{"mel": patches[i:i + BATCH]} for i in range(0, len(patches), BATCH)])

        def get_next(self):
            return next(self.batches, None)

    quiet = _QuantizerNotes()
    logging.getLogger().addFilter(quiet)
    try:
        quantize_static(str(fp32_path), str(out_path), Patches(), quant_format=QuantFormat.QDQ,
                        op_types_to_quantize=["Conv"], nodes_to_quantize=nodes, per_channel=True,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                        calibrate_method=CalibrationMethod.MinMax)
    finally:
        logging.getLogger().removeFilter(quiet)


class _QuantizerNotes(logging.Filter):
    """Drops what onnxruntime's quantizer logs on the root logger while it works: advice to pre-process
    the model (measured: no gain here) and a line per dead filter whose scale it widened to fit the bias."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "onnxruntime/quantization" not in record.pathname.replace(os.sep, "/")


def compare(fp32_path: str | os.PathLike, int8_path: str | os.PathLike, patches: np.ndarray,
            rounds: int = 0) -> dict[str, float]:
    """How the int8 model compares with fp32 on `patches`, per patch: "cosine" (mean, of the penultimate
    features), "tags" (largest tag probability difference) and, with `rounds`, "time_ratio" (int8 / fp32,
    the fastest of `rounds` interleaved runs of each, one thread)."""
    from ..onnx_cache import session

    sessions = [session(path, "cpu", 1) for path in (fp32_path, int8_path)]
    outputs = [_run(s, patches) for s in sessions]
    (tags, features), (tags8, features8) = outputs
    norms = np.linalg.norm(features, axis=1) * np.linalg.norm(features8, axis=1)
    cosine = np.sum(features * features8, axis=1) / np.maximum(norms, 1e-12)
    out = {"cosine": float(np.mean(cosine)), "tags": float(np.max(np.abs(tags - tags8)))}
    if rounds:
        best = [np.inf, np.inf]
        for _ in range(rounds):
            for i, s in enumerate(sessions):
                started = time.perf_counter()
                _run(s, patches)
                best[i] = min(best[i], time.perf_counter() - started)
        out["time_ratio"] = best[1] / best[0]
    return out


def _run(s, patches: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    runs = [s.run(None, {"mel": patches[i:i + BATCH]}) for i in range(0, len(patches), BATCH)]
    return np.concatenate([r[0] for r in runs]), np.concatenate([r[1] for r in runs])


def check(fp32_path: str | os.PathLike, int8_path: str | os.PathLike) -> None:
    """Raise QuantizationRejected unless the int8 model agrees with fp32 and is faster here."""
    found = compare(fp32_path, int8_path, synthetic_patches(CHECK_PIECES, 1), rounds=5)
    log.info("%s in int8 against fp32 on synthetic music: feature cosine %.4f, tags within %.3f, %.2f of "
             "the time", os.path.basename(fp32_path), found["cosine"], found["tags"], found["time_ratio"])
    if not (found["cosine"] >= MIN_COSINE and found["tags"] <= MAX_TAG_DIFFERENCE):
        raise QuantizationRejected(f"int8 disagrees with fp32 on synthetic music: feature cosine "
                                   f"{found['cosine']:.4f} (needs {MIN_COSINE}), tags differ by up to "
                                   f"{found['tags']:.3f} (allowed {MAX_TAG_DIFFERENCE})")
    if found["time_ratio"] > MAX_TIME_RATIO:
        raise QuantizationRejected(f"int8 is not faster than fp32 here: {found['time_ratio']:.2f} of its time "
                                   f"(needs {MAX_TIME_RATIO} or less)")
