"""PyAV's boundary: opening containers and translating FFmpeg's exceptions into ours, in one place."""
from __future__ import annotations

import contextlib
import logging
from typing import Iterator

import av

from ..errors import CorruptMedia, FileError, OurBug, ReadError, UnsupportedMedia

log = logging.getLogger(__name__)

MIN_DECODED_SHARE = 0.5
"""A file is corrupt when less than this share of its stated duration can be read (demuxed by the
probe, decoded by analysis). Below it, features would describe a fragment and the listing would be
wrong about the file; above it, damage (a bad packet, a cut-off last second) is skipped, as players
and the ffmpeg command line skip it. Half, because real damage is either local (a bad packet or page:
well under 10% lost) or a cut-off download, which loses an arbitrary share: half tells them apart
without calling a 95%-complete download corrupt."""

# PyAV's logging stays at its default (off, no Python log callback): FFmpeg would print a warning for
# every odd packet of a damaged file, and we report damage ourselves; and the Python callback can
# deadlock with frame-threaded decoding (PyAV issues #751, #909).


@contextlib.contextmanager
def translate_av_errors(path: str) -> Iterator[None]:
    """Turn PyAV/FFmpeg failures into FileError (the file's fault) or OurBug (ours), with the path."""
    try:
        yield
    except FileError:
        raise
    except av.error.FFmpegError as exc:
        reason = exc.strerror or str(exc)
        if isinstance(exc, OSError) and exc.errno is not None and not isinstance(exc, av.error.EOFError):
            if not _readable(path):
                raise ReadError.from_os_error(path, exc) from None
            # FFmpeg's demuxers return errno codes (EPERM, EIO, ENOMEM) for malformed data too: a file
            # the OS reads fine is damaged, not locked or on a failing disk (found by fuzzing FLAC, WebM).
            raise CorruptMedia(path, f"FFmpeg: {reason}") from None
        if isinstance(exc, (av.error.DecoderNotFoundError, av.error.DemuxerNotFoundError)):
            raise UnsupportedMedia(path, f"no decoder: {reason}") from None
        raise CorruptMedia(path, reason) from None
    except OSError as exc:
        raise ReadError.from_os_error(path, exc) from None
    except (UnicodeDecodeError, ValueError, IndexError, EOFError) as exc:
        # PyAV raises these for malformed metadata and streams; they describe the file, not us.
        raise CorruptMedia(path, f"{type(exc).__name__}: {exc}") from None
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - anything else is a bug, kept distinct and logged
        log.exception("unexpected PyAV failure on %s", path)
        raise OurBug(path, f"{type(exc).__name__}: {exc}") from exc


def _readable(path: str) -> bool:
    """Whether the OS lets us open and read the start of the file."""
    try:
        with open(path, "rb") as f:
            f.read(1)
        return True
    except OSError:
        return False


def open_input(path: str, **options) -> "av.container.InputContainer":
    with translate_av_errors(path):
        return av.open(path, mode="r", metadata_errors="replace", **options)


SKIP_STEPS = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
"""How far past a demuxer error reading resumes, tried in turn until packets come again (an Ogg page
holds about a second; a damaged stretch of an MPEG stream a few)."""
MAX_SKIPS = 32  # damaged places read past in one file before the rest of it is given up on


class TolerantInput:
    """An input container whose `demux()` reads past a packet FFmpeg's demuxer cannot parse, as the
    ffmpeg command line does, instead of ending there.

    A demuxer that raised can stay stuck: the Ogg one raises at the same packet again even after a
    seek, once a bad packet has freed its Vorbis parser. So the file is opened again and read from the
    first packet a little past the bad place (SKIP_STEPS; none is delivered twice). Earlier containers
    stay open until `close()`: decoders made from their streams keep working on the new packets.
    `damage` lists (time, FFmpeg's reason) of each skip; callers judge whether enough was read (see
    MIN_DECODED_SHARE). Everything else (streams, duration, metadata) is the first container's."""

    def __init__(self, path: str, **options):
        self.path, self._options = path, options
        self._opened = [open_input(path, **options)]
        self.damage: list[tuple[float, str]] = []
        self._steps_tried: tuple[float, int] = (-1.0, 0)  # (damage time, SKIP_STEPS used there already)
        self._position = 0.0  # seconds: where the last seek went (where reading is when nothing came yet)
        self._stuck = False  # the current container's demuxer raised: a seek needs a fresh one
        self._dead_from: float | None = None  # nothing could be read after this time (a file cut short)

    def __getattr__(self, name: str):
        return getattr(self._opened[0], name)

    @property
    def _current(self):
        return self._opened[-1]

    def seek(self, offset: int, *, stream=None, **kw) -> None:
        if self._stuck:
            self._opened.append(open_input(self.path, **self._options))
            self._stuck = False
        target = self._current.streams[stream.index] if stream is not None else None
        self._current.seek(offset, stream=target, **kw)
        self._position = float(offset * stream.time_base) if stream is not None else offset / 1_000_000

    def demux(self, stream):
        """Packets of `stream` (a stream of the first container), reading past damage."""
        last_pts = None  # of the latest packet delivered (kept raw: time arithmetic per packet costs)
        while True:
            container = self._current
            mine = container.streams[stream.index]
            try:
                for packet in container.demux(mine):
                    if packet.pts is not None:
                        last_pts = packet.pts
                    yield packet
                return
            except av.error.InvalidDataError as exc:
                reason = exc.strerror or str(exc)
                self._stuck = True
                at = float(last_pts * mine.time_base) if last_pts is not None else self._position
                if not self._read_past(stream.index, at, reason):
                    return  # nothing readable after it: the stream ends here

    def _read_past(self, index: int, at: float, reason: str) -> bool:
        """Reopen the file and seek a little past `at`; False when that finds no packet any more."""
        self.damage.append((at, reason))
        log.debug("%s: demuxer error at %.2f s (%s): reading on after it", self.path, at, reason)
        if len(self.damage) > MAX_SKIPS or (self._dead_from is not None and at >= self._dead_from - 1e-6):
            return False
        end = (self._opened[0].duration or 0) / 1_000_000
        # The same place again (the resumed reading ran into it once more): go on with longer steps.
        first = self._steps_tried[1] if abs(self._steps_tried[0] - at) < 1e-6 else 0
        for n, step in enumerate(SKIP_STEPS[first:], start=first):
            self._steps_tried = (at, n + 1)
            if end and at + step > end:
                return False
            container = open_input(self.path, **self._options)
            self._opened.append(container)
            stream = container.streams[index]
            # Any packet, not the keyframe before: that would lead back into the bad one (video decoders
            # skip to their next keyframe; audio needs none).
            try:
                container.seek(int((at + step) / stream.time_base), stream=stream, any_frame=True)
                packet = next(container.demux(stream), None)
            except av.error.FFmpegError:
                continue
            if packet is not None and packet.size:
                t = _packet_time(packet)
                if t is None or t > at:
                    container.seek(int((at + step) / stream.time_base), stream=stream, any_frame=True)
                    self._stuck = False
                    return True
        self._dead_from = at  # later errors past here (other targets of a cut-off file) cost no more opens
        return False

    def close(self) -> None:
        for container in self._opened:
            container.close()


def _packet_time(packet) -> float | None:
    if packet.pts is None or not packet.time_base:
        return None
    return float(packet.pts * packet.time_base)


def open_tolerant(path: str, **options) -> TolerantInput:
    """Open `path` for reading past damaged packets (see TolerantInput)."""
    return TolerantInput(path, **options)
