"""The Up Next part: the "upnext" service (a warm core UpNext, the two-part queue) and its dock."""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QAction, QKeySequence

from .dock import UpNextDock
from .model import ID_ROLE
from .service import UpNextService

if TYPE_CHECKING:
    from ..context import AppContext


def install(ctx: "AppContext") -> UpNextService:
    window = ctx.window
    service = UpNextService(ctx.paths, ctx.settings, window, load=False)
    ctx.after_paint(service.load)  # its first list loads the recommender (numpy, indexes): not before the paint
    dock = UpNextDock(service.model)
    window.add_dock("Up Next", dock)
    player = ctx.services.get("player")
    if player is not None:
        service.player = player
        player.set_next_source(service)
        player.event_recorded.connect(service.on_event)
        player.current_changed.connect(service.on_current)
    service.mode_changed.connect(lambda text: dock.show_mode(text, service.mode))
    service.empty_changed.connect(dock.show_empty)
    service.message.connect(lambda msg: window.statusBar().showMessage(msg, 8000))
    dock.back_button.clicked.connect(service.set_taste)
    dock.autoplay.toggled.connect(service.set_autoplay)
    dock.kind.currentIndexChanged.connect(lambda _: service.set_kind(dock.kind.currentData()))
    dock.exploration.sliderReleased.connect(lambda: service.set_exploration(dock.exploration.value() / 100))
    dock.exploration.setValue(int(round(ctx.settings.recommend.exploration * 100)))
    dock.list.activated.connect(lambda index: _play_row(service, index.row()))
    dock.list.customContextMenuRequested.connect(lambda pos: _context_menu(ctx, service, dock, pos))
    remove = QAction("Remove", dock.list)
    remove.setShortcuts([QKeySequence(QKeySequence.StandardKey.Delete), QKeySequence(Qt.Key.Key_Backspace)])
    remove.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
    remove.triggered.connect(lambda: service.remove_rows(dock.selected_rows()))
    dock.list.addAction(remove)
    ctx.actions.start_radio.connect(service.start_radio)
    ctx.actions.never_recommend.connect(service.never_recommend)
    app = QCoreApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(service.close)
    service.dock = dock  # for screenshots and tests; other parts use the service's methods and signals
    ctx.services["upnext"] = service
    return service


def _play_row(service: UpNextService, row: int) -> None:
    """Double-click / Enter: play that row now (it leaves the list)."""
    entry = service.model.take(row)
    if entry is not None and service.player is not None:
        service.player.play(entry["id"])


def _context_menu(ctx: "AppContext", service: UpNextService, dock: UpNextDock, pos) -> None:
    """The app's one item menu, plus Not now and Remove for what is in the list."""
    rows = dock.selected_rows()
    index = dock.list.indexAt(pos)
    if index.isValid() and index.row() not in rows:
        rows = [index.row()]
    ids = [service.model.index(r).data(ID_ROLE) for r in rows]
    menu = ctx.actions.context_menu(ids, dock.list, "Up Next")
    menu.addSeparator()
    not_now = menu.addAction("Not now")
    not_now.setToolTip("Set aside for this session; suggested less")
    not_now.setEnabled(bool(rows))
    not_now.triggered.connect(lambda: service.remove_rows(rows, not_now=True))
    remove = menu.addAction("Remove")
    remove.setEnabled(bool(rows))
    remove.triggered.connect(lambda: service.remove_rows(rows))
    dock._menu = menu  # kept for tests, which read the entries
    menu.popup(dock.list.viewport().mapToGlobal(pos))
