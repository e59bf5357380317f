"""Where an item comes from: its album, artist and folder as comparable keys, and the group each item belongs to
when a build learns which features tell this library's groups apart.

Album and artist come from the tags (case and surrounding space ignored; an album is the same album only
under the same album artist, else artist, so two artists' "Greatest Hits" stay apart); the folder is the
file's parent directory. A library's groups are its albums where the tags name one that two or more items
share, else folders: an untagged library is still organised by the user, one folder per album or per
source, and that structure is all an anonymous copy keeps."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING, Any, Iterable

import numpy as np

if TYPE_CHECKING:
    from ..library import Library

COLUMNS = ("path", "album", "artist", "album_artist")


def _key(value: Any) -> str:
    return " ".join(str(value or "").split()).casefold()


@dataclass(frozen=True)
class Origin:
    album: str  # "" when untagged; else "album artist/artist\x1falbum"
    artist: str  # "" when untagged
    folder: str
    album_name: str = ""  # as tagged, for saying it
    artist_name: str = ""

    @classmethod
    def of(cls, item: dict[str, Any]) -> "Origin":
        album, artist = _key(item.get("album")), _key(item.get("artist"))
        owner = _key(item.get("album_artist")) or artist
        return cls(f"{owner}\x1f{album}" if album else "", artist, str(PurePath(str(item.get("path") or "")).parent),
                   str(item.get("album") or "").strip(), str(item.get("artist") or "").strip())


def origins(lib: "Library", media_ids: Iterable[int]) -> dict[int, Origin]:
    """The origin of each id that exists, by id (one query)."""
    return {mid: Origin.of(item) for mid, item in lib.media.get_many(media_ids, COLUMNS).items()}


def group_labels(lib: "Library", media_ids: np.ndarray) -> list[str]:
    """One group label per id (ids may repeat): the album where two or more of these items share it, else the
    folder; an id without a media row is its own group."""
    found = origins(lib, np.unique(media_ids).tolist())
    albums = Counter(o.album for o in found.values() if o.album)
    out = []
    for mid in np.asarray(media_ids).tolist():
        o = found.get(int(mid))
        if o is None:
            out.append(f"#{mid}")
        elif o.album and albums[o.album] >= 2:
            out.append("album:" + o.album)
        else:
            out.append("folder:" + o.folder)
    return out


__all__ = ["Origin", "origins", "group_labels", "COLUMNS"]
