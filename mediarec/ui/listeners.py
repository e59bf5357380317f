"""The "who is listening" switcher: one button in the status bar, one click on a name; Up Next and the player follow.

The choice lives in the core (library.listeners.CURRENT_KEY), so the player's events, the queue, the blocklist
and the recommender of the Up Next thread all read the same listener. "Guest" records into nobody's taste."""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QMenu, QToolButton

from ..library.listeners import Listeners, current, set_current

if TYPE_CHECKING:
    from ..library import Library
    from .context import AppContext


class ListenerSwitcher(QToolButton):
    changed = Signal(object)  # the listener id chosen (None: the guest)

    def __init__(self, lib: "Library", parent=None):
        super().__init__(parent)
        self.lib = lib
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.setToolTip("Who is listening: their history, queue, blocklist and Up Next")
        self.setMenu(QMenu(self))
        self.menu().aboutToShow.connect(self.reload)  # listeners added from the command line show up too
        self.reload()

    def reload(self) -> None:
        menu, who = self.menu(), current(self.lib)
        menu.clear()
        for person in Listeners(self.lib).list():
            self._entry(menu, person.name + (" (private)" if person.private else ""), person.id, who)
        menu.addSeparator()
        self._entry(menu, "Guest (remembers nothing)", None, who)
        self.setText(f"Listening: {Listeners(self.lib).name_of(who)}")

    def _entry(self, menu: QMenu, label: str, listener: int | None, who: int | None) -> None:
        action = menu.addAction(label)
        action.setCheckable(True)
        action.setChecked(listener == who)
        action.triggered.connect(lambda _=False, x=listener: self.choose(x))

    def choose(self, listener: int | None) -> None:
        if listener == current(self.lib):
            return
        self.changed.emit(listener)
        set_current(self.lib, listener)  # (the Up Next thread sets it too, in order with its own calls)
        self.reload()


def install(ctx: "AppContext") -> ListenerSwitcher:
    window = ctx.window
    switcher = ListenerSwitcher(window.lib, window)
    window.statusBar().addPermanentWidget(switcher)
    upnext = ctx.services.get("upnext")
    if upnext is not None:
        switcher.changed.connect(upnext.switch_listener)
    ctx.services["listeners"] = switcher
    return switcher
