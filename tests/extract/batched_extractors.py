"""A batched extractor used only by the batching tests: a real computation whose model call logs its
group, and files that fail in prepare (reject), in the group's model call (poison) or crash (crash)."""
import ctypes
import os

import numpy as np

from mediarec.errors import CorruptMedia
from mediarec.extract.base import ExtractorSpec, FeatureResult, register
from mediarec.extract.batching import BatchedExtractor


@register
class BlockLevels(BatchedExtractor):
    """The RMS of each quarter of the soundtrack, scaled by a 'model' that sees a group of files at once."""

    spec = ExtractorSpec("test.batched", 1, frozenset({"audio", "video"}), 2, audio_rate=8000)

    def prepare(self, media):
        name = os.path.basename(media.path)
        if "crash" in name:
            ctypes.string_at(0)
        if "reject" in name:
            raise CorruptMedia(media.path, "rejected by the test extractor")
        y = media.audio(8000)
        blocks = np.array_split(y, 4)
        rms = np.array([[np.sqrt(np.mean(b ** 2)) if b.size else 0.0] for b in blocks], np.float64)
        return {"rms": rms, "poison": "poison" in name}

    def infer(self, prepared):
        log = os.environ.get("MEDIAREC_TEST_BATCH_LOG")
        if log:
            with open(log, "a") as f:
                f.write(f"{len(prepared)}\n")
        if any(p["poison"] for p in prepared):
            raise ValueError("the model cannot take this input")
        return [p["rms"] * 2.0 for p in prepared]

    def finish(self, media, prepared, inferred):
        return FeatureResult(np.array([inferred.mean(), inferred.max()], np.float32),
                             {"blocks": [round(float(x), 6) for x in inferred[:, 0]]})
