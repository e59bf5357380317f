"""What a playlist holds (Entry), the error a bad playlist file raises, and how titles are made printable."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any, Mapping

from ..errors import FileError


class PlaylistError(FileError):
    """A playlist file that cannot be read as its format: the message names the file and the cause."""

    kind = "corrupt"


class PlaylistWriteError(FileError):
    """A playlist file that could not be written (no such folder, no permission, disk full)."""

    kind = "io"


@dataclass(frozen=True)
class Entry:
    """One item of a playlist. `path` is absolute (or a non-file URL kept as it was found)."""

    path: str
    title: str | None = None
    artist: str | None = None
    album: str | None = None
    duration: float | None = None  # seconds

    @classmethod
    def from_media(cls, row: Mapping[str, Any]) -> "Entry":
        """An entry from a library media row (or a saved playlist item: path, title, duration)."""
        return cls(path=row["path"], title=row.get("title") or None, artist=row.get("artist") or None,
                   album=row.get("album") or None, duration=row.get("duration"))

    def display_title(self) -> str:
        """'Artist - Title' as M3U and PLS show it; the file name when the tags are empty."""
        title, artist = clean_text(self.title), clean_text(self.artist)
        if title and artist:
            return f"{artist} - {title}"
        if title or artist:
            return title or artist
        name = self.path.rstrip("/").rsplit("/", 1)[-1]
        return clean_text(os.path.splitext(name)[0] or name)


_CONTROL = re.compile(r" *[\x00-\x1f\x7f-\x9f\u2028\u2029]+ *")
# XML 1.0 allows only these characters; lone surrogates (undecodable tag bytes) are not among them.
_NOT_XML = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean_text(text: str | None) -> str:
    """A one-line version of a tag value: newlines, tabs and other control characters become one space."""
    if not text:
        return ""
    return _NOT_XML.sub("", _CONTROL.sub(" ", text)).strip()
