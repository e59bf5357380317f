"""The app's cold start on a library, measured the one way bench/gui.py and bench/scale.py both use.

    python bench/appstart.py DATA_DIR [--runs 3]

`app_start(data_dir)` launches a fresh process that starts the desktop app offscreen the way `mediarec-gui`
does (ui.app.build + start, on DATA_DIR) and returns, measured from just before the launch: the window's
first paint, the library table's first page in the model, and the process' RSS once it has been idle for
`idle_s` after both (nothing running: analysis resume is off, as on a library with nothing pending)."""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def app_env(data: Path) -> dict[str, str]:
    """The environment of an app or CLI process on that data dir (offscreen; config and cache inside it)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", MEDIAREC_DATA_DIR=str(data), PYTHONPATH=str(ROOT))
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed app has its bytecode: compiling is not start-up
    for name in ("CONFIG", "CACHE"):
        env[f"MEDIAREC_{name}_DIR"] = str(Path(data) / name.lower())
    return env


def app_start(data: Path, idle_s: float = 1.5, timeout: float = 180.0) -> dict[str, float]:
    """{"paint": s, "paint_cpu": s, "rows": s, "rss_mb": MB, "hwm_mb": MB} of one cold start of the app on
    `data` (paint_cpu: the CPU seconds the app's process had used by its first paint)."""
    t0 = time.time()
    out = subprocess.run([sys.executable, __file__, "--child", str(data), repr(t0), str(idle_s)],
                         env=app_env(Path(data)), capture_output=True, text=True, timeout=timeout)
    if out.returncode:
        raise RuntimeError(f"app start on {data} failed (exit {out.returncode}): {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _child(data: str, t0: float, idle_s: float) -> None:
    """The app's process: first paint, first page of the library, then RSS when idle; then quit cleanly."""
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication([sys.argv[0]])
    from mediarec.paths import AppPaths
    from mediarec.settings import Settings
    from mediarec.ui.app import build, start

    marks: dict[str, float] = {}

    class FirstPaint(QObject):
        def eventFilter(self, obj, event):  # noqa: N802 (Qt API)
            if event.type() == QEvent.Type.Paint and "paint" not in marks:
                marks["paint"] = time.time() - t0
                marks["paint_cpu"] = time.process_time()  # this process' CPU seconds (steadier under load)
            return False

    paths = AppPaths.resolve(data)
    ctx = build(paths, Settings.load(paths.settings_file), options={"jobs": {"auto_analyze": False}})
    painter = FirstPaint()
    ctx.window.installEventFilter(painter)
    view = ctx.window.page("Music")
    view.model.loaded.connect(lambda: marks.setdefault("rows", time.time() - t0))
    start(ctx)

    def idle_rss() -> None:
        marks["rss_mb"] = _proc_status_mb("VmRSS")
        marks["hwm_mb"] = _proc_status_mb("VmHWM")
        print(json.dumps(marks), flush=True)
        ctx.window.close()
        app.quit()

    def wait_rows() -> None:
        if "rows" in marks and "paint" in marks:
            QTimer.singleShot(int(idle_s * 1000), idle_rss)
        else:
            QTimer.singleShot(20, wait_rows)

    from mediarec.ui.app import leave
    from mediarec.ui.bridges.service import stop_all

    app.aboutToQuit.connect(stop_all)  # as the app's main() does
    wait_rows()
    leave(app.exec())


def _proc_status_mb(field: str) -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", nargs="?", help="a data dir holding library.db")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        sys.path.insert(0, str(ROOT))
        _child(args.child[0], float(args.child[1]), float(args.child[2]))
        return 0
    if not args.data:
        ap.error("DATA_DIR is required")
    for _ in range(args.runs):
        print(json.dumps(app_start(Path(args.data))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
