"""The user's part of Up Next (what they queued, kept across restarts) and the generated part's mode.

Up Next has two parts: on top, what the user put there ("Play next", "Add to queue", drag and drop),
kept until it is played or removed; below it, what the recommender generates, driven by a mode ("Your
taste", "Radio from X", "Journey A -> B"). `UserQueue` stores the first in table `user_queue`;
`UpNextMode` is the second's state, saved in the kv store under MODE_KEY so the app restores it.

    q = UserQueue(lib)
    q.add([12, 13]); q.insert_next([40])        # 40, 12, 13
    q.move(q.list()[2].id, 0)                   # 13, 40, 12
    q.played(13)                                # the player started it: 40, 12
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from ..errors import UserError
from .codec import now
from .schema import DEFAULT_LISTENER

if TYPE_CHECKING:
    from .db import Library

MODE_KEY = "upnext.mode"
MODES = ("taste", "radio", "journey")


@dataclass(frozen=True)
class QueueEntry:
    """One queued item. `id` names the entry (the same media item may be queued twice); `position` 0
    plays next; `added_at` is unix time."""

    id: int
    media_id: int
    position: int
    added_at: float


class UserQueue:
    """The user's queue, in table `user_queue`. Every method is one transaction; positions stay 0..n-1."""

    def __init__(self, lib: "Library", listener: int | None = DEFAULT_LISTENER):
        """`listener`: whose queue (each listener has their own; None, the guest, has one too: id 0)."""
        self.lib = lib
        self.who = 0 if listener is None else int(listener)

    def list(self) -> list[QueueEntry]:
        """The entries in play order."""
        rows = self.lib.query("SELECT id, media_id, position, added_at FROM user_queue WHERE listener_id = ? "
                              "ORDER BY position, id", (self.who,))
        return [QueueEntry(**dict(r)) for r in rows]

    def media_ids(self) -> list[int]:
        """The queued media ids in play order (what the recommender must not repeat below them)."""
        return [r[0] for r in self.lib.query("SELECT media_id FROM user_queue WHERE listener_id = ? ORDER BY position, id",
                                                   (self.who,))]

    def __len__(self) -> int:
        return self.lib.conn.execute("SELECT count(*) FROM user_queue WHERE listener_id = ?", (self.who,)).fetchone()[0]

    def add(self, media_ids: Iterable[int]) -> list[int]:
        """Queue items at the end, in the given order; returns their entry ids."""
        return self._insert(list(media_ids), at_end=True)

    def insert_next(self, media_ids: Iterable[int]) -> list[int]:
        """Queue items to play next (before everything queued), in the given order; returns their entry ids."""
        return self._insert(list(media_ids), at_end=False)

    def _insert(self, media_ids: list[int], at_end: bool) -> list[int]:
        if not media_ids:
            return []
        self._check_known(media_ids)
        out = []
        with self.lib.transaction() as c:
            n = c.execute("SELECT count(*) FROM user_queue WHERE listener_id = ?", (self.who,)).fetchone()[0]
            if not at_end:
                c.execute("UPDATE user_queue SET position = position + ? WHERE listener_id = ?",
                          (len(media_ids), self.who))
            first = n if at_end else 0
            stamp = now()
            for i, mid in enumerate(media_ids):
                cur = c.execute("INSERT INTO user_queue (media_id, position, added_at, listener_id) "
                                "VALUES (?, ?, ?, ?)", (int(mid), first + i, stamp, self.who))
                out.append(cur.lastrowid)
        return out

    def _check_known(self, media_ids: Sequence[int]) -> None:
        known = self.lib.media.get_many(media_ids, ["id"])
        missing = [m for m in media_ids if int(m) not in known]
        if missing:
            raise UserError(f"{missing[0]}: no such media id")

    def move(self, entry_id: int, position: int) -> None:
        """Move an entry to `position` (clamped to the queue); the others close up around it."""
        with self.lib.transaction() as c:
            row = c.execute("SELECT position FROM user_queue WHERE id = ? AND listener_id = ?",
                            (entry_id, self.who)).fetchone()
            if row is None:
                raise UserError(f"queue entry {entry_id} does not exist")
            n = c.execute("SELECT count(*) FROM user_queue WHERE listener_id = ?", (self.who,)).fetchone()[0]
            old, new = row[0], max(0, min(int(position), n - 1))
            if new == old:
                return
            if new < old:
                c.execute("UPDATE user_queue SET position = position + 1 WHERE position >= ? AND position < ? "
                          "AND listener_id = ?", (new, old, self.who))
            else:
                c.execute("UPDATE user_queue SET position = position - 1 WHERE position > ? AND position <= ? "
                          "AND listener_id = ?", (old, new, self.who))
            c.execute("UPDATE user_queue SET position = ? WHERE id = ?", (new, entry_id))

    def remove(self, entry_id: int) -> bool:
        """Remove one entry; False when it was not there."""
        with self.lib.transaction() as c:
            row = c.execute("SELECT position FROM user_queue WHERE id = ? AND listener_id = ?",
                            (entry_id, self.who)).fetchone()
            if row is None:
                return False
            c.execute("DELETE FROM user_queue WHERE id = ?", (entry_id,))
            c.execute("UPDATE user_queue SET position = position - 1 WHERE position > ? AND listener_id = ?",
                      (row[0], self.who))
            return True

    def remove_media(self, media_id: int) -> int:
        """Remove every entry of an item; returns how many there were."""
        with self.lib.transaction():
            entries = [e.id for e in self.list() if e.media_id == int(media_id)]
            for entry in entries:
                self.remove(entry)
        return len(entries)

    def clear(self) -> int:
        """Empty the queue; returns how many entries it had."""
        with self.lib.transaction() as c:
            return c.execute("DELETE FROM user_queue WHERE listener_id = ?", (self.who,)).rowcount

    def pop_front(self) -> QueueEntry | None:
        """Take the entry that plays next off the queue (the player starts it); None when empty."""
        with self.lib.transaction():
            entries = self.list()
            if not entries:
                return None
            self.remove(entries[0].id)
            return entries[0]

    def played(self, media_id: int) -> QueueEntry | None:
        """The player started `media_id`: its first entry leaves the queue (wherever it was, e.g. played
        from the queue out of order); None when it was not queued."""
        with self.lib.transaction():
            entry = next((e for e in self.list() if e.media_id == int(media_id)), None)
            if entry is not None:
                self.remove(entry.id)
            return entry


