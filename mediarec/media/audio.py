"""Decode a file's audio once: mono float32 at one base rate, resampled on demand to each extractor's rate.

Long files are not decoded whole: `ExcerptPolicy` picks a bounded set of windows spread over the
duration, so a 3-hour recording costs about as much as a song (see `ExcerptPolicy` for the defaults
and why)."""
from __future__ import annotations

from dataclasses import dataclass, field

import av
import numpy as np

from ..errors import CorruptMedia, ExtractorError, UnsupportedMedia
from .avio import MIN_DECODED_SHARE, open_tolerant, translate_av_errors

BASE_RATE = 22050
"""Decode rate: the highest any extractor asks for (librosa DSP); 16 kHz models resample from it."""


@dataclass(frozen=True)
class ExcerptPolicy:
    """Which parts of a file to analyse.

    Files up to `full_up_to` seconds are decoded whole. Longer ones are decoded as `windows` windows of
    `window` seconds spread evenly between 5% and 95% of the duration (intros and fade-outs say little
    about a track), so a 3-hour recording costs what a 2-minute song does.

    Why 6 x 12 s above 2 minutes: bench/excerpt_quality.py compares each policy's features with the
    whole file's on the 19 dev-corpus tracks (4-7 min), and (--albums) the same-album precision@5 of
    the sound spaces on anonymised copies of the 58-track album corpus:

        policy     decoded  DSP cos mean/worst  musicnn   emotion   tempo  key  same-album p@5 audio/blend
        6 x 20 s   35.2 min   0.975 / 0.845   0.987/0.960 0.997/0.992  100%  89%   0.626 / 0.602
        6 x 12 s   22.4 min   0.965 / 0.830   0.986/0.948 0.997/0.990  100%  89%   0.617 / 0.628

    12-s windows decode and analyse 40% less audio for the same tempo and key agreement, vectors within
    0.01 of the 20-s ones and no loss in finding a track's album (the blend More like this uses is
    0.03 better, the audio space alone 0.01 worse: noise on 58 tracks). Spreading the windows matters
    more than their length: 4 x 30 s (2 minutes in fewer places) drops the DSP vector to 0.956 and key
    agreement to 74%, and 3 x 20 s loses tempo on 16% of tracks. What was used is recorded with each
    result (`label`, the worker's attrs["excerpt"]); results of the old policy are kept, not redone: a
    library analysed half with each gives a same-album precision@5 of 0.600 / 0.609 (audio / blend),
    and a track's neighbours are analysed with its own policy 44% of the time (no lean towards it)."""

    full_up_to: float = 120.0
    windows: int = 6
    window: float = 12.0

    def label(self, ranges: list[tuple[float, float]]) -> str:
        """What a decode of `ranges` (from `ranges()`) analysed: "whole" or e.g. "6x12s"."""
        if len(ranges) == 1 and ranges[0] == (0.0, float("inf")):
            return "whole"
        return f"{len(ranges)}x{self.window:g}s"

    def ranges(self, duration: float | None) -> list[tuple[float, float]]:
        if not duration or duration <= self.full_up_to:
            return [(0.0, float("inf"))]
        lo, hi = 0.05 * duration, 0.95 * duration - self.window
        if hi <= lo:
            return [(0.0, float("inf"))]
        starts = np.linspace(lo, hi, self.windows)
        return [(float(s), float(s) + self.window) for s in starts]


@dataclass
class DecodedAudio:
    """Mono float32 audio of (an excerpt of) one file, with resampled copies cached per rate."""

    path: str
    duration: float  # of the whole file, seconds
    rate: int
    samples: np.ndarray  # mono float32 at `rate`: the decoded ranges, concatenated
    ranges: list[tuple[float, float]]
    channels: int = 0
    _cache: dict[int, np.ndarray] = field(default_factory=dict, repr=False)
    _flags: dict[str, bool] = field(default_factory=dict, repr=False)

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate

    def at(self, rate: int) -> np.ndarray:
        """The samples at `rate` (resampled once with soxr, then cached)."""
        if rate == self.rate:
            return self.samples
        if rate not in self._cache:
            import soxr

            self._cache[rate] = soxr.resample(self.samples, self.rate, rate, quality="HQ").astype(np.float32)
        return self._cache[rate]

    @property
    def is_silent(self) -> bool:
        """Digital silence (every extractor asks: worked out once)."""
        if "silent" not in self._flags:
            self._flags["silent"] = self.samples.size == 0 or float(np.max(np.abs(self.samples))) < 1e-4
        return self._flags["silent"]


