"""Run a core job in a child process and drive it from here as if it ran in this one (Qt-free).

The index rebuild is numpy, Annoy and k-means work that holds Python's GIL for long stretches; on the app's
pool thread it starved the GUI thread (event-loop gaps of 120-170 ms in tests/ui/jobs/test_stalls.py). In a
spawned process it shares nothing with the window: its Progress comes back over a queue, and this side's
CancelToken (cancel, pause) is mirrored to a token in the child, which the job checks as usual."""
from __future__ import annotations

import logging
import multiprocessing
import queue
import threading
import time
import traceback
from typing import Any, Callable

from ...errors import Cancelled, MediarecError
from ...jobs import CancelToken, Job

log = logging.getLogger(__name__)

POLL = 0.05  # seconds between looks at the queue and the parent's token


def process_job(make: Callable[..., Job[Any]], args: tuple, token: CancelToken) -> Job[Any]:
    """`make(*args, token)` (a module-level function, so it pickles) runs in a spawned process; this
    generator yields its Progress, returns its result, and raises Cancelled or MediarecError as it did."""
    ctx = multiprocessing.get_context("spawn")  # forking a threaded (GUI) process can deadlock
    messages, cancel, pause = ctx.Queue(), ctx.Event(), ctx.Event()
    child = ctx.Process(target=_child, args=(make, args, messages, cancel, pause), daemon=True,
                        name="mediarec-job")
    child.start()
    try:
        while True:
            if token.cancelled:
                cancel.set()
            (pause.set if token.paused and not token.cancelled else pause.clear)()
            try:
                kind, payload = messages.get(timeout=POLL)
            except queue.Empty:
                if not child.is_alive():
                    raise MediarecError(f"the background process stopped unexpectedly (exit code {child.exitcode})")
                continue
            if kind == "progress":
                yield payload
            elif kind == "done":
                return payload
            elif kind == "cancelled":
                raise Cancelled("cancelled")
            else:
                raise MediarecError(payload)
    finally:
        cancel.set()  # a parent stopped early (app closing) stops the child too
        child.join(timeout=30)
        if child.is_alive():
            child.terminate()


def _child(make, args, messages, cancel, pause) -> None:
    token = CancelToken()
    done = threading.Event()

    def mirror() -> None:
        while not done.is_set():
            if cancel.is_set():
                token.cancel()
                return
            (token.pause if pause.is_set() else token.resume)()
            time.sleep(POLL)

    threading.Thread(target=mirror, daemon=True).start()
    try:
        job = make(*args, token)
        while True:
            try:
                messages.put(("progress", next(job)))
            except StopIteration as stop:
                messages.put(("done", stop.value))
                return
    except Cancelled:
        messages.put(("cancelled", None))
    except MediarecError as exc:
        messages.put(("error", str(exc)))
    except Exception as exc:  # noqa: BLE001 - reported to the app as a one-line failure, logged in full here
        log.error("background job failed:\n%s", traceback.format_exc())
        messages.put(("error", f"internal error: {type(exc).__name__}: {exc}"))
    finally:
        done.set()
        messages.close()
        messages.join_thread()
