"""Run on an X display (Xvfb) by test_user_tour.py: the real app on a small generated library, driven with
xdotool as a user would (real pointer and key events through the X server), a screenshot after each step.

The app runs on this process's main thread as `mediarec-gui` does (mediarec.ui.app.main); the tour runs on
a second thread, which reads where widgets are on screen from the GUI thread (`ui(...)`) and then moves
and clicks the X pointer there. Prints one JSON document of what it saw (read by the test)."""
import json
import os
import queue
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
os.environ["QT_QPA_PLATFORM"] = "xcb"

from PySide6.QtCore import Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

SHOTS = Path(os.environ["MEDIAREC_SHOTS"]) / "tour" if os.environ.get("MEDIAREC_SHOTS") else None
_calls: "queue.Queue[tuple]" = queue.Queue()


def ui(fn, timeout: float = 10.0):
    """Run `fn` on the GUI thread and return what it returned."""
    done, box = threading.Event(), {}

    def run() -> None:
        try:
            box["value"] = fn()
        except Exception as exc:  # noqa: BLE001 - handed back to the tour thread
            box["error"] = exc
        done.set()

    _calls.put((run,))
    if not done.wait(timeout):
        raise TimeoutError(f"the GUI thread did not answer in {timeout} s")
    if "error" in box:
        raise box["error"]
    return box.get("value")


def until(fn, timeout: float = 15.0, what: str = "") -> object:
    """Poll `fn` on the GUI thread until it gives something true."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = ui(fn)
        if value:
            return value
        time.sleep(0.1)
    raise TimeoutError(f"waited {timeout} s for {what or fn}")


def xdo(*args: str) -> None:
    subprocess.run(["xdotool", *args], check=True, timeout=10)


def click(point, button: int = 1, repeat: int = 1) -> None:
    x, y = point
    xdo("mousemove", "--sync", str(x), str(y))
    xdo("click", "--repeat", str(repeat), "--delay", "90", str(button))


def centre(widget, rect=None):
    """Screen coordinates of the centre of `rect` in `widget` (the whole widget when None)."""
    r = rect if rect is not None else widget.rect()
    p = widget.mapToGlobal(r.center())
    return p.x(), p.y()


def make_library(root: Path) -> None:
    from app_factory import add_vectors, make_media
    from mediarec.jobs import run_job
    from mediarec.library import Library
    from mediarec.paths import AppPaths
    from mediarec.scan.scanner import scan
    from mediarec.settings import Settings

    songs = {name: 40.0 for name in ("morning_light", "blue_night", "city_rain", "slow_river", "night_drive",
                                     "paper_boats")}
    media = make_media(root, songs, {"harbour_walk": 4.0})
    paths = AppPaths.resolve().ensure()
    settings = Settings()
    settings.analyze.workers = 1  # the app analyses the files while the tour goes on: one process is enough
    settings.save(paths.settings_file)
    with Library(paths.db) as lib:
        lib.roots.add(str(media))
        run_job(scan(lib))
        add_vectors(lib, [r["id"] for r in lib.query("SELECT id FROM media ORDER BY path")])


def clipped(window) -> list[str]:
    """Visible buttons, boxes and combos narrower than their text needs (what a user sees cut off)."""
    from PySide6.QtWidgets import QAbstractButton, QComboBox

    out = []
    for widget in window.findChildren(QAbstractButton) + window.findChildren(QComboBox):
        if widget.isVisible() and widget.width() < widget.sizeHint().width():
            text = widget.currentText() if isinstance(widget, QComboBox) else widget.text()
            out.append(f"{type(widget).__name__} {text!r}: {widget.width()} < {widget.sizeHint().width()} px")
    return out


class Tour:
    """The user's steps, each one what they do with the pointer and keys, then what they see (in `got`)."""

    def __init__(self, ctx, got: dict):
        self.ctx, self.w, self.got, self.step = ctx, ctx.window, got, 0
        self.view = None

    def shot(self, name: str) -> None:
        self.step += 1
        if SHOTS is None:
            return
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{self.step:02d}-{name}.png"
        time.sleep(0.4)  # let what just happened paint
        assert ui(lambda: QApplication.primaryScreen().grabWindow(0).save(str(path)))
        self.got.setdefault("shots", []).append(str(path))

    def row_point(self, row: int):
        view = self.view
        return ui(lambda: centre(view.table.viewport(), view.table.visualRect(view.model.index(row, 0))))

    def cell(self, model, row: int, col: int):
        return ui(lambda: model.data(model.index(row, col)))

    def column(self, model, col: int) -> list:
        return ui(lambda: [model.data(model.index(r, col)) for r in range(model.rowCount())])

    def open_music(self) -> None:
        w, sidebar = self.w, self.w.sidebar
        entry = ui(lambda: sidebar.findItems("Music", Qt.MatchFlag.MatchStartsWith)[0])
        click(ui(lambda: centre(sidebar.viewport(), sidebar.visualItemRect(entry))))
        until(lambda: w.current_page == "Music", what="the Music page")
        self.view = view = w.page("Music")
        until(lambda: view.model.rowCount() >= 6, what="the songs listed")
        self.got["clipped"] = ui(lambda: clipped(w))
        self.shot("library-music")

    def select_and_play(self) -> None:
        """Click a row (it is selected), double-click another (it plays)."""
        view, player, got = self.view, self.ctx.services["player"], self.got
        click(self.row_point(1))
        until(lambda: view.selected_ids(), what="a selected row")
        got["selected"], got["selected_title"] = ui(view.selected_ids), self.cell(view.model, 1, 0)
        self.shot("row-selected")
        got["played"] = played = ui(lambda: view.model.row_id(2))
        click(self.row_point(2), repeat=2)
        until(lambda: player.current and player.current["id"] == played and player.playing, what="playback")
        until(lambda: player.position > 0.5, what="the position to move")
        self.shot("playing")

    def pause_with_space(self) -> None:
        player = self.ctx.services["player"]
        xdo("key", "space")
        until(lambda: not player.playing, what="Space to pause")
        self.got["paused_by_space"] = True
        self.shot("paused")

    def filter(self, text: str) -> None:
        """Ctrl+L goes to the filter; what is typed filters the table."""
        view = self.view
        xdo("key", "ctrl+l")
        until(lambda: view.filter.hasFocus(), what="Ctrl+L to focus the filter")
        xdo("type", "--delay", "60", text)
        until(lambda: view.model.query.text == text and view.model.rowCount() == 2, what="the filter to apply")
        self.got["filtered"] = sorted(self.column(view.model, 0))
        self.shot("filtered")

    def more_like_this(self) -> None:
        """Right-click the first row, choose More like this: the results page lists what is like it."""
        w, view, got = self.w, self.view, self.got
        got["similar_to"] = self.cell(view.model, 0, 0)
        click(self.row_point(0), button=3)
        menu = until(QApplication.activePopupWidget, what="the context menu")
        self.shot("context-menu")
        item = ui(lambda: next(a for a in menu.actions() if a.text() == "More like this"))
        click(ui(lambda: centre(menu, menu.actionGeometry(item))))
        page = self.ctx.services["results"].page
        until(lambda: w.page(w.current_page) is page, what="the results page")
        until(lambda: page.model.rowCount() > 0, what="similar items listed")
        got["results_heading"] = ui(lambda: page.heading.text())
        got["results_titles"], got["results_kinds"] = self.column(page.model, 1), self.column(page.model, 3)
        got["library_kind"] = self.cell(view.model, 0, 4)
        got["clipped"] += ui(lambda: clipped(w))
        self.shot("more-like-this")


