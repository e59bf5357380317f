"""Typed settings: defaults live in these dataclasses, the user's overrides in settings.toml."""
from __future__ import annotations

import dataclasses
import os
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConfigError


@dataclass
class ScanSettings:
    ignore: list[str] = field(default_factory=lambda: ["*.part", "*.crdownload", "*.tmp", "@eaDir", "$RECYCLE.BIN"])
    """Glob patterns matched against each file or folder name and its path relative to the root."""
    follow_symlinks: bool = True
    """Follow symbolic links (loops are detected and skipped)."""
    batch_size: int = 200
    """Rows written per transaction; a killed scan loses at most one batch of work, never consistency."""
    batch_seconds: float = 1.0
    """Also commit when this much time passed since the last commit."""
    workers: int = 0
    """Processes that read tags on a first scan; 0 means one per CPU core, 1 reads in the scan itself."""


@dataclass
class AnalyzeSettings:
    workers: int = 0
    """Worker processes for analysis; 0 means one per CPU core."""
    device: str = "auto"
    """Where models run: auto (CUDA when present), cpu or cuda."""
    file_timeout: float = 300.0
    """Seconds one file may take before it is recorded as a timeout."""


@dataclass
class AudioSettings:
    full_up_to: float = 120.0
    """Files up to this many seconds are analysed whole; longer ones by excerpt windows."""
    windows: int = 6
    """Excerpt windows for long files, spread over the duration."""
    window: float = 20.0
    """Seconds per excerpt window."""
    musicnn_patches: int = 8
    """3-second patches the music tagger (audio.musicnn) reads per file, spread over the decoded audio."""
    musicnn_int8: bool = True
    """Run the MTT music tagger in int8 on the CPU (1.4x faster, tags within 0.005); false: fp32."""


@dataclass
class VideoSettings:
    frames: int = 16
    """Frames sampled per video for the visual embedding."""


@dataclass
class SpeechSettings:
    model: str = "tiny.en"
    """Whisper model: tiny.en (bundled), base (multilingual, optional package) or a CTranslate2 model folder."""
    lyrics: bool = True
    """Transcribe songs too when the audio has vocals."""
    max_music_seconds: float = 600.0
    """Longest stretch of a song transcribed for lyrics."""
    max_seconds: float = 1800.0
    """Longest stretch of talk transcribed per file; longer recordings are transcribed in pieces spread over them."""


@dataclass
class RecommendSettings:
    exploration: float = 0.1
    """Share of up-next picks that explore unplayed items and other clusters."""
    no_repeat_window: int = 50
    """An item is not offered again within this many picks or plays."""


@dataclass
class Settings:
    scan: ScanSettings = field(default_factory=ScanSettings)
    analyze: AnalyzeSettings = field(default_factory=AnalyzeSettings)
    audio: AudioSettings = field(default_factory=AudioSettings)
    video: VideoSettings = field(default_factory=VideoSettings)
    speech: SpeechSettings = field(default_factory=SpeechSettings)
    recommend: RecommendSettings = field(default_factory=RecommendSettings)

    @classmethod
    def load(cls, path: str | os.PathLike | None) -> "Settings":
        """Defaults, overridden by the TOML file at `path` if it exists. Raises ConfigError on a bad file."""
        if path is None or not Path(path).exists():
            return cls()
        try:
            with open(path, "rb") as f:
                data = tomllib.load(f)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: {exc}") from None
        except OSError as exc:
            raise ConfigError(f"{path}: {exc.strerror}") from None
        return _build(cls, data, prefix="")


_VALID_CHOICES = {"analyze.device": ("auto", "cpu", "cuda")}


def _build(cls, data: dict, prefix: str):
    if not isinstance(data, dict):
        raise ConfigError(f"{prefix.rstrip('.') or 'settings'} must be a table")
    hints = typing.get_type_hints(cls)
    known = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ConfigError(f"unknown setting {prefix}{unknown[0]}")
    values = {}
    for name, value in data.items():
        key = f"{prefix}{name}"
        hint = hints[name]
        if dataclasses.is_dataclass(hint):
            values[name] = _build(hint, value, prefix=f"{key}.")
        else:
            values[name] = _check_value(key, hint, value)
    return cls(**values)


def _check_value(key: str, hint, value):
    origin = typing.get_origin(hint)
    if origin is list:
        (item_type,) = typing.get_args(hint)
        if not isinstance(value, list) or not all(isinstance(v, item_type) for v in value):
            raise ConfigError(f"{key} must be a list of {item_type.__name__}, got {value!r}")
        return list(value)
    if hint is bool:
        ok = isinstance(value, bool)
    elif hint is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif hint is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        value = float(value) if ok else value
    else:
        ok = isinstance(value, hint)
    if not ok:
        raise ConfigError(f"{key} must be {hint.__name__}, got {value!r}")
    if (hint is int or hint is float) and value < 0:
        raise ConfigError(f"{key} must not be negative, got {value!r}")
    choices = _VALID_CHOICES.get(key)
    if choices and value not in choices:
        raise ConfigError(f"{key} must be one of {', '.join(choices)}, got {value!r}")
    return value
