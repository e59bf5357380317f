"""The app's long jobs as plain, Qt-free callables (scan, analyse, index rebuild): the one place that calls the core.

Each function takes what it needs plus a CancelToken and returns a `mediarec.jobs.Job` generator that opens
its own Library on the thread that runs it (SQLite connections stay in their thread). They mirror what the
appcore's `mediarec/tasks.py` offers the CLI; when that module lands these become thin calls into it.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from ...jobs import CancelToken, Job, Progress
from ...library import Library
from ...paths import AppPaths
from ...settings import Settings


def scan_job(db_path: Path, settings: Settings, add: list[str], token: CancelToken) -> Job[Any]:
    """Add `add` as library folders (if any) and scan every folder."""
    from ...scan.scanner import scan

    with Library(db_path) as lib:
        for path in add:
            lib.roots.add(path)
        report = yield from scan(lib, settings.scan, token)
    return report


def first_ids() -> Any | None:
    """A queue of media ids the analysis takes first (the item being played), when the core offers one."""
    try:
        from ...extract.runner import FirstIds  # appcore: analyze(..., first=FirstIds)
    except ImportError:
        return None
    return FirstIds()


def analyze_job(paths: AppPaths, settings: Settings, only: list[str] | None, modules: tuple[str, ...],
                token: CancelToken, first: Any | None = None) -> Job[Any]:
    """Analyse every file with stale results (`first`: ids taken before the rest, where supported)."""
    from ...extract.runner import analyze

    kwargs: dict[str, Any] = {"only": only, "cancel": token, "modules": modules}
    if first is not None:
        kwargs["first"] = first
    with Library(paths.db) as lib:
        report = yield from analyze(lib, paths, settings, **kwargs)
    return report


def pending_analysis(lib: Library, only: list[str] | None) -> int:
    """How many files still need analysis (reads the library; call off the GUI thread)."""
    from ...extract.plan import plan
    from ...extract.registry import resolve

    return len(plan(lib, resolve(only)))


def index_job(paths: AppPaths, token: CancelToken) -> Job[Any]:
    """Rebuild stale similarity indexes, with real progress and cancel when the core's rebuild is a job."""
    try:
        from ...index.maintain import rebuild_job  # appcore: a cancellable job with progress
    except ImportError:
        rebuild_job = None
    with Library(paths.db) as lib:
        if rebuild_job is not None:
            report = yield from rebuild_job(lib, paths.index_dir, cancel=token)
            return report
        from ...index import rebuild

        yield Progress(0, None, "Updating the similarity indexes…")
        token.check()
        started = time.monotonic()
        return IndexReport(rebuild(lib, paths.index_dir), time.monotonic() - started)


class IndexReport:
    """What the old, blocking rebuild did, summarised like the core's RebuildReport."""

    def __init__(self, result: dict, seconds: float = 0.0):
        self.spaces, self.seconds = result, seconds

    def summary(self) -> str:
        built = [f"{n} ({r['items']})" for n, r in self.spaces.items() if r.get("action") == "built"]
        return ("rebuilt " + ", ".join(built)) if built else "indexes already current"
