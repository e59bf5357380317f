"""Probe many files on a process pool: mutagen is pure Python, so threads would share one core.

Results come back in order, a chunk at a time, so the scanner writes them in batches as usual. The
pool uses the 'spawn' start method: the GUI runs scans from a thread, and forking a threaded process
can deadlock the child."""
from __future__ import annotations

import logging
import multiprocessing
import os
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Iterator, Sequence

from ..errors import FileError, OurBug
from .probe import ProbeResult, probe

CHUNK = 32
"""Files per task: big enough to hide the inter-process cost, small enough to keep progress smooth."""

log = logging.getLogger(__name__)

MIN_FILES_FOR_POOL = 200
"""Below this a pool costs more to start than it saves."""


def _probe_chunk(items: Sequence[tuple[str, os.stat_result]]) -> list[ProbeResult | FileError]:
    out: list[ProbeResult | FileError] = []
    for path, st in items:
        try:
            out.append(probe(path, st))
        except FileError as err:
            out.append(err)
        except Exception as exc:  # noqa: BLE001 - a bug of ours on one hostile file costs that file, not the scan
            log.exception("probe failed on %s", path)
            out.append(OurBug(path, f"{type(exc).__name__}: {exc}"))
    return out


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def make_pool(workers: int) -> Executor:
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))


def probe_all(items: Sequence[tuple[str, os.stat_result]], executor: Executor | None
              ) -> Iterator[ProbeResult | FileError]:
    """Probe each (path, stat) in order; on `executor` when one is given, else here."""
    if executor is None:
        yield from _probe_chunk(items)
        return
    chunks = [items[i:i + CHUNK] for i in range(0, len(items), CHUNK)]
    # Keep only a few chunks in flight, so a cancel does not wait for the whole library.
    in_flight = []
    next_chunk = 0
    ahead = 4 * getattr(executor, "_max_workers", 2)
    while next_chunk < len(chunks) or in_flight:
        while next_chunk < len(chunks) and len(in_flight) < ahead:
            in_flight.append(executor.submit(_probe_chunk, chunks[next_chunk]))
            next_chunk += 1
        yield from in_flight.pop(0).result()
