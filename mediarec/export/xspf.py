"""XSPF playlists (https://xspf.org/spec): XML with a percent-encoded URI per track, times in milliseconds."""
from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from typing import Sequence

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as defused_fromstring

from .entry import Entry, PlaylistError, clean_text
from .locations import resolve_reference, uri_reference
from .registry import PlaylistFormat, Rendered, register

NS = "http://xspf.org/ns/0/"


def render(entries: Sequence[Entry], base_dir: str | None) -> Rendered:
    # Plain tag names plus an explicit xmlns: the document is in the XSPF namespace without a prefix.
    root = ET.Element("playlist", version="1", xmlns=NS)
    tracks = ET.SubElement(root, "trackList")
    for entry in entries:
        track = ET.SubElement(tracks, "track")
        _text(track, "location", uri_reference(entry.path, base_dir))
        # ElementTree escapes &, < and >; clean_text drops what XML 1.0 cannot hold at all.
        for tag, value in (("title", entry.title), ("creator", entry.artist), ("album", entry.album)):
            if clean_text(value):
                _text(track, tag, clean_text(value))
        if entry.duration is not None and math.isfinite(entry.duration) and entry.duration >= 0:
            _text(track, "duration", str(round(entry.duration * 1000)))
    ET.indent(root)
    text = '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
    return Rendered(text.encode("utf-8"), 0)


def _text(parent: ET.Element, tag: str, value: str) -> None:
    ET.SubElement(parent, tag).text = value


def parse(data: bytes, path: str, base_dir: str) -> list[Entry]:
    # An imported playlist is untrusted: a DTD (entity bombs, external entities) is refused, not expanded.
    try:
        root = defused_fromstring(data, forbid_dtd=True)
    except ET.ParseError as exc:
        raise PlaylistError(path, f"not valid XML ({exc})") from None
    except DefusedXmlException as exc:
        raise PlaylistError(path, f"refused: the XML declares a DTD or entities ({type(exc).__name__}), "
                                  "which a playlist never needs") from None
    ns = root.tag[:root.tag.index("}") + 1] if root.tag.startswith("{") else ""
    if root.tag != f"{ns}playlist":
        raise PlaylistError(path, f"not an XSPF playlist (the root element is <{root.tag}>, not <playlist>)")
    entries = []
    for track in root.iterfind(f"{ns}trackList/{ns}track"):
        location = (track.findtext(f"{ns}location") or "").strip()
        if not location:
            continue  # a track XSPF identifies by metadata only: nothing we can play
        entries.append(Entry(
            path=resolve_reference(location, base_dir),
            title=(track.findtext(f"{ns}title") or "").strip() or None,
            artist=(track.findtext(f"{ns}creator") or "").strip() or None,
            album=(track.findtext(f"{ns}album") or "").strip() or None,
            duration=_milliseconds(track.findtext(f"{ns}duration"))))
    return entries


def _milliseconds(text: str | None) -> float | None:
    try:
        ms = float((text or "").strip())
    except ValueError:
        return None
    return ms / 1000 if math.isfinite(ms) and ms >= 0 else None


XSPF = register(PlaylistFormat("XSPF", ("xspf",), render, parse))
