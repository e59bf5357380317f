"""Screening an imported playlist's entries: only files inside the library's folders are followed.

A playlist from elsewhere is untrusted input: its lines may point at /etc/passwd, climb out of a folder
with '..', or name URLs. Such entries are reported with the reason and never opened, statted or probed;
entries inside a library folder are kept (with or without '..' on the way, since they stay in the library).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from .entry import Entry
from .locations import is_url


@dataclass
class Screened:
    kept: list[Entry] = field(default_factory=list)
    refused: list[tuple[Entry, str]] = field(default_factory=list)  # (entry, why), in playlist order


def inside(path: str, roots: Iterable[str]) -> bool:
    """Whether the normalised absolute `path` lies in one of `roots` (by path text; nothing is opened)."""
    path = os.path.normpath(path)
    for root in roots:
        root = os.path.normpath(root)
        if path == root or path.startswith(root.rstrip(os.sep) + os.sep):
            return True
    return False


def screen(entries: Sequence[Entry], roots: Iterable[str]) -> Screened:
    """Split `entries` into those inside the library folders `roots` and the refused ones, with reasons."""
    roots = [os.path.abspath(r) for r in roots]
    out = Screened()
    for entry in entries:
        if is_url(entry.path):
            out.refused.append((entry, "not a local file (a URL)"))
        elif not os.path.isabs(entry.path):
            out.refused.append((entry, "not an absolute path"))
        elif not inside(entry.path, roots):
            out.refused.append((entry, "outside your library folders"))
        else:
            out.kept.append(entry)
    return out
