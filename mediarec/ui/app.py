"""Starts the desktop app: the composition root that makes the AppContext and installs each UI part.

Start-up order: QApplication, settings and data dirs, the single-instance check (a second launch hands its
files to the running one and exits), the window, then each part's `install(ctx)` (library, jobs, player,
upnext, listeners, results, dialogs, playlists, desktop; a part that is not there yet is skipped), then the window shows
with the library's first page, and only after its first paint do the other services start (unfinished analysis
resumes, folders are watched, Up Next makes its list: ui/first_paint.py). The GUI thread never opens the database
itself: parts use ServiceBridges."""
from __future__ import annotations

import importlib
import logging
import os
import signal
import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from ..errors import MediarecError
from ..paths import AppPaths
from ..settings import Settings
from .actions import MediaActions
from .context import AppContext

log = logging.getLogger(__name__)

PARTS = ("library", "jobs", "problems", "player", "upnext", "listeners", "results", "dialogs", "playlists", "desktop")
"""The UI parts, installed in this order (the library's pages first, so the sidebar starts with them)."""


def build(paths: AppPaths, settings: Settings, parts: tuple[str, ...] = PARTS,
          options: dict[str, dict] | None = None) -> AppContext:
    """Make the window and install each part that exists; `options[part]` are extra install() arguments."""
    from .first_paint import FirstPaint
    from .main_window import MainWindow

    window = MainWindow()
    ctx = AppContext(paths=paths, settings=settings, actions=MediaActions(window), window=window)
    first_paint = FirstPaint(window)
    ctx.after_paint = first_paint.then
    window.first_paint = first_paint  # start() arms it; tests wait on its `done`
    for name in parts:
        try:
            module = importlib.import_module(f"{__package__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith(f"{__package__}.{name}"):
                log.info("UI part %s is not installed", name)
                continue
            raise
        install = getattr(module, "install", None)
        if install is not None:
            install(ctx, **(options or {}).get(name, {}))
    window.restore_layout()
    return ctx


FIRST = ("library",)
"""Services started with the window: the library's (its pages read their first rows when shown)."""


def start(ctx: AppContext) -> None:
    """Show the window and start the library; the other parts begin after the first paint (resume analysis,
    start watching folders), in install order."""
    ctx.window.show()
    first_paint = getattr(ctx.window, "first_paint", None)
    if first_paint is not None:
        first_paint.arm_fallback()
    later = [name for name in ctx.services if name not in FIRST]
    for name in FIRST:
        _start_service(ctx, name)

    def start_the_rest() -> None:
        for name in later:
            _start_service(ctx, name)

    ctx.after_paint(start_the_rest)


def _start_service(ctx: AppContext, name: str) -> None:
    start_service = getattr(ctx.services.get(name), "start", None)
    if callable(start_service):
        start_service()


def main(data_dir: str | None = None, argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = list(argv if argv is not None else sys.argv)
    app = QApplication.instance() or QApplication(args[:1])
    app.setApplicationName("mediarec")
    app.setOrganizationName("mediarec")
    app.setDesktopFileName("org.mediarec.Mediarec")
    from .assets import app_icon

    app.setWindowIcon(app_icon())
    files = _file_arguments(args[1:])
    try:
        paths = AppPaths.resolve(data_dir)
        settings = Settings.load(paths.settings_file)
        paths.ensure()
    except MediarecError as exc:
        QMessageBox.critical(None, "mediarec", str(exc))
        print(f"mediarec: {exc}", file=sys.stderr)
        return 1
    instance = _single_instance(paths, files)
    if instance is None:
        return 0  # the running instance has the files now
    if not _library_opens(paths):
        return 1  # damaged, and the user chose Quit: the file is untouched
    ctx = build(paths, settings)
    if instance and "desktop" in ctx.services:
        ctx.services["desktop"].adopt(instance, files)
    _quit_on_signals(ctx)
    from .bridges.service import stop_all

    app.aboutToQuit.connect(stop_all)  # no service thread outlives the loop (Qt aborts on a running one)
    start(ctx)
    return leave(app.exec())


def leave(code: int) -> int:
    """The exit code, once every service thread has stopped. A thread still busy after stop_all's wait (Up Next
    catching up on a long history, say) would make Qt abort the process as Python destroys it, a crash report at
    every such quit; its unfinished work is an open SQLite transaction that the next start rolls back, so the
    process leaves at once instead."""
    from .bridges.service import still_running

    stuck = still_running()
    if not stuck:
        return code
    log.warning("quitting while %s still work; their unfinished work is rolled back",
                ", ".join(stuck))
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _library_opens(paths: AppPaths) -> bool:
    """A damaged library.db is found before any part opens it: restore a backup, start fresh or quit.
    The check reads the header and schema only (under a millisecond at 100k items)."""
    from .recovery import open_library_or_recover

    lib = open_library_or_recover(paths.db)
    if lib is None:
        return False
    lib.close()
    return True


def _quit_on_signals(ctx: AppContext) -> None:
    """SIGTERM and SIGINT (logout, `kill`, Ctrl+C in a terminal) close the window as Quit does, so the jobs
    stop between files and commit, and events are written; Qt would otherwise die without a word."""
    def close(*_args) -> None:
        QTimer.singleShot(0, ctx.window.close)

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, close)
    # Python runs signal handlers only between bytecodes: wake the interpreter while Qt's loop sleeps.
    ticker = QTimer(ctx.window)
    ticker.timeout.connect(lambda: None)
    ticker.start(250)


def _file_arguments(args: list[str]) -> list[str]:
    """The files among the arguments (`mediarec-gui FILE...`; the CLI's `--data-dir DIR` is not one)."""
    files, skip = [], False
    for a in args:
        if skip or a.startswith("-"):
            skip = a in ("--data-dir",)
            continue
        files.append(a)
    return files


def _single_instance(paths: AppPaths, files: list[str]):
    """The instance server of this data dir (listening), or None when a running instance took our files."""
    from .desktop.single_instance import SingleInstance

    instance = SingleInstance(paths)
    if instance.hand_off(files):
        return None
    instance.listen()
    return instance


if __name__ == "__main__":
    sys.exit(main())
