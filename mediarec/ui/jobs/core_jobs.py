"""The app's long jobs as plain, Qt-free callables: the one place the UI calls the core's tasks (mediarec/tasks.py).

Each returns a `mediarec.jobs.Job` generator that opens its own Library on the thread that runs it (SQLite
connections stay in their thread), so the JobController can run it on its pool thread.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...jobs import CancelToken, Job
from ...library import Library
from ...paths import AppPaths
from ...settings import Settings

if TYPE_CHECKING:
    from ... import tasks


def _tasks():
    """The core tasks, imported at the first job: the scanner, runner and index code (numpy, PyAV, Annoy) cost
    ~0.15 s that the window's first paint should not wait for."""
    from ... import tasks

    return tasks


def scan_job(db_path: Path, settings: Settings, add: list[str], token: CancelToken) -> Job[Any]:
    """Add `add` as library folders and scan only them; with none, scan every folder."""
    return _tasks().scan_task(db_path, settings, add, token, only_added=bool(add))


def first_ids() -> tasks.FirstIds:
    """Media ids the analysis takes before the rest (the item being played); add to it while it runs."""
    return _tasks().FirstIds()


def analyze_job(paths: AppPaths, settings: Settings, only: list[str] | None, modules: tuple[str, ...],
                token: CancelToken, first: tasks.FirstIds | None = None) -> Job[Any]:
    """Analyse every file with stale results, `first`'s ids before the rest. `modules`: extractors registered
    outside mediarec, imported in each worker (tests); the core task has no such argument, so that case
    calls the runner directly."""
    if not modules:
        return _tasks().analyze_task(paths, settings, token, only=only, first_ids=first)
    return _analyze_with_modules(paths, settings, only, modules, token, first)


def _analyze_with_modules(paths, settings, only, modules, token, first) -> Job[Any]:
    from ...extract.runner import analyze

    with Library(paths.db) as lib:
        return (yield from analyze(lib, paths, settings, only=only, cancel=token, modules=modules,
                                   first=first or _tasks().FirstIds()))


def pending_analysis(lib: Library, only: list[str] | None) -> int:
    """How many files still need analysis (reads the library; call off the GUI thread)."""
    from ...extract.plan import plan
    from ...extract.registry import resolve

    return len(plan(lib, resolve(only)))


def index_job(paths: AppPaths, token: CancelToken) -> Job[Any]:
    """Rebuild stale similarity indexes: real progress in items, Cancel keeps the old indexes. It runs in a
    child process (in_process.py): in this one its GIL-holding numeric work stalled the window."""
    from .in_process import process_job

    return process_job(_rebuild, (paths,), token)


def _rebuild(paths: AppPaths, token: CancelToken) -> Job[Any]:
    return _tasks().rebuild_task(paths, token)
