"""mutagen's boundary: read tags and stream info, normalised, and translate mutagen's exceptions."""
from __future__ import annotations

import logging
import struct
from typing import Any, BinaryIO

import mutagen
from mutagen._vorbis import VComment
from mutagen.apev2 import APEv2
from mutagen.asf import ASFTags
from mutagen.id3 import ID3
from mutagen.mp4 import MP4Tags

from ..errors import CorruptMedia, FileError, OurBug, ReadError

log = logging.getLogger(__name__)

# Our field -> the key each tag family uses. A registry of families, not a tower of isinstance checks.
TAG_KEYS: dict[str, dict[str, tuple[str, ...]]] = {
    "vorbis": {"title": ("title",), "artist": ("artist",), "album": ("album",),
               "album_artist": ("albumartist", "album artist", "album_artist"), "genre": ("genre",),
               "date": ("date", "year"), "track_no": ("tracknumber",)},
    "id3": {"title": ("TIT2",), "artist": ("TPE1",), "album": ("TALB",), "album_artist": ("TPE2",),
            "genre": ("TCON",), "date": ("TDRC", "TYER"), "track_no": ("TRCK",)},
    "mp4": {"title": ("\xa9nam",), "artist": ("\xa9ART",), "album": ("\xa9alb",), "album_artist": ("aART",),
            "genre": ("\xa9gen",), "date": ("\xa9day",), "track_no": ("trkn",)},
    "asf": {"title": ("Title",), "artist": ("Author",), "album": ("WM/AlbumTitle",),
            "album_artist": ("WM/AlbumArtist",), "genre": ("WM/Genre",), "date": ("WM/Year",),
            "track_no": ("WM/TrackNumber",)},
    "ape": {"title": ("Title",), "artist": ("Artist",), "album": ("Album",), "album_artist": ("Album Artist",),
            "genre": ("Genre",), "date": ("Year",), "track_no": ("Track",)},
}


_FAMILIES = ((ID3, "id3"), (MP4Tags, "mp4"), (VComment, "vorbis"), (ASFTags, "asf"), (APEv2, "ape"))


def _family(tags: Any) -> str | None:
    for cls, family in _FAMILIES:
        if isinstance(tags, cls):
            return family
    return None


def _first_text(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if value is None:
        return None
    if hasattr(value, "text"):  # ID3 frames
        value = value.text[0] if value.text else None
    if isinstance(value, tuple):  # MP4 trkn = (track, total)
        value = value[0]
    if hasattr(value, "value"):  # ASF attributes
        value = value.value
    text = str(value).strip().replace("\x00", "")
    return text or None


def parse_track(value: str | None) -> int | None:
    if not value:
        return None
    head = value.split("/")[0].strip()
    return int(head) if head.isdigit() else None


def _lookup(tags: Any, key: str) -> Any:
    try:
        if hasattr(tags, "getall") and len(key) == 4 and key.isupper():  # ID3 frame ids
            frames = tags.getall(key)
            return frames[0] if frames else None
        return tags.get(key) if hasattr(tags, "get") else None
    except (KeyError, ValueError):
        return None


def normalise_tags(tags: Any) -> dict[str, Any]:
    family = _family(tags) if tags is not None else None
    if family is None:
        return {}
    out: dict[str, Any] = {}
    for field, keys in TAG_KEYS[family].items():
        for key in keys:
            text = _first_text(_lookup(tags, key))
            if text:
                out[field] = text
                break
    if "track_no" in out:
        out["track_no"] = parse_track(str(out["track_no"]))
    return {k: v for k, v in out.items() if v is not None}


def read_tags(path: str, fileobj: BinaryIO) -> dict[str, Any] | None:
    """Tags and stream facts from mutagen, or None when mutagen does not know the format."""
    try:
        fileobj.seek(0)
        mf = mutagen.File(fileobj)
    except mutagen.MutagenError as exc:
        cause = exc.__context__ if isinstance(exc.__context__, OSError) else None
        if cause is not None and cause.errno is not None:
            raise ReadError.from_os_error(path, cause) from None
        raise CorruptMedia(path, f"unreadable tags or header: {exc}") from None
    except OSError as exc:
        raise ReadError.from_os_error(path, exc) from None
    except (ValueError, IndexError, KeyError, EOFError, UnicodeDecodeError, OverflowError, struct.error) as exc:
        # mutagen raises these on malformed data in older code paths (struct.error: an Ogg Opus header
        # cut short, found by fuzzing); the file is at fault
        raise CorruptMedia(path, f"malformed header: {type(exc).__name__}: {exc}") from None
    except FileError:
        raise
    except Exception as exc:  # noqa: BLE001
        log.exception("unexpected mutagen failure on %s", path)
        raise OurBug(path, f"mutagen: {type(exc).__name__}: {exc}") from exc
    if mf is None:
        return None
    info = mf.info
    facts: dict[str, Any] = normalise_tags(mf.tags)
    facts["duration"] = float(info.length) if getattr(info, "length", None) else None
    facts["sample_rate"] = getattr(info, "sample_rate", None) or None
    facts["audio_channels"] = getattr(info, "channels", None) or None
    bitrate = getattr(info, "bitrate", None)
    facts["bitrate"] = int(bitrate) if bitrate else None
    facts["codec"] = getattr(info, "codec", None) or type(mf).__name__.lower()
    facts["total_samples"] = getattr(info, "total_samples", None)
    facts["flac_block_size"] = getattr(info, "max_blocksize", None)
    facts["bits_per_sample"] = getattr(info, "bits_per_sample", None)
    facts["mutagen_type"] = type(mf).__name__
    return facts