def tour(got: dict, ctx_box: list) -> None:
    ctx = until(lambda: ctx_box and ctx_box[0], what="the app to start")
    w = ctx.window
    until(lambda: w.isVisible() and w.windowHandle() is not None and w.windowHandle().isExposed(),
          what="the window on screen")
    xdo("windowfocus", "--sync", str(ui(lambda: int(w.winId()))))  # no window manager gives it the keys
    steps = Tour(ctx, got)
    steps.open_music()
    steps.select_and_play()
    steps.pause_with_space()
    steps.filter("night")
    steps.more_like_this()
    _calls.put((w.close,))  # quitting: the app's loop ends with it, so nothing waits for an answer


def main() -> None:
    import faulthandler

    import mediarec.ui.app as app_module

    # A hang shows where every thread was, and ends, well before the test's own timeout.
    faulthandler.dump_traceback_later(float(os.environ.get("TOUR_TIMEOUT", "150")), exit=True)

    make_library(Path(os.environ["MEDIAREC_DATA_DIR"]).parent / "media")
    app = QApplication(sys.argv[:1])
    ctx_box: list = []
    start = app_module.start
    app_module.start = lambda ctx: (ctx_box.append(ctx), start(ctx))[-1]  # the tour's handle on the parts
    got: dict = {}

    def run_tour() -> None:
        try:
            tour(got, ctx_box)
        except Exception:  # noqa: BLE001 - reported to the test with what was reached
            got["error"] = traceback.format_exc()
            _calls.put((lambda: [w.close() for w in QApplication.topLevelWidgets()],))

    def pump() -> None:
        while not _calls.empty():
            _calls.get()[0]()

    timer = QTimer()
    timer.timeout.connect(pump)
    timer.start(10)
    threading.Thread(target=run_tour, daemon=True).start()
    code = app_module.main(argv=["mediarec-gui"])
    from mediarec.library import Library
    from mediarec.paths import AppPaths

    with Library(AppPaths.resolve().db) as lib:  # what the app recorded, read after it closed
        got["events"] = [(e["media_id"], e["type"]) for e in lib.events.list()]
    print("TOUR-RESULT " + json.dumps({**got, "exit": code}), flush=True)


if __name__ == "__main__":
    main()
