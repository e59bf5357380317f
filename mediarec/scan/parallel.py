"""Probe many files on a process pool: mutagen is pure Python, so threads would share one core.

The pool is the analysis runner's IsolatingPool: a file whose header crashes or hangs FFmpeg costs that
file (marked crash or timeout), not the scan.

Results come back in order, a chunk at a time, so the scanner writes them in batches as usual. The
pool uses the 'spawn' start method: the GUI runs scans from a thread, and forking a threaded process
can deadlock the child."""
from __future__ import annotations

import logging
import os
from concurrent.futures import Executor, Future
from typing import Callable, Iterator, Sequence

from ..errors import FileError, MediaTimeout, OurBug, WorkerCrash
from ..extract.pool import IsolatingPool, TaskTimedOut, WorkerDied
from .probe import ProbeResult, probe

CHUNK = 32
"""Files per task: big enough to hide the inter-process cost, small enough to keep progress smooth."""

log = logging.getLogger(__name__)

MIN_FILES_FOR_POOL = 200
"""Below this a pool costs more to start than it saves."""


PROBE_SECONDS = 60.0
"""Time one file's probe may take on the pool (a chunk gets this per file). A chunk whose worker dies
or runs past its limit is probed again file by file, so only the file that crashes or hangs the
prober (native code in FFmpeg) is marked, and the scan goes on."""


def _probe_chunk(items: Sequence[tuple[str, os.stat_result]], probe_fn: Callable = probe
                 ) -> list[ProbeResult | FileError]:
    out: list[ProbeResult | FileError] = []
    for path, st in items:
        try:
            out.append(probe_fn(path, st))
        except FileError as err:
            out.append(err)
        except Exception as exc:  # noqa: BLE001 - a bug of ours on one hostile file costs that file, not the scan
            log.exception("probe failed on %s", path)
            out.append(OurBug(path, f"{type(exc).__name__}: {exc}"))
    return out


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def make_pool(workers: int) -> Executor:
    """Workers that survive their files: a prober crash or hang costs that file (see PROBE_SECONDS)."""
    return IsolatingPool(workers)


def probe_all(items: Sequence[tuple[str, os.stat_result]], executor: Executor | None,
              probe_fn: Callable = probe) -> Iterator[ProbeResult | FileError]:
    """Probe each (path, stat) in order; on `executor` when one is given, else here."""
    if executor is None:
        yield from _probe_chunk(items, probe_fn)
        return
    chunks = [items[i:i + CHUNK] for i in range(0, len(items), CHUNK)]
    # Keep only a few chunks in flight, so a cancel does not wait for the whole library.
    in_flight: list[tuple[Future, Sequence]] = []
    next_chunk = 0
    ahead = 4 * getattr(executor, "_max_workers", 2)
    while next_chunk < len(chunks) or in_flight:
        while next_chunk < len(chunks) and len(in_flight) < ahead:
            chunk = chunks[next_chunk]
            in_flight.append((_submit(executor, chunk, probe_fn), chunk))
            next_chunk += 1
        fut, chunk = in_flight.pop(0)
        yield from _chunk_results(executor, fut, chunk, probe_fn)


def _submit(executor: Executor, chunk: Sequence, probe_fn: Callable) -> Future:
    if isinstance(executor, IsolatingPool):
        return executor.submit_timed(PROBE_SECONDS * len(chunk), _probe_chunk, chunk, probe_fn)
    return executor.submit(_probe_chunk, chunk, probe_fn)


def _chunk_results(executor: Executor, fut: Future, chunk: Sequence, probe_fn: Callable
                   ) -> list[ProbeResult | FileError]:
    try:
        return fut.result()
    except (WorkerDied, TaskTimedOut) as exc:
        if len(chunk) == 1:
            return [_verdict(chunk[0][0], exc)]
    log.warning("a prober worker died or hung in a chunk of %d files: probing them one by one", len(chunk))
    singles = [_submit(executor, [item], probe_fn) for item in chunk]
    out: list[ProbeResult | FileError] = []
    for (path, _), single in zip(chunk, singles):
        try:
            out += single.result()
        except (WorkerDied, TaskTimedOut) as exc:
            out.append(_verdict(path, exc))
    return out


def _verdict(path: str, exc: Exception) -> FileError:
    if isinstance(exc, TaskTimedOut):
        return MediaTimeout(path, f"reading its header {exc}")
    return WorkerCrash(path, f"reading its header crashed the prober ({exc})")
