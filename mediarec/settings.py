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
    executor: str = "local"
    """Where analysis runs: local (a process pool here) or dask://HOST:PORT (a dask.distributed scheduler)."""
    path_map: dict[str, str] = field(default_factory=dict)
    """Paths as the dask workers see them: {"/mnt/nas" = "/data/nas"} (local prefix = worker prefix)."""
    batch: str = "auto"
    """Run models on groups of files at once: auto (on a CUDA GPU only), on or off; env MEDIAREC_BATCH wins."""


@dataclass
class AudioSettings:
    full_up_to: float = 120.0
    """Files up to this many seconds are analysed whole; longer ones by excerpt windows."""
    windows: int = 6
    """Excerpt windows for long files, spread over the duration."""
    window: float = 12.0
    """Seconds per excerpt window (see media.audio.ExcerptPolicy for why 12)."""
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


def _default_weights() -> dict[str, float]:
    from .index.weights import WEIGHTS  # the core's defaults, written once there

    return dict(WEIGHTS)


@dataclass
class SpaceWeights:
    """How much each similarity space counts in "all" (More like this, journeys); 0 leaves it out."""
    audio: float = field(default_factory=lambda: _default_weights()["audio"])
    """Sounds alike."""
    visual: float = field(default_factory=lambda: _default_weights()["visual"])
    """Looks alike."""
    text: float = field(default_factory=lambda: _default_weights()["text"])
    """Talks alike."""
    mood: float = field(default_factory=lambda: _default_weights()["mood"])
    """Feels alike."""

    def as_dict(self) -> dict[str, float]:
        return dataclasses.asdict(self)


@dataclass
class RecommendSettings:
    exploration: float = 0.1
    """Share of up-next picks that explore unplayed items and other clusters (0 to 1)."""
    no_repeat_window: int = 50
    """A skipped item is not offered again within this many picks; a finished one may come back sooner when the
    alternatives are likely skips, but never within 5 picks."""
    artist_spacing: int = 3
    """Picks between two items by the same artist in Up Next."""
    weights: SpaceWeights = field(default_factory=SpaceWeights)


@dataclass
class PlaylistSettings:
    format: str = "m3u8"
    """Default format of exported playlists: m3u8, xspf or pls."""
    relative: bool = False
    """Write paths relative to the playlist's folder (for playlists that travel with the music)."""


@dataclass
class ListenerSettings:
    name: str = ""
    """Who is listening when a command names nobody (--listener): a listener's name, 'guest' (records into
    nobody's taste), or empty for the default listener."""


@dataclass
class Settings:
    scan: ScanSettings = field(default_factory=ScanSettings)
    analyze: AnalyzeSettings = field(default_factory=AnalyzeSettings)
    audio: AudioSettings = field(default_factory=AudioSettings)
    video: VideoSettings = field(default_factory=VideoSettings)
    speech: SpeechSettings = field(default_factory=SpeechSettings)
    recommend: RecommendSettings = field(default_factory=RecommendSettings)
    playlists: PlaylistSettings = field(default_factory=PlaylistSettings)
    listener: ListenerSettings = field(default_factory=ListenerSettings)

    @classmethod
    def load(cls, path: str | os.PathLike | None) -> "Settings":
        """Defaults, overridden by the TOML file at `path` if it exists. Raises ConfigError on a bad file."""
        if path is None or not Path(path).exists():
            return cls()
        try:
            raw = Path(path).read_bytes()
            text = raw.decode("utf-8")
            data = tomllib.loads(text)
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{path}: not a TOML text file (byte {exc.start} is not UTF-8)") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: {_where(text, exc)}{exc}") from None
        except OSError as exc:
            raise ConfigError(f"{path}: {exc.strerror or exc}") from None
        return _build(cls, data, prefix="")

    def save(self, path: str | os.PathLike) -> None:
        """Write the values that differ from the defaults to `path` as TOML, atomically (checked first:
        what is written loads back). Comments in an older file are not kept."""
        from .export.atomic import atomic_write

        _build(type(self), _diff(self, type(self)()), prefix="")  # a bad value never reaches the file
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        atomic_write(Path(path), _toml(_diff(self, type(self)())).encode("utf-8"))


