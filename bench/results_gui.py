"""Benchmark: More like this in the app (action -> list on screen) against the core call alone, same run.

    python bench/results_gui.py [N] [--index]

Makes a library of N songs (default 10,000; 20 sound clusters, moods) whose features go through the real
feature store, optionally builds the indexes, installs the results part in an offscreen window and asks
More like this for 12 items through MediaActions. Prints the core `similar_list` time (the baseline: what
the service thread does), the time from the action to the painted list, their ratio, and the longest gap
of a 5 ms GUI timer meanwhile (the GUI thread must never stall > 100 ms)."""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def make_library(n: int, index: bool):
    import numpy as np

    from mediarec.library import Library
    from mediarec.paths import AppPaths
    from ui_parts import _near
    from vector_factory import REAL_DIMS, add_media, put_features

    paths = AppPaths.resolve().ensure()
    lib = Library(paths.db)
    rng = np.random.default_rng(1)
    centres = rng.standard_normal((20, REAL_DIMS["audio.musicnn"])).astype(np.float32)
    ids = add_media(lib, n, prefix="/m", fields=[{"title": f"t{i}", "artist": f"a{i % 300}"} for i in range(n)])
    per = -(-n // 20)
    put_features(lib, ids, "audio.musicnn", np.concatenate([_near(rng, c, per) for c in centres])[:n])
    put_features(lib, ids, "emotion.music", rng.random((n, 6)).astype(np.float32), [{"mood": "calm"}] * n)
    if index:
        from mediarec.index import rebuild

        started = time.perf_counter()
        rebuild(lib, paths.index_dir, only_stale=False)
        print(f"index build: {time.perf_counter() - started:.1f} s")
    return paths, lib, ids


def core_baseline(lib, paths, queries) -> list[float]:
    from mediarec.ui.results import lists

    class Ctx:
        cache: dict = {}
    ctx = Ctx()
    ctx.lib = lib
    lists.similar_list(ctx, paths.index_dir, queries[0])  # indexes load once, as on the service thread
    times = []
    for q in queries[1:]:
        started = time.perf_counter()
        lists.similar_list(ctx, paths.index_dir, q)
        times.append((time.perf_counter() - started) * 1000)
    return times


def gui_run(paths, queries) -> tuple[list[float], float]:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from mediarec.ui import results
    from ui_parts import part_context

    app = QApplication.instance() or QApplication([])
    ctx = part_context(paths)
    service = results.install(ctx)
    ctx.window.resize(1200, 700)
    ctx.window.show()
    gaps, last = [], [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now
    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(5)
    done: list = []
    service.listed.connect(done.append)
    times = []
    for q in queries:
        done.clear()
        started = time.perf_counter()
        ctx.actions.more_like_this.emit(q)
        while not done:
            app.processEvents()
        app.processEvents()  # painted
        times.append((time.perf_counter() - started) * 1000)
    service.close()
    return times[1:], max(gaps[5:]) * 1000  # the first answer loads the indexes; the first ticks show the window


def main() -> int:
    n = int(next((a for a in sys.argv[1:] if a.isdigit()), 10_000))
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("DATA", "CONFIG", "CACHE", "MODELS"):
            os.environ[f"MEDIAREC_{name}_DIR"] = f"{tmp}/{name.lower()}"
        paths, lib, ids = make_library(n, "--index" in sys.argv)
        queries = ids[:: max(1, n // 13)][:13]
        core = core_baseline(lib, paths, queries)
        lib.close()
        gui, stall = gui_run(paths, queries)
    core_p50, gui_p50 = statistics.median(core), statistics.median(gui)
    print(f"{n} items: core similar_list p50 {core_p50:.1f} ms (baseline); action -> painted list p50 "
          f"{gui_p50:.1f} ms, max {max(gui):.1f} ms; ratio {gui_p50 / core_p50:.1f}x")
    print(f"longest GUI-thread gap (5 ms timer) while answering: {stall:.1f} ms (target <= 100 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
