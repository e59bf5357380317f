"""AppContext: the app's services, made once by the composition root (app.py) and handed to each part's install()."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from ..paths import AppPaths
    from ..settings import Settings
    from .actions import MediaActions
    from .main_window import MainWindow


@dataclass
class AppContext:
    """Each UI part (library, jobs, problems, player, upnext, results, dialogs, desktop) reads what it needs from
    here and registers what it offers in `services` under a documented name: "library" (LibraryService: pages,
    search, `call`, `changed`), "jobs" (JobsService: scan, analyse, rebuild_index, analyse_first, cancel,
    toggle_pause, signals), "problems", "desktop" (open_files), "player", "upnext", "results", "dialogs".
    A service with a `start()` is started by app.start() once every part is installed, after the first paint
    (the library's first). Other start-up work that can wait for the first paint goes through `after_paint`."""
    paths: "AppPaths"
    settings: "Settings"
    actions: "MediaActions"
    window: "MainWindow"
    services: dict[str, Any] = field(default_factory=dict)
    after_paint: Callable[[Callable[[], None]], None] = field(default=lambda fn: fn())
    """Run work after the window's first paint (ui/first_paint.py, set by app.build); parts built on their
    own (tests) run it at once."""
