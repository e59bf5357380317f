"""Listeners: the named profiles sharing one library (table `listeners`, schema v5), and whose state is whose.

Every event carries its listener (events.listener_id); each listener has their own queue, blocklist
rules, Up Next state and learned weights; the analysis and the indexes are shared. The name GUEST
stands for nobody: a guest's events are stored with listener NULL and no taste reads them. A private
listener's history is never used in anybody else's recommendations (recommend/cross.py)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import UserError
from .codec import now
from .schema import DEFAULT_LISTENER

if TYPE_CHECKING:
    from .db import Library

GUEST = "guest"
"""The listener name that records nothing into anyone's taste (resolves to None)."""


@dataclass(frozen=True)
class Listener:
    id: int
    name: str
    private: bool
    created_at: float


def state_key(base: str, listener: int | None) -> str:
    """The kv key of a listener's copy of a state: the default listener keeps the key from before v5."""
    if listener is None:
        return f"{base}.guest"
    return base if int(listener) == DEFAULT_LISTENER else f"{base}.listener{int(listener)}"


CURRENT_KEY = "listeners.current"
"""kv: who is listening in the app (its switcher sets it; the player and Up Next read it at each call)."""


def current(lib: "Library") -> int | None:
    """The app's listener: an id, None for the guest; the default listener when none was chosen or the
    chosen one was removed."""
    doc = lib.kv.get(CURRENT_KEY)
    if not doc:
        return DEFAULT_LISTENER
    if doc.get("id") is None:
        return None
    known = lib.conn.execute("SELECT 1 FROM listeners WHERE id = ?", (int(doc["id"]),)).fetchone()
    return int(doc["id"]) if known else DEFAULT_LISTENER


def set_current(lib: "Library", listener: int | None) -> None:
    lib.kv.set(CURRENT_KEY, {"id": listener})


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise UserError("a listener needs a name")
    if name.lower() == GUEST:
        raise UserError(f"{name!r} is the guest mode's name, not a listener's")
    return name


class Listeners:
    """The listeners of one library. Each change is one transaction."""

    def __init__(self, lib: "Library"):
        self.lib = lib

    def list(self) -> list[Listener]:
        rows = self.lib.query("SELECT id, name, private, created_at FROM listeners ORDER BY id")
        return [Listener(r["id"], r["name"], bool(r["private"]), r["created_at"]) for r in rows]

    def get(self, name: str) -> Listener:
        row = self.lib.conn.execute("SELECT id, name, private, created_at FROM listeners WHERE name = ?",
                                    ((name or "").strip(),)).fetchone()
        if row is None:
            known = ", ".join(x.name for x in self.list())
            raise UserError(f"{name!r}: no such listener (known: {known}; 'mediarec listeners add NAME')")
        return Listener(row["id"], row["name"], bool(row["private"]), row["created_at"])

    def resolve(self, name: str | None) -> int | None:
        """A listener's id by name; None for the guest; the default listener for no name."""
        if name is None or not name.strip():
            return DEFAULT_LISTENER
        if name.strip().lower() == GUEST:
            return None
        return self.get(name).id

    def name_of(self, listener: int | None) -> str:
        if listener is None:
            return GUEST
        row = self.lib.conn.execute("SELECT name FROM listeners WHERE id = ?", (int(listener),)).fetchone()
        return row[0] if row else f"#{listener}"

    def add(self, name: str, private: bool = False) -> Listener:
        name = _check_name(name)
        with self.lib.transaction() as c:
            if c.execute("SELECT 1 FROM listeners WHERE name = ?", (name,)).fetchone():
                raise UserError(f"{name!r}: there is already a listener of that name")
            c.execute("INSERT INTO listeners (name, private, created_at) VALUES (?, ?, ?)", (name, int(private), now()))
        return self.get(name)

    def rename(self, old: str, new: str) -> Listener:
        who, new = self.get(old), _check_name(new)
        with self.lib.transaction() as c:
            clash = c.execute("SELECT id FROM listeners WHERE name = ?", (new,)).fetchone()
            if clash and clash[0] != who.id:
                raise UserError(f"{new!r}: there is already a listener of that name")
            c.execute("UPDATE listeners SET name = ? WHERE id = ?", (new, who.id))
        return self.get(new)

    def set_private(self, name: str, private: bool) -> Listener:
        who = self.get(name)
        with self.lib.transaction() as c:
            c.execute("UPDATE listeners SET private = ? WHERE id = ?", (int(private), who.id))
        return self.get(name)

    def private_ids(self) -> set[int]:
        return {r[0] for r in self.lib.query("SELECT id FROM listeners WHERE private = 1")}

    def remove(self, name: str) -> int:
        """Remove a listener and everything that was theirs: history (through the forget gate), queue,
        blocklist rules, learned state. The default listener stays (events recorded without a name go to
        it). Returns how many events were forgotten."""
        who = self.get(name)
        if who.id == DEFAULT_LISTENER:
            raise UserError(f"{who.name!r} is the default listener and cannot be removed (rename it instead)")
        n = self.lib.events.forget(listener=who.id)
        with self.lib.transaction() as c:
            c.execute("DELETE FROM user_queue WHERE listener_id = ?", (who.id,))
            c.execute("DELETE FROM blocklist WHERE listener_id = ?", (who.id,))
            c.execute("DELETE FROM kv WHERE key LIKE ?", (f"%.listener{who.id}",))
            c.execute("DELETE FROM listeners WHERE id = ?", (who.id,))
        return n


__all__ = ["Listeners", "Listener", "GUEST", "DEFAULT_LISTENER", "state_key", "current", "set_current"]
