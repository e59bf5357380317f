"""The media formats we scan: extension -> kind, content signatures, and which probers may read each.

A registry, not a chain of ifs: each Format names its extensions, its kind, the byte signatures its
content starts with, the probers that can read its streams (in the order they are asked) and those that
may add tags. `sniff()` tells what a file's first bytes look like, so a text file named .mp4 is
refused while an MKV named .mp4 (a common mislabel) is still accepted as a video.

Why per-container probers: mutagen owns audio formats, but it answers for any file it thinks it
knows: it reads an AVI (RIFF) as WAVE and an MPEG program stream as MP3, and fails on both. Only
probers that can read a container judge it, and a file is corrupt only when all of them fail; for
video containers that is PyAV (FFmpeg) alone, and mutagen only adds tags where it knows the container
(MP4, ASF, Ogg) and says nothing when it cannot.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable

Signature = Callable[[bytes], bool]


def _at(offset: int, magic: bytes) -> Signature:
    return lambda head: head[offset:offset + len(magic)] == magic


def _riff(form: bytes) -> Signature:
    return lambda head: head[:4] == b"RIFF" and head[8:12] == form


def _id3(head: bytes) -> bool:
    return head[:3] == b"ID3"


def _mpeg_audio_sync(head: bytes) -> bool:
    # MPEG audio frame sync: 11 set bits, a valid layer, bitrate and sample rate index.
    for i in range(min(len(head) - 3, 4096)):
        if head[i] == 0xFF and (head[i + 1] & 0xE0) == 0xE0:
            b1, b2 = head[i + 1], head[i + 2]
            if (b1 >> 1) & 3 and (b2 >> 4) != 0xF and ((b2 >> 2) & 3) != 3:
                return True
    return False


def _adts(head: bytes) -> bool:
    return len(head) > 1 and head[0] == 0xFF and (head[1] & 0xF6) == 0xF0


def _mpeg_ts(head: bytes) -> bool:
    return len(head) > 376 and head[0] == 0x47 and head[188] == 0x47 and head[376] == 0x47


FTYP = _at(4, b"ftyp")
OGG = _at(0, b"OggS")
EBML = _at(0, b"\x1a\x45\xdf\xa3")
ASF = _at(0, bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c"))
MPEG_PS = lambda head: head[:4] in (b"\x00\x00\x01\xba", b"\x00\x00\x01\xb3")  # noqa: E731
FLAC = lambda head: head[:4] == b"fLaC" or (head[:3] == b"ID3" and b"fLaC" in head[:65536])  # noqa: E731
AIFF = lambda head: head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC")  # noqa: E731
MOV = lambda head: head[4:8] in (b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot")  # noqa: E731


AUDIO_PROBERS = ("mutagen", "av")  # mutagen's stream facts first (fast, exact); FFmpeg when it fails
VIDEO_PROBERS = ("av",)


@dataclass(frozen=True)
class Format:
    name: str
    kind: str  # audio or video
    extensions: tuple[str, ...]
    signatures: tuple[Signature, ...]
    probers: tuple[str, ...] = AUDIO_PROBERS  # who may read its streams; corrupt only when all of them fail
    tag_readers: tuple[str, ...] = ()  # who else may add tags (never a verdict): "mutagen" where it knows them
    stated_duration: bool = True  # False: no header states it, FFmpeg guesses (from the bitrate, at worst)


FORMATS: tuple[Format, ...] = (
    Format("mp3", "audio", ("mp3",), (_id3, _mpeg_audio_sync)),
    Format("flac", "audio", ("flac",), (FLAC,)),
    Format("ogg", "audio", ("ogg", "oga", "opus"), (OGG,)),
    Format("mp4-audio", "audio", ("m4a",), (FTYP, MOV)),
    Format("aac", "audio", ("aac",), (_adts, _id3, FTYP)),
    Format("wav", "audio", ("wav",), (_riff(b"WAVE"), _at(0, b"RF64"))),
    Format("aiff", "audio", ("aiff", "aif"), (AIFF,)),
    Format("asf-audio", "audio", ("wma",), (ASF,)),
    Format("mp4", "video", ("mp4", "m4v", "mov"), (FTYP, MOV), VIDEO_PROBERS, ("mutagen",)),
    Format("matroska", "video", ("mkv", "webm"), (EBML,), VIDEO_PROBERS),
    Format("avi", "video", ("avi",), (_riff(b"AVI "),), VIDEO_PROBERS),  # mutagen would read RIFF as WAVE
    Format("ogg-video", "video", ("ogv",), (OGG,), VIDEO_PROBERS, ("mutagen",)),
    Format("asf-video", "video", ("wmv",), (ASF,), VIDEO_PROBERS, ("mutagen",)),
    Format("mpeg-ps", "video", ("mpg", "mpeg"), (MPEG_PS,), VIDEO_PROBERS,  # mutagen would read it as MP3
           stated_duration=False),
    Format("mpeg-ts", "video", ("ts", "m2ts"), (_mpeg_ts,), VIDEO_PROBERS, stated_duration=False),
)

BY_EXTENSION: dict[str, Format] = {ext: f for f in FORMATS for ext in f.extensions}
AUDIO_EXTENSIONS = frozenset(e for e, f in BY_EXTENSION.items() if f.kind == "audio")
VIDEO_EXTENSIONS = frozenset(e for e, f in BY_EXTENSION.items() if f.kind == "video")


def format_for(path: str) -> Format | None:
    """The format a file's extension claims, or None if it is not a media extension."""
    ext = os.path.splitext(path)[1][1:].lower()
    return BY_EXTENSION.get(ext)


def sniff(head: bytes) -> Format | None:
    """The first format (claimed one first is the caller's job) whose signature matches these bytes.

    The loose MPEG-audio sync search goes last: random bytes can look like a frame header."""
    for fmt in FORMATS:
        if fmt.name == "mp3":
            continue
        if any(sig(head) for sig in fmt.signatures):
            return fmt
    mp3 = BY_EXTENSION["mp3"]
    return mp3 if any(sig(head) for sig in mp3.signatures) else None


def content_matches(fmt: Format, head: bytes) -> bool:
    return any(sig(head) for sig in fmt.signatures)


def looks_like_text(head: bytes) -> bool:
    sample = head[:4096]
    if not sample:
        return False
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(b >= 0x20 or b in b"\t\r\n\f" for b in sample)
