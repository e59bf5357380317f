"""Probe one file: check its content, fingerprint it, read tags (mutagen) and stream facts (PyAV)."""
from __future__ import annotations

import os
import stat as stat_mod
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from ..errors import CorruptMedia, FileError, ReadError, UnsupportedMedia
from ..media.avio import open_input, translate_av_errors
from . import formats, integrity
from .fingerprint import sample_file
from .tagread import read_tags


@dataclass
class ProbeResult:
    """What the library stores about a file (see library.media.PROBED_COLUMNS)."""

    kind: str
    size: int
    mtime: float
    fingerprint: str
    duration: float | None = None
    title: str | None = None
    artist: str | None = None
    album: str | None = None
    album_artist: str | None = None
    genre: str | None = None
    date: str | None = None
    track_no: int | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    audio_channels: int | None = None
    sample_rate: int | None = None
    bitrate: int | None = None
    container: str | None = None
    codec: str | None = None
    tags: dict[str, Any] = field(default_factory=dict)
    streams: list[dict[str, Any]] = field(default_factory=list)

    def columns(self) -> dict[str, Any]:
        return dict(self.__dict__)


def title_from_name(path: str) -> str:
    stem = os.path.splitext(os.path.basename(path))[0]
    return " ".join(stem.replace("_", " ").split()) or stem


def probe(path: str, st: os.stat_result | None = None) -> ProbeResult:
    """Everything we learn about a media file without decoding it. Raises FileError subclasses."""
    fmt = formats.format_for(path)
    if fmt is None:
        raise UnsupportedMedia(path, "not a media file extension")
    try:
        if st is None:
            st = os.stat(path)
        if not stat_mod.S_ISREG(st.st_mode):
            raise UnsupportedMedia(path, "not a regular file")
        with open(path, "rb") as f:
            sample = sample_file(f, st.st_size)
            if st.st_size == 0:
                raise CorruptMedia(path, "empty file")
            actual = _check_content(path, fmt, sample.head)
            tag_facts = read_tags(path, f)
    except OSError as exc:
        raise ReadError.from_os_error(path, exc) from None

    result = ProbeResult(kind=fmt.kind, size=st.st_size, mtime=st.st_mtime, fingerprint=sample.fingerprint,
                         container=actual.name)
    if tag_facts:
        problem = integrity.check(tag_facts, sample.end, st.st_size)
        if problem:
            raise CorruptMedia(path, problem)
        _apply_tag_facts(result, tag_facts)
    if fmt.kind == "video" or not tag_facts or not result.duration:
        _apply_av_facts(path, result, need_tags=not tag_facts)
    if not result.duration or result.duration <= 0:
        raise CorruptMedia(path, "no playable stream with a duration")
    if fmt.kind == "audio" and not result.audio_channels and not any(s["type"] == "audio" for s in result.streams):
        raise CorruptMedia(path, "no audio stream")
    if not result.title:
        result.title = title_from_name(path)
    return result


def _check_content(path: str, claimed: formats.Format, head: bytes) -> formats.Format:
    if formats.content_matches(claimed, head):
        return claimed
    actual = formats.sniff(head)
    if actual is not None:
        return actual  # mislabelled but real media (an MKV named .mp4): accept it
    if formats.looks_like_text(head):
        raise UnsupportedMedia(path, f"not a media file: looks like text, not .{claimed.extensions[0]}")
    raise UnsupportedMedia(path, f"content is not a recognised media format (named .{claimed.extensions[0]})")


_TAG_FIELDS = ("title", "artist", "album", "album_artist", "genre", "date", "track_no")


def _apply_tag_facts(result: ProbeResult, facts: dict[str, Any]) -> None:
    for key in (*_TAG_FIELDS, "duration", "sample_rate", "audio_channels", "bitrate", "codec"):
        if facts.get(key) is not None:
            setattr(result, key, facts[key])
    result.tags = {k: facts[k] for k in _TAG_FIELDS if facts.get(k) is not None}


def _rate(value: Fraction | None) -> float | None:
    try:
        return round(float(value), 3) if value else None
    except (ZeroDivisionError, TypeError):
        return None


def _apply_av_facts(path: str, result: ProbeResult, need_tags: bool) -> None:
    container = open_input(path)
    try:
        with translate_av_errors(path):
            streams = []
            for s in container.streams:
                info: dict[str, Any] = {"index": s.index, "type": s.type,
                                        "codec": s.codec_context.name if s.codec_context else None}
                if s.duration and s.time_base:
                    info["duration"] = float(s.duration * s.time_base)
                if s.type == "video":
                    info.update(width=s.codec_context.width, height=s.codec_context.height,
                                fps=_rate(s.average_rate or s.guessed_rate))
                elif s.type == "audio":
                    info.update(channels=s.codec_context.channels, sample_rate=s.codec_context.sample_rate)
                streams.append(info)
            duration = container.duration / 1_000_000 if container.duration else None
            if not duration:
                duration = max((s.get("duration") or 0 for s in streams), default=0) or _demux_duration(container)
            meta = {k.lower(): v for k, v in (container.metadata or {}).items()}
    finally:
        container.close()
    video = next((s for s in streams if s["type"] == "video" and s.get("width")), None)
    audio = next((s for s in streams if s["type"] == "audio"), None)
    result.streams = streams
    if video:
        result.width, result.height, result.fps = video["width"], video["height"], video.get("fps")
        result.codec = video["codec"]
    if audio:
        result.audio_channels = result.audio_channels or audio["channels"]
        result.sample_rate = result.sample_rate or audio["sample_rate"]
        result.codec = result.codec or audio["codec"]
    if duration and (not result.duration or result.kind == "video"):
        result.duration = round(float(duration), 3)
    if need_tags:
        keys = {"title": "title", "artist": "artist", "album": "album", "album_artist": "album_artist",
                "genre": "genre", "date": "date", "track": "track_no"}
        for src, dst in keys.items():
            if meta.get(src) and getattr(result, dst) is None:
                setattr(result, dst, meta[src] if dst != "track_no" else _int_prefix(meta[src]))
        result.tags = {k: getattr(result, k) for k in _TAG_FIELDS if getattr(result, k) is not None}


def _int_prefix(text: str) -> int | None:
    head = str(text).split("/")[0].strip()
    return int(head) if head.isdigit() else None


def _demux_duration(container) -> float | None:
    """Duration by reading packet timestamps, for containers (some WebM) that do not state one."""
    last = 0.0
    for packet in container.demux():
        if packet.pts is not None and packet.time_base:
            end = float((packet.pts + (packet.duration or 0)) * packet.time_base)
            last = max(last, end)
    return last or None


__all__ = ["probe", "ProbeResult", "title_from_name", "FileError"]
