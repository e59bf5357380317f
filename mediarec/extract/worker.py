"""What runs inside an analysis worker: load the extractors once, then run tasks file by file.

Everything here must be importable in a freshly spawned process and return only picklable values."""
from __future__ import annotations

import importlib
import logging
import math
import sys
import time
import traceback
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import FileError, OurBug
from ..media.audio import ExcerptPolicy, NoAudioStream
from .base import Extractor, FeatureResult, MediaInput, Runtime
from .plan import Task
from .registry import create

log = logging.getLogger(__name__)

_EXTRACTORS: dict[str, Extractor] = {}
_LOAD_ERRORS: dict[str, str] = {}
_POLICY = ExcerptPolicy()


@dataclass
class Outcome:
    """One extractor's result for one file: a FeatureResult, or an error (kind + message)."""

    result: FeatureResult | None = None
    error_kind: str | None = None
    message: str = ""
    not_loaded: bool = False  # the extractor failed to load in this worker: not the file's fault
    seconds: float = 0.0  # the extractor's own CPU time (all its threads), shared decoding excluded


DECODE = "(decode)"
"""Pseudo-extractor name under which a task reports its shared decoding time."""


def init_worker(names: list[str], runtime: Runtime, policy: ExcerptPolicy, modules: tuple[str, ...] = ()) -> None:
    """Pool initializer: instantiate and load every extractor once per worker process.

    `modules` are imported first: extractors defined outside mediarec.extract.extractors (plugins, tests)."""
    global _POLICY
    _POLICY = policy
    for module in modules:
        importlib.import_module(module)
    _set_threads(runtime.threads)
    for name in names:
        if name in _EXTRACTORS:
            continue
        try:
            ext = create(name)
            ext.load(runtime)
            _EXTRACTORS[name] = ext
        except Exception as exc:  # noqa: BLE001 - reported per task as "not loaded"
            _LOAD_ERRORS[name] = f"{type(exc).__name__}: {exc}"
            log.error("extractor %s failed to load:\n%s", name, traceback.format_exc())


def _set_threads(n: int) -> None:
    """Bound torch's threads if something already imported it; workers that run ONNX models only never
    import torch (it costs each worker seconds), and model code that falls back to torch sets its own."""
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(max(1, n))


def run_task(task: Task) -> dict[str, Outcome]:
    """Run the task's extractors in order on one shared decode of the file."""
    media = MediaInput(task.item, _POLICY, stored=task.stored)
    out: dict[str, Outcome] = {}
    for name in task.extractors:
        ext = _EXTRACTORS.get(name)
        if ext is None:
            out[name] = Outcome(error_kind="bug", message=_LOAD_ERRORS.get(name, "not loaded"), not_loaded=True)
            continue
        decoded_before, started = media.decode_seconds, time.process_time()
        out[name] = _run_one(ext, media)
        out[name].seconds = time.process_time() - started - (media.decode_seconds - decoded_before)
        if out[name].result is not None:
            _note_excerpt(ext, media, out[name].result)
            media.results[name] = out[name].result
    out[DECODE] = Outcome(seconds=media.decode_seconds)
    return out


def _note_excerpt(ext: Extractor, media: MediaInput, result: FeatureResult) -> None:
    """Record which part of the file an audio result describes (attrs["excerpt"]: "whole", "6x12s").

    A new excerpt policy does not bump the extractors' versions: that would make every stored row stale
    and re-analyse whole libraries for features that bench/excerpt_quality.py shows agree within noise
    (see ExcerptPolicy). Rows of both policies stay comparable, and this attribute tells them apart."""
    decoded = media.decoded
    if ext.spec.audio_rate is not None and decoded is not None and "excerpt" not in result.attrs:
        result.attrs["excerpt"] = media.policy.label(decoded.ranges)


def _run_one(ext: Extractor, media: MediaInput) -> Outcome:
    try:
        result = ext.extract(media)
        _validate(ext, result)
        return Outcome(result=result)
    except NoAudioStream:
        # A silent video has no soundtrack to describe: done, with nothing to store but the fact.
        return Outcome(result=FeatureResult(None, {"skipped": "no audio stream"}))
    except OurBug as exc:
        log.error("bug in %s on %s: %s", ext.spec.name, media.path, exc)
        return Outcome(error_kind="bug", message=exc.reason)
    except FileError as exc:
        return Outcome(error_kind=exc.kind, message=exc.reason)
    except MemoryError:
        return Outcome(error_kind="bug", message="out of memory")
    except Exception as exc:  # noqa: BLE001 - our bug or a library's: recorded with its traceback
        log.error("%s failed on %s:\n%s", ext.spec.name, media.path, traceback.format_exc())
        return Outcome(error_kind="bug", message=f"{type(exc).__name__}: {exc}")


def _validate(ext: Extractor, result: Any) -> None:
    if not isinstance(result, FeatureResult):
        raise TypeError(f"{ext.spec.name} returned {type(result).__name__}, not FeatureResult")
    v = result.vector
    if v is None:
        return
    if not isinstance(v, np.ndarray) or v.dtype != np.float32 or v.ndim != 1:
        raise TypeError(f"{ext.spec.name} returned a vector that is not 1-d float32")
    if ext.spec.dim and v.size != ext.spec.dim:
        raise ValueError(f"{ext.spec.name} returned {v.size} values, its spec says {ext.spec.dim}")
    if not np.all(np.isfinite(v)):
        raise ValueError(f"{ext.spec.name} returned non-finite values")
    for key, value in result.attrs.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{ext.spec.name} attribute {key} is not finite")
