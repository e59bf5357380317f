"""Importing a playlist file into a saved playlist: untrusted entries matched to the library, the rest kept as text."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import UserError
from .entry import Entry
from .files import read_playlist
from .registry import format_for
from .trust import screen

if TYPE_CHECKING:
    from ..library import Library


@dataclass
class Imported:
    name: str
    file: str
    format: str
    items: list[dict[str, Any]] = field(default_factory=list)
    refused: list[dict[str, str]] = field(default_factory=list)  # {path, reason}

    @property
    def unknown(self) -> list[str]:
        return [it["path"] for it in self.items if it["media_id"] is None]


def import_playlist(lib: "Library", path: str | os.PathLike, name: str | None = None,
                    replace: bool = False) -> Imported:
    """Read `path` (M3U/M3U8/XSPF/PLS) into saved playlist `name` (default: the file's name)."""
    path = os.path.abspath(os.fspath(path))
    fmt = format_for(path)
    entries = read_playlist(path)
    name = name or os.path.splitext(os.path.basename(path))[0]
    if not replace and any(p["name"] == name for p in lib.playlists.list()):
        raise UserError(f"a playlist named {name!r} exists; pass --replace, or another --name")
    # Untrusted input: entries outside the library folders keep their place in the list as text,
    # are reported, and are never looked up on disk (no stat, no symlink resolution).
    screened = screen(entries, [r["path"] for r in lib.roots.list()])
    outside = {id(e) for e, _ in screened.refused}
    items = [_unmatched(e) if id(e) in outside else _matched(lib, e) for e in entries]
    lib.playlists.save(name, items, source="import", params={"file": path, "format": fmt.name})
    return Imported(name, path, fmt.name, items, [{"path": e.path, "reason": why} for e, why in screened.refused])


def _unmatched(entry: Entry) -> dict[str, Any]:
    return {"media_id": None, "path": entry.path, "title": entry.title, "duration": entry.duration}


def _matched(lib: "Library", entry: Entry) -> dict[str, Any]:
    """A playlist item for an entry: the library's media when its path (or the real path) is known."""
    row = lib.media.by_path(entry.path)
    if row is None and os.path.isabs(entry.path):
        real = os.path.realpath(entry.path)
        row = lib.media.by_path(real) if real != entry.path else None
    if row is None:
        return _unmatched(entry)
    return {"media_id": row["id"], "path": row["path"], "title": entry.title or row.get("title"),
            "duration": entry.duration if entry.duration is not None else row.get("duration")}
