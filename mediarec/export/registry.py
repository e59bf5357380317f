"""The playlist formats by file extension: each format module registers how it renders and parses."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable, Sequence

from ..errors import UserError
from .entry import Entry


@dataclass(frozen=True)
class Rendered:
    """A playlist file's bytes, and how many entries had to be written as file:// URIs."""

    data: bytes
    uri_entries: int = 0


Render = Callable[[Sequence[Entry], "str | None"], Rendered]
"""render(entries, base_dir): base_dir is the playlist's folder for relative paths, None for absolute."""
Parse = Callable[[bytes, str, str], list[Entry]]
"""parse(data, playlist_path, base_dir) -> entries; raises PlaylistError naming playlist_path."""


@dataclass(frozen=True)
class PlaylistFormat:
    name: str                     # what users read: "M3U8", "XSPF", "PLS"
    extensions: tuple[str, ...]   # lower case, without the dot
    render: Render
    parse: Parse


_BY_EXTENSION: dict[str, PlaylistFormat] = {}


def register(fmt: PlaylistFormat) -> PlaylistFormat:
    for ext in fmt.extensions:
        _BY_EXTENSION[ext] = fmt
    return fmt


def extensions() -> list[str]:
    return sorted(_BY_EXTENSION)


def format_for(path: str | os.PathLike) -> PlaylistFormat:
    """The format a playlist file's extension names; a UserError listing the known ones otherwise."""
    ext = os.path.splitext(os.fspath(path))[1].lower().lstrip(".")
    try:
        return _BY_EXTENSION[ext]
    except KeyError:
        known = ", ".join("." + e for e in extensions())
        raise UserError(f"{os.fspath(path)}: unknown playlist type {('.' + ext) if ext else '(no extension)'}; "
                        f"use one of {known}") from None
