"""The player part: PlaybackController ("player" service), the transport bar, the video page, the Play menu's keys."""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QAction, QKeySequence

from .controller import PlaybackController
from .transport import TransportBar
from .video import PAGE, VideoPage

if TYPE_CHECKING:
    from ..context import AppContext

SEEK_STEP_S = 10.0


def install(ctx: "AppContext") -> PlaybackController:
    window = ctx.window
    player = PlaybackController(ctx.paths.db, window)
    bar = TransportBar()
    page = VideoPage()
    player.player.setVideoOutput(page.video)
    window.set_transport(bar)
    window.add_page(PAGE, page)
    _wire_bar(player, bar)
    player.current_changed.connect(page.show_item)
    player.current_changed.connect(lambda info: info and info.get("kind") == "video" and window.show_page(PAGE))
    player.error.connect(lambda msg: window.statusBar().showMessage(msg, 10000))
    _wire_actions(ctx, player)
    _add_keys(ctx, player, bar)
    app = QCoreApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(player.close)
    ctx.services["player"] = player
    player.transport, player.video_page = bar, page  # for screenshots and tests; other parts use the signals
    return player


def _wire_bar(player: PlaybackController, bar: TransportBar) -> None:
    bar.prev_button.clicked.connect(player.previous)
    bar.play_button.clicked.connect(player.toggle)
    bar.stop_button.clicked.connect(player.stop)
    bar.next_button.clicked.connect(player.next)
    bar.stop_after_action.toggled.connect(player.set_stop_after)
    player.stop_after_changed.connect(bar.stop_after_action.setChecked)
    bar.like_button.clicked.connect(player.like)
    bar.dislike_button.clicked.connect(player.dislike)
    bar.seek_to.connect(player.seek)
    bar.volume.valueChanged.connect(player.set_volume)
    player.set_volume(bar.volume.value())
    player.current_changed.connect(bar.show_item)
    player.state_changed.connect(bar.show_state)
    player.position_changed.connect(bar.show_position)
    player.duration_changed.connect(bar.show_duration)


def _wire_actions(ctx: "AppContext", player: PlaybackController) -> None:
    """Play now is the player's; Play next / Add to queue go to Up Next's user queue when it is installed."""
    actions = ctx.actions

    def queue_front(ids: list) -> None:
        upnext = ctx.services.get("upnext")
        (upnext.play_next if upnext is not None else player.local.push_front)(list(ids))

    def queue_end(ids: list) -> None:
        upnext = ctx.services.get("upnext")
        (upnext.enqueue if upnext is not None else player.local.extend)(list(ids))

    actions.play_now.connect(player.play_ids)
    actions.play_next.connect(queue_front)
    actions.enqueue.connect(queue_end)
    actions.seek_requested.connect(player.play_from)


def _add_keys(ctx: "AppContext", player: PlaybackController, bar: TransportBar) -> None:
    K = Qt.Key
    menu = ctx.window.menu("&Play")
    entries = [
        ("Play / Pause", [QKeySequence(K.Key_Space), QKeySequence(K.Key_MediaPlay),
                          QKeySequence(K.Key_MediaTogglePlayPause), QKeySequence(K.Key_MediaPause)], player.toggle),
        ("Stop", [QKeySequence(K.Key_MediaStop)], player.stop),
        ("Next", [QKeySequence(K.Key_MediaNext)], player.next),
        ("Previous", [QKeySequence(K.Key_MediaPrevious)], player.previous),
        ("Forward 10 s", [QKeySequence("Alt+Right")], lambda: player.seek_by(SEEK_STEP_S)),
        ("Back 10 s", [QKeySequence("Alt+Left")], lambda: player.seek_by(-SEEK_STEP_S)),
        ("", [], None),
        ("Like", [], player.like),
        ("Dislike", [], player.dislike),
    ]
    player.key_actions = {}
    for text, keys, slot in entries:
        if not text:
            menu.addSeparator()
            continue
        action = QAction(text, ctx.window)
        action.setShortcuts(keys)
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        ctx.window.addAction(action)  # works with the menu bar hidden too
        menu.addAction(action)
        player.key_actions[text] = action
    menu.addAction(bar.stop_after_action)
