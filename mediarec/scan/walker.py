"""Walk a library root: media files by extension, hidden and ignored names skipped, symlink loops cut."""
from __future__ import annotations

import errno
import fnmatch
import logging
import os
import re
import stat as stat_mod
from dataclasses import dataclass
from typing import Iterator, Sequence

from ..errors import FileError, ReadError, UnsupportedMedia
from .formats import BY_EXTENSION

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Found:
    """A media file the walk found, with its stat (of the target, for symlinks)."""

    path: str
    st: os.stat_result


@dataclass(frozen=True)
class Problem:
    """A file or folder the walk could not use, and why (becomes a file_status row, stage 'scan')."""

    error: FileError


def printable_path(path: str) -> str:
    """A path that can always be stored and printed, even when its bytes are not valid UTF-8."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        return os.fsencode(path).decode("utf-8", "backslashreplace")


class Walker:
    def __init__(self, ignore: Sequence[str] = (), follow_symlinks: bool = True):
        self.ignore = tuple(ignore)
        self.follow_symlinks = follow_symlinks
        # One compiled alternation instead of a fnmatch call per pattern per name: the walk is hot.
        self._ignore_re = re.compile("|".join(fnmatch.translate(p) for p in ignore)) if ignore else None

    def _ignored(self, name: str, rel: str) -> bool:
        m = self._ignore_re
        return m is not None and (m.match(name) is not None or m.match(rel) is not None)

    def walk(self, root: str) -> Iterator[Found | Problem]:
        seen_dirs: set[tuple[int, int]] = set()
        try:
            st = os.stat(root)
        except OSError as exc:
            yield Problem(ReadError.from_os_error(root, exc))
            return
        seen_dirs.add((st.st_dev, st.st_ino))
        stack = [root]
        skip = len(root.rstrip(os.sep)) + 1
        while stack:
            folder = stack.pop()
            try:
                with os.scandir(folder) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError as exc:
                yield Problem(ReadError.from_os_error(printable_path(folder), exc))
                continue
            subdirs = []
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                rel = entry.path[skip:]
                if self._ignored(entry.name, rel):
                    continue
                item = self._visit(entry, seen_dirs)
                if item is None:
                    continue
                if isinstance(item, str):
                    subdirs.append(item)
                else:
                    yield item
            stack.extend(reversed(subdirs))  # depth-first, in name order

    def _visit(self, entry: os.DirEntry, seen_dirs: set) -> "Found | Problem | str | None":
        path = entry.path
        is_media = os.path.splitext(entry.name)[1][1:].lower() in BY_EXTENSION
        try:
            is_link = entry.is_symlink()
            if is_link and not self.follow_symlinks:
                return None
            st = entry.stat(follow_symlinks=True)
        except OSError as exc:
            if not is_media:
                return None
            if exc.errno == errno.ENOENT and entry.is_symlink():
                return Problem(ReadError(printable_path(path), "dangling symbolic link").with_kind("not_found"))
            if exc.errno == errno.ELOOP:
                return Problem(ReadError(printable_path(path), "symbolic link loop").with_kind("not_found"))
            return Problem(ReadError.from_os_error(printable_path(path), exc))
        if stat_mod.S_ISDIR(st.st_mode):
            key = (st.st_dev, st.st_ino)
            if key in seen_dirs:
                log.info("skipping %s: a folder already scanned (symlink loop or duplicate link)", path)
                return None
            seen_dirs.add(key)
            return path
        if not is_media:
            return None
        if printable_path(path) != path:
            return Problem(UnsupportedMedia(printable_path(path), "file name is not valid UTF-8; rename the file"))
        if not stat_mod.S_ISREG(st.st_mode):
            return Problem(UnsupportedMedia(path, "not a regular file (a pipe, socket or device)"))
        return Found(path, st)
