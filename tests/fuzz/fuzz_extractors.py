"""A light but real extractor for the fuzz campaign: decodes the soundtrack and samples video frames.

It goes through the same decoders as the shipped extractors (MediaInput.audio, media.frames), so a
hostile file that breaks them breaks this; it adds no model, so 200 mutants analyse in seconds. It
records its own time and the worker's peak memory, which the campaign reports as worst per file. A file
named balloon* makes it allocate without end, as a decoder trusting a declared 65535 x 65535 frame would:
the pool's memory watchdog must end that worker and the file be marked."""
import os
import resource
import time

import numpy as np

from mediarec.extract.base import Extractor, ExtractorSpec, FeatureResult, register
from mediarec.media.frames import sample_frames


@register
class FuzzProbeExtractor(Extractor):
    spec = ExtractorSpec("fuzz.probe", 1, frozenset({"audio", "video"}), 3, audio_rate=22050)

    def extract(self, media):
        started = time.perf_counter()
        if os.path.basename(media.path).startswith("balloon"):
            _balloon()  # stands in for a decoder trusting an absurd declared frame size
        y = media.audio(22050)
        rms = float(np.sqrt(np.mean(np.square(y, dtype=np.float64)))) if y.size else 0.0
        frames = 0.0
        if media.kind == "video":
            frames = float(len(sample_frames(media.path, count=4, duration_hint=media.item.get("duration")).frames))
        seconds = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB
        return FeatureResult(np.array([rms, frames, seconds], np.float32),
                             {"seconds": seconds, "peak_mb": peak_mb, "samples": int(y.size)})


def _balloon() -> None:
    held = []
    for _ in range(400):  # up to 8 GB, 20 MB at a time: the pool's watchdog must end it long before
        held.append(np.ones(20 * 2**20, np.uint8))
        time.sleep(0.01)