class NoAudioStream(ExtractorError):
    """The file has no audio to analyse (a silent video): not a failure, there is nothing to do."""

    kind = "no_audio"


def decode_audio(path: str, rate: int = BASE_RATE, policy: ExcerptPolicy | None = None,
                 duration_hint: float | None = None) -> DecodedAudio:
    """Decode the first audio stream to mono float32 at `rate`, following the excerpt policy."""
    policy = policy or ExcerptPolicy()
    container = open_tolerant(path)  # reads past a bad packet; _check_enough judges what is left
    try:
        with translate_av_errors(path):
            if not container.streams.audio:
                raise NoAudioStream(path, "no audio stream")
            # A damaged codec id leaves a stream FFmpeg has no decoder for (found by fuzzing): skip it.
            stream = next((s for s in container.streams.audio if s.codec_context is not None), None)
            if stream is None:
                raise UnsupportedMedia(path, "no decoder for its audio stream (unknown or damaged codec id)")
            duration = _duration(container, stream) or duration_hint or 0.0
            ranges = policy.ranges(duration)
            chunks: list[np.ndarray] = []
            native = 0
            for start, end in ranges:
                mono, native = _decode_range(container, stream, start, end, duration)
                if mono.size:
                    chunks.append(_resample(mono, native, rate))
            samples = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
            channels = stream.codec_context.channels
    finally:
        container.close()
    if samples.size == 0:
        raise CorruptMedia(path, "the audio stream decodes to nothing")
    _check_enough(path, samples.size / rate, ranges, duration, container.damage)
    if not duration:
        duration = samples.size / rate
    return DecodedAudio(path, float(duration), rate, samples, ranges, channels)


def _check_enough(path: str, seconds: float, ranges: list[tuple[float, float]], duration: float,
                  damage: list[tuple[float, str]]) -> None:
    """CorruptMedia when damage left less than MIN_DECODED_SHARE of the planned audio decoded. Bad
    packets are skipped (they cost a fraction of a second); a file cut short is not (the header still
    promises the whole length)."""
    if not duration:
        return
    planned = sum(min(end, duration) - min(start, duration) for start, end in ranges)
    if planned > 0 and seconds < MIN_DECODED_SHARE * planned:
        where = f"; first damage at {damage[0][0]:.1f} s: {damage[0][1]}" if damage else ""
        raise CorruptMedia(path, f"only {seconds:.1f} s of the {planned:.1f} s analysed decode "
                                 f"(the file claims {duration:.1f} s){where}")


def _duration(container, stream) -> float | None:
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / 1_000_000
    return None


PREALLOCATE_S = 600.0
"""Seconds of samples a whole-file decode reserves up front, at most (see _decode_range)."""

_SCALE = {"u8": 1 / 128.0, "s16": 1 / 32768.0, "s32": 1 / 2147483648.0, "s64": 1 / 9223372036854775808.0,
          "flt": 1.0, "dbl": 1.0}


_DTYPES = {"u8": np.uint8, "s16": np.int16, "s32": np.int32, "s64": np.int64, "flt": np.float32, "dbl": np.float64}


_FLOAT32_SUMS = ("flt", "u8", "s16")
"""Sample formats whose sum with float32 is computed in float32 (numpy's promotion): two channels can
be added into the float32 buffer in one step. s32, s64 and dbl promote to float64, so they are added
in place as the whole-array sum did, for the same float32 result bit for bit."""


