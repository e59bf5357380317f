"""The "who is listening" switcher: one button in the status bar, one click on a name; Up Next and the player follow.

The choice lives in the core (library.listeners.CURRENT_KEY), so the player's events, the queue, the blocklist
and the recommender of the Up Next thread all read the same listener. "Guest" records into nobody's taste."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QMenu, QToolButton

from ..library.listeners import Listeners, current, set_current
from .bridges.service import ServiceBridge

if TYPE_CHECKING:
    from .context import AppContext


class ListenerSwitcher(QToolButton):
    """Reads and sets the listener on its own service thread (no SQL on the GUI thread)."""
    changed = Signal(object)  # the listener id chosen (None: the guest)
    reloaded = Signal()  # the menu and the label show the current listener

    def __init__(self, db_path: Path, parent=None):
        super().__init__(parent)
        self.bridge = ServiceBridge(db_path, "listeners", self)
        self.who: int | None = None
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.setStyleSheet("QToolButton { padding-right: 14px; }")  # room for the menu arrow: it covered the name
        self.setToolTip("Who is listening: their history, queue, blocklist and Up Next")
        self.setText("Listening: …")
        self.setMenu(QMenu(self))
        self.menu().aboutToShow.connect(self.reload)  # listeners added from the command line show up too
        self.reload()

    def reload(self) -> None:
        self.bridge.submit(_who_and_everyone, self._show, key="reload")

    def _show(self, state: tuple[int | None, str, list]) -> None:
        self.who, name, people = state
        menu = self.menu()
        menu.clear()
        for person in people:
            self._entry(menu, person.name + (" (private)" if person.private else ""), person.id)
        menu.addSeparator()
        self._entry(menu, "Guest (remembers nothing)", None)
        self.setText(f"Listening: {name}")
        self.reloaded.emit()

    def _entry(self, menu: QMenu, label: str, listener: int | None) -> None:
        action = menu.addAction(label)
        action.setCheckable(True)
        action.setChecked(listener == self.who)
        action.triggered.connect(lambda _=False, x=listener: self.choose(x))

    def choose(self, listener: int | None) -> None:
        if listener == self.who:
            return
        self.who = listener
        self.changed.emit(listener)
        self.bridge.submit(lambda ctx: set_current(ctx.lib, listener))  # (Up Next's thread sets it too, in order)
        self.reload()

    def close(self) -> None:
        self.bridge.close()


def _who_and_everyone(ctx) -> tuple[int | None, str, list]:
    who = current(ctx.lib)
    people = Listeners(ctx.lib)
    return who, people.name_of(who), people.list()


def install(ctx: "AppContext") -> ListenerSwitcher:
    window = ctx.window
    switcher = ListenerSwitcher(ctx.paths.db, window)
    window.add_status_widget(switcher)
    upnext = ctx.services.get("upnext")
    if upnext is not None:
        switcher.changed.connect(upnext.switch_listener)
    closing = getattr(window, "closing", None)
    if closing is not None:
        closing.connect(switcher.close)
    ctx.services["listeners"] = switcher
    return switcher