@dataclass(frozen=True)
class UpNextMode:
    """What drives the generated part of Up Next, and the dock's switches.

    mode: "taste" (the user's history), "radio" (from `seed`), or "journey" (from `start` to `end`
    through `via`, media ids). kind: "any", "audio" or "video"; autoplay: play on at the end of an item;
    exploration: the slider's value in 0..1, None for the settings' default."""

    mode: str = "taste"
    seed: int | None = None
    start: int | None = None
    end: int | None = None
    via: tuple[int, ...] = field(default_factory=tuple)
    kind: str = "any"
    autoplay: bool = True
    exploration: float | None = None

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise UserError(f"unknown Up Next mode {self.mode!r} (known: {', '.join(MODES)})")
        if self.mode == "radio" and self.seed is None:
            raise UserError("a radio needs the item it starts from")
        if self.mode == "journey" and (self.start is None or self.end is None):
            raise UserError("a journey needs where it starts and where it ends")
        if self.kind not in ("any", "audio", "video"):
            raise UserError(f"unknown kind {self.kind!r} (any, audio or video)")
        if self.exploration is not None and not 0.0 <= self.exploration <= 1.0:
            raise UserError(f"exploration must be between 0 and 1, got {self.exploration}")
        object.__setattr__(self, "via", tuple(int(v) for v in self.via))

    def to_json(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["via"] = list(self.via)
        return doc

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> "UpNextMode":
        known = {k: v for k, v in doc.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def label(self, lib: "Library") -> str:
        """The line on top of the dock: "Your taste", "Radio from X", "Journey A → B"."""
        if self.mode == "radio":
            return f"Radio from {_name(lib, self.seed)}"
        if self.mode == "journey":
            return f"Journey {_name(lib, self.start)} → {_name(lib, self.end)}"
        return "Your taste"

    def media_ids(self) -> list[int]:
        """The items the mode names (a radio's seed, a journey's stops), e.g. to check they still exist."""
        ids = [self.seed, self.start, *self.via, self.end]
        return [i for i in ids if i is not None]


def _name(lib: "Library", media_id: int | None) -> str:
    item = lib.media.get(int(media_id)) if media_id is not None else None
    if item is None:
        return "a removed item"
    return item.get("title") or item["path"].rsplit("/", 1)[-1]


def save_mode(lib: "Library", mode: UpNextMode, listener: int | None = DEFAULT_LISTENER) -> None:
    """Keep the generated part's mode for the next start (each listener's own)."""
    from .listeners import state_key

    lib.kv.set(state_key(MODE_KEY, listener), mode.to_json())


def load_mode(lib: "Library", listener: int | None = DEFAULT_LISTENER) -> UpNextMode:
    """The saved mode; "Your taste" when none was saved, or when the saved one names an item that is no
    longer in the library (a radio whose seed was removed cannot restart)."""
    from .listeners import state_key

    doc = lib.kv.get(state_key(MODE_KEY, listener))
    if not doc:
        return UpNextMode()
    try:
        mode = UpNextMode.from_json(doc)
    except (UserError, TypeError, ValueError):
        return UpNextMode()
    ids = mode.media_ids()
    if ids and len(lib.media.get_many(ids, ["id"])) < len(set(ids)):
        return UpNextMode(kind=mode.kind, autoplay=mode.autoplay, exploration=mode.exploration)
    return mode


__all__ = ["UserQueue", "QueueEntry", "UpNextMode", "save_mode", "load_mode", "MODE_KEY", "MODES"]