class _MonoBuffer:
    """A range's decoded audio as mono float32, summed into one preallocated array as frames arrive (the
    scaling to [-1, 1] follows in one numpy pass at the end).

    Each frame is summed and let go at once: holding every frame (as zero-copy views of its planes)
    until the end kept ~100 frames a second alive for Vorbis, and FFmpeg could not reuse their buffers,
    which cost as much as decoding them; PyAV's resampler and AudioFifo cost more per frame than this.
    The sum is the same, channel after channel in float32, as summing whole channels at the end."""

    def __init__(self, frame, expect: int):
        self.base = frame.format.name.rstrip("p")
        self.dtype = np.dtype(_DTYPES.get(self.base, np.float32))
        self.planar = frame.format.is_planar
        self.channels = max(1, len(frame.layout.channels))
        self.planes = self.channels if self.planar else 1
        self.one_step = self.base in _FLOAT32_SUMS
        self.out = np.empty(max(expect, frame.samples, 1), np.float32)
        self.samples = 0

    def add(self, frame) -> bool:
        """Take a frame's samples; False (and nothing taken) if its layout differs from the first's."""
        planes = frame.planes
        if len(planes) != self.planes:
            return False
        n = frame.samples
        pos = self.samples
        if pos + n > self.out.size:
            self._grow(pos + n)
        if self.planar:
            channels = [np.frombuffer(plane, dtype=self.dtype, count=n) for plane in planes]
        else:
            data = np.frombuffer(planes[0], dtype=self.dtype, count=n * self.channels).reshape(n, self.channels)
            channels = [data[:, c] for c in range(self.channels)]
        into = self.out[pos:pos + n]
        if len(channels) > 1 and self.one_step:
            np.add(channels[0], channels[1], out=into, dtype=np.float32)
            rest = channels[2:]
        else:
            into[...] = channels[0]
            rest = channels[1:]
        for other in rest:
            into += other
        self.samples = pos + n
        return True

    def _grow(self, needed: int) -> None:
        bigger = np.empty(max(needed, 2 * self.out.size), np.float32)
        bigger[:self.samples] = self.out[:self.samples]
        self.out = bigger

    def mono(self) -> np.ndarray:
        mono = self.out[:self.samples]
        if self.base == "u8":
            mono -= 128.0 * self.channels
        scale = _SCALE.get(self.base, 1.0) / self.channels
        if scale != 1.0:
            mono *= scale
        if self.base in ("flt", "dbl") and not np.isfinite(mono).all():
            np.nan_to_num(mono, copy=False, nan=0.0, posinf=0.0, neginf=0.0)
        return mono


def _resample(mono: np.ndarray, native: int, rate: int) -> np.ndarray:
    if native == rate:
        return mono
    import soxr

    return soxr.resample(mono, native, rate, quality="LQ").astype(np.float32, copy=False)


def _decode_range(container, stream, start: float, end: float, duration: float) -> tuple[np.ndarray, int]:
    """Mono float32 at the stream's own rate for [start, end) seconds, and that rate.

    One flat loop over packets and their frames: this is the per-frame path, and each generator layer or
    attribute read here costs a measurable share of decoding (see _MonoBuffer)."""
    if start > 0:
        container.seek(int(start / stream.time_base), stream=stream, backward=True, any_frame=False)
    decode = stream.codec_context.decode
    buffer: _MonoBuffer | None = None
    rate = 0
    want = None
    skip = 0  # samples before `start` (a seek lands on the packet before it)
    enough = None  # samples after which this range is done
    for packet in container.demux(stream):
        try:
            frames = decode(packet if packet.size else None)
        except (av.error.InvalidDataError, av.error.UndefinedError):
            continue  # a packet the decoder refuses is skipped, as players skip it
        for frame in frames:
            if buffer is None:
                rate = frame.sample_rate or stream.codec_context.sample_rate
                want = None if end == float("inf") else int((end - start) * rate)
                t = float(frame.pts * frame.time_base) if frame.pts is not None else start
                skip = max(0, int((start - t) * rate)) if start > 0 else 0
                enough = None if want is None else want + skip
                # The declared length and a second spare (no regrowth), but at most PREALLOCATE_S: a
                # damaged header may declare hours; the buffer grows if the audio really goes on.
                whole = int(min(max(0.0, duration - start), PREALLOCATE_S) * rate) + skip + rate
                buffer = _MonoBuffer(frame, whole if want is None else enough + frame.samples)
            if not buffer.add(frame):
                enough = 0  # a mid-stream layout change: keep what we have rather than mix layouts
                break
        if enough is not None and buffer is not None and buffer.samples >= enough:
            break
    if buffer is None:
        return np.zeros(0, np.float32), rate or 1
    samples = buffer.mono()[skip:]
    return (samples[:want] if want is not None else samples), rate
