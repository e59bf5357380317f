"""A process pool that survives its tasks: a worker that crashes or hangs costs one task, not the run.

`IsolatingPool` is a `concurrent.futures.Executor`, so the runner's code path is the same as with any
executor (a `dask.distributed` client later). concurrent.futures.ProcessPoolExecutor cannot do this:
one segfaulting decoder breaks the whole pool, and a hung task can never be stopped. Here each worker
runs one task at a time; when its process dies the task's future fails with `WorkerDied`, when it runs
past `task_timeout` the worker is killed and the future fails with `TaskTimedOut`, when its resident memory
grows past `memory_limit` (a file declaring absurd dimensions) it is killed and the future fails with
`MemoryExceeded`, and in each case a fresh worker (running the initializer again, so models load once per
worker) takes its place."""
from __future__ import annotations

import contextlib
import itertools
import logging
import multiprocessing
import os
import sys
import threading
import types
import time
import traceback
from concurrent.futures import Executor, Future
from multiprocessing.connection import Connection, wait
from typing import Any, Callable

log = logging.getLogger(__name__)

THREAD_ENV = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS",
              "VECLIB_MAXIMUM_THREADS")


_READY = "ready"


class WorkerDied(RuntimeError):
    """The worker process running a task exited (a crash in native code, or killed)."""


class TaskTimedOut(RuntimeError):
    """A task ran longer than the pool's task_timeout; its worker was killed."""


class MemoryExceeded(WorkerDied):
    """A worker's resident memory went past the pool's memory_limit; it was killed (a WorkerDied, so callers
    that record crashes record this too, with the figures in the message)."""


MEMORY_ENV = "MEDIAREC_WORKER_MEMORY_MB"
"""Overrides the per-worker memory limit (MiB; 0 turns the watchdog off)."""
MEMORY_POLL = 0.2
"""Seconds between resident-memory checks of busy workers: a file that balloons is caught within this."""


def default_memory_limit(workers: int) -> int | None:
    """Bytes a worker may hold: three quarters of the machine's RAM shared by the workers, at least 2 GiB
    (models need it), or MEDIAREC_WORKER_MEMORY_MB. None where RAM cannot be read (no watchdog)."""
    env = os.environ.get(MEMORY_ENV)
    if env:
        mib = int(env)
        return mib * 2**20 if mib > 0 else None
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None
    return max(2 * 2**30, int(0.75 * total / max(1, workers)))


