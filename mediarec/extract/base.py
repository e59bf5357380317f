"""The extractor contract: a spec (name, version, kinds, dim, needs), `check()`, `load()`, `extract()`.

An extractor turns one file into a float32 vector plus named, human-readable attributes. It never
touches the database: the runner feeds it a `MediaInput` (the file's row, its audio decoded once and
shared by every extractor of that file, and results of the extractors it depends on) and stores what
it returns."""
from __future__ import annotations

import importlib.util
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar

import numpy as np

from ..errors import ExtractorError
from ..media.audio import DecodedAudio, ExcerptPolicy, decode_audio


@dataclass(frozen=True)
class ExtractorSpec:
    name: str  # "audio.dsp": the features.extractor key
    version: int  # bump when the output changes meaning: stored rows become stale and are recomputed
    kinds: frozenset[str]  # media kinds it runs on ({"audio", "video"}: audio extractors use soundtracks)
    dim: int  # vector length (0 when it only produces attributes or a transcript)
    description: str = ""
    after: tuple[str, ...] = ()  # extractors whose results it reads (run first, same file, same worker)
    # Extractors whose results it reads only as a hint when they are there (run first like `after`, a
    # stored current one handed in), whose change does not redo its result: the speech gate reads
    # emotion.music's instrumentalness to skip work, and a new vibenet must not re-run Whisper on
    # every file already transcribed.
    uses: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()  # importable Python modules it needs (checked by check())
    audio_rate: int | None = None  # sample rate it wants from the shared decode, if it uses audio


@dataclass
class FeatureResult:
    """What an extractor returns for one file."""

    vector: np.ndarray | None
    attrs: dict[str, Any] = field(default_factory=dict)
    transcript: "Transcript | None" = None  # speech extractors: stored in the transcripts table too


@dataclass
class Transcript:
    language: str | None
    segments: list[tuple[float, float, str]]  # (start s, end s, text)


@dataclass
class Runtime:
    """What a worker knows about where it runs: model and cache dirs, device, settings."""

    models_dir: str
    cache_dir: str
    device: str = "cpu"  # cpu or cuda, already resolved from settings
    threads: int = 1  # intra-op threads each model may use in this worker
    settings: Any = None


class MediaInput:
    """One file as extractors see it. Decoding is lazy and happens once per file."""

    def __init__(self, item: dict[str, Any], policy: ExcerptPolicy | None = None,
                 stored: dict[str, FeatureResult] | None = None):
        self.item = item  # the media row (id, path, kind, duration, title, artist, tags ...)
        self.path: str = item["path"]
        self.kind: str = item["kind"]
        self.policy = policy or ExcerptPolicy()
        self.results: dict[str, FeatureResult] = dict(stored or {})  # by extractor name
        self._audio: DecodedAudio | None = None
        self._audio_error: Exception | None = None
        self.cache: dict[str, Any] = {}  # scratch space shared by this file's extractors (decoded frames ...)
        self.decode_seconds = 0.0  # CPU time spent decoding audio, so extractors' own time can be told apart

    def audio(self, rate: int | None = None) -> DecodedAudio | Any:
        """The decoded audio (or, with `rate`, its samples at that rate). Decoded on first use, once."""
        if self._audio is None and self._audio_error is None:
            started = time.process_time()
            try:
                self._audio = decode_audio(self.path, policy=self.policy, duration_hint=self.item.get("duration"))
            except Exception as exc:  # remembered, so the next extractor does not decode again
                self._audio_error = exc
            finally:
                self.decode_seconds += time.process_time() - started
        if self._audio_error is not None:
            raise self._audio_error
        assert self._audio is not None
        return self._audio if rate is None else self._audio.at(rate)

    @property
    def decoded(self) -> DecodedAudio | None:
        """The shared decode if an extractor has asked for it (without decoding)."""
        return self._audio

    def result(self, name: str) -> FeatureResult | None:
        return self.results.get(name)


class Extractor(ABC):
    spec: ClassVar[ExtractorSpec]

    def check(self, runtime: Runtime) -> str | None:
        """Why this extractor cannot run here (a missing package or model), or None if it can."""
        missing = [m for m in self.spec.requires if importlib.util.find_spec(m) is None]
        if missing:
            return f"missing Python package(s): {', '.join(missing)}"
        return None

    def load(self, runtime: Runtime) -> None:
        """Load models; called once per worker process before the first file."""

    @abstractmethod
    def extract(self, media: MediaInput) -> FeatureResult:
        """Compute features for one file. Raise FileError subclasses for problems of the file."""


REGISTRY: dict[str, Callable[[], Extractor]] = {}


def register(cls: type[Extractor]) -> type[Extractor]:
    """Class decorator: make an extractor known to the runner, `doctor` and `analyze --only`."""
    name = cls.spec.name
    if name in REGISTRY:
        raise ValueError(f"extractor {name} registered twice")
    REGISTRY[name] = cls
    return cls


__all__ = ["Extractor", "ExtractorSpec", "ExtractorError", "FeatureResult", "MediaInput", "Runtime", "Transcript",
           "register", "REGISTRY"]
