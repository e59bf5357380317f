"""Model files checked against the SHA-256 we expect before anything loads them: a tampered or damaged
file is refused with a message naming it, and the feature that needs it shows as unavailable.

Expected hashes: mediarec/resources/models/sha256.json (the shipped musicnn weights and the pinned
packages' files). A hash is computed once per (path, size, mtime, ctime, inode): in memory for the
process, and in `<models dir>/model-hashes.json` for the next start (ctime cannot be set back by a
program, so a swapped file is always hashed again). The models dir, not the cache dir: it lives as long
as the models it vouches for, and clearing caches (or an `analyze` with a fresh cache dir, as the
benchmarks run) must not cost every start ~0.26 CPU-s of hashing again. Full hashes of all models take
~0.55 s on this 2-core box; a start with the cache filled takes under a millisecond per file."""
from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from functools import lru_cache
from pathlib import Path

from ...errors import MissingDependency

log = logging.getLogger(__name__)

MANIFEST = Path(__file__).resolve().parents[2] / "resources" / "models" / "sha256.json"
_CACHE_NAME = "model-hashes.json"
_memo: dict[str, str] = {}
_lock = threading.Lock()


class ModelRefused(MissingDependency):
    """A model file whose SHA-256 is not the expected one: never loaded."""


@lru_cache(maxsize=1)
def expected() -> dict[str, dict]:
    return {k: v for k, v in json.loads(MANIFEST.read_text(encoding="utf-8")).items() if not k.startswith("_")}


def _stat_key(path: Path) -> str:
    st = path.stat()
    return f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}|{st.st_ctime_ns}|{st.st_ino}"


def _cache_file() -> Path | None:
    from ...paths import AppPaths

    try:
        return AppPaths.resolve().models / _CACHE_NAME
    except Exception:  # noqa: BLE001 - no models dir: hash every time, still correct
        return None


def _load_disk_cache() -> dict[str, str]:
    path = _cache_file()
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path else {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _save_disk_cache(entries: dict[str, str]) -> None:
    path = _cache_file()
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(entries, indent=0, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:  # a read-only cache dir costs start-up time, not correctness
        log.debug("model hash cache not saved: %s", exc)


def sha256(path: str | os.PathLike) -> str:
    """The file's SHA-256, from the cache when its size, times and inode are unchanged."""
    path = Path(path)
    key = _stat_key(path)
    with _lock:
        if key in _memo:
            return _memo[key]
        disk = _load_disk_cache()
        if key in disk:
            _memo[key] = disk[key]
            return disk[key]
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    digest = h.hexdigest()
    with _lock:
        _memo[key] = digest
        disk = _load_disk_cache()
        disk = {k: v for k, v in disk.items() if not k.startswith(f"{path.resolve()}|")}  # drop stale lines
        disk[key] = digest
        _save_disk_cache(disk)
    return digest


def verify(path: str | os.PathLike, name: str, feature: str) -> Path:
    """`path` when its SHA-256 is the one recorded as `name` in the manifest; else ModelRefused naming it."""
    path = Path(path)
    want = expected().get(name)
    if want is None:
        raise ModelRefused(feature, f"{path}: no expected SHA-256 recorded for {name}; not loaded")
    try:
        size = path.stat().st_size
        got = sha256(path) if size == want["size"] else None
    except OSError as exc:
        raise ModelRefused(feature, f"{path}: {exc.strerror or exc}") from None
    if got != want["sha256"]:
        raise ModelRefused(feature, f"{path}: SHA-256 does not match the expected one (damaged or replaced); "
                                    "refused", "reinstall the package that ships it")
    return path


def problem(path: str | os.PathLike, name: str, feature: str) -> str | None:
    """verify() as a reason string for an extractor's check(), None when the file is the expected one."""
    try:
        verify(path, name, feature)
    except ModelRefused as exc:
        return str(exc)
    return None


def record(path: str | os.PathLike) -> Path:
    """Write `<path>.sha256` beside a file we made (a cached ONNX export); returns the sidecar."""
    side = Path(f"{path}.sha256")
    side.write_text(sha256(path) + "\n", encoding="utf-8")
    return side


def matches_record(path: str | os.PathLike) -> bool:
    """True when `path` still has the SHA-256 recorded beside it at export (False: missing or changed)."""
    side = Path(f"{path}.sha256")
    try:
        return side.read_text(encoding="utf-8").strip() == sha256(path)
    except OSError:
        return False


__all__ = ["verify", "problem", "record", "matches_record", "sha256", "ModelRefused", "expected"]
