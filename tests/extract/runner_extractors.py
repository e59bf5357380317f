"""Extractors used only by the runner tests: simple real computations plus ones that crash or hang."""
import ctypes
import os
import time

import numpy as np

from mediarec.errors import CorruptMedia, ExtractorError
from mediarec.extract.base import Extractor, ExtractorSpec, FeatureResult, register


def _log(name: str, path: str) -> None:
    log = os.environ.get("MEDIAREC_TEST_EXTRACT_LOG")
    if log:
        with open(log, "a") as f:
            f.write(f"{name}\t{path}\n")


@register
class LevelExtractor(Extractor):
    """RMS and peak level of the soundtrack; misbehaves on files whose names ask it to."""

    spec = ExtractorSpec("test.level", int(os.environ.get("MEDIAREC_TEST_LEVEL_VERSION", "1")),
                         frozenset({"audio", "video"}), 2, audio_rate=22050)

    def extract(self, media):
        name = os.path.basename(media.path)
        if "crash" in name:
            ctypes.string_at(0)
        if "hang" in name:
            time.sleep(3600)
        if "slow" in name:
            time.sleep(float(os.environ.get("MEDIAREC_TEST_SLOW", "0.5")))
        if "reject" in name:
            raise CorruptMedia(media.path, "rejected by the test extractor")
        y = media.audio(22050)
        _log(self.spec.name, media.path)
        rms = float(np.sqrt(np.mean(y ** 2))) if y.size else 0.0
        return FeatureResult(np.array([rms, float(np.max(np.abs(y)))], np.float32), {"rms": rms})


@register
class DoubleLevelExtractor(Extractor):
    """Reads test.level's result: proves dependencies run first and see each other's output."""

    spec = ExtractorSpec("test.double", 1, frozenset({"audio", "video"}), 1, after=("test.level",))

    def extract(self, media):
        level = media.result("test.level")
        if level is None:  # a dependency's result may be missing: extractors must cope
            raise ExtractorError(media.path, "no test.level result to double")
        _log(self.spec.name, media.path)
        return FeatureResult(np.array([2 * level.attrs["rms"]], np.float32), {"from": "test.level"})
