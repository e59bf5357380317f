"""The library scan: walk every root, probe new and changed files, follow moves, mark the missing.

`scan()` is a job generator (see jobs.py). It walks all available roots (or the `only` ones: a folder just
added is scanned alone, the others are left as they are until their own rescan) first (so it knows which known
files are gone before it decides what is a move), then probes only new and changed files, writing in
batches. A scan killed at any point leaves a consistent database; the next one finishes the job,
because an unchanged file costs one stat and a dict lookup.
"""
from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from typing import Iterable

from ..errors import FileError
from ..jobs import CancelToken, Job, Progress, ProgressClock
from ..library import Library
from ..library.roots import normalise_root
from ..settings import ScanSettings
from .parallel import MIN_FILES_FOR_POOL, default_workers, make_pool, probe_all
from .probe import ProbeResult
from .walker import Found, Problem, Walker

log = logging.getLogger(__name__)

SCAN_STAGES = ("scan", "probe")


@dataclass
class ScanReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    moved: int = 0
    restored: int = 0
    missing: int = 0
    masked: int = 0
    failed: int = 0
    failed_unchanged: int = 0
    roots: int = 0
    unavailable_roots: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        parts = [f"{self.added} added", f"{self.updated} updated", f"{self.unchanged} unchanged"]
        for name in ("moved", "restored", "missing", "masked"):
            if getattr(self, name):
                parts.append(f"{getattr(self, name)} {name}")
        failed = self.failed + self.failed_unchanged
        if failed:
            parts.append(f"{failed} unreadable (see 'mediarec doctor')")
        text = ", ".join(parts)
        if self.unavailable_roots:
            text += f"; unavailable: {', '.join(self.unavailable_roots)}"
        return text


@dataclass
class _Work:
    root_id: int
    found: Found
    media_id: int | None  # existing row for this path, if any


class _BatchWriter:
    """Buffers the scan's writes and commits them a batch at a time."""

    def __init__(self, lib: Library, size: int, seconds: float):
        self.lib, self.size, self.seconds = lib, size, seconds
        self.ops: list[tuple] = []
        self.last = time.monotonic()

    def add(self, *op) -> None:
        self.ops.append(op)
        if len(self.ops) >= self.size or time.monotonic() - self.last >= self.seconds:
            self.flush()

    def flush(self) -> None:
        if not self.ops:
            return
        lib = self.lib
        with lib.transaction():
            for op, *args in self.ops:
                if op == "insert":
                    lib.media.insert(*args)
                elif op == "update":
                    media_id, cols, path, root_id = args
                    lib.media.update_probed(media_id, cols, path=path, root_id=root_id)
                elif op == "status":
                    lib.media.set_status([args[0]], args[1])
                elif op == "fail":
                    err, stage, size, mtime, media_id = args
                    lib.file_status.record_error(err, stage, size=size, mtime=mtime, media_id=media_id)
                elif op == "ok":
                    for stage in SCAN_STAGES:
                        lib.file_status.clear(args[0], stage)
        self.ops.clear()
        self.last = time.monotonic()


def _root_available(path: str, known_files: int) -> bool:
    """A root is unavailable when it is gone, unreadable, or (an unplugged drive's mount point) suddenly
    empty while we know files in it. Masking instead of marking missing keeps them for when it returns."""
    if not os.path.isdir(path) or not os.access(path, os.R_OK | os.X_OK):
        return False
    if known_files:
        try:
            with os.scandir(path) as it:
                return any(True for _ in it)
        except OSError:
            return False
    return True


