"""Probe one file: check its content, fingerprint it, read stream facts and tags with the probers its format names."""
from __future__ import annotations

import logging
import os
import stat as stat_mod
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, BinaryIO, Callable

import av

from ..errors import CorruptMedia, FileError, OurBug, ReadError, UnsupportedMedia
from ..media.avio import MIN_DECODED_SHARE, open_input, translate_av_errors
from . import formats, integrity
from .fingerprint import sample_file
from .tagread import read_tags

log = logging.getLogger(__name__)


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
            result = ProbeResult(kind=fmt.kind, size=st.st_size, mtime=st.st_mtime, fingerprint=sample.fingerprint,
                                 container=actual.name)
            source = _Source(path, f, sample.end, st.st_size, actual)
            _read_streams(source, result, actual)
            _read_extra_tags(source, result, actual)
    except OSError as exc:
        raise ReadError.from_os_error(path, exc) from None
    _drop_impossible(path, result)
    if not result.duration or result.duration <= 0:
        raise CorruptMedia(path, "no playable stream with a duration")
    if fmt.kind == "audio" and not result.audio_channels and not any(s["type"] == "audio" for s in result.streams):
        raise CorruptMedia(path, "no audio stream")
    if not result.title:
        result.title = title_from_name(path)
    return result


LIMITS = {"duration": 7 * 86400.0, "track_no": 1e6, "width": 65536, "height": 65536, "fps": 1000.0,
          "audio_channels": 256, "sample_rate": 1_000_000, "bitrate": 1e10}
"""Largest believable value of each numeric fact; a damaged header declares 10^150 Hz (found by fuzzing
AIFF), which SQLite cannot even store, or a duration of centuries, which would stretch the file's time limit."""


def _drop_impossible(path: str, result: ProbeResult) -> None:
    """Forget facts no real file has (they come from damaged headers): unknown is better than absurd."""
    for name, most in LIMITS.items():
        value = getattr(result, name)
        if value is not None and not 0 <= value <= most:  # NaN fails both comparisons too
            log.info("%s: ignoring impossible %s %r", path, name, value)
            setattr(result, name, None)


@dataclass
class _Source:
    """One open file as the probers see it."""

    path: str
    file: BinaryIO
    tail: bytes  # its last bytes (integrity checks compare them with what the header promises)
    size: int
    format: formats.Format  # what its content is (the extension may say otherwise)


class _Damaged(CorruptMedia):
    """Evidence that the data is broken (it ends before its header says): a verdict, not a prober that
    could not read the file, so no other prober is asked."""


def _read_streams(src: _Source, result: ProbeResult, fmt: formats.Format) -> None:
    """Stream facts from the format's probers, in order, until one gives a duration. A prober that
    fails hands over to the next; the file is corrupt only when every one of them failed."""
    failures: list[str] = []
    for name in fmt.probers:
        try:
            if PROBERS[name](src, result, bool(failures)):
                if failures:
                    log.info("%s: read by %s although %s", src.path, PROBER_NAMES[name], "; ".join(failures))
                return
        except _Damaged as exc:
            raise CorruptMedia(exc.path, exc.reason) from None
        except CorruptMedia as exc:
            failures.append(f"{PROBER_NAMES[name]}: {exc.reason}")
    if len(failures) == len(fmt.probers):
        raise CorruptMedia(src.path, "; ".join(failures))
    # Read, but without a duration: probe() says so.


def _mutagen_streams(src: _Source, result: ProbeResult, after_failure: bool) -> bool:
    """mutagen's tags and audio stream facts; True when they include a duration."""
    facts = read_tags(src.path, src.file)
    if not facts:
        return False  # a format mutagen does not know: the next prober reads it
    problem = integrity.check(facts, src.tail, src.size)
    if problem:
        raise _Damaged(src.path, problem)
    _apply_tag_facts(result, facts)
    return bool(result.duration)


def _av_streams(src: _Source, result: ProbeResult, after_failure: bool) -> bool:
    """FFmpeg's stream facts (and its tags where nothing gave any). Reading an audio file another prober
    refused, it must also find packets through most of the stated duration: a header FFmpeg can
    open proves nothing about the data behind it."""
    timed = not src.format.stated_duration and src.size <= PACKET_TIMING_MAX_BYTES
    _apply_av_facts(src.path, result, need_tags=not result.tags, verify=after_failure and result.kind == "audio",
                    time_packets=timed)
    return bool(result.duration)


PACKET_TIMING_MAX_BYTES = 64 << 20
"""Containers that state no duration (MPEG-PS/TS) are timed from their packets up to this size: a demux
without decoding, about 90 MB/s on a low-bitrate clip (many packets per byte), so at most ~0.7 s.
FFmpeg's own guess is kept for larger files; from the bitrate, it was half the true length of short
video-only MPEG-PS files (0.96 s and 1.22 s for 2 s)."""


