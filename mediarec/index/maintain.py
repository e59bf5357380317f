"""Keeping indexes current: what is stale and why, rebuilding, and a debounced background rebuilder.

Annoy cannot add items to a built index, so changes are absorbed in two ways: searches look at what
changed since the build exactly (search.py), and a rebuild folds it in. Staleness compares each
manifest with the features table now: extractor versions, vector lengths, current row counts and the
newest row's time. The fused index (fused.py) is stale when a space was rebuilt since it was, or when
its lists were made with other weights; `rebuild_job` (a cancellable job with progress; `rebuild` runs
it to its end) brings it up to date after the spaces."""
from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from ..jobs import CancelToken, Job, Progress, ProgressClock, run_job
from .build import BuildInProgress, BuildOptions, build_space, remove_space
from .compose import registered_versions, resolve_versions
from .manifest import manifest_path, read_manifest
from .spaces import SPACES

if TYPE_CHECKING:
    from ..library import Library

log = logging.getLogger(__name__)


def space_status(lib: "Library", index_dir: Path, space_name: str, registered: dict[str, int] | None = None
                 ) -> dict[str, Any]:
    """The manifest's summary, the features now, and the reasons the index is stale (empty: current)."""
    space = SPACES[space_name]
    m = read_manifest(index_dir, space_name)
    versions = resolve_versions(lib, space.extractors, registered)
    now = {name: {"version": v, **lib.index.feature_state(name, v)} for name, v in versions.items()}
    has_data = any(s["count"] for s in now.values())
    reasons: list[str] = []
    if m is None:
        if has_data:  # a manifest that cannot be read is another format's (an older mediarec) or damaged
            reasons.append("built in another format: rebuild" if manifest_path(index_dir, space_name).exists()
                           else "not built yet")
    else:
        for name, cur in now.items():
            built = m.extractors.get(name)
            if built is None or (built["count"] == 0 and cur["count"]):
                if cur["count"]:
                    reasons.append(f"{name}: {cur['count']} results the index has not seen")
            elif built["version"] != cur["version"]:
                reasons.append(f"{name}: version {built['version']} indexed, {cur['version']} current")
            elif cur["count"] != built["count"]:
                reasons.append(f"{name}: {cur['count'] - built['count']:+d} items since the build")
            elif (cur["max_created_at"] or 0) > (built["max_created_at"] or 0):
                reasons.append(f"{name}: re-analysed items since the build")
        if not has_data:
            reasons.append("no features any more")
    doc: dict[str, Any] = {"space": space_name, "built": m is not None, "stale": bool(reasons), "reasons": reasons,
                           "extractors": now, "description": space.description}
    if m is not None:
        doc.update(items=m.items, dim=m.dim, cells=m.cells, probe=m.probe, trees=m.trees, search_k=m.search_k,
                   recall_at_10=m.recall_at_10, built_at=m.built_at, build_seconds=m.build_seconds,
                   build_id=m.build_id)
    return doc


def status(lib: "Library", index_dir: Path) -> list[dict[str, Any]]:
    registered = registered_versions()
    return [*(space_status(lib, index_dir, name, registered) for name in SPACES), _fused_doc(lib, index_dir)]


def _fused_doc(lib: "Library", index_dir: Path) -> dict[str, Any]:
    from .fused import FUSED, fused_status

    m = read_manifest(index_dir, FUSED.name)
    reasons = fused_status(lib, index_dir)
    doc: dict[str, Any] = {"space": FUSED.name, "built": m is not None, "stale": bool(reasons), "reasons": reasons,
                           "extractors": {}, "description": FUSED.description}
    if m is not None:
        doc.update(items=m.items, dim=m.dim, cells=m.cells, probe=m.probe, trees=m.trees, search_k=m.search_k,
                   recall_at_10=m.recall_at_10, built_at=m.built_at, build_seconds=m.build_seconds,
                   build_id=m.build_id, spaces=sorted(m.extractors))
    return doc


