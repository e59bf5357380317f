"""Batching across files: frames or audio patches of several files go through one model call.

A GPU is fed by batches of dozens of inputs; one file gives a few (16 frames, 8 patches). `map_batched`
runs a model over the inputs of many files in calls of up to `max_items` rows, splitting the outputs back
per file; `Batcher` does the same for callers on several threads (one per file in flight), each blocking
until the batch holding its rows has run. The model function takes an array (N x ...) and returns an
array or a tuple of arrays with N rows; results equal one call per file up to float rounding.

`BatchedExtractor` is the extractor side: models split into prepare / infer / finish, so the analysis
worker (`worker.run_tasks`) can hand a group of files' inputs to one model call."""
from __future__ import annotations

import threading
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


class Batcher:
    """Thread-safe cross-file batching: `batcher(x)` returns `fn`'s output for x's rows.

    A call adds its rows and waits up to `max_wait` seconds for others to join; the batch runs as soon as
    it holds `max_items` rows, or `expected` callers have joined, or the wait ends (the caller whose wait
    ended runs it). With max_wait 0 (the CPU default) every call runs at once, alone: no added latency."""

    def __init__(self, fn: Callable[[np.ndarray], Output], max_items: int = 64, max_wait: float = 0.0,
                 expected: int = 0):
        self.fn, self.max_items, self.max_wait, self.expected = fn, max(1, max_items), max_wait, expected
        self._cond = threading.Condition()
        self._queue: list[tuple[np.ndarray, dict]] = []
        self.calls = 0  # model calls made (for tests and benches)

    def __call__(self, x: np.ndarray) -> Output:
        slot: dict = {}
        with self._cond:
            self._queue.append((np.asarray(x), slot))
            rows = sum(len(q[0]) for q in self._queue)
            full = rows >= self.max_items or (self.expected and len(self._queue) >= self.expected)
            if not full and self.max_wait > 0:
                self._cond.wait_for(lambda: "out" in slot or "error" in slot, timeout=self.max_wait)
            if "out" not in slot and "error" not in slot:
                batch, self._queue = self._queue, []
                self._run(batch)  # under the lock: one model call at a time, as the model wants
                self._cond.notify_all()
        if "error" in slot:
            raise slot["error"]
        return slot["out"]

    def _run(self, batch: list[tuple[np.ndarray, dict]]) -> None:
        try:
            outs = map_batched(self._counted, [b[0] for b in batch], self.max_items)
        except BaseException as exc:  # noqa: BLE001 - every caller of the batch sees the failure
            for _, slot in batch:
                slot["error"] = exc
            return
        for (_, slot), out in zip(batch, outs):
            slot["out"] = out

    def _counted(self, x: np.ndarray) -> Output:
        self.calls += 1
        return self.fn(x)


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
