"""An index folder's files: written whole (temp file and rename), old builds removed, one builder per space."""
from __future__ import annotations

import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import numpy as np

from ..errors import MediarecError


def save_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        np.savez(f, **arrays)
    os.replace(tmp, path)


def remove_other_builds(index_dir: Path, space: str, keep: str | None) -> None:
    for path in Path(index_dir).glob(f"{space}-*"):
        if keep is not None and path.name.startswith(f"{space}-{keep}."):
            continue
        try:
            path.unlink()  # a reader that mapped it keeps it; on Windows this fails and waits for next time
        except OSError:
            pass


@contextmanager
def build_lock(index_dir: Path, space: str, stale_after: float = 3600.0) -> Iterator[None]:
    """One builder per space across processes: an exclusive lock file, taken over when it is stale."""
    index_dir.mkdir(parents=True, exist_ok=True)
    lock = index_dir / f".{space}.lock"
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            break
        except FileExistsError:
            try:
                if time.time() - lock.stat().st_mtime < stale_after:
                    raise BuildInProgress(f"{lock}: another build of the {space} index is running") from None
                lock.unlink()
            except FileNotFoundError:
                pass
    else:
        raise BuildInProgress(f"{lock}: cannot take the build lock")
    try:
        os.write(fd, f"{os.getpid()}\n".encode())
        os.close(fd)
        yield
    finally:
        lock.unlink(missing_ok=True)


class BuildInProgress(MediarecError):
    """Another process is building this space now; its result will land shortly."""


__all__ = ["save_npz", "remove_other_builds", "build_lock", "BuildInProgress"]
