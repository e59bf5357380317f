"""Qt-free job factories the CLI and the app both run: scan, analyse, rebuild the indexes.

Each factory returns a job (mediarec.jobs): a generator that yields `Progress` and returns a report
dataclass with `summary() -> str`. Each opens its own Library connection when first advanced, on the
thread that drives it (a GUI worker thread, or the CLI's main thread), and closes it when it ends; so
a job object can be made on one thread and run on another. A `CancelToken` stops each between items
(scan, analysis) or between steps (rebuild) by raising `mediarec.errors.Cancelled`; what was finished
is kept, and a cancelled rebuild leaves the previous indexes in use.

    job = analyze_task(paths, settings, token, first_ids=FirstIds([played_id]))
    report = run_job(job, on_progress)      # or: iterate it, showing each Progress
    print(report.summary())
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

from .errors import MediarecError
from .extract.runner import AnalyzeReport, FirstIds, analyze
from .index.build import BuildOptions
from .index.maintain import RebuildReport, rebuild_job
from .jobs import CancelToken, Job
from .library import Library
from .library.blocklist import blocked_ids, without_blocked
from .paths import AppPaths
from .scan.scanner import ScanReport, scan
from .settings import RecommendSettings, Settings

if TYPE_CHECKING:
    from .recommend.upnext import UpNextList

__all__ = ["scan_task", "analyze_task", "rebuild_task", "upnext_unblocked", "NoLibraryFolders", "FirstIds",
           "ScanReport", "AnalyzeReport", "RebuildReport"]


class NoLibraryFolders(MediarecError):
    """A scan was asked for with no library folder added."""


def scan_task(db_path: str | os.PathLike, settings: Settings, add_roots: Sequence[str | os.PathLike] = (),
              token: CancelToken | None = None, *, only_added: bool = False) -> Job[ScanReport]:
    """Add `add_roots` as library folders (each once; an existing one is kept), then scan every active
    folder (`only_added`: only those, as when the user adds a folder: the others keep their state until
    their own rescan). Returns a `mediarec.scan.scanner.ScanReport` (added, updated, unchanged, moved,
    missing, failed, ... counts; `summary()`). Raises NoLibraryFolders when there is no folder to scan."""
    with Library(db_path) as lib:
        for root in add_roots:
            lib.roots.add(str(root))
        if not lib.roots.active():
            raise NoLibraryFolders("no library folders yet; run 'mediarec scan FOLDER'")
        only = [str(r) for r in add_roots] if only_added and add_roots else None
        report = yield from scan(lib, settings.scan, token, only=only)
        lib.periodic_backup()  # at most one a day, three kept: what `doctor --restore-backup` restores
        return report


def analyze_task(paths: AppPaths, settings: Settings, token: CancelToken | None = None, only: list[str] | None = None,
                 kind: str | None = None, limit: int | None = None,
                 first_ids: FirstIds | Iterable[int] | None = None, *, workers: int | None = None,
                 in_process: bool = False) -> Job[AnalyzeReport]:
    """Run the extractors over every file whose results are missing or stale (`only`: these extractors;
    `kind`: "audio" or "video"; `limit`: at most this many files). `first_ids`: media ids analysed
    before the rest; pass a `FirstIds` and call its `add(media_id)` from any thread while the job runs
    to move an item (the one being played) to the front. `workers`: processes (default: the settings,
    else one per core); `in_process`: no pool (tests). Returns a `mediarec.extract.runner.AnalyzeReport`
    (files, results and failures per extractor, seconds; `summary()`). Indexes are not rebuilt here:
    run `rebuild_task` after (the CLI does)."""
    first = first_ids if isinstance(first_ids, FirstIds) else FirstIds(first_ids or ())
    with Library(paths.db) as lib:
        report = yield from analyze(lib, paths, settings, only=only, kind=kind, limit=limit, workers=workers,
                                    cancel=token, in_process=in_process, first=first)
        lib.periodic_backup()
        return report


def rebuild_task(paths: AppPaths, token: CancelToken | None = None, *, spaces: Iterable[str] | None = None,
                 only_stale: bool = True, opts: BuildOptions | None = None) -> Job[RebuildReport]:
    """Rebuild the similarity indexes that are stale (all of `spaces` when `only_stale` is False), then
    the fused index. Progress counts items and reaches its total at the end. Returns a
    `mediarec.index.maintain.RebuildReport` (`spaces`: name -> {"action": built|current|empty|busy, ...},
    `built`: the names built, `seconds`; `summary()`). A cancel (Cancelled) keeps the old indexes."""
    with Library(paths.db) as lib:
        return (yield from rebuild_job(lib, Path(paths.index_dir), spaces, only_stale, opts, token))


def upnext_unblocked(lib: Library, index_dir: Path, n: int = 10, kind: str = "any",
                     settings: RecommendSettings | None = None, explain: bool = True,
                     listener: int | None = 1) -> "UpNextList":
    """`recommend.upnext.upnext` with the blocklist applied: never an item, artist or folder the user
    blocked (what `mediarec upnext` and `export --upnext` show). The blocked ids go to the recommender
    as `exclude`; the result is filtered as well, asking for more while blocked
    picks left it short of `n`, so the rule holds whatever the recommender does."""
    from .recommend.upnext import UpNextList, upnext

    blocked = blocked_ids(lib, listener)  # everyone's rules and the listener's own
    want = n
    while True:
        found = upnext(lib, index_dir, want, kind, settings=settings, explain=explain, exclude=blocked.tolist(),
                       listener=listener)
        ids, scores = without_blocked(found.ids, found.scores, blocked)
        if len(ids) >= n or len(found.ids) < want or want >= n + len(blocked):
            break
        want = min(n + len(blocked), 2 * want)
    kept = set(ids[:n].tolist())
    picks = [p for p in found.picks if p.id in kept]
    return UpNextList(ids[:n], scores[:n], picks)
