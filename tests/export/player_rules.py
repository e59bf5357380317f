"""Strict stand-ins for how mpv and VLC turn a playlist line into the file they open (POSIX).

VLC is not installed on the test machines (mpv is, by setup.sh: test_playlist_formats also runs the real
mpv), so the tests check our playlists against these models of their documented/source behaviour:

mpv (demux/demux_playlist.c, options/path.c): each line is stripped of white space; empty lines and
lines starting with '#' are skipped ('#EXTM3U' must be the first line); a line that looks like
'proto://' is a URL (file:// is percent-decoded into a path); anything else is a file name joined to
the playlist's folder as it is, so the kernel resolves '..' physically. PLS: 'FileN=value' lines.

VLC (modules/demux/playlist/m3u.c and playlist.c ProcessMRL, src/text/url.c): every location is a URI
reference: vlc_uri_fixup percent-encodes what is not valid URI syntax (keeping '%XX' as it is unless
some '%' is not followed by two hex digits, and keeping '#', '?', '/', '@' as delimiters), then it is
resolved against the playlist's file:// URL (dot segments removed lexically), and the path of the
result is percent-decoded. A fragment or query is not part of the file name.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import unquote_to_bytes, urljoin, urlsplit

_MPV_SPACE = " \t\n\r\v\f"
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_HEX = "0123456789abcdefABCDEF"
_URI_SAFE = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
_SUB_DELIMS = set("!$&'()*+,;=")


# --- mpv --------------------------------------------------------------------------------------------------

def mpv_m3u(text: str, playlist: Path) -> list[str]:
    lines = text.split("\n")
    assert lines[0].strip(_MPV_SPACE) == "#EXTM3U", "mpv only reads an M3U whose first line is #EXTM3U"
    return [_mpv_location(s, playlist.parent) for s in (line.strip(_MPV_SPACE) for line in lines[1:])
            if s and not s.startswith("#")]


def mpv_pls(text: str, playlist: Path) -> list[str]:
    out = []
    for line in (raw.strip(_MPV_SPACE) for raw in text.split("\n")):
        key, sep, value = line.partition("=")
        if sep and key.lower().startswith("file"):
            out.append(_mpv_location(value, playlist.parent))
    return out


def _mpv_location(line: str, folder: Path) -> str:
    if _URL.match(line):
        assert line.lower().startswith("file://"), line
        return os.fsdecode(unquote_to_bytes(line[len("file://"):]))
    return os.path.join(folder, line)  # no normalisation: the kernel walks '..' through symlinks


# --- VLC --------------------------------------------------------------------------------------------------

def vlc_m3u(text: str, playlist: Path) -> list[str]:
    out = []
    for line in text.split("\n"):
        s = line.strip(" \t\r")
        if s and not s.startswith("#"):
            out.append(vlc_resolve(s, playlist))
    return out


def vlc_pls(text: str, playlist: Path) -> list[str]:
    out = []
    for line in text.split("\n"):
        key, sep, value = line.strip().partition("=")
        if sep and re.fullmatch(r"(?i)file\d+", key):
            out.append(vlc_resolve(value, playlist))
    return out


def vlc_resolve(location: str, playlist: Path) -> str:
    """ProcessMRL: fix up, resolve against the playlist's URL, decode the path of a file: result."""
    base = playlist.absolute().as_uri()
    uri = urljoin(base, vlc_uri_fixup(location))
    parts = urlsplit(uri)
    assert parts.scheme == "file", f"VLC would not open {location!r} as a file (it reads {uri!r})"
    return os.fsdecode(unquote_to_bytes(parts.path))


def vlc_uri_fixup(text: str) -> str:
    encode_percent = any(c == "%" and not (text[i + 1:i + 2] and text[i + 1] in _HEX and text[i + 2:i + 3]
                                            and text[i + 2] in _HEX) for i, c in enumerate(text))
    data = text.encode("utf-8", "surrogateescape")
    out = []
    i = 0
    while i < len(data) and (chr(data[i]).isalnum() and data[i] < 128 or chr(data[i]) in "+-."):
        out.append(chr(data[i]))
        i += 1
    absolute = i > 0 and data[i:i + 1] == b":"
    if absolute:
        out.append(":")
        i += 1
    extras = set("%:/?#[]@") if absolute else set("%/?#@")
    if encode_percent:
        extras.discard("%")
    for byte in data[i:]:
        c = chr(byte)
        if byte < 128 and (c in _URI_SAFE or c in _SUB_DELIMS or c in extras):
            out.append(c)
        else:
            out.append(f"%{byte:02X}")
    return "".join(out)


# --- both -------------------------------------------------------------------------------------------------

def opens(path: str) -> str:
    """The file a path names once the kernel has followed symlinks and '..' (for comparing)."""
    return os.path.realpath(path)
