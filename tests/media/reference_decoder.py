"""The decoder as it was before the sample buffer (commit cde2966): every frame kept as views of its
planes and concatenated at the end. Kept as the reference test_decode.py holds the current one to."""
from __future__ import annotations

import av
import numpy as np

from mediarec.media import audio
from mediarec.media.avio import open_tolerant


class FrameCollector:
    def __init__(self, frame):
        self.base = frame.format.name.rstrip("p")
        self.dtype = np.dtype(audio._DTYPES.get(self.base, np.float32))
        self.planar = frame.format.is_planar
        self.channels = max(1, len(frame.layout.channels))
        self.parts: list[list[np.ndarray]] = [[] for _ in range(self.channels if self.planar else 1)]
        self.samples = 0

    def add(self, frame) -> bool:
        n, planes = frame.samples, frame.planes
        if len(planes) != len(self.parts):
            return False
        if self.planar:
            for part, plane in zip(self.parts, planes):
                part.append(np.frombuffer(plane, dtype=self.dtype, count=n))
        else:
            self.parts[0].append(np.frombuffer(planes[0], dtype=self.dtype, count=n * self.channels))
        self.samples += n
        return True

    def mono(self) -> np.ndarray:
        if self.planar:
            channels = [np.concatenate(p) for p in self.parts]
        else:
            data = np.concatenate(self.parts[0]).reshape(-1, self.channels)
            channels = [data[:, c] for c in range(self.channels)]
        mono = channels[0].astype(np.float32, copy=True)
        for other in channels[1:]:
            mono += other
        if self.base == "u8":
            mono -= 128.0 * len(channels)
        scale = audio._SCALE.get(self.base, 1.0) / len(channels)
        if scale != 1.0:
            mono *= scale
        if self.base in ("flt", "dbl") and not np.isfinite(mono).all():
            np.nan_to_num(mono, copy=False, nan=0.0, posinf=0.0, neginf=0.0)
        return mono


def _frames(container, stream):
    codec = stream.codec_context
    for packet in container.demux(stream):
        try:
            frames = codec.decode(packet if packet.size else None)
        except (av.error.InvalidDataError, av.error.UndefinedError):
            continue
        yield from frames


def _decode_range(container, stream, start: float, end: float) -> tuple[np.ndarray, int]:
    if start > 0:
        container.seek(int(start / stream.time_base), stream=stream, backward=True, any_frame=False)
    collector, rate, want, skip = None, 0, None, 0
    for frame in _frames(container, stream):
        if collector is None:
            collector = FrameCollector(frame)
            rate = frame.sample_rate or stream.codec_context.sample_rate
            want = None if end == float("inf") else int((end - start) * rate)
            t = float(frame.pts * frame.time_base) if frame.pts is not None else start
            skip = max(0, int((start - t) * rate)) if start > 0 else 0
        if not collector.add(frame):
            break
        if want is not None and collector.samples >= want + skip:
            break
    if collector is None:
        return np.zeros(0, np.float32), rate or 1
    samples = collector.mono()[skip:]
    return (samples[:want] if want is not None else samples), rate


def reference_decode(path: str, rate: int = audio.BASE_RATE, policy: audio.ExcerptPolicy | None = None) -> np.ndarray:
    """Mono float32 samples at `rate` of the policy's ranges, decoded the old way."""
    policy = policy or audio.ExcerptPolicy()
    container = open_tolerant(path)
    try:
        stream = next(s for s in container.streams.audio if s.codec_context is not None)
        duration = audio._duration(container, stream) or 0.0
        chunks = []
        for start, end in policy.ranges(duration):
            mono, native = _decode_range(container, stream, start, end)
            if mono.size:
                chunks.append(audio._resample(mono, native, rate))
    finally:
        container.close()
    return np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