PROBERS: dict[str, Callable[[_Source, ProbeResult, bool], bool]] = {
    "mutagen": _mutagen_streams,
    "av": _av_streams,
}
"""Prober name (formats.Format.probers) -> reader(source, result, after_failure): fills the result,
returns True once it has a duration, raises CorruptMedia when it cannot read the file."""
PROBER_NAMES = {"mutagen": "mutagen", "av": "FFmpeg"}  # how the error message names each


def _read_extra_tags(src: _Source, result: ProbeResult, fmt: formats.Format) -> None:
    """Tags from readers that know the container's tags but do not judge its streams (mutagen on MP4,
    ASF, Ogg video). Their failure says nothing about the file: the streams were read already."""
    if "mutagen" not in fmt.tag_readers:
        return
    try:
        facts = read_tags(src.path, src.file)
    except (CorruptMedia, OurBug) as exc:  # OurBug is logged with its traceback where it is raised
        log.debug("%s: no tags from mutagen (%s)", src.path, exc.reason)
        return
    tags = {k: facts[k] for k in _TAG_FIELDS if facts and facts.get(k) is not None}
    for key, value in tags.items():
        setattr(result, key, value)
    result.tags = {**result.tags, **tags}


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


def _apply_av_facts(path: str, result: ProbeResult, need_tags: bool, verify: bool = False,
                    time_packets: bool = False) -> None:
    container = open_input(path)
    try:
        with translate_av_errors(path):
            streams = []
            for s in container.streams:
                info: dict[str, Any] = {"index": s.index, "type": s.type,
                                        "codec": s.codec_context.name if s.codec_context else None}
                if s.duration and s.time_base:
                    info["duration"] = float(s.duration * s.time_base)
                if s.codec_context is None:  # a codec FFmpeg does not know (a damaged codec id): no facts
                    streams.append(info)
                    continue
                if s.type == "video":
                    info.update(width=s.codec_context.width, height=s.codec_context.height,
                                fps=_rate(s.average_rate or s.guessed_rate))
                elif s.type == "audio":
                    info.update(channels=s.codec_context.channels, sample_rate=s.codec_context.sample_rate)
                streams.append(info)
            duration = container.duration / 1_000_000 if container.duration else None
            if time_packets:
                duration = _demux_duration(container) or duration
            elif not duration:
                duration = max((s.get("duration") or 0 for s in streams), default=0) or _demux_duration(container)
            meta = {k.lower(): v for k, v in (container.metadata or {}).items()}
            bitrate = container.bit_rate or None
            if verify and duration:
                _check_packets_reach(path, container, duration)
    finally:
        container.close()
    video = next((s for s in streams if s["type"] == "video" and s.get("width")), None)
    audio = next((s for s in streams if s["type"] == "audio" and "channels" in s), None)
    result.streams = streams
    if video:
        result.width, result.height, result.fps = video["width"], video["height"], video.get("fps")
        result.codec = video["codec"]
    if audio:
        result.audio_channels = result.audio_channels or audio["channels"]
        result.sample_rate = result.sample_rate or audio["sample_rate"]
        result.codec = result.codec or audio["codec"]
    result.bitrate = result.bitrate or bitrate
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


def _check_packets_reach(path: str, container, duration: float) -> None:
    """CorruptMedia unless the first audio stream's packets reach MIN_DECODED_SHARE of `duration`
    (demuxed, not decoded)."""
    if not container.streams.audio:
        return
    container.seek(0)
    end = 0.0
    try:
        for packet in container.demux(container.streams.audio[0]):
            if packet.pts is not None and packet.time_base:
                end = max(end, float((packet.pts + (packet.duration or 0)) * packet.time_base))
    except av.error.InvalidDataError:
        pass  # the data stops making sense here: what came before is what there is
    if end < MIN_DECODED_SHARE * duration:
        raise CorruptMedia(path, f"truncated: the header says {duration:.1f} s, the data ends near {end:.1f} s")


def _demux_duration(container) -> float | None:
    """Duration by reading packet timestamps, for containers (some WebM, MPEG-PS/TS) that do not state
    one: from the earliest packet to the end of the last (MPEG streams start at an arbitrary clock)."""
    first, last = None, 0.0
    try:
        for packet in container.demux():
            if packet.pts is not None and packet.time_base:
                start = float(packet.pts * packet.time_base)
                first = start if first is None else min(first, start)
                last = max(last, start + float((packet.duration or 0) * packet.time_base))
    except av.error.InvalidDataError:
        pass  # damage past this point: the time read so far stands
    if first is None:
        return None
    return (last - max(first, 0.0)) or None


__all__ = ["probe", "ProbeResult", "title_from_name", "FileError"]