_VALID_CHOICES = {"analyze.device": ("auto", "cpu", "cuda"), "analyze.batch": ("auto", "on", "off"), "playlists.format": ("m3u8", "xspf", "pls")}
_RANGES = {"recommend.exploration": (0.0, 1.0), "recommend.weights.audio": (0.0, 10.0),
           "recommend.weights.visual": (0.0, 10.0), "recommend.weights.text": (0.0, 10.0),
           "recommend.weights.mood": (0.0, 10.0), "analyze.workers": (0, 256)}


def _where(text: str, exc: Exception) -> str:
    """'analyze.workers: ' for a syntax error on a `workers = ...` line under [analyze]; '' when unknown."""
    import re

    m = re.search(r"at line (\d+)", str(exc))
    if not m and "end of document" not in str(exc):
        return ""
    lines = text.splitlines()[: int(m.group(1))] if m else text.rstrip().splitlines()
    if not lines:
        return ""
    key = re.match(r"\s*([A-Za-z0-9_.\-]+)\s*=", lines[-1])
    table = next((t.group(1) for t in (re.match(r"\s*\[+\s*([^\]]+?)\s*\]", ln) for ln in reversed(lines))
                  if t), "")
    if not key:
        return f"[{table}]: " if table else ""
    return f"{table + '.' if table else ''}{key.group(1)}: "


class _Inline(dict):
    """A dict-valued setting (a mapping), written as an inline TOML table rather than a [section]."""


def _diff(obj, default) -> dict:
    """The fields of a settings dataclass that differ from its defaults, as nested dicts."""
    out = {}
    for f in dataclasses.fields(obj):
        value, base = getattr(obj, f.name), getattr(default, f.name)
        if dataclasses.is_dataclass(value):
            sub = _diff(value, base)
            if sub:
                out[f.name] = sub
        elif value != base:
            out[f.name] = _Inline(value) if isinstance(value, dict) else value
    return out


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_value(str(k))} = {_toml_value(v)}" for k, v in value.items()) + "}"
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _toml(data: dict, prefix: str = "") -> str:
    """TOML for nested dicts of plain values (the settings' only shapes): keys first, then tables."""
    def table(v) -> bool:
        return isinstance(v, dict) and not isinstance(v, _Inline)

    lines = [f"{k} = {_toml_value(v)}" for k, v in data.items() if not table(v)]
    text = "\n".join(lines) + ("\n" if lines else "")
    for k, v in data.items():
        if table(v):
            head = f"{prefix}{k}"
            body = _toml(v, f"{head}.")
            text += f"\n[{head}]\n{body}" if any(not table(x) for x in v.values()) else body
    return text


def _build(cls, data: dict, prefix: str):
    if not isinstance(data, dict):
        raise ConfigError(f"{prefix.rstrip('.') or 'settings'}: must be a table")
    hints = typing.get_type_hints(cls)
    known = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ConfigError(f"{prefix}{unknown[0]}: unknown setting")
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
    if origin is dict:
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise ConfigError(f"{key}: must be a table of strings, got {value!r}")
        return _check_extra(key, dict(value))
    if origin is list:
        (item_type,) = typing.get_args(hint)
        if not isinstance(value, list) or not all(isinstance(v, item_type) for v in value):
            raise ConfigError(f"{key}: must be a list of {item_type.__name__}, got {value!r}")
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
        raise ConfigError(f"{key}: must be {hint.__name__}, got {value!r}")
    if (hint is int or hint is float) and value < 0:
        raise ConfigError(f"{key}: must not be negative, got {value!r}")
    low, high = _RANGES.get(key, (None, None))
    if low is not None and not low <= value <= high:
        raise ConfigError(f"{key}: must be between {low:g} and {high:g}, got {value!r}")
    choices = _VALID_CHOICES.get(key)
    if choices and value not in choices:
        raise ConfigError(f"{key}: must be one of {', '.join(choices)}, got {value!r}")
    return _check_extra(key, value)


def _check_extra(key: str, value):
    """Checks owned by the module that uses the setting (imported late: settings load before them)."""
    if key == "analyze.executor":
        from .extract.executors import parse_executor

        parse_executor(value)
    elif key == "analyze.path_map":
        from .extract.executors import check_path_map

        check_path_map(value)
    return value
