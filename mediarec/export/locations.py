"""How a file's path is written into a playlist and read back: plain lines, relative paths, file:// URIs.

The rules follow what the players do with a line (POSIX paths):
- mpv strips each line, skips lines starting with '#', and joins a non-URL line to the playlist's
  folder as a plain file name; it decodes file:// URLs (percent-encoding) itself.
- VLC reads every line as a URI reference resolved against the playlist's URL ("fixing up" spaces and
  non-ASCII first), so in a plain line '#' starts a fragment, '?' a query, '%41' is decoded, brackets
  may be refused and 'name:' at the start looks like a scheme. Its own source says such paths "can be
  encoded as URL to make the playlist work properly" (modules/demux/playlist/playlist.c, ProcessMRL).
So a path that either player would misread is written as an absolute file:// URI, which both decode;
any other path is written as it is (relative to the playlist's folder when asked).
"""
from __future__ import annotations

import os
import re
from urllib.parse import quote_from_bytes, unquote_to_bytes

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_FILE_URI = re.compile(r"^file:", re.IGNORECASE)
# Characters a plain M3U/PLS path line cannot carry for both players (see the module docstring):
# control characters and line separators (a newline would end the line), URI delimiters, and a
# percent sign followed by two hex digits (VLC would decode it).
_PLAIN_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029#?\[\]]|%[0-9A-Fa-f]{2}")


def is_url(text: str) -> bool:
    """True for 'scheme://...' (http, file, smb ...): kept as it is, never joined to a folder."""
    return bool(_URL.match(text))


def file_uri(path: str) -> str:
    """file:///... for an absolute path, every byte outside [A-Za-z0-9_.~/-] percent-encoded (UTF-8)."""
    return "file://" + quote_from_bytes(os.fsencode(path), safe="/")


def uri_to_path(uri: str) -> str:
    """The path of a file: URI (file:///p, file://localhost/p, file:/p); other URIs come back unchanged.

    Like mpv, everything after the authority is the path (a raw '#' or '?' is part of the name)."""
    if not _FILE_URI.match(uri):
        return uri
    rest = uri[len("file:"):]
    if rest.startswith("//"):
        host, slash, tail = rest[2:].partition("/")
        if host.lower() not in ("", "localhost"):
            return uri  # a file on another machine: not ours to resolve
        rest = slash + tail
    return os.fsdecode(unquote_to_bytes(rest))


def relative_path(path: str, base_dir: str) -> str | None:
    """`path` relative to `base_dir` (with '..' where needed), or None when no relative form is safe.

    Players differ on '..': VLC removes it from the text, the kernel (mpv) climbs out of the real
    folder, so through a symlinked folder they would reach different files. Use '..' only where both
    readings land on the same file."""
    rel = os.path.relpath(path, base_dir)
    if rel.split(os.sep, 1)[0] == os.pardir:
        if os.path.realpath(os.path.join(base_dir, rel)) != os.path.realpath(path):
            return None
    return rel


def plain_line_safe(path: str) -> bool:
    """Whether `path` can be a plain M3U/PLS line that mpv and VLC both read back as this exact path."""
    if _PLAIN_UNSAFE.search(path) or path != path.rstrip():
        return False
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes in the name (surrogate escapes): only a URI carries them
        return False
    return True


def line_location(path: str, base_dir: str | None) -> tuple[str, bool]:
    """What to write on an M3U/PLS line for `path`: (text, whether it is a file:// URI we had to use).

    `base_dir` is the playlist's folder for relative paths, or None for absolute ones."""
    if is_url(path):
        return path, False
    path = os.path.abspath(path)
    rel = relative_path(path, base_dir) if base_dir is not None else None
    if not plain_line_safe(path if rel is None else rel):
        return file_uri(path), True
    if rel is None:
        return path, False  # absolute: starts with '/', so never a comment, never a scheme
    first = rel.split("/", 1)[0]
    if rel != rel.lstrip() or ":" in first:
        rel = "./" + rel  # keeps a leading space from being stripped and 'a:b' from looking like a scheme
    return rel, False


def uri_reference(path: str, base_dir: str | None) -> str:
    """An XSPF <location>: a percent-encoded URI reference, relative to `base_dir` when given and safe."""
    if is_url(path):
        return path
    path = os.path.abspath(path)
    rel = relative_path(path, base_dir) if base_dir is not None else None
    if rel is None:
        return file_uri(path)
    return quote_from_bytes(os.fsencode(rel), safe="/")  # ':' is encoded too, so no scheme confusion


def resolve_line(text: str, base_dir: str) -> str:
    """The absolute path a playlist line means (file:// URIs decoded, relative paths joined to base_dir)."""
    if _FILE_URI.match(text) and text[5:6] == "/":
        return uri_to_path(text)
    if is_url(text):
        return text
    return os.path.normpath(os.path.join(base_dir, text))


def resolve_reference(ref: str, base_dir: str) -> str:
    """The absolute path an XSPF location means: a file URI, or a percent-encoded relative reference."""
    if _FILE_URI.match(ref) or is_url(ref):
        return uri_to_path(ref)
    return os.path.normpath(os.path.join(base_dir, os.fsdecode(unquote_to_bytes(ref))))
