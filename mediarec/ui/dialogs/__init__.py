"""The dialogs part ("dialogs"): export, journey picker, transcript viewer, settings; forget and open folder."""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence

from .service import DialogsService
from .settings_control import open_settings

if TYPE_CHECKING:
    from ..context import AppContext


def install(ctx: "AppContext") -> DialogsService:
    """Answer the item actions that open a dialog, add Settings… to the menu, register "dialogs"."""
    service = DialogsService(ctx, ctx.window)
    service.open_settings = lambda page=None: open_settings(service, page)
    a = ctx.actions
    a.export_items.connect(lambda ids, title: ids and service.open_export(ids, title))
    a.journey_to.connect(lambda media_id: service.open_journey(int(media_id)))
    a.show_transcript.connect(lambda media_id: service.open_transcript(int(media_id)))
    a.forget.connect(lambda ids: ids and service.forget(ids))
    a.open_folder.connect(lambda media_id: service.open_folder(int(media_id)))
    settings_action = QAction("Settings…", ctx.window)
    settings_action.setShortcut(QKeySequence.StandardKey.Preferences)
    settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
    settings_action.triggered.connect(lambda: service.open_settings())
    journey_action = QAction("Journey…", ctx.window)
    journey_action.triggered.connect(lambda: service.open_journey())
    ctx.window.menu("&Edit").addAction(settings_action)
    ctx.window.menu("&Play").addAction(journey_action)
    closing = getattr(ctx.window, "closing", None)
    if closing is not None:
        closing.connect(service.close)
    ctx.services["dialogs"] = service
    return service