def scan(lib: Library, settings: ScanSettings | None = None, cancel: CancelToken | None = None,
         only: Iterable[str | os.PathLike] | None = None) -> Job[ScanReport]:
    """Scan every active root of the library (`only`: just these roots). Yields Progress; returns a
    ScanReport whose counts are those of the roots scanned."""
    settings = settings or ScanSettings()
    roots = _roots(lib, only)
    cancel = cancel or CancelToken()
    report = ScanReport()
    started = time.monotonic()
    walker = Walker(settings.ignore, settings.follow_symlinks)
    writer = _BatchWriter(lib, settings.batch_size, settings.batch_seconds)
    clock = ProgressClock()

    # Phase 1: walk every available root; know what is there before deciding what moved.
    work: list[_Work] = []
    problems: list[Problem] = []
    gone: dict[str, tuple[int, str, str]] = {}  # path -> (id, status, fingerprint) of known files not found now
    known_bad = lib.file_status.known(SCAN_STAGES)
    for root in roots:
        report.roots += 1
        snapshot = lib.media.snapshot(root["id"])
        live = sum(1 for v in snapshot.values() if v[3] in ("ok", "masked", "error"))
        if not _root_available(root["path"], live):
            with lib.transaction():
                report.masked += lib.media.mask_root(root["id"])
            lib.roots.set_available(root["id"], False)
            report.unavailable_roots.append(root["path"])
            log.warning("root %s is unavailable; its %d files are masked until it returns", root["path"], live)
            continue
        lib.roots.set_available(root["id"], True)
        seen: set[str] = set()
        encountered: set[str] = set()
        for item in walker.walk(root["path"]):
            cancel.check()
            if clock.due():
                yield Progress(0, None, f"Looking for media… {len(seen)} files in {root['path']}")
            if isinstance(item, Problem):
                problems.append(item)
                encountered.add(item.error.path)
                continue
            seen.add(item.path)
            encountered.add(item.path)
            known = snapshot.get(item.path)
            st = item.st
            if known is not None:
                media_id, size, mtime, status, _fp = known
                if size == st.st_size and mtime == st.st_mtime and status != "removed":
                    if status in ("missing", "masked"):
                        writer.add("status", media_id, "ok")
                        report.restored += 1
                    else:
                        report.unchanged += 1
                    continue
                work.append(_Work(root["id"], item, media_id))
                continue
            bad = known_bad.get(item.path)
            if bad is not None and bad == (st.st_size, st.st_mtime):
                report.failed_unchanged += 1
                continue
            work.append(_Work(root["id"], item, None))
        # Failures recorded earlier for files that are no longer there are over.
        prefix = root["path"].rstrip(os.sep) + os.sep
        stale = [p for p in known_bad if p.startswith(prefix) and p not in encountered]
        lib.file_status.clear_many(stale, "scan")
        lib.file_status.clear_many(stale, "probe")
        for path, (media_id, _size, _mtime, status, fp) in snapshot.items():
            if path not in seen and status in ("ok", "masked", "error"):
                gone[path] = (media_id, status, fp)

    for problem in problems:
        err = problem.error
        if known_bad.get(err.path, ...) == (None, None):
            report.failed_unchanged += 1
            continue
        report.failed += 1
        log.warning("cannot scan %s", err)
        writer.add("fail", err, "scan", None, None, None)

    # Phase 2: probe what is new or changed.
    total = len(work)
    clock = ProgressClock(total=total)
    moves = _MoveCandidates(gone, lib.media.gone())
    workers = settings.workers or default_workers()
    pool = make_pool(workers) if workers > 1 and total >= MIN_FILES_FOR_POOL else None
    try:
        results = probe_all([(w.found.path, w.found.st) for w in work], pool)
        for done, (w, result) in enumerate(zip(work, results)):
            _record_probe(w, result, writer, report, moves, w.found.path in known_bad)
            if clock.due():
                yield clock.progress(done + 1, f"Reading {os.path.basename(w.found.path)}")
            cancel.check()
    finally:
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        writer.flush()

    # Phase 3: what was not found (and did not turn out to have moved) is missing.
    newly_missing = [mid for mid, status, _fp in gone.values() if mid not in moves.claimed and status != "missing"]
    with lib.transaction():
        lib.media.set_status(newly_missing, "missing")
    report.missing = len(newly_missing)
    for root in roots:
        if root["path"] not in report.unavailable_roots:
            lib.roots.mark_scanned(root["id"])
    report.seconds = time.monotonic() - started
    yield Progress(total, total, "Scan finished")
    return report


def _roots(lib: Library, only: Iterable[str | os.PathLike] | None) -> list[dict]:
    roots = lib.roots.active()
    if only is None:
        return roots
    wanted = {normalise_root(p) for p in only}
    return [r for r in roots if r["path"] in wanted]


class _MoveCandidates:
    """Media rows a new file may be (same content, no longer at their old path), by fingerprint."""

    def __init__(self, gone: dict[str, tuple[int, str, str]], elsewhere: list[tuple[int, str]]):
        self.by_fingerprint: dict[str, list[int]] = {}
        for mid, _status, fp in gone.values():
            self.by_fingerprint.setdefault(fp, []).append(mid)
        for mid, fp in elsewhere:
            self.by_fingerprint.setdefault(fp, []).append(mid)
        self.claimed: set[int] = set()

    def claim(self, fingerprint: str) -> int | None:
        for mid in self.by_fingerprint.get(fingerprint, ()):
            if mid not in self.claimed:
                self.claimed.add(mid)
                return mid
        return None


def _record_probe(w: _Work, result: ProbeResult | FileError, writer: _BatchWriter, report: ScanReport,
                  moves: _MoveCandidates, failed_before: bool) -> None:
    path, st = w.found.path, w.found.st
    if isinstance(result, FileError):
        err = result
        report.failed += 1
        log.warning("cannot read %s", err)
        writer.add("fail", err, "probe", st.st_size, st.st_mtime, w.media_id)
        if w.media_id is not None:
            writer.add("status", w.media_id, "error")
        return
    cols = result.columns()
    if failed_before:
        writer.add("ok", path)
    if w.media_id is not None:
        writer.add("update", w.media_id, cols, None, None)
        report.updated += 1
        return
    moved_from = moves.claim(result.fingerprint)
    if moved_from is not None:
        writer.add("update", moved_from, cols, path, w.root_id)
        report.moved += 1
        return
    writer.add("insert", path, w.root_id, cols)
    report.added += 1
