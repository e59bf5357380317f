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
            raise ReadError.from_os_error(path, exc) from None
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


def open_input(path: str, **options) -> "av.container.InputContainer":
    with translate_av_errors(path):
        return av.open(path, mode="r", metadata_errors="replace", **options)
