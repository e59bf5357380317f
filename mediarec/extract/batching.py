"""Batching across files: frames or audio patches of several files go through one model call.

A GPU is fed by batches of dozens of inputs; one file gives a few (16 frames, 8 patches). `map_batched`
runs a model over the inputs of many files in calls of up to `max_items` rows, splitting the outputs back
per file. The model function takes an array (N x ...) and returns an array or a tuple of arrays with N
rows; results equal one call per file up to float rounding.

`BatchedExtractor` is the extractor side: models split into prepare / infer / finish, so the analysis
worker (`worker.run_tasks`) can hand a group of files' inputs to one model call."""
from __future__ import annotations

from abc import abstractmethod
from typing import Any, Callable, Sequence, Tuple, Union

import numpy as np

from .base import Extractor, FeatureResult, MediaInput

Output = Union[np.ndarray, Tuple[np.ndarray, ...]]


def _as_tuple(out: Output) -> tuple[np.ndarray, ...]:
    return out if isinstance(out, tuple) else (out,)


def map_batched(fn: Callable[[np.ndarray], Output], inputs: Sequence[np.ndarray], max_items: int) -> list[Output]:
    """`fn` over every input, `max_items` rows per call (an input may span two calls): one output per input,
    shaped as `fn`'s."""
    if not inputs:
        return []
    counts = [len(x) for x in inputs]
    flat = np.concatenate([np.asarray(x) for x in inputs]) if len(inputs) > 1 else np.asarray(inputs[0])
    raw = [fn(flat[start:start + max_items]) for start in range(0, len(flat), max(1, max_items))]
    if not raw:  # every input empty: one call keeps fn's output shapes
        raw = [fn(flat)]
    is_tuple = isinstance(raw[0], tuple)
    parts = [_as_tuple(r) for r in raw]
    joined = [np.concatenate([p[i] for p in parts]) for i in range(len(parts[0]))]
    per_output = [np.split(j, np.cumsum(counts)[:-1]) for j in joined]
    return [tuple(p[k] for p in per_output) if is_tuple else per_output[0][k] for k in range(len(inputs))]


class Ready:
    """What `prepare` returns when a file needs no model call (silence, nothing to embed): its result."""

    def __init__(self, result: FeatureResult):
        self.result = result


class BatchedExtractor(Extractor):
    """An extractor whose model call can take several files at once: `prepare` (per file: decode, frames,
    patches), `infer` (one batched model call for a group of prepared files), `finish` (per file: pooling,
    attributes). `extract` runs the three for one file, so a worker without batching computes the same
    thing; the worker's `run_tasks` runs `infer` once over a group of files."""

    batch_items = 64
    """Model inputs (frames, patches, windows, token sequences) per model call when files are grouped."""

    @abstractmethod
    def prepare(self, media: MediaInput) -> Any:
        """The file's model inputs (or `Ready(result)`). Raise FileError subclasses for the file's problems."""

    @abstractmethod
    def infer(self, prepared: list[Any]) -> list[Any]:
        """The model's outputs for each prepared file, in order; `Ready` entries never reach it."""

    @abstractmethod
    def finish(self, media: MediaInput, prepared: Any, inferred: Any) -> FeatureResult:
        """The file's result from its prepared inputs and its share of the model's outputs."""

    def extract(self, media: MediaInput) -> FeatureResult:
        prepared = self.prepare(media)
        if isinstance(prepared, Ready):
            return prepared.result
        return self.finish(media, prepared, self.infer([prepared])[0])