@dataclass
class RebuildReport:
    """What a rebuild did. `spaces`: space name (and "fused") -> {"action": "built" | "current" | "empty" |
    "busy", and for "built": "items": int, "seconds": float, "cells", "probe", "recall_at_10"}; `seconds`:
    the whole rebuild's wall time."""

    spaces: dict[str, dict[str, Any]] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def built(self) -> list[str]:
        return [name for name, r in self.spaces.items() if r.get("action") == "built"]

    def summary(self) -> str:
        done = [f"{name} ({r['items']} items, {r['seconds']:.1f} s)" for name, r in self.spaces.items()
                if r.get("action") == "built"]
        busy = [name for name, r in self.spaces.items() if r.get("action") == "busy"]
        text = "Rebuilt: " + ", ".join(done) if done else "Indexes already current"
        if not done and all(r.get("action") == "empty" for r in self.spaces.values()):
            text = "No features yet: nothing to index (run 'mediarec analyze')"
        if busy:
            text += "; busy in another process: " + ", ".join(busy)
        return text


def rebuild_job(lib: "Library", index_dir: Path, spaces: Iterable[str] | None = None, only_stale: bool = True,
                opts: BuildOptions | None = None, cancel: CancelToken | None = None) -> Job[RebuildReport]:
    """Rebuild the named spaces (default all), or only those that are stale, then the fused index.

    A job (mediarec.jobs): yields Progress whose units are items (each space to build counts its items,
    the fused index the items it lists), so `done` reaches `total` at the end; checks `cancel` between
    spaces and inside the fused build. A cancel raises Cancelled and leaves the last complete build of
    every space in use (a build is swapped in only when it is whole)."""
    cancel = cancel or CancelToken()
    started = time.monotonic()
    registered = registered_versions()
    names = list(spaces or SPACES)
    yield Progress(0, None, "Checking the indexes…")
    todo, report = {}, RebuildReport()
    for name in names:
        st = space_status(lib, index_dir, name, registered)
        count = max((s["count"] for s in st["extractors"].values()), default=0)
        if only_stale and not st["stale"]:
            report.spaces[name] = {"action": "current"}
        elif not count:
            remove_space(lib, index_dir, name)
            report.spaces[name] = {"action": "empty"}
        else:
            todo[name] = count
    fused_weight = max(todo.values(), default=0) or _fused_weight(lib, index_dir, only_stale or spaces is not None)
    clock = ProgressClock(total=sum(todo.values()) + fused_weight)
    done = 0
    for name, count in todo.items():
        cancel.check()
        yield clock.progress(done, f"Building the {name} index ({count} items)")
        try:
            report.spaces[name] = _built(build_space(lib, index_dir, name, opts))
        except BuildInProgress as exc:
            report.spaces[name] = {"action": "busy", "message": str(exc)}
        done += count
    cancel.check()
    yield clock.progress(done, "Building the combined index")
    # after some spaces only: rebuilt if they changed
    fused = _FusedStep(lib, index_dir, only_stale or spaces is not None, opts, cancel)
    report.spaces["fused"] = yield from fused.run(clock, done, fused_weight)
    report.seconds = time.monotonic() - started
    yield clock.progress(clock.total or 0, report.summary())
    return report


def rebuild(lib: "Library", index_dir: Path, spaces: Iterable[str] | None = None, only_stale: bool = True,
            opts: BuildOptions | None = None) -> dict[str, dict[str, Any]]:
    """`rebuild_job` run to its end, for callers that wait: returns `RebuildReport.spaces`."""
    return run_job(rebuild_job(lib, index_dir, spaces, only_stale, opts)).spaces


def _built(m) -> dict[str, Any]:
    return {"action": "built", "items": m.items if m else 0, "seconds": m.build_seconds if m else 0,
            "cells": m.cells if m else None, "probe": m.probe if m else None,
            "recall_at_10": m.recall_at_10 if m else None}


def _fused_weight(lib: "Library", index_dir: Path, only_stale: bool) -> int:
    """Progress units of a fused build when no space is rebuilt: its items, or 0 when it is current."""
    from .fused import fused_status

    if only_stale and not fused_status(lib, index_dir):
        return 0
    m = read_manifest(index_dir, "fused")
    return max(1, m.items if m else 1)


