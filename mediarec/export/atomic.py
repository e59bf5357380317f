"""Atomic saves for files the user keeps: the old file stays whole until the new one is complete on disk.

The pattern of Quod Libet's util/atomic.py: write a temporary file in the same folder (so the final
rename cannot cross file systems), flush and fsync it, then os.replace() it over the target. On any
error, including an exception raised by the caller mid-write, the temporary file is removed and the
target is untouched. The target's permission bits are kept; a symlinked target is written through.
"""
from __future__ import annotations

import contextlib
import os
import secrets
import stat
from typing import BinaryIO, Iterator


@contextlib.contextmanager
def atomic_save(path: str | os.PathLike) -> Iterator[BinaryIO]:
    """`with atomic_save(p) as f: f.write(data)`: p is replaced only if the block finishes.

    Raises OSError (the caller translates it into a user-facing error)."""
    target = os.path.realpath(os.fspath(path))  # write through a symlink, like an editor would
    folder, name = os.path.split(target)
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = None  # a new file gets the usual 0o666 minus the umask, applied by os.open below
    tmp = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 if mode is None else 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_folder(folder)


def atomic_write(path: str | os.PathLike, data: bytes) -> None:
    """Replace `path` with `data` atomically (see atomic_save)."""
    with atomic_save(path) as f:
        f.write(data)


def _fsync_folder(folder: str) -> None:
    """Make the rename itself durable; best effort (some file systems refuse to open a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
