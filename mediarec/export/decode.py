"""Playlist bytes to text lines: byte-order marks, UTF-8 or a legacy code page, CRLF, binary junk."""
from __future__ import annotations

import codecs

from .entry import PlaylistError

_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


def decode_text(data: bytes, path: str, legacy: str | None) -> str:
    """Decode a text playlist. A BOM wins; else UTF-8; else `legacy` (plain .m3u/.pls files written by
    old Windows players are in the system code page), or a PlaylistError when UTF-8 is required."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return _no_binary(data[len(bom):].decode(encoding), path)
            except UnicodeDecodeError as exc:
                raise PlaylistError(path, f"not valid {encoding} text ({_where(exc)})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if legacy is None:
            raise PlaylistError(path, f"not valid UTF-8 text ({_where(exc)})") from None
        text = data.decode(legacy, errors="replace")
    return _no_binary(text, path)


def text_lines(text: str) -> list[str]:
    """Lines split on LF only (CR stripped), each stripped of surrounding white space, as players do."""
    return [line.strip() for line in text.split("\n")]


def _no_binary(text: str, path: str) -> str:
    if "\x00" in text:
        raise PlaylistError(path, "not a playlist: the file holds binary data (NUL bytes)")
    return text


def _where(exc: UnicodeDecodeError) -> str:
    bad = exc.object[exc.start:exc.start + 1]
    return f"byte 0x{bad.hex()} at offset {exc.start}"