def resident_bytes(pid: int) -> int | None:
    """A process's resident set size, read from /proc (Linux); None where that is not available."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


class RemoteError(RuntimeError):
    """A task raised an exception that could not be sent back as itself."""


def _worker_main(conn: Connection, initializer: Callable | None, initargs: tuple) -> None:
    if initializer is not None:
        try:
            initializer(*initargs)
        except BaseException as exc:  # noqa: BLE001 - report and stay up: tasks will see the failure
            log.error("worker initializer failed: %s", exc)
    conn.send(_READY)  # the task clock starts now, not while models load
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        task_id, fn, args, kwargs = msg
        try:
            result = (True, fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - every failure goes back to the caller
            result = (False, exc)
        try:
            conn.send((task_id, *result))
        except Exception:  # noqa: BLE001 - an unpicklable result or exception
            conn.send((task_id, False, RemoteError(traceback.format_exc(limit=3))))


_SPAWN_LOCK = threading.Lock()


@contextlib.contextmanager
def _main_left_out(initializer: Callable | None):
    """Spawn a worker without running the parent's main script in it.

    A spawned child imports the parent's `__main__` first (multiprocessing does, so that functions defined
    there can be unpickled): for the app that is the GUI script, which imports PySide6 and the whole UI
    into every analysis worker (170 ms and 50 MB each), for a script its imports. Workers run functions
    from importable modules only (mediarec's, a plugin's), so the child is shown an empty `__main__`,
    unless the initializer itself lives in the script."""
    main = sys.modules.get("__main__")
    if main is None or getattr(initializer, "__module__", None) == "__main__":
        yield
        return
    with _SPAWN_LOCK:
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            yield
        finally:
            sys.modules["__main__"] = main


class _Worker:
    def __init__(self, ctx, initializer, initargs, threads: int):
        parent, child = ctx.Pipe()
        saved = {k: os.environ.get(k) for k in THREAD_ENV}
        os.environ.update({k: str(threads) for k in THREAD_ENV})  # inherited by the spawned child
        try:
            self.process = ctx.Process(target=_worker_main, args=(child, initializer, initargs), daemon=True)
            with _main_left_out(initializer):
                self.process.start()
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        child.close()
        self.conn = parent
        self.ready = False
        self.task: tuple[int, Future, float | None] | None = None  # (task id, future, started once ready)
        self.timeout: float | None = None

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.process.kill()
            self.process.join(timeout=5)
        with contextlib.suppress(Exception):
            self.conn.close()


class IsolatingPool(Executor):
    def __init__(self, max_workers: int, initializer: Callable | None = None, initargs: tuple = (),
                 task_timeout: float | None = None, threads_per_worker: int = 1,
                 memory_limit: int | None | str = "default"):
        """`memory_limit`: bytes of resident memory a worker may use while running a task ("default":
        `default_memory_limit`, None: unlimited)."""
        self._ctx = multiprocessing.get_context("spawn")  # forking a threaded (GUI) process can deadlock
        self._max_workers = max(1, max_workers)
        self._initializer, self._initargs = initializer, initargs
        self._timeout = task_timeout
        self._threads = threads_per_worker
        self._memory = default_memory_limit(self._max_workers) if memory_limit == "default" else memory_limit
        self._pending: list[tuple[int, Future, Callable, tuple, dict, float | None]] = []
        self._workers: list[_Worker] = []
        self._ids = itertools.count()
        self._lock = threading.Lock()
        self._wakeup_r, self._wakeup_w = self._ctx.Pipe(duplex=False)
        self._shutdown = False
        self._manager = threading.Thread(target=self._manage, name="IsolatingPool", daemon=True)
        self._manager.start()

    # --- Executor API ------------------------------------------------------------------------------
    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> Future:
        return self.submit_timed(self._timeout, fn, *args, **kwargs)

    def submit_timed(self, timeout: float | None, fn: Callable, /, *args: Any, **kwargs: Any) -> Future:
        """Like submit, with this task's own time limit (None: no limit)."""
        future: Future = Future()
        with self._lock:
            if self._shutdown:
                raise RuntimeError("cannot submit after shutdown")
            self._pending.append((next(self._ids), future, fn, args, kwargs, timeout))
        self._wake()
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._shutdown = True
            if cancel_futures:
                for _, fut, *_ in self._pending:
                    fut.cancel()
                self._pending.clear()
        self._wake()
        if wait:
            self._manager.join()

    def kill_running(self) -> None:
        """Stop now: kill every worker; running tasks fail with WorkerDied (used by cancel)."""
        with self._lock:
            for w in self._workers:
                w.kill()
        self._wake()

    # --- manager thread ------------------------------------------------------------------------------
    def _wake(self) -> None:
        with contextlib.suppress(OSError):
            self._wakeup_w.send_bytes(b"x")

    def _manage(self) -> None:
        try:
            while True:
                with self._lock:
                    self._assign()
                    busy = [w for w in self._workers if w.task is not None or not w.ready]
                    if self._shutdown and not self._pending and not busy:
                        break
                waitables = [self._wakeup_r] + [w.conn for w in busy] + [w.process.sentinel for w in busy]
                timeout = self._next_deadline(busy)
                if self._memory is not None and any(w.task for w in busy):
                    timeout = MEMORY_POLL if timeout is None else min(timeout, MEMORY_POLL)
                ready = wait(waitables, timeout=timeout)
                if self._wakeup_r in ready:
                    with contextlib.suppress(EOFError, OSError):
                        while self._wakeup_r.poll():
                            self._wakeup_r.recv_bytes()
                with self._lock:
                    self._collect(busy)
        finally:
            with self._lock:
                for w in self._workers:
                    with contextlib.suppress(Exception):
                        w.conn.send(None)
                for w in self._workers:
                    w.process.join(timeout=2)
                    if w.process.is_alive():
                        w.kill()
                self._workers.clear()

    @staticmethod
    def _next_deadline(busy: list[_Worker]) -> float | None:
        now = time.monotonic()
        ends = [w.task[2] + w.timeout for w in busy if w.task and w.task[2] is not None and w.timeout is not None]
        return max(0.01, min(ends) - now) if ends else None

    def _assign(self) -> None:
        while self._pending:
            idle = next((w for w in self._workers if w.task is None and w.process.is_alive()), None)
            if idle is None:
                self._workers = [w for w in self._workers if w.process.is_alive() or w.task is not None]
                if len(self._workers) >= self._max_workers:
                    return
                idle = _Worker(self._ctx, self._initializer, self._initargs, self._threads)
                self._workers.append(idle)
            task_id, fut, fn, args, kwargs, timeout = self._pending.pop(0)
            if not fut.set_running_or_notify_cancel():
                continue
            try:
                idle.conn.send((task_id, fn, args, kwargs))
            except Exception as exc:  # noqa: BLE001 - e.g. an unpicklable argument: the caller's bug
                fut.set_exception(exc)
                continue
            idle.task = (task_id, fut, time.monotonic() if idle.ready else None)
            idle.timeout = timeout

    def _collect(self, busy: list[_Worker]) -> None:
        now = time.monotonic()
        for w in busy:
            if not w.ready and self._poll(w):
                try:
                    w.ready = w.conn.recv() == _READY
                except (EOFError, OSError):
                    pass
                if w.ready and w.task is not None:
                    w.task = (w.task[0], w.task[1], now)
            if w.task is None:
                if not w.ready and not w.process.is_alive():
                    self._workers.remove(w)  # died while starting, with no task: a new one will start
                continue
            _, fut, started = w.task
            if w.ready and self._poll(w):
                try:
                    _, ok, value = w.conn.recv()
                except (EOFError, OSError):
                    ok, value = False, None
                if value is None and not ok:
                    self._replace(w, fut, WorkerDied(self._exit_text(w)))
                    continue
                w.task = None
                (fut.set_result if ok else fut.set_exception)(value)
            elif not w.process.is_alive():
                self._replace(w, fut, WorkerDied(self._exit_text(w)))
            elif w.timeout is not None and started is not None and now - started > w.timeout:
                self._replace(w, fut, TaskTimedOut(f"took longer than {w.timeout:g} s"))
            elif self._over_memory(w):
                self._replace(w, fut, MemoryExceeded(f"worker used more than its memory limit of "
                                                     f"{self._memory / 2**20:.0f} MiB"))

    def _over_memory(self, w: _Worker) -> bool:
        if self._memory is None:
            return False
        rss = resident_bytes(w.process.pid)
        return rss is not None and rss > self._memory

    @staticmethod
    def _poll(w: _Worker) -> bool:
        try:
            return w.conn.poll()
        except (EOFError, OSError):
            return False

    @staticmethod
    def _exit_text(w: _Worker) -> str:
        w.process.join(timeout=1)
        code = w.process.exitcode
        if code is not None and code < 0:
            import signal

            try:
                return f"worker process killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"worker process killed by signal {-code}"
        return f"worker process exited (status {code})"

    def _replace(self, w: _Worker, fut: Future, exc: Exception) -> None:
        w.kill()
        w.task = None
        self._workers.remove(w)
        if not fut.done():
            fut.set_exception(exc)
