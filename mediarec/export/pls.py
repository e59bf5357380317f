"""PLS playlists: an INI '[playlist]' section with FileN, TitleN, LengthN, NumberOfEntries and Version=2.

Locations follow the same rules as M3U lines (players read FileN values like M3U lines)."""
from __future__ import annotations

import math
import re
from typing import Sequence

from .decode import decode_text, text_lines
from .entry import Entry, PlaylistError, clean_text
from .locations import line_location, resolve_line
from .registry import PlaylistFormat, Rendered, register

_KEY = re.compile(r"^(file|title|length)(\d+)$", re.IGNORECASE)


def render(entries: Sequence[Entry], base_dir: str | None) -> Rendered:
    lines = ["[playlist]"]
    uris = 0
    for n, entry in enumerate(entries, start=1):
        location, is_uri = line_location(entry.path, base_dir)
        uris += is_uri
        seconds = -1 if entry.duration is None else round(entry.duration)
        lines += [f"File{n}={location}", f"Title{n}={entry.display_title()}", f"Length{n}={seconds}"]
    lines += [f"NumberOfEntries={len(entries)}", "Version=2"]
    return Rendered(("\n".join(lines) + "\n").encode("utf-8"), uris)


def parse(data: bytes, path: str, base_dir: str) -> list[Entry]:
    """Entries ordered by their number. Keys are case-insensitive; Title/Length without a File, other
    keys, other sections and a wrong NumberOfEntries are ignored, as players do."""
    lines = [line for line in text_lines(decode_text(data, path, legacy="cp1252")) if line]
    if not lines or lines[0].lower() != "[playlist]":
        first = lines[0][:40] if lines else "an empty file"
        raise PlaylistError(path, f"not a PLS playlist (it must start with [playlist], found {first!r})")
    fields: dict[int, dict[str, str]] = {}
    in_playlist = True
    for line in lines[1:]:
        if line.startswith("["):
            in_playlist = line.lower() == "[playlist]"
            continue
        key, sep, value = line.partition("=")
        match = _KEY.match(key.strip())
        if in_playlist and sep and match:
            fields.setdefault(int(match[2]), {})[match[1].lower()] = value.strip()
    entries = []
    for n in sorted(fields):
        f = fields[n]
        if f.get("file"):
            entries.append(Entry(path=resolve_line(f["file"], base_dir), title=clean_text(f.get("title")) or None,
                                 duration=_seconds(f.get("length"))))
    return entries


def _seconds(text: str | None) -> float | None:
    try:
        value = float(text or "")
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


PLS = register(PlaylistFormat("PLS", ("pls",), render, parse))