class _FusedStep:
    """The fused index (fused.py), after the spaces: rebuilt when it no longer matches them.

    Its build is one call that reports through a callback (from inside its neighbour-lists loop), so it
    runs on a helper thread while the job's own thread waits on its reports and yields them; the
    callback raises Cancelled once the token is set, which ends the build before its swap."""

    def __init__(self, lib: "Library", index_dir: Path, only_stale: bool, opts: BuildOptions | None,
                 cancel: CancelToken):
        self.lib, self.index_dir, self.only_stale, self.opts, self.cancel = lib, index_dir, only_stale, opts, cancel

    def run(self, clock: ProgressClock, done: int, weight: int) -> Job[dict[str, Any]]:
        from .fused import fused_status
        from .fused_build import build_fused

        if self.only_stale and not fused_status(self.lib, self.index_dir):
            return {"action": "current"}
        reports: "queue.SimpleQueue[tuple[int, int]]" = queue.SimpleQueue()
        outcome: dict[str, Any] = {}

        def progress(d: int, n: int) -> None:
            self.cancel.check()
            reports.put((d, n))

        def work() -> None:
            try:
                outcome["value"] = build_fused(self.lib, self.index_dir, self.opts, progress, cancel=self.cancel)
            except BaseException as exc:  # noqa: BLE001 - handed to the job's thread, raised there
                outcome["error"] = exc

        # The job's thread does not touch the connection while the helper uses it (it only waits).
        thread = threading.Thread(target=work, name="mediarec-fused-build", daemon=True)
        thread.start()
        try:
            while thread.is_alive():
                thread.join(0.05)
                last = None
                while not reports.empty():
                    last = reports.get()
                if last is not None or clock.due():
                    d, n = last or (0, 1)
                    yield clock.progress(done + int(weight * d / max(n, 1)), "Listing each item's neighbours")
        finally:
            if thread.is_alive():  # the job was closed early: stop the build and wait for its clean-up
                self.cancel.cancel()
                thread.join()
        if isinstance(outcome.get("error"), BuildInProgress):
            return {"action": "busy", "message": str(outcome["error"])}
        if "error" in outcome:
            raise outcome["error"]
        m = outcome["value"]
        return _built(m) if m else {"action": "empty"}


class RebuildScheduler:
    """Rebuilds stale indexes on a background thread, `delay` seconds after the last `poke()` (so a burst of
    analysis results causes one rebuild), but no later than `max_wait` after the first poke of a burst (so
    a long analysis still gets rebuilds). A poke during a rebuild schedules another one after it.

    It opens its own Library (a connection per thread); `on_done(result)` is called on that thread."""

    def __init__(self, db_path: Path, index_dir: Path, delay: float = 20.0, max_wait: float = 300.0,
                 opts: BuildOptions | None = None, on_done: Callable[[dict], None] | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.db_path, self.index_dir = Path(db_path), Path(index_dir)
        self.delay, self.max_wait, self.opts, self.on_done, self.clock = delay, max_wait, opts, on_done, clock
        self.builds = 0
        self.last_result: dict | None = None
        self.last_error: str | None = None
        self._cond = threading.Condition()
        self._first: float | None = None  # first poke of the pending burst
        self._due: float | None = None
        self._running = False
        self._closed = False
        self._thread = threading.Thread(target=self._loop, name="mediarec-index-rebuild", daemon=True)
        self._thread.start()

    def poke(self) -> None:
        """Analysis changed something: rebuild after things have been quiet for `delay` seconds."""
        with self._cond:
            now = self.clock()
            if self._first is None:
                self._first = now
            self._due = min(now + self.delay, self._first + self.max_wait)
            self._cond.notify_all()

    @property
    def pending(self) -> bool:
        with self._cond:
            return self._due is not None or self._running

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Block until nothing is scheduled or running (tests, shutdown). False on timeout."""
        end = time.monotonic() + timeout
        with self._cond:
            while self._due is not None or self._running:
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.05))
        return True

    def close(self, wait: bool = False) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if wait:
            self._thread.join()

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._closed and (self._due is None or self.clock() < self._due):
                    timeout = None if self._due is None else max(0.0, self._due - self.clock())
                    self._cond.wait(timeout if timeout is None else min(timeout, 0.5))
                if self._closed:
                    return
                self._due = self._first = None
                self._running = True
            try:
                self._rebuild_once()
            finally:
                with self._cond:
                    self._running = False
                    self._cond.notify_all()

    def _rebuild_once(self) -> None:
        from ..library import Library  # noqa: PLC0415 - the thread's own connection

        try:
            with Library(self.db_path) as lib:
                result = rebuild(lib, self.index_dir, only_stale=True, opts=self.opts)
            self.builds += 1
            self.last_result, self.last_error = result, None
            if self.on_done is not None:
                self.on_done(result)
        except Exception as exc:  # noqa: BLE001 - a failed rebuild leaves the old index; searching goes on
            self.last_error = f"{type(exc).__name__}: {exc}"
            log.exception("index rebuild failed")


__all__ = ["space_status", "status", "rebuild", "rebuild_job", "RebuildReport", "RebuildScheduler"]
