"""Events: the rules that turn what the player saw into history (plays, skips, likes, dislikes) and sessions.

The GUI player and the CLI use these same rules (after Quod Libet's):
- a play counts when at least half the item, or PLAY_SECONDS (4 minutes), was played, whichever
  comes first;
- a skip is a move to another item before that point, unless the player stopped because of an error
  (a file that fails to decode is not the user's verdict): that is recorded as a neutral `play_end`;
- a session ends after SESSION_GAP (30 minutes) without any event; the next event starts a new one.
Events are appended, never changed; `forget` (the user's explicit request) is the only way out."""
from __future__ import annotations

import secrets
import time
from typing import TYPE_CHECKING, Any

from ..errors import UserError
from ..library.schema import DEFAULT_LISTENER

if TYPE_CHECKING:
    from ..library import Library

PLAY_FRACTION = 0.5
PLAY_SECONDS = 240.0
SESSION_GAP = 1800.0
RECORDABLE = ("play", "skip", "like", "dislike", "stop", "start")
"""What a caller may record. `stop` means "the player left the item at `position`" and becomes a play or
a skip by the rules; `play` and `skip` given with a position are classified the same way (a "skip" at
80% is a play: the user heard it); `start` is recorded as play_start."""


def play_threshold(duration: float | None) -> float:
    """Seconds of an item that must be played for a play to count."""
    if duration is None or duration <= 0:
        return PLAY_SECONDS
    return min(PLAY_SECONDS, PLAY_FRACTION * duration)


def classify_stop(position: float, duration: float | None, player_error: bool = False) -> str:
    """What leaving an item at `position` seconds means: play, skip, or play_end (a player error, early)."""
    if position >= play_threshold(duration):
        return "play"
    return "play_end" if player_error else "skip"


def new_session_id(ts: float) -> str:
    return f"{time.strftime('%Y%m%d-%H%M%S', time.localtime(ts))}-{secrets.token_hex(2)}"


def session_for(lib: "Library", ts: float, listener: int | None = DEFAULT_LISTENER) -> str:
    """The session an event at `ts` belongs to: the one of the listener's last event before it, unless that was
    more than SESSION_GAP earlier (or there is none): then a new one."""
    recent = [e for e in lib.events.list(since=ts - SESSION_GAP, listener=listener) if e["ts"] <= ts]
    if recent and recent[-1]["session_id"]:
        return recent[-1]["session_id"]
    return new_session_id(ts)


def _item(lib: "Library", item: Any) -> dict[str, Any]:
    if isinstance(item, dict):
        return item
    if isinstance(item, int):
        found = lib.media.get(item)
        if found is None:
            raise UserError(f"{item}: no such media id")
        return found
    return lib.media.resolve(item)


def record(lib: "Library", item: Any, type: str, position: float | None = None, duration: float | None = None,
           source: str | None = None, ts: float | None = None, player_error: bool = False,
           context: dict | None = None, listener: int | None = DEFAULT_LISTENER) -> int:
    """Record what happened to `item` (a media row, id or path) for `listener` (None: a guest) and return the
    event id."""
    if type not in RECORDABLE:
        raise UserError(f"unknown event {type!r} (known: {', '.join(RECORDABLE)})")
    row = _item(lib, item)
    ts = time.time() if ts is None else float(ts)
    duration = duration if duration is not None else row.get("duration")
    if position is not None and position < 0:
        raise UserError(f"position must not be negative, got {position}")
    stored = type
    if type == "start":
        stored = "play_start"
    elif type == "stop" and position is None:
        raise UserError("a stop needs the position it happened at")
    elif type in ("stop", "play", "skip") and position is not None:
        stored = classify_stop(position, duration, player_error)
    ctx = dict(context or {})
    if stored != type:
        ctx["recorded_as"] = type  # keep what the caller said next to what the rules made of it
    if player_error:
        ctx["player_error"] = True
    return lib.events.append(row["id"], stored, ts=ts, position=position, duration=duration, source=source,
                             session_id=session_for(lib, ts, listener), context=ctx, listener=listener)


def current_session(lib: "Library", now: float | None = None) -> list[dict[str, Any]]:
    """Events of the session still going on at `now` (empty after SESSION_GAP of silence)."""
    now = time.time() if now is None else now
    recent = [e for e in lib.events.list(since=now - 6 * 3600) if e["ts"] <= now]
    if not recent or now - recent[-1]["ts"] > SESSION_GAP:
        return []
    sid = recent[-1]["session_id"]
    return [e for e in recent if e["session_id"] == sid]


def history(lib: "Library", limit: int | None = None) -> list[dict[str, Any]]:
    """Events, oldest first (the newest `limit`), each with its item's path, title and kind."""
    events = lib.events.list()
    if limit:
        events = events[-limit:]
    items: dict[int, dict | None] = {}
    for e in events:
        mid = e["media_id"]
        if mid not in items:
            items[mid] = lib.media.get(mid)
        it = items[mid] or {}
        e.update(path=it.get("path"), title=it.get("title"), artist=it.get("artist"), kind=it.get("kind"))
    return events


__all__ = ["record", "classify_stop", "play_threshold", "session_for", "current_session", "history",
           "PLAY_FRACTION", "PLAY_SECONDS", "SESSION_GAP", "RECORDABLE"]
