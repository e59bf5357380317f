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


def session(path: str | os.PathLike, device: str = "cpu", threads: int = 1):
    """An onnxruntime InferenceSession on the chosen device with a bounded thread count."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = max(1, threads)
    opts.inter_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.log_severity_level = 3
    return ort.InferenceSession(str(path), sess_options=opts, providers=onnx_providers(device))


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
