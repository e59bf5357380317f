"""Decode a file's audio once: mono float32 at one base rate, resampled on demand to each extractor's rate.

Long files are not decoded whole: `ExcerptPolicy` picks a bounded set of windows spread over the
duration, so a 3-hour recording costs about as much as a song (see `ExcerptPolicy` for the defaults
and why)."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import CorruptMedia, ExtractorError
from .avio import open_input, translate_av_errors

BASE_RATE = 22050
"""Decode rate: the highest any extractor asks for (librosa DSP); 16 kHz models resample from it."""


@dataclass(frozen=True)
class ExcerptPolicy:
    """Which parts of a file to analyse.

    Files up to `full_up_to` seconds are decoded whole. Longer ones are decoded as `windows` windows of
    `window` seconds spread evenly between 5% and 95% of the duration (intros and fade-outs say little
    about a track). Defaults are measured on the dev corpus: see bench/excerpt_quality.py."""

    full_up_to: float = 240.0
    windows: int = 6
    window: float = 30.0

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
        return self.samples.size == 0 or float(np.max(np.abs(self.samples))) < 1e-4


class NoAudioStream(ExtractorError):
    """The file has no audio to analyse (a silent video): not a failure, there is nothing to do."""

    kind = "no_audio"


def decode_audio(path: str, rate: int = BASE_RATE, policy: ExcerptPolicy | None = None,
                 duration_hint: float | None = None) -> DecodedAudio:
    """Decode the first audio stream to mono float32 at `rate`, following the excerpt policy."""
    import av

    policy = policy or ExcerptPolicy()
    container = open_input(path)
    try:
        with translate_av_errors(path):
            if not container.streams.audio:
                raise NoAudioStream(path, "no audio stream")
            stream = container.streams.audio[0]
            duration = _duration(container, stream) or duration_hint or 0.0
            ranges = policy.ranges(duration)
            resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
            chunks: list[np.ndarray] = []
            for start, end in ranges:
                chunks.append(_decode_range(container, stream, resampler, start, end, rate))
            samples = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
            channels = stream.codec_context.channels
    finally:
        container.close()
    if samples.size == 0:
        raise CorruptMedia(path, "the audio stream decodes to nothing")
    np.nan_to_num(samples, copy=False)
    if not duration:
        duration = samples.size / rate
    return DecodedAudio(path, float(duration), rate, samples, ranges, channels)


def _duration(container, stream) -> float | None:
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / 1_000_000
    return None


def _decode_range(container, stream, resampler, start: float, end: float, rate: int) -> np.ndarray:
    want = None if end == float("inf") else int((end - start) * rate)
    if start > 0:
        container.seek(int(start / stream.time_base), stream=stream, backward=True, any_frame=False)
    out: list[np.ndarray] = []
    got = 0
    skip = None  # samples to drop before `start` after a seek lands earlier
    for frame in container.decode(stream):
        if skip is None:
            t = float(frame.pts * frame.time_base) if frame.pts is not None else start
            skip = max(0, int((start - t) * rate)) if start > 0 else 0
        for rf in resampler.resample(frame):
            data = rf.to_ndarray().reshape(-1)
            if skip:
                drop = min(skip, data.size)
                data, skip = data[drop:], skip - drop
            out.append(data)
            got += data.size
        if want is not None and got >= want:
            break
    if want is None:
        for rf in resampler.resample(None):
            out.append(rf.to_ndarray().reshape(-1))
    samples = np.concatenate(out).astype(np.float32, copy=False) if out else np.zeros(0, np.float32)
    return samples[:want] if want is not None else samples
