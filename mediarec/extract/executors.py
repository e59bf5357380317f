"""Where analysis tasks run: the local isolating pool, or a dask.distributed cluster (`dask://HOST:PORT`).

Either way the runner sees a `concurrent.futures.Executor` and writes every result itself, in this process
(the one local writer). Cluster workers need the same mediarec install and must see the media at the same
paths, or at the paths `[analyze] path_map` gives (a NAS mounted elsewhere on the workers)."""
from __future__ import annotations

import dataclasses
import threading
from concurrent.futures import Executor, Future
from typing import Any, Callable

from ..errors import ConfigError, MediarecError
from .plan import Task
from .pool import IsolatingPool, WorkerDied

LOCAL = "local"
SCHEME = "dask://"
CONNECT_TIMEOUT = 10.0
"""Seconds to wait for the scheduler before saying it cannot be reached."""


def parse_executor(spec: str) -> str | None:
    """The scheduler address (tcp://HOST:PORT) for a `dask://HOST:PORT` spec, None for the local pool.
    Raises ConfigError on anything else, naming what is accepted."""
    spec = (spec or LOCAL).strip()
    if spec == LOCAL:
        return None
    if spec.startswith(SCHEME):
        host, sep, port = spec[len(SCHEME):].rpartition(":")
        if sep and host and port.isdigit() and 0 < int(port) < 65536:
            return f"tcp://{host}:{port}"
    raise ConfigError(f"analyze.executor: must be 'local' or 'dask://HOST:PORT', got {spec!r}")


def check_path_map(mapping: dict[str, str]) -> dict[str, str]:
    """Validate `[analyze] path_map`: absolute local prefixes to absolute worker prefixes."""
    for local, remote in mapping.items():
        if not (isinstance(remote, str) and local.startswith("/") and remote.startswith("/")):
            raise ConfigError(f"analyze.path_map: {local!r} = {remote!r}: both sides must be absolute paths")
    return dict(mapping)


def map_path(path: str, mapping: dict[str, str]) -> str:
    """`path` as the workers see it: the longest matching local prefix (whole path components) replaced."""
    for local in sorted(mapping, key=len, reverse=True):
        base = local.rstrip("/")
        if path == base or path.startswith(base + "/"):
            return mapping[local].rstrip("/") + path[len(base):]
    return path


def map_task(task: Task, mapping: dict[str, str]) -> Task:
    """A copy of `task` whose path is the workers' (the runner keeps the original, with the local path,
    so results and file_status rows are stored under the path the library knows)."""
    if not mapping:
        return task
    mapped = map_path(task.item["path"], mapping)
    if mapped == task.item["path"]:
        return task
    return dataclasses.replace(task, item={**task.item, "path": mapped})


# --- the dask side ----------------------------------------------------------------------------------

_INIT_LOCK = threading.Lock()
_INITIALISED: set[str] = set()


def _run_on_worker(key: str, initializer: Callable, initargs: tuple, fn: Callable, args: tuple) -> Any:
    """Runs inside a dask worker: load the extractors once per worker process (the pool's initializer),
    then run the task. A worker that joins the cluster later loads them on its first task."""
    with _INIT_LOCK:
        if key not in _INITIALISED:
            initializer(*initargs)
            _INITIALISED.add(key)
    return fn(*args)


class DaskExecutor(Executor):
    """A `concurrent.futures.Executor` over a dask.distributed Client.

    Each submit becomes one dask task (pure=False: never deduplicated); a task whose worker died more
    often than the scheduler allows (KilledWorker) fails with `WorkerDied`, so the runner records a
    crash for that file and goes on. Time limits are the cluster's: dask cannot stop a running task."""

    def __init__(self, address: str, initializer: Callable, initargs: tuple, path_map: dict[str, str],
                 connect_timeout: float | None = None):
        try:
            from distributed import Client
        except ImportError:
            raise MediarecError("the dask executor needs the 'distributed' package: "
                                "pip install 'mediarec[dask]'") from None
        try:
            self.client = Client(address, timeout=connect_timeout or CONNECT_TIMEOUT, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise MediarecError(f"cannot reach the dask scheduler at {address}: {exc}") from None
        self._init, self._initargs = initializer, initargs
        self._key = f"{id(self)}-{address}-{hash(repr(initargs))}"
        self._map = path_map
        self._futures: set = set()
        self._lock = threading.Lock()

    @property
    def slots(self) -> int:
        """Tasks the cluster runs at once (its worker threads), at least 1."""
        return max(1, sum(self.client.nthreads().values()))

    def _mapped(self, arg: Any) -> Any:
        """A task, or a group of tasks (batching across files), at the paths the workers see."""
        if isinstance(arg, Task):
            return map_task(arg, self._map)
        if isinstance(arg, list) and arg and all(isinstance(a, Task) for a in arg):
            return [map_task(a, self._map) for a in arg]
        return arg

    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> Future:
        if kwargs:
            raise TypeError("DaskExecutor.submit takes positional arguments only")
        args = tuple(self._mapped(a) for a in args)
        remote = self.client.submit(_run_on_worker, self._key, self._init, self._initargs, fn, args, pure=False)
        local: Future = Future()
        local.set_running_or_notify_cancel()
        with self._lock:
            self._futures.add(remote)
        remote.add_done_callback(lambda f: self._settle(f, local))
        return local

    def _settle(self, remote, local: Future) -> None:
        with self._lock:
            self._futures.discard(remote)
        try:
            if remote.cancelled():
                local.set_exception(WorkerDied("the dask task was cancelled"))
                return
            exc = remote.exception()
            if exc is None:
                local.set_result(remote.result())
            elif type(exc).__name__ == "KilledWorker":
                local.set_exception(WorkerDied(f"dask worker died running it ({exc})"))
            else:
                local.set_exception(exc)
        except BaseException as exc:  # noqa: BLE001 - e.g. the connection went away: the file's row says so
            if not local.done():
                local.set_exception(WorkerDied(f"lost the dask cluster: {type(exc).__name__}: {exc}"))

    def kill_running(self) -> None:
        """Cancel: drop every task still queued or running on the cluster."""
        with self._lock:
            pending = list(self._futures)
        if pending:
            self.client.cancel(pending, force=True)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if cancel_futures:
            self.kill_running()
        self.client.close()


def make_executor(spec: str, path_map: dict[str, str], workers: int, initializer: Callable, initargs: tuple,
                  threads: int) -> tuple[Executor, int]:
    """The executor `spec` names and how many tasks it runs at once (the runner keeps twice that queued)."""
    address = parse_executor(spec)
    if address is None:
        return IsolatingPool(workers, initializer=initializer, initargs=initargs, threads_per_worker=threads), workers
    ex = DaskExecutor(address, initializer, initargs, check_path_map(path_map))
    return ex, ex.slots
