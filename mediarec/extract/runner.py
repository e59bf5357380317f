"""The analysis job: plan the stale work, run it on an isolating process pool, store results in batches.

`analyze()` is a job generator (mediarec.jobs): it yields Progress (done/total, rate, ETA) and returns
an AnalyzeReport. A cancel stops between files and keeps what is done; a killed run loses at most the
last unwritten batch, and the next run plans only what is still missing."""
from __future__ import annotations

import logging
import os
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass, field
from typing import Iterable

from ..errors import Cancelled, FileError, MediaTimeout, OurBug, WorkerCrash
from ..jobs import CancelToken, Job, Progress, ProgressClock
from ..library import Library
from ..media.audio import ExcerptPolicy
from ..paths import AppPaths
from ..settings import Settings
from .base import Runtime
from .device import BATCH_FILES, batching, resolve_device
from .executors import make_executor
from .plan import Task, plan, stage_of
from .pool import IsolatingPool, TaskTimedOut, WorkerDied
from .registry import create, resolve
from .worker import DECODE, Outcome, init_worker, run_tasks

log = logging.getLogger(__name__)


@dataclass
class AnalyzeReport:
    files: int = 0
    results: dict[str, int] = field(default_factory=dict)  # extractor -> results stored
    failed: dict[str, int] = field(default_factory=dict)  # extractor -> files failed
    unavailable: dict[str, str] = field(default_factory=dict)  # extractor -> why it did not run
    seconds: float = 0.0
    workers: int = 0
    cpu_seconds: dict[str, float] = field(default_factory=dict)  # extractor (and "(decode)") -> time in workers

    def summary(self) -> str:
        stored = sum(self.results.values())
        text = f"{self.files} file(s) analysed, {stored} result(s) stored"
        failed = sum(self.failed.values())
        if failed:
            text += f", {failed} failure(s) (see 'mediarec doctor')"
        for name, why in sorted(self.unavailable.items()):
            text += f"; {name} skipped: {why}"
        return text


