"""MediaActions: what a user can do with any item, wherever it appears, as one context menu and one set of signals.

Views never act on items themselves: a library row, an Up Next entry, a result or a playlist entry all build
their right-click menu here, and the controllers that own each behaviour (player, Up Next, results, dialogs)
connect to these signals. Item lists are media ids (ints) in display order.
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget


class MediaActions(QObject):
    play_now = Signal(list)            # ids: replace what plays with these, start the first
    play_next = Signal(list)           # ids: into the user's queue, at its front
    enqueue = Signal(list)             # ids: at the end of the user's queue
    more_like_this = Signal(int)       # id: open the results view for it
    start_radio = Signal(int)          # id: Up Next becomes "Radio from X", starting with X
    journey_to = Signal(int)           # id: open the journey picker with this item as the destination
    show_transcript = Signal(int)      # id
    open_folder = Signal(int)          # id: show the file in the desktop's file manager
    export_items = Signal(list, str)   # ids, a suggested playlist name
    forget = Signal(list)              # ids: delete their play history (asks first)
    never_recommend = Signal(int, str)  # id, scope: "item" | "artist" | "folder"
    seek_requested = Signal(int, float)  # id, seconds: play this item from there (transcript segments)

    def context_menu(self, ids: list[int], parent: QWidget, title: str = "") -> QMenu:
        """The one context menu for a selection of items (empty selection: an empty, disabled menu)."""
        menu = QMenu(parent)
        one = ids[0] if len(ids) == 1 else None
        entries: list[tuple[str, Callable[[], None] | None]] = [
            ("Play", lambda: self.play_now.emit(list(ids))),
            ("Play next", lambda: self.play_next.emit(list(ids))),
            ("Add to queue", lambda: self.enqueue.emit(list(ids))),
            ("", None),
            ("More like this", (lambda: self.more_like_this.emit(one)) if one else None),
            ("Start radio", (lambda: self.start_radio.emit(one)) if one else None),
            ("Journey to…", (lambda: self.journey_to.emit(one)) if one else None),
            ("", None),
            ("Show transcript", (lambda: self.show_transcript.emit(one)) if one else None),
            ("Open containing folder", (lambda: self.open_folder.emit(one)) if one else None),
            ("Export as playlist…", lambda: self.export_items.emit(list(ids), title)),
            ("", None),
            ("Forget from history", lambda: self.forget.emit(list(ids))),
        ]
        for text, slot in entries:
            if not text:
                menu.addSeparator()
                continue
            action = QAction(text, menu)
            action.setEnabled(bool(ids) and slot is not None)
            if slot is not None:
                action.triggered.connect(slot)
            menu.addAction(action)
        never = menu.addMenu("Never recommend")
        never.setEnabled(one is not None)
        for text, scope in (("This item", "item"), ("This artist", "artist"), ("This folder", "folder")):
            action = QAction(text, never)
            if one is not None:
                action.triggered.connect(lambda _=False, s=scope: self.never_recommend.emit(one, s))
            never.addAction(action)
        return menu
