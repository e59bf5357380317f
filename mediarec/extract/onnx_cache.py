"""ONNX models exported once from torch, cached under the models dir by weights hash, run by onnxruntime.

On a 2-core CPU onnxruntime runs these CNNs 4-7x faster than torch eager; a GPU is used when present.
The cache file name carries a hash of the weights and of the export code's version, so new weights or
a changed export never reuse a stale file."""
from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path
from typing import Any, Callable

from .device import onnx_providers
from .models.verify import matches_record, record

log = logging.getLogger(__name__)


def file_hash(*paths: str | os.PathLike, extra: str = "") -> str:
    h = hashlib.sha256(extra.encode())
    for p in paths:
        with open(p, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()[:16]


class EarlierFailure(RuntimeError):
    """Making this model failed before, for a reason a retry would not change (see `cached_onnx`)."""


def cached_onnx(models_dir: str | os.PathLike, name: str, key: str, export: Callable[[str], None],
                remember: tuple[type[Exception], ...] = ()) -> Path:
    """Path of `name-key.onnx` in the models dir, calling `export(tmp_path)` once to create it.

    When `export` fails with one of the `remember` exceptions (verdicts a retry would repeat, such as a
    derived model rejected by its own check), the reason is kept in `name-key.failed` and later calls
    raise `EarlierFailure` with it at once instead of spending the export's time again; a new key (new
    weights, exporter or library version) tries again, and so does deleting the file."""
    folder = Path(models_dir) / "onnx"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}-{key}.onnx"
    if target.exists():
        if matches_record(target):
            return target
        # The models dir is the user's to write: a file that is not what we exported is never loaded.
        log.warning("%s: not the file exported here (SHA-256 differs or is not recorded); exporting it again", target)
    failed = target.with_suffix(".failed")
    if remember and failed.exists():
        raise EarlierFailure(f"{failed.read_text(encoding='utf-8').strip()} (remembered in {failed})")
    fd, tmp = tempfile.mkstemp(prefix=f".{name}-", suffix=".onnx", dir=folder)
    os.close(fd)
    try:
        log.info("exporting %s to ONNX (once): %s", name, target)
        export(tmp)
        os.replace(tmp, target)  # atomic: two workers exporting at once both end with a whole file
        record(target)  # <target>.sha256, checked at every later use
    except remember as exc:
        failed.write_text(f"{type(exc).__name__}: {exc}\n", encoding="utf-8")
        raise
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


OPTIMIZED_DIR = "onnx-optimized"
"""Folder of the models dir holding onnxruntime's optimised graphs, so a worker does not optimise each
model again at every start: vibenet's session starts in 13 ms instead of 67, each musicnn in 5 instead
of 14-19 (CPU time, onnxruntime 1.32, this 2-core box): about 90 ms of every analysis worker's start.
Beside the ONNX exports rather than in the cache dir: like them, they are derived from the model files
and kept as long as those are (bench/analyze_audio.py gives each pass a fresh cache dir, as a first
analysis would have, but the user's models dir)."""


def session(path: str | os.PathLike, device: str = "cpu", threads: int = 1,
            models_dir: str | os.PathLike | None = None):
    """An onnxruntime InferenceSession on the chosen device with a bounded thread count.

    On the CPU the optimised graph is saved under `<models dir>/onnx-optimized` (the app's models dir
    unless `models_dir` is given) and loaded from there next time, without optimising again. Its name
    carries the model's SHA-256, onnxruntime's version and the CPU's feature flags (the optimised graph
    may use this CPU's vector width), and its own SHA-256 is checked before it is loaded."""
    import onnxruntime as ort

    def options(level):
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = max(1, threads)
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = level
        opts.log_severity_level = 3
        return opts

    providers = onnx_providers(device)
    full = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    cached = _optimized_path(path, models_dir) if device == "cpu" else None
    if cached is None:
        return ort.InferenceSession(str(path), sess_options=options(full), providers=providers)
    if cached.exists() and matches_record(cached):
        try:  # already optimised: optimising again would only cost time
            disabled = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
            return ort.InferenceSession(str(cached), sess_options=options(disabled), providers=providers)
        except Exception as exc:  # noqa: BLE001 - a cached graph that will not load is made again
            log.warning("%s: cached optimised graph does not load (%s); optimising %s again", cached, exc, path)
    opts = options(full)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{cached.stem}-", suffix=".onnx", dir=cached.parent)
    except OSError as exc:  # a read-only cache costs start-up time, not correctness
        log.debug("optimised graph of %s not cached: %s", path, exc)
        return ort.InferenceSession(str(path), sess_options=opts, providers=providers)
    os.close(fd)
    opts.optimized_model_filepath = tmp
    try:
        made = ort.InferenceSession(str(path), sess_options=opts, providers=providers)
        os.replace(tmp, cached)  # atomic: two workers saving at once both leave a whole file
        record(cached)
    except OSError as exc:  # a read-only cache costs start-up time, not correctness
        log.debug("optimised graph of %s not cached: %s", path, exc)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return made


def _optimized_path(path: str | os.PathLike, models_dir: str | os.PathLike | None) -> Path | None:
    """Where the optimised graph of `path` is cached, or None where there is no folder to use."""
    import onnxruntime as ort

    from .models.verify import sha256

    try:
        if models_dir is None:
            from ..paths import AppPaths

            models_dir = AppPaths.resolve().models
        folder = Path(models_dir) / OPTIMIZED_DIR
        folder.mkdir(parents=True, exist_ok=True)
        key = hashlib.sha256(f"{sha256(path)}|{ort.__version__}|{_cpu_flags()}".encode()).hexdigest()[:16]
    except OSError as exc:
        log.debug("no cache for the optimised graph of %s: %s", path, exc)
        return None
    return folder / f"{Path(path).stem}-{key}.onnx"


def _cpu_flags() -> str:
    """This CPU's model and feature flags (Linux), else the machine's name: part of the cache key."""
    import platform

    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            lines = [line for line in f if line.startswith(("flags", "model name", "Features"))]
        return "".join(sorted(set(lines))) or platform.machine()
    except OSError:
        return f"{platform.machine()}|{platform.processor()}"


def onnx_or_torch(name: str, backend: str, make_session: Callable[[], Any]) -> Any:
    """The ONNX session `make_session()` gives (exporting and caching as it needs), or None where the
    caller should run its torch model instead: `backend` "torch", or "auto" and the export or loading
    failed (the reason logged). With `backend` "onnx" a failure is raised."""
    if backend not in ("auto", "onnx"):
        return None
    try:
        return make_session()
    except Exception as exc:  # noqa: BLE001 - any export/runtime failure falls back to torch, logged
        if backend == "onnx":
            raise
        log.warning("%s: ONNX export or load failed, using torch instead: %s: %s", name, type(exc).__name__, exc)
        return None
