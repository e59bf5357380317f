"""M3U and M3U8 playlists: '#EXTM3U', then '#EXTINF:<seconds>,<artist> - <title>' and a location per entry.

Written as UTF-8 without a BOM (both extensions; players read .m3u as UTF-8 when it is valid UTF-8).
Locations follow locations.line_location: plain paths, or file:// URIs for names a plain line cannot
carry (a newline, '#', '?', '%XX', brackets), with a comment saying so.
"""
from __future__ import annotations

import math
from typing import Sequence

from .decode import decode_text, text_lines
from .entry import Entry, clean_text
from .locations import line_location, resolve_line
from .registry import PlaylistFormat, Rendered, register

URI_NOTE = ("# mediarec: {n} entries are written as file:// URIs: their names hold characters "
            "(newline, #, ?, %XX, [ ]) that a plain M3U path line cannot carry")


def render(entries: Sequence[Entry], base_dir: str | None) -> Rendered:
    body: list[str] = []
    uris = 0
    for entry in entries:
        location, is_uri = line_location(entry.path, base_dir)
        uris += is_uri
        seconds = -1 if entry.duration is None else round(entry.duration)
        # The title is everything after the first comma, so commas in it are fine; newlines are not.
        body.append(f"#EXTINF:{seconds},{entry.display_title()}")
        body.append(location)
    head = ["#EXTM3U"] + ([URI_NOTE.format(n=uris)] if uris else [])
    return Rendered(("\n".join(head + body) + "\n").encode("utf-8"), uris)


def parse_m3u8(data: bytes, path: str, base_dir: str) -> list[Entry]:
    return _parse(decode_text(data, path, legacy=None), base_dir)


def parse_m3u(data: bytes, path: str, base_dir: str) -> list[Entry]:
    return _parse(decode_text(data, path, legacy="cp1252"), base_dir)


def _parse(text: str, base_dir: str) -> list[Entry]:
    """Entries in order. '#EXTINF' describes the next location; other '#' lines and blank lines are
    ignored, so a file without '#EXTM3U' or without EXTINF lines (plain M3U) reads just as well."""
    entries: list[Entry] = []
    pending: tuple[float | None, str | None] = (None, None)
    for line in text_lines(text):
        if not line:
            continue
        if line.startswith("#"):
            if line[:8].upper() == "#EXTINF:":
                pending = _extinf(line[8:])
            continue
        duration, title = pending
        entries.append(Entry(path=resolve_line(line, base_dir), title=title, duration=duration))
        pending = (None, None)
    return entries


def _extinf(value: str) -> tuple[float | None, str | None]:
    """'123,Artist - Title' or '-1 tvg-id="x",Title' -> (seconds or None, title or None). Never raises:
    players shrug at a bad EXTINF line, and so do we."""
    head, _, title = value.partition(",")
    seconds: float | None
    try:
        seconds = float(head.split()[0]) if head.split() else None
    except ValueError:
        seconds = None
    if seconds is not None and not (math.isfinite(seconds) and seconds >= 0):
        seconds = None
    return seconds, (clean_text(title) or None)


M3U8 = register(PlaylistFormat("M3U8", ("m3u8",), render, parse_m3u8))
M3U = register(PlaylistFormat("M3U", ("m3u",), render, parse_m3u))
