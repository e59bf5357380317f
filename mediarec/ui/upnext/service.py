"""UpNextService ("upnext"): keeps a warm core UpNext on its own thread and the two-part queue model current.

It refills the generated part after every event the player records and whenever fewer than REFILL_BELOW
generated items are left; a removed suggestion is replaced at once from spares and counts as "not now" for
this session. It is the player's next source (`take_next`, `push_front`). The user's queue and the mode
(taste, radio, journey; autoplay, kind, exploration) are saved on every change and come back at start."""
from __future__ import annotations

import dataclasses
import logging
import time
from typing import Any

from PySide6.QtCore import QObject, Signal

from ..bridges.service import ServiceBridge
from . import core_calls
from .model import UpNextModel

log = logging.getLogger(__name__)

VISIBLE = 10       # generated items shown
SPARES = 5         # kept back to replace removed ones at once
REFILL_BELOW = 5   # generated items left that trigger a refill
KIND_LABELS = {"any": "Music and videos", "audio": "Music only", "video": "Videos only"}  # as results and journeys say


class UpNextService(QObject):
    refilled = Signal()          # the generated part was replaced (after the model's change signals)
    mode_changed = Signal(str)   # the header line: "Your taste", "Radio from X", "Journey A → B"
    empty_changed = Signal(str)  # why the list is empty or a fallback ("" when it is a real list)
    message = Signal(str)        # one line for the status bar

    def __init__(self, paths, settings, parent: QObject | None = None, load: bool = True):
        super().__init__(parent)
        self.paths, self.settings = paths, settings
        self.bridge = ServiceBridge(paths.db, "upnext", self)
        self.bridge.error.connect(self.message)
        self.model = UpNextModel(self)
        self.mode: dict[str, Any] = dict(core_calls.DEFAULT_MODE)
        self.not_now: set[int] = set()
        self.played: list[int] = []  # this session's finished or skipped items (kept out of radio lists)
        self.current: int | None = None
        self.player = None  # set by install(): radio and journeys start playing through it
        self._spares: list[dict] = []
        self.loaded = False
        self.last_refill_ms = 0.0
        self.model.user_changed.connect(self._save_queue)
        self.model.ids_dropped.connect(self._insert_ids)
        if load:
            self.load()

    def load(self) -> None:
        """Read the saved queue and mode, then make the first list (the app calls it after its first paint)."""
        self.bridge.submit(lambda ctx: core_calls.load_state(ctx.lib), self._on_loaded)

    # --- the player's next source ----------------------------------------------------------------------
    def take_next(self) -> int | None:
        """What plays next: the user's first item, else (with autoplay) the first suggestion."""
        if self.model.user:
            entry = self.model.take(0)
            self.current = entry["id"]
            return entry["id"]
        if not self.mode["autoplay"] or not self.model.generated:
            return None
        entry = self.model.take(0)
        self.current = entry["id"]  # kept out of a refill that lands before the player reports it
        if self.mode["mode"] == "journey":
            self._set_mode(ids=[i for i in self.mode["ids"] if i != entry["id"]], refill=False)
        self._top_up()
        return entry["id"]

    def push_front(self, ids: list[int]) -> None:
        self._insert_ids([int(i) for i in ids], 0)

    play_next = push_front

    def enqueue(self, ids: list[int]) -> None:
        self._insert_ids([int(i) for i in ids], len(self.model.user))

    # --- what the user does in the dock ------------------------------------------------------------------
    def remove_rows(self, rows: list[int], not_now: bool = False) -> None:
        """Remove rows; a removed suggestion (or any row, with `not_now`) is set aside for this session and
        its place is filled at once."""
        for row in sorted(set(rows), reverse=True):
            user = self.model.is_user(row)
            entry = self.model.take(row)
            if entry is None:
                continue
            if not user or not_now:
                self.not_now.add(entry["id"])
            if not user and self._spares:
                self.model.set_generated([*self.model.generated, self._spares.pop(0)])
        self._top_up()

    def start_radio(self, media_id: int) -> None:
        """Up Next becomes "Radio from X": X plays now, then what is like it."""
        self.bridge.submit(lambda ctx: core_calls.describe(ctx.lib, [media_id]),
                           lambda rows: rows and self._set_mode(mode="radio", seed=media_id, ids=[],
                                                                title=rows[0]["title"]))
        if self.player is not None:
            self.player.play(media_id)

    def set_journey(self, ids: list[int], title: str) -> None:
        """A journey (A → B via waypoints, planned by the results part) plays in order: A now, the rest next."""
        ids = [int(i) for i in ids]
        if not ids:
            return
        self._set_mode(mode="journey", seed=ids[-1], ids=ids[1:], title=title, total=len(ids))
        if self.player is not None:
            self.player.play(ids[0])

    def set_taste(self) -> None:
        self._set_mode(mode="taste", seed=None, ids=[], title="")

    def never_recommend(self, media_id: int, scope: str) -> None:
        def done(what: str) -> None:
            self.message.emit(f"Never recommending {scope} “{what}”" if what else "Nothing to block there")
            self._spares.clear()
            self.refill()
        self.bridge.submit(lambda ctx: core_calls.block(ctx.lib, media_id, scope), done)

    def set_autoplay(self, on: bool) -> None:
        self._set_mode(autoplay=bool(on), refill=False)

    def set_kind(self, kind: str) -> None:
        self._set_mode(kind=kind)

    def set_exploration(self, share: float) -> None:
        self._set_mode(exploration=round(float(share), 3))

    # --- what the player reports -----------------------------------------------------------------------
    def on_event(self, event: dict) -> None:
        if event.get("type") in ("play", "skip", "play_end"):
            self.played.append(int(event["media_id"]))
        self.refill()

    def on_current(self, info: dict | None) -> None:
        self.current = info["id"] if info else None

    # --- refills ---------------------------------------------------------------------------------------
    def refill(self) -> None:
        """Ask for a new generated part (a newer request supersedes an older one)."""
        mode = dict(self.mode)
        exclude = set() if mode["mode"] == "journey" else {*(e["id"] for e in self.model.user), *self.played[-200:]}
        not_now, current = set(self.not_now), self.current
        index_dir, rs = self.paths.index_dir, dataclasses.replace(self.settings.recommend)

        def work(ctx) -> dict:
            t0 = time.perf_counter()
            out = core_calls.refill(ctx.cache, ctx.lib, index_dir, rs, mode, VISIBLE + SPARES, exclude, not_now, current)
            return {**out, "ms": (time.perf_counter() - t0) * 1000}

        self.bridge.submit(work, self._on_refill, key="refill")

    def _on_refill(self, result: dict) -> None:
        self.last_refill_ms = result["ms"]  # the core's share, on the service thread (bench/upnext_gui.py)
        items = result["items"]
        self.model.set_generated(items[:VISIBLE])
        self._spares = items[VISIBLE:]
        self.empty_changed.emit(result["why_empty"] or "")
        self.refilled.emit()

    def _top_up(self) -> None:
        if len(self.model.generated) < REFILL_BELOW:
            self.refill()

    # --- state ------------------------------------------------------------------------------------------
    def header_text(self) -> str:
        m = self.mode
        if m["mode"] == "radio":
            return f"Radio from {m['title'] or 'this item'}"
        if m["mode"] == "journey":
            return f"Journey {m['title']}" if m["title"] else "Journey"
        return "Your taste"

    def _set_mode(self, refill: bool = True, **changes) -> None:
        self.mode.update(changes)
        mode = dict(self.mode)
        self.bridge.submit(lambda ctx: core_calls.save_mode(ctx.lib, mode), key="save-mode")
        self.mode_changed.emit(self.header_text())
        if refill:
            self._spares.clear()
            self.refill()

    def switch_listener(self, listener: int | None) -> None:
        """Who is listening changed: make it so in the core, then show their queue, mode and list (nothing of
        the one before is saved over theirs: the model is emptied without its change signals)."""
        from ...library.listeners import set_current

        self.model.beginResetModel()
        self.model.user, self.model.generated = [], []
        self.model.endResetModel()
        self.not_now.clear()
        self.played.clear()
        self._spares.clear()
        self.loaded = False

        def work(ctx) -> dict:
            set_current(ctx.lib, listener)
            return core_calls.load_state(ctx.lib)
        self.bridge.submit(work, self._on_loaded)

    def _on_loaded(self, state: dict) -> None:
        self.mode.update(state["mode"])
        self.model.insert_user(0, state["queue"])
        self.loaded = True
        self.mode_changed.emit(self.header_text())
        self.refill()

    def _insert_ids(self, ids: list[int], position: int) -> None:
        """Queue these items at `position`; an item already queued moves there (never twice in the queue)."""
        def insert(rows: list[dict]) -> None:
            at, wanted = position, {r["id"] for r in rows}
            for row in reversed(range(len(self.model.user))):
                if self.model.user[row]["id"] in wanted:
                    self.model.take(row)
                    at -= row < at
            self.model.insert_user(min(at, len(self.model.user)), rows)

        self.bridge.submit(lambda ctx: core_calls.describe(ctx.lib, ids), insert)

    def _save_queue(self) -> None:
        ids = [e["id"] for e in self.model.user]
        self.bridge.submit(lambda ctx: core_calls.save_queue(ctx.lib, ids), key="save-queue")

    def close(self) -> None:
        """Save the warm recommender's state, then stop the thread (late answers are ignored)."""
        self.bridge.submit(lambda ctx: ctx.cache.get("upnext") and ctx.cache.pop("upnext").close())
        self.bridge.close()
