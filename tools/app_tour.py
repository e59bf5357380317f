"""A tour of the whole app on an existing library, as a user would take it, saving a screenshot of each view.

    xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/python tools/app_tour.py OUT_DIR [--data-dir DIR]

Opens the app with every part, shows the library, plays a song (then a video), right-clicks More like this
on a song and on a video, opens the journey picker and the settings dialog, and writes one PNG per step to
OUT_DIR. Exits 0 when every step was reached (a step that cannot happen, e.g. no video in the library, is
said and skipped)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--data-dir")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from mediarec.library import Library
    from mediarec.paths import AppPaths
    from mediarec.settings import Settings
    from mediarec.ui.app import build, start

    app = QApplication(sys.argv[:1])
    paths = AppPaths.resolve(args.data_dir).ensure()
    with Library(paths.db) as lib:  # the tour's own choice of items (the app itself never reads here)
        songs = [r["id"] for r in lib.query("SELECT id FROM media WHERE kind='audio' AND status='ok' ORDER BY path")]
        videos = [r["id"] for r in lib.query("SELECT id FROM media WHERE kind='video' AND status='ok' ORDER BY path")]
    ctx = build(paths, Settings.load(paths.settings_file))
    ctx.window.resize(1360, 860)
    start(ctx)
    shots: list[str] = []

    def shot(name: str, widget=None) -> None:
        w = widget or ctx.window
        screen = QApplication.primaryScreen()
        pixmap = screen.grabWindow(w.winId()) if QApplication.platformName() == "xcb" else w.grab()
        path = out / f"{len(shots) + 1:02d}-{name}.png"
        pixmap.save(str(path))
        shots.append(str(path))
        print(f"screenshot: {path}", flush=True)

    dialogs = ctx.services.get("dialogs")
    steps = [
        (1500, lambda: ctx.window.show_page("Music"), "library-music"),
        (500, lambda: songs and ctx.actions.play_now.emit(songs[:10]), None),
        (4000, lambda: None, "playing-music-with-up-next"),
        (200, lambda: songs and ctx.actions.more_like_this.emit(songs[0]), None),
        (3000, lambda: None, "more-like-this-song"),
        (200, lambda: videos and ctx.actions.more_like_this.emit(videos[0]), None),
        (3000, lambda: None, "more-like-this-video"),
        (200, lambda: videos and ctx.actions.play_now.emit(videos[:1]), None),
        (4000, lambda: None, "playing-video"),
        (200, lambda: dialogs and len(songs) > 1 and dialogs.open_journey(songs[-1], songs[0]), None),
        (2000, lambda: None, "journey-picker"),
        (200, lambda: _open_settings(ctx), None),
        (1500, lambda: None, "settings"),
    ]

    def run(i: int = 0) -> None:
        if i == len(steps):
            ctx.window.close()
            app.quit()
            return
        delay, act, name = steps[i]
        act()

        def after() -> None:
            if name:
                top = QApplication.activeModalWidget() or QApplication.activeWindow()
                shot(name, top if top is not None and top is not ctx.window else None)
            run(i + 1)

        QTimer.singleShot(delay, after)

    QTimer.singleShot(1000, run)
    app.exec()
    print(f"{len(shots)} screenshots in {out}")
    return 0


def _open_settings(ctx) -> None:
    menu = ctx.window.menu("&Edit")
    for action in menu.actions():
        if action.text().replace("&", "").startswith("Settings"):
            action.trigger()
            return
    print("no Settings… action in the Edit menu")


if __name__ == "__main__":
    sys.exit(main())
