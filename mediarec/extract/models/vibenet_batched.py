"""vibenet's ONNX graph made to take a batch of windows: its one Reshape to (1, 1280) becomes (-1, 1280).

The graph vibenet 0.1.0 ships was exported with batch size 1 baked into the flatten before its head, so
several 30-s windows (of one file or of several) cannot share a model call. Nothing else in it depends
on the batch size, so the derived graph gives each window the same outputs as the original (within
float rounding; tests/extract/test_batching_extractors.py compares them). It is written once to the models
dir by `onnx_cache.cached_onnx`, keyed by the source file's hash."""
from __future__ import annotations

from pathlib import Path

import numpy as np

FLATTEN = np.array([1, 1280], np.int64)


def export(source: str | Path, target: str) -> None:
    """Write the batchable copy of `source` to `target`; refuse a graph that is not the one we know."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(source))
    inits = {i.name: i for i in model.graph.initializer}
    patched = 0
    for node in model.graph.node:
        if node.op_type != "Reshape" or node.input[1] not in inits:
            continue
        shape = inits[node.input[1]]
        if np.array_equal(numpy_helper.to_array(shape), FLATTEN):
            shape.CopyFrom(numpy_helper.from_array(np.array([-1, 1280], np.int64), shape.name))
            patched += 1
    if patched != 1:
        raise ValueError(f"{source}: expected one Reshape to (1, 1280), found {patched}: not vibenet 0.1.0's graph")
    del model.graph.value_info[:]  # shapes inferred for batch 1 would contradict larger batches
    model.graph.output[0].type.tensor_type.shape.dim[0].dim_param = "batch"
    onnx.save(model, target)


def batched_path(source: Path, models_dir: str) -> Path:
    """The batchable graph in `models_dir` (exported on first use)."""
    from ..onnx_cache import cached_onnx, file_hash

    return cached_onnx(models_dir, "vibenet-batched", file_hash(source, extra="v1"), lambda t: export(source, t),
                       remember=(ValueError,))
