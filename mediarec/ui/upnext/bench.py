"""measure_event_to_upnext: time from a recorded event to the refilled Up Next painted on screen (for bench/gui.py).

It drives the real path: the event is written on a service thread through the core events API (as the
player does), the Up Next service hears of it as it hears of the player's events, refills on its own thread,
and the dock repaints. The core refill alone (on a plain Library, no Qt) is timed in the same run as the
baseline (each after one event, like the app's), so the figure reads as core time plus what the app adds.
It appends skip events to the database."""
from __future__ import annotations

import statistics
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any


def measure_event_to_upnext(db_path: str | Path, index_dir: str | Path | None = None, repeats: int = 20,
                            timeout_s: float = 30.0) -> dict[str, Any]:
    """{"p50_ms", "p95_ms", "core_p50_ms", "thread_refill_p50_ms", "ratio", "n", "items_shown"} over `repeats`
    skips of the top pick (thread_refill: the refill inside the app, on its service thread, exclusions included)."""
    from PySide6.QtWidgets import QApplication

    from ...library import Library
    from ...settings import Settings
    from ..bridges.service import ServiceBridge
    from ..player import core_calls as player_calls
    from . import core_calls
    from .dock import UpNextDock
    from .service import VISIBLE, SPARES, UpNextService

    app = QApplication.instance() or QApplication([])
    db_path = Path(db_path)
    index_dir = Path(index_dir) if index_dir else db_path.parent / "index"
    settings = Settings()
    service = UpNextService(SimpleNamespace(db=db_path, index_dir=index_dir), settings)
    dock = UpNextDock(service.model)
    dock.resize(360, 700)
    dock.show()
    events = ServiceBridge(db_path, "bench-events")
    refilled: list[float] = []
    service.refilled.connect(lambda: (dock.list.viewport().repaint(), refilled.append(time.perf_counter())))

    def wait(pred) -> None:
        end = time.monotonic() + timeout_s
        while not pred():
            if time.monotonic() > end:
                raise TimeoutError("Up Next did not refill in time")
            app.processEvents()
            time.sleep(0.0005)

    try:
        wait(lambda: bool(refilled))
        times, on_thread = [], []
        for _ in range(repeats):
            top = service.model.generated[0]["id"] if service.model.generated else None
            if top is None:
                break
            seen = len(refilled)
            t0 = time.perf_counter()
            events.submit(lambda ctx, m=top: player_calls.record_event(ctx.lib, m, "skip", position=1.0),
                          service.on_event)
            wait(lambda: len(refilled) > seen)
            times.append((refilled[-1] - t0) * 1000)
            on_thread.append(service.last_refill_ms)
        shown = len(service.model.generated)
    finally:
        events.close()
        service.close()
        dock.close()
    core = []
    with Library(db_path) as lib:
        cache: dict = {}
        mode = dict(core_calls.DEFAULT_MODE)
        found = core_calls.refill(cache, lib, index_dir, settings.recommend, mode, VISIBLE + SPARES, set(), set(), None)
        for _ in range(max(3, repeats // 2)):  # as in the app: one event, then a refill (the event not timed)
            if found["items"]:
                player_calls.record_event(lib, found["items"][0]["id"], "skip", position=1.0)
            t0 = time.perf_counter()
            found = core_calls.refill(cache, lib, index_dir, settings.recommend, mode, VISIBLE + SPARES, set(), set(),
                                      None)
            core.append((time.perf_counter() - t0) * 1000)
        cache["upnext"].close()
    p50 = statistics.median(times) if times else float("nan")
    core_p50 = statistics.median(core)
    return {"p50_ms": round(p50, 2), "p95_ms": round(_pct(times, 95), 2), "core_p50_ms": round(core_p50, 2),
            "thread_refill_p50_ms": round(statistics.median(on_thread), 2) if on_thread else None,
            "ratio": round(p50 / core_p50, 2) if core_p50 else None, "n": len(times), "items_shown": shown}


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]
