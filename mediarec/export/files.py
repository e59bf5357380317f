"""Saving and reading playlist files: the one place that touches the disk and translates OSError."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Sequence

from ..errors import ReadError
from .atomic import atomic_write
from .entry import Entry, PlaylistError, PlaylistWriteError
from .registry import format_for


@dataclass(frozen=True)
class Saved:
    """What save_playlist wrote."""

    path: str
    format: str
    entries: int
    relative: bool
    uri_entries: int  # entries written as file:// URIs because a plain line could not carry their names


def save_playlist(path: str | os.PathLike, entries: Sequence[Entry], relative: bool = False) -> Saved:
    """Write `entries` to `path` atomically, in the format its extension names.

    relative=True writes paths relative to the playlist's folder where that is safe (see locations)."""
    path = os.path.abspath(os.fspath(path))
    fmt = format_for(path)
    rendered = fmt.render(entries, os.path.dirname(path) if relative else None)
    try:
        atomic_write(path, rendered.data)
    except OSError as exc:
        raise PlaylistWriteError(path, f"cannot write the playlist: {exc.strerror or exc}") from None
    return Saved(path, fmt.name, len(entries), relative, rendered.uri_entries)


MAX_PLAYLIST_BYTES = 16 * 1024 * 1024
"""A playlist of 100,000 entries is about 10 MB; anything larger is refused before it is read."""


def read_playlist(path: str | os.PathLike) -> list[Entry]:
    """The entries of a playlist file, paths absolute. Raises ReadError or PlaylistError (path and cause)."""
    path = os.path.abspath(os.fspath(path))
    fmt = format_for(path)
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size > MAX_PLAYLIST_BYTES:
                raise PlaylistError(path, f"refused: {size / 1e6:.1f} MB is too large for a playlist "
                                          f"(the limit is {MAX_PLAYLIST_BYTES / 1e6:.0f} MB)")
            data = f.read(MAX_PLAYLIST_BYTES + 1)
    except IsADirectoryError:
        raise ReadError(path, "is a folder, not a playlist file") from None
    except OSError as exc:
        raise ReadError.from_os_error(path, exc) from None
    return fmt.parse(data, path, os.path.dirname(path))
