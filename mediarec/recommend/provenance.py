"""Where two items come from, as a signal of its own for more like this: same album, same artist, same folder.

Before, the names hid in the "talks alike" space: a wordless track's text vector was its title, artist,
album and folder names, and on the album corpus (7 albums, 58 tracks) that space alone found the same
album at precision@5 0.997, so "more like this" found the folder, not the sound. Now names are this
signal, said in the reasons ("same album (X)") and weighed on its own (`METADATA_WEIGHT`, the kv key
`similar.weights` -> "metadata", or `MoreLikeThis(weights={"metadata": w})`), and "beyond" leaves the
query's album and artist out altogether.

The signal re-ranks what the spaces found; it adds no candidates, so a high weight pulls album mates
that sound alike to the top and never brings in ones that sound nothing alike."""
from __future__ import annotations

from pathlib import PurePath

from ..index.origin import Origin

METADATA = "metadata"
METADATA_WEIGHT = 0.0
"""Default weight of the signal in "all" (the spaces' weights are in index/fused.py: audio 1.0, ...). Zero:
more like this is ranked by sound and feel, so a library with names and one without give the same
lists (album corpus, bench/album_similarity.py: same-album precision@5 0.605 named, 0.602 anonymised).
A user who wants the album first raises it (`similar --metadata-weight`): at 0.3, 0.776."""
SAME_ALBUM, SAME_ARTIST, SAME_FOLDER = 1.0, 0.7, 0.5
"""The signal's value: the closest tie the two items have."""


def closeness(q: Origin, c: Origin) -> float:
    if q.album and q.album == c.album:
        return SAME_ALBUM
    if q.artist and q.artist == c.artist:
        return SAME_ARTIST
    return SAME_FOLDER if q.folder == c.folder else 0.0


def phrase(q: Origin, c: Origin) -> str | None:
    """The closest tie in words: "same album (X)", "same artist (Y)" or "same folder (Z)"."""
    if q.album and q.album == c.album:
        return f"same album ({c.album_name})"
    if q.artist and q.artist == c.artist:
        return f"same artist ({c.artist_name})"
    if q.folder == c.folder and q.folder not in ("", "."):
        return f"same folder ({PurePath(c.folder).name or c.folder})"
    return None


def beyond(q: Origin, c: Origin) -> bool:
    """Whether `c` is outside the query's album and artist: for "more like this, beyond this album". A query
    with neither tagged leaves its folder out instead (in an untagged library the folder is the album)."""
    if q.album or q.artist:
        return not ((q.album and q.album == c.album) or (q.artist and q.artist == c.artist))
    return q.folder != c.folder


__all__ = ["METADATA", "METADATA_WEIGHT", "closeness", "phrase", "beyond", "SAME_ALBUM", "SAME_ARTIST",
           "SAME_FOLDER"]
