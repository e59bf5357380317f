"""events: the user's append-only history of plays, skips, likes and dislikes; where to resume an item."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING

from .codec import dumps, now
from .schema import DEFAULT_LISTENER, EVENT_TYPES

if TYPE_CHECKING:
    from .db import Library


FORGETS_KEY = "events.forgets"
"""kv: how many times events were forgotten (deleted). Readers that keep state from the events (up next)
compare it instead of counting every event on each catch-up."""

ANY = object()
"""`listener=ANY`: every listener's events and the guests' (the default of list/count: export, history)."""


def _open_gate(c, mode: int) -> None:
    """Open the privacy gate for this transaction's deletes (1: row by row, 2: everything), and count the
    forget (FORGETS_KEY)."""
    c.execute("UPDATE privacy_gate SET open = ? WHERE id = 1", (mode,))
    c.execute("INSERT INTO kv (key, value, updated_at) VALUES (?, '1', ?) ON CONFLICT (key) DO UPDATE "
              "SET value = CAST(value AS INTEGER) + 1, updated_at = excluded.updated_at", (FORGETS_KEY, now()))


def _who(listener: object) -> tuple[str, list]:
    """The WHERE part choosing one listener's events (None: the guests')."""
    if listener is ANY:
        return "", []
    if listener is None:
        return " AND listener_id IS NULL", []
    return " AND listener_id = ?", [int(listener)]  # type: ignore[call-overload]


class EventStore:
    def __init__(self, lib: "Library"):
        self.lib = lib

    def append(self, media_id: int, type: str, *, ts: float | None = None, position: float | None = None,
               duration: float | None = None, source: str | None = None, session_id: str | None = None,
               context: dict | None = None, listener: int | None = DEFAULT_LISTENER) -> int:
        """Append one event made by `listener` (a listener id; None: a guest, whose events no taste reads)."""
        if type not in EVENT_TYPES:
            raise ValueError(f"unknown event type {type!r}")
        fraction = None
        if position is not None and duration:
            fraction = max(0.0, min(1.0, position / duration))
        with self.lib.transaction() as c:
            cur = c.execute(
                """INSERT INTO events (media_id, type, ts, position, duration, fraction, source, session_id, context,
                                       listener_id)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (media_id, type, now() if ts is None else ts, position, duration, fraction, source, session_id,
                 dumps(context or {}), listener))
            return cur.lastrowid

    def list(self, media_id: int | None = None, since: float | None = None, limit: int | None = None,
             listener: object = ANY, after_id: int | None = None) -> list[dict]:
        """Events oldest first; `listener`: only that listener's (an id; None: the guests'; ANY: all);
        `after_id`: only events stored after that one (ids grow as events are appended, whatever their ts)."""
        where, params = _who(listener)
        # Events after one: a walk of the newest row ids. Without NOT INDEXED the planner takes the listener's
        # index and reads every event of theirs (1 ms at 20,000 events, each up-next refill).
        newest = after_id is not None and media_id is None and since is None
        sql = f"SELECT * FROM events{' NOT INDEXED' if newest else ''} WHERE 1=1" + where
        if media_id is not None:
            sql += " AND media_id = ?"
            params.append(media_id)
        if since is not None:
            sql += " AND ts >= ?"
            params.append(since)
        if after_id is not None:
            sql += " AND id > ?"
            params.append(after_id)
        sql += " ORDER BY ts, id"
        if limit:
            sql += " LIMIT ?"
            params.append(limit)
        out = []
        for r in self.lib.query(sql, params):
            d = dict(r)
            d["context"] = json.loads(d["context"] or "{}")
            out.append(d)
        return out

    def count(self, listener: object = ANY) -> int:
        where, params = _who(listener)
        return self.lib.conn.execute("SELECT count(*) FROM events WHERE 1=1" + where, params).fetchone()[0]

    def forgets(self) -> int:
        """How many times any events were forgotten in this library (0: never)."""
        row = self.lib.conn.execute("SELECT value FROM kv WHERE key = ?", (FORGETS_KEY,)).fetchone()
        return int(row[0]) if row else 0

    def forget(self, media_id: int | None = None, listener: object = ANY) -> int:
        """Delete history for one item, or all of it (None): the user's explicit privacy request. `listener`:
        only that listener's events (an id; None: the guests'), their item_stats taken out row by row."""
        if listener is not ANY:
            return self._forget_listener(media_id, listener)
        with self.lib.transaction() as c:
            # 1: item_stats follows row by row; 2 (everything): it is zeroed once below
            _open_gate(c, 2 if media_id is None else 1)
            try:
                if media_id is None:
                    n = c.execute("DELETE FROM events").rowcount
                    c.execute("UPDATE item_stats SET plays = 0, skips = 0, likes = 0, dislikes = 0, "
                              "last_played = NULL")
                else:
                    n = c.execute("DELETE FROM events WHERE media_id = ?", (media_id,)).rowcount
            finally:
                c.execute("UPDATE privacy_gate SET open = 0 WHERE id = 1")
            return n

    def _forget_listener(self, media_id: int | None, listener: object) -> int:
        where, params = _who(listener)
        if media_id is not None:
            where, params = where + " AND media_id = ?", params + [int(media_id)]
        with self.lib.transaction() as c:
            _open_gate(c, 1)
            try:
                return c.execute("DELETE FROM events WHERE 1=1" + where, params).rowcount
            finally:
                c.execute("UPDATE privacy_gate SET open = 0 WHERE id = 1")


RESUME_MARGIN = 15.0
"""Seconds: a video left this close to its start or its end starts from the beginning next time."""
RESUME_END_FRACTION = 0.05
"""...or within this share of its length from the end (the credits of a long film)."""


def resume_position(lib: "Library", media_id: int) -> float | None:
    """Where to resume an item (seconds): where the player last left it (the newest play, skip or
    play_end event with a position), or None when it never was, was left near its start, or finished
    (left near its end: within RESUME_MARGIN seconds or RESUME_END_FRACTION of its length)."""
    row = lib.conn.execute(
        "SELECT position, duration FROM events WHERE media_id = ? AND type IN ('play', 'skip', 'play_end') "
        "AND position IS NOT NULL ORDER BY ts DESC, id DESC LIMIT 1", (int(media_id),)).fetchone()
    if row is None:
        return None
    position, duration = float(row["position"]), row["duration"]
    if duration is None:
        item = lib.conn.execute("SELECT duration FROM media WHERE id = ?", (int(media_id),)).fetchone()
        duration = item[0] if item else None
    if position < RESUME_MARGIN:
        return None
    if duration and position >= float(duration) - max(RESUME_MARGIN, RESUME_END_FRACTION * float(duration)):
        return None
    return position


__all__ = ["EventStore", "ANY", "resume_position", "RESUME_MARGIN", "RESUME_END_FRACTION"]
