"""What runs inside an analysis worker: load the extractors once, then run tasks, a file or a group at a time.

Everything here must be importable in a freshly spawned process and return only picklable values."""
from __future__ import annotations

import importlib
import logging
import math
import sys
import time
import traceback
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ..errors import FileError, OurBug
from ..media.audio import ExcerptPolicy, NoAudioStream
from .base import REGISTRY, Extractor, FeatureResult, MediaInput, Runtime
from .batching import BatchedExtractor, Ready
from .plan import Task
from .registry import create, ordered

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
    return run_tasks([task])[0]


def run_tasks(tasks: list[Task]) -> list[dict[str, Outcome]]:
    """Run a group of files: extractor by extractor (dependency order), each file on its own shared
    decode. A `BatchedExtractor` runs its model once for the whole group; everything else, and every
    error, stays per file."""
    medias = [MediaInput(t.item, _POLICY, stored=t.stored) for t in tasks]
    outs: list[dict[str, Outcome]] = [{} for _ in tasks]
    for name in _order(tasks):
        members = [i for i, t in enumerate(tasks) if name in t.extractors]
        ext = _EXTRACTORS.get(name)
        if ext is None:
            for i in members:
                outs[i][name] = Outcome(error_kind="bug", message=_LOAD_ERRORS.get(name, "not loaded"), not_loaded=True)
            continue
        group = [medias[i] for i in members]
        if isinstance(ext, BatchedExtractor) and len(group) > 1:
            outcomes = _run_batched(ext, group)
        else:
            outcomes = [_timed(m, lambda m=m: _run_one(ext, m)) for m in group]
        for i, outcome in zip(members, outcomes):
            outs[i][name] = outcome
            if outcome.result is not None:
                _note_excerpt(ext, medias[i], outcome.result)
                medias[i].results[name] = outcome.result
    for out, media in zip(outs, medias):
        out[DECODE] = Outcome(seconds=media.decode_seconds)
    return outs


def _order(tasks: list[Task]) -> list[str]:
    """Every extractor of the group once, each after those it reads (a single task keeps its own order)."""
    if len(tasks) == 1:
        return list(tasks[0].extractors)
    names = {n for t in tasks for n in t.extractors}
    unknown = sorted(n for n in names if n not in REGISTRY)  # not loadable here: reported as not loaded
    return unknown + ordered(names - set(unknown))


def _timed(media: MediaInput, step: Callable[[], Outcome]) -> Outcome:
    """`step`'s outcome with its CPU time, less the shared decoding it triggered."""
    outcome, seconds = _cpu(media, step)
    outcome.seconds += seconds
    return outcome


def _cpu(media: MediaInput, step: Callable[[], Any]) -> tuple[Any, float]:
    """`step`'s value and the CPU seconds it took, less the shared decoding it triggered."""
    decoded_before, started = media.decode_seconds, time.process_time()
    value = step()
    return value, time.process_time() - started - (media.decode_seconds - decoded_before)


def _run_batched(ext: BatchedExtractor, group: list[MediaInput]) -> list[Outcome]:
    """prepare per file, one `infer` for the files that prepared, finish per file. If the group's model
    call fails, each file's inputs run alone, so one bad input fails only its own file."""
    outcomes, prepared = [], []
    for media in group:
        (outcome, inputs), seconds = _cpu(media, lambda m=media: _attempt(ext, m, lambda: ext.prepare(m)))
        if isinstance(inputs, Ready):
            outcome = _run_one(ext, media, lambda r=inputs: r.result)
        outcome.seconds = seconds
        outcomes.append(outcome)
        prepared.append(inputs)
    todo = [k for k, o in enumerate(outcomes) if o.error_kind is None and o.result is None]
    inferred: dict[int, Any] = {}
    started = time.process_time()
    try:
        if todo:
            inferred = dict(zip(todo, ext.infer([prepared[k] for k in todo])))
    except Exception:  # noqa: BLE001 - found out per file below, where the error lands on its file
        log.warning("%s: batched model call over %d files failed; running them one by one", ext.spec.name, len(todo))
    share = (time.process_time() - started) / max(1, len(todo))
    for k in todo:
        media = group[k]
        if k not in inferred:
            failed, output = _attempt(ext, media, lambda: ext.infer([prepared[k]])[0])
            if output is _FAILED:
                outcomes[k] = failed
                continue
            inferred[k] = output
        finished = _timed(media, lambda: _run_one(ext, media, lambda: ext.finish(media, prepared[k], inferred[k])))
        finished.seconds += outcomes[k].seconds + share
        outcomes[k] = finished
    return outcomes


def _note_excerpt(ext: Extractor, media: MediaInput, result: FeatureResult) -> None:
    """Record which part of the file an audio result describes (attrs["excerpt"]: "whole", "6x12s").

    A new excerpt policy does not bump the extractors' versions: that would make every stored row stale
    and re-analyse whole libraries for features that bench/excerpt_quality.py shows agree within noise
    (see ExcerptPolicy). Rows of both policies stay comparable, and this attribute tells them apart."""
    decoded = media.decoded
    if ext.spec.audio_rate is not None and decoded is not None and "excerpt" not in result.attrs:
        result.attrs["excerpt"] = media.policy.label(decoded.ranges)


def _run_one(ext: Extractor, media: MediaInput, compute: Callable[[], Any] | None = None) -> Outcome:
    """The file's outcome of `compute` (default: the extractor's `extract`), its result validated."""
    compute = compute or (lambda: ext.extract(media))
    outcome, result = _attempt(ext, media, lambda: _validated(ext, compute()))
    if result is not _FAILED:
        outcome.result = result
    return outcome


def _validated(ext: Extractor, result: Any) -> FeatureResult:
    _validate(ext, result)
    return result


_FAILED = object()  # what _attempt gives for the value of a step that raised


def _attempt(ext: Extractor, media: MediaInput, step: Callable[[], Any]) -> tuple[Outcome, Any]:
    """Run `step` for the file: (an empty Outcome, its value) when it worked, else (the error it raised, as
    the file's, _FAILED)."""
    try:
        return Outcome(), step()
    except NoAudioStream:
        # A silent video has no soundtrack to describe: done, with nothing to store but the fact.
        return Outcome(result=FeatureResult(None, {"skipped": "no audio stream"})), _FAILED
    except OurBug as exc:
        log.error("bug in %s on %s: %s", ext.spec.name, media.path, exc)
        return Outcome(error_kind="bug", message=exc.reason), _FAILED
    except FileError as exc:
        return Outcome(error_kind=exc.kind, message=exc.reason), _FAILED
    except MemoryError:
        return Outcome(error_kind="bug", message="out of memory"), _FAILED
    except Exception as exc:  # noqa: BLE001 - our bug or a library's: recorded with its traceback
        log.error("%s failed on %s:\n%s", ext.spec.name, media.path, traceback.format_exc())
        return Outcome(error_kind="bug", message=f"{type(exc).__name__}: {exc}"), _FAILED


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