def make_runtime(paths: AppPaths, settings: Settings, workers: int) -> Runtime:
    cores = os.cpu_count() or 1
    return Runtime(models_dir=str(paths.models), cache_dir=str(paths.cache),
                   device=resolve_device(settings.analyze.device),
                   threads=max(1, cores // max(1, workers)), settings=settings)


def batch_files(settings: Settings, runtime: Runtime) -> int:
    """Files a worker runs at once (one model call per batched extractor): BATCH_FILES with batching on."""
    on, why = batching(settings.analyze.batch, runtime.device)
    log.info("batching across files: %s", why)
    return BATCH_FILES if on else 1


def excerpt_policy(settings: Settings) -> ExcerptPolicy:
    a = settings.audio
    return ExcerptPolicy(full_up_to=a.full_up_to, windows=a.windows, window=a.window)


class _ResultWriter:
    """Collects finished files and writes them a batch at a time (one transaction per batch)."""

    def __init__(self, lib: Library, report: AnalyzeReport, versions: dict[str, int], every: int = 16,
                 seconds: float = 2.0):
        self.lib, self.report, self.versions = lib, report, versions
        self.every, self.seconds = every, seconds
        self.buffer: list[tuple[Task, dict[str, Outcome]]] = []
        self.last = time.monotonic()

    def add(self, task: Task, outcomes: dict[str, Outcome]) -> None:
        self.buffer.append((task, outcomes))
        if len(self.buffer) >= self.every or time.monotonic() - self.last >= self.seconds:
            self.flush()

    def flush(self) -> None:
        if not self.buffer:
            return
        lib = self.lib
        with lib.transaction():
            for task, outcomes in self.buffer:
                self._store(task, outcomes)
        self.buffer.clear()
        self.last = time.monotonic()

    def _store(self, task: Task, outcomes: dict[str, Outcome]) -> None:
        lib, item = self.lib, task.item
        self.report.files += 1
        for name, o in outcomes.items():
            self.report.cpu_seconds[name] = self.report.cpu_seconds.get(name, 0.0) + o.seconds
            if name == DECODE:
                continue
            stage = stage_of(name)
            if o.result is not None:
                r = o.result
                lib.features.put(item["id"], name, self.versions[name], item["fingerprint"], r.vector, r.attrs)
                if r.transcript is not None:
                    lib.transcripts.put(item["id"], self.versions[name], r.transcript.language,
                                        r.transcript.segments)
                lib.file_status.clear(item["path"], stage)
                self.report.results[name] = self.report.results.get(name, 0) + 1
            elif o.not_loaded:
                self.report.unavailable.setdefault(name, f"failed to load: {o.message}")
            else:
                lib.file_status.record(item["path"], stage, o.error_kind or "bug", o.message, size=item["size"],
                                       mtime=item["mtime"], media_id=item["id"])
                self.report.failed[name] = self.report.failed.get(name, 0) + 1
                log.warning("%s: %s failed: %s", item["path"], name, o.message)


def _crashed(task: Task, exc: BaseException) -> dict[str, Outcome]:
    """Every extractor of a task whose worker died or hung gets the same verdict."""
    path = task.item["path"]
    if isinstance(exc, TaskTimedOut):
        err: FileError = MediaTimeout(path, f"analysis {exc}")
    elif isinstance(exc, WorkerDied):
        err = WorkerCrash(path, f"the decoder or a model crashed ({exc})")
    else:
        err = OurBug(path, f"{type(exc).__name__}: {exc}")
    return {name: Outcome(error_kind=err.kind, message=err.reason) for name in task.extractors}


class FirstIds:
    """Media ids an analysis takes before the rest, in the order given; `add` works from any thread
    while the job runs (the item being played is analysed next, so its More like this works soon)."""

    def __init__(self, ids: Iterable[int] = ()):
        self._lock = threading.Lock()
        self._ids = [int(i) for i in ids]
        self.version = 0

    def add(self, *ids: int) -> None:
        with self._lock:
            self._ids = [int(i) for i in ids] + [i for i in self._ids if i not in ids]
            self.version += 1

    def ids(self) -> list[int]:
        with self._lock:
            return list(self._ids)


def _take_first(queue: list[Task], first: FirstIds) -> None:
    """Reorder `queue` (popped from its end) so the tasks of `first`'s ids come out first, in its order."""
    rank = {mid: r for r, mid in enumerate(first.ids())}
    if rank:
        queue.sort(key=lambda t: -rank.get(t.media_id, len(rank)))  # stable: the rest keep their order


def analyze(lib: Library, paths: AppPaths, settings: Settings, only: list[str] | None = None,
            kind: str | None = None, limit: int | None = None, workers: int | None = None,
            cancel: CancelToken | None = None, in_process: bool = False,
            modules: tuple[str, ...] = (), first: FirstIds | None = None,
            executor: str | None = None) -> Job[AnalyzeReport]:
    """Analyse every file with stale results. `in_process` runs without a pool (tests, debugging);
    `modules` are imported in each worker first (extractors registered outside mediarec); `first`:
    media ids to analyse before the rest (within `limit`, they count first); `executor`: 'local' or
    'dask://HOST:PORT' (default: the `[analyze] executor` setting)."""
    cancel = cancel or CancelToken()
    first = first or FirstIds()
    started = time.monotonic()
    workers = workers or settings.analyze.workers or (os.cpu_count() or 1)
    runtime = make_runtime(paths, settings, workers)
    report = AnalyzeReport(workers=0 if in_process else workers)
    names, available = [], []
    wanted = set(resolve(only))
    for name in resolve(None):
        reason = create(name).check(runtime)
        if reason:
            if name in wanted:
                report.unavailable[name] = reason
            continue
        available.append(name)
        if name in wanted:
            names.append(name)
    yield Progress(0, None, "Planning analysis…")
    tasks = plan(lib, names, kind=kind, limit=None if first.ids() else limit, available=available)
    if first.ids():
        order = list(reversed(tasks))
        _take_first(order, first)
        tasks = list(reversed(order))[:limit] if limit else list(reversed(order))
    names = sorted({n for t in tasks for n in t.extractors})  # with the inputs the plan added
    versions = {n: create(n).spec.version for n in available}
    writer = _ResultWriter(lib, report, versions)
    clock = ProgressClock(total=len(tasks))
    if not tasks:
        report.seconds = time.monotonic() - started
        return report
    policy = excerpt_policy(settings)
    try:
        group_size = batch_files(settings, runtime)
        if in_process:
            init_worker(names, runtime, policy, modules)
            queue, seen, done = list(reversed(tasks)), first.version, 0
            while queue:
                cancel.check()
                if first.version != seen:
                    seen = first.version
                    _take_first(queue, first)
                group = [queue.pop() for _ in range(min(group_size, len(queue)))]
                if clock.due():
                    yield clock.progress(done, f"Analysing {os.path.basename(group[0].item['path'])}")
                for task, outcomes in zip(group, run_tasks(group)):
                    writer.add(task, outcomes)
                done += len(group)
        else:
            pool, workers = make_executor(executor or settings.analyze.executor, settings.analyze.path_map,
                                          min(workers, len(tasks)), init_worker, (names, runtime, policy, modules),
                                          runtime.threads)
            yield from _run_on_pool(pool, tasks, writer, clock, cancel, workers, settings.analyze.file_timeout, first,
                                    group_size)
    finally:
        writer.flush()
    report.seconds = time.monotonic() - started
    yield clock.progress(len(tasks), "Analysis finished")
    return report


def task_timeout(task: Task, base: float) -> float:
    """A file's time limit: the configured base plus a share of its length (long talks take long), the
    length counted up to 12 hours: it is what the header declares, and a damaged one may declare years."""
    return base + 0.25 * min(float(task.item.get("duration") or 0.0), 12 * 3600.0)


def group_timeout(group: list[Task], base: float) -> float:
    """A group's time limit: one base (a hang is caught as soon as for one file) plus every file's share of
    its length; a group that runs out is run again file by file, where each file has its own limit."""
    return task_timeout(group[0], base) + sum(task_timeout(t, 0.0) for t in group[1:])


def _submit(pool: Executor, group: list[Task], base_timeout: float) -> Future:
    if isinstance(pool, IsolatingPool):
        return pool.submit_timed(group_timeout(group, base_timeout), run_tasks, group)
    return pool.submit(run_tasks, group)  # another executor (a cluster client) keeps its own limits


def _run_on_pool(pool: Executor, tasks: list[Task], writer: _ResultWriter, clock: ProgressClock,
                 cancel: CancelToken, workers: int, timeout: float, first: FirstIds, group_size: int = 1):
    """Groups of `group_size` files go to the workers; a group whose worker crashed or hung is run again
    file by file, so only the file that did it is recorded as crashed."""
    queue = list(reversed(tasks))
    running: dict[Future, list[Task]] = {}
    alone: set[int] = set()  # ids of tasks to retry on their own
    done, seen = 0, first.version
    try:
        while queue or running:
            if first.version != seen:
                seen = first.version
                _take_first(queue, first)
            # A few groups ahead of the workers keeps them busy; more would make cancel slow.
            while queue and len(running) < 2 * workers:
                group = [queue.pop()]
                while queue and len(group) < group_size and id(group[0]) not in alone and id(queue[-1]) not in alone:
                    group.append(queue.pop())
                running[_submit(pool, group, timeout)] = group
            finished, _ = wait(running, timeout=0.2, return_when=FIRST_COMPLETED)
            for fut in finished:
                group = running.pop(fut)
                exc = fut.exception()
                if exc is not None and len(group) > 1:
                    log.warning("a worker failed on a group of %d files (%s); running them one by one", len(group), exc)
                    alone.update(id(t) for t in group)
                    queue.extend(reversed(group))
                    continue
                results = [_crashed(group[0], exc)] if exc is not None else fut.result()
                for task, outcomes in zip(group, results):
                    writer.add(task, outcomes)
                done += len(group)
            if cancel.cancelled:
                raise Cancelled("analysis cancelled")
            cancel.check()  # blocks here while paused
            if clock.due() or finished:
                current = next(iter(running.values()), [None])[0]
                name = os.path.basename(current.item["path"]) if current else ""
                yield clock.progress(done, f"Analysing {name}")
    finally:
        if queue or running:
            kill = getattr(pool, "kill_running", None)
            if kill:
                kill()
        pool.shutdown(wait=True, cancel_futures=True)
