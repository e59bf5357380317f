"""Playlist writers and readers (M3U8, XSPF, PLS): pure functions plus an atomic save.

`save_playlist(path, entries, relative=False)` and `read_playlist(path)` pick the format by extension
from the registry; each format module (m3u, xspf, pls) registers itself when imported here."""
from . import m3u, pls, xspf  # noqa: F401 - importing registers the formats
from .atomic import atomic_save, atomic_write
from .entry import Entry, PlaylistError, PlaylistWriteError
from .files import Saved, read_playlist, save_playlist
from .registry import PlaylistFormat, extensions, format_for

__all__ = ["Entry", "PlaylistError", "PlaylistWriteError", "PlaylistFormat", "Saved", "atomic_save",
           "atomic_write", "extensions", "format_for", "read_playlist", "save_playlist"]
