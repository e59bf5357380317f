"""The blocklist: "never recommend" an item, an artist or a folder; listed, undone, and resolved to ids.

Rules live in table `blocklist` (schema v3). An item rule names a media id (it goes with the item);
an artist rule matches `media.artist` case-insensitively (ASCII case, SQLite's NOCASE); a folder rule
matches every file below the folder's absolute path. `blocked_ids()` resolves all rules to media ids
in one query through indexes (the artist NOCASE index, the path index as a range), so it is cheap
enough to call before every list; recommenders leave those ids out (`without_blocked`).

Listeners (schema v5): a rule is everyone's (listener_id EVERYONE: every rule from before listeners, and
what `Blocklist(lib)` adds) or one listener's (`Blocklist(lib, scope=id)` adds those). A listener's
blocked items are everyone's rules plus their own; a guest sees everyone's only. Decided so: a parent
blocking a song for themselves must not hide it from a child, and a family-wide "never" is one rule."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..errors import UserError
from .codec import now
from .schema import EVERYONE

if TYPE_CHECKING:
    from .db import Library

KINDS = ("item", "artist", "folder")


@dataclass(frozen=True)
class BlockRule:
    """One rule. kind: "item" | "artist" | "folder"; value: the media id as text, the artist name, or the
    folder's absolute path; media_id: the item's id (kind "item" only); label: what to show (a title);
    created_at: unix time."""

    id: int
    kind: str
    value: str
    media_id: int | None
    label: str | None
    created_at: float
    listener_id: int = EVERYONE


def folder_key(path: str) -> str:
    """A folder as a rule stores it: absolute, user-expanded, normalised, no trailing separator."""
    return os.path.normpath(os.path.abspath(os.path.expanduser(str(path))))


class Blocklist:
    """The user's "never recommend" rules. Each change is one transaction."""

    def __init__(self, lib: "Library", scope: int | None = EVERYONE):
        """`scope`: whose rules are added, removed and listed with everyone's (a listener id; EVERYONE or None,
        the guest: only everyone's rules)."""
        self.lib = lib
        self.scope = EVERYONE if scope is None else int(scope)

    def block_item(self, media_id: int) -> BlockRule:
        """Never recommend this item (idempotent: blocking it again returns the existing rule)."""
        item = self.lib.media.get(int(media_id))
        if item is None:
            raise UserError(f"{media_id}: no such media id")
        return self._add("item", str(item["id"]), item["id"], item.get("title") or os.path.basename(item["path"]))

    def block_artist(self, name: str) -> BlockRule:
        """Never recommend anything whose artist is `name` (case-insensitive)."""
        name = (name or "").strip()
        if not name:
            raise UserError("give the artist's name")
        existing = self.lib.conn.execute(
            "SELECT id FROM blocklist WHERE kind = 'artist' AND value = ? COLLATE NOCASE AND listener_id = ?",
            (name, self.scope)).fetchone()
        if existing is not None:
            return self._rule(existing[0])
        return self._add("artist", name, None, name)

    def block_folder(self, path: str) -> BlockRule:
        """Never recommend anything below `path` (it need not exist: a folder of an unplugged drive)."""
        key = folder_key(path)
        return self._add("folder", key, None, key)

    def _add(self, kind: str, value: str, media_id: int | None, label: str | None) -> BlockRule:
        with self.lib.transaction() as c:
            c.execute("INSERT INTO blocklist (kind, value, media_id, label, created_at, listener_id) "
                      "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (kind, value, listener_id) DO NOTHING",
                      (kind, value, media_id, label, now(), self.scope))
            rid = c.execute("SELECT id FROM blocklist WHERE kind = ? AND value = ? AND listener_id = ?",
                            (kind, value, self.scope)).fetchone()[0]
        return self._rule(rid)

    def _rule(self, rule_id: int) -> BlockRule:
        row = self.lib.conn.execute("SELECT * FROM blocklist WHERE id = ?", (rule_id,)).fetchone()
        return BlockRule(**dict(row))

    def rules(self) -> list[BlockRule]:
        """Every rule that holds in this scope (everyone's and the scope's own), newest first."""
        return [BlockRule(**dict(r)) for r in self.lib.query(
            "SELECT * FROM blocklist WHERE listener_id IN (?, ?) ORDER BY created_at DESC, id DESC",
            (EVERYONE, self.scope))]

    def unblock(self, rule_id: int) -> bool:
        """Undo one rule by its id; False when there was none."""
        with self.lib.transaction() as c:
            return c.execute("DELETE FROM blocklist WHERE id = ?", (int(rule_id),)).rowcount > 0

    def unblock_item(self, media_id: int) -> bool:
        with self.lib.transaction() as c:
            return c.execute("DELETE FROM blocklist WHERE kind = 'item' AND media_id = ? AND listener_id = ?",
                             (int(media_id), self.scope)).rowcount > 0

    def unblock_artist(self, name: str) -> bool:
        with self.lib.transaction() as c:
            return c.execute("DELETE FROM blocklist WHERE kind = 'artist' AND value = ? COLLATE NOCASE "
                             "AND listener_id = ?", (name.strip(), self.scope)).rowcount > 0

    def unblock_folder(self, path: str) -> bool:
        with self.lib.transaction() as c:
            return c.execute("DELETE FROM blocklist WHERE kind = 'folder' AND value = ? AND listener_id = ?",
                             (folder_key(path), self.scope)).rowcount > 0

    def blocked_ids(self) -> np.ndarray:
        """Every media id some rule blocks: sorted, unique, int64 (empty when there are no rules)."""
        rows = self.lib.conn.execute(
            # a folder is a range of the path index: paths from "<folder>/" up to "<folder>0" ('0' follows '/')
            """SELECT media_id FROM blocklist WHERE kind = 'item' AND listener_id IN (?1, ?2)
               UNION SELECT m.id FROM blocklist b JOIN media m ON m.artist = b.value COLLATE NOCASE
                     WHERE b.kind = 'artist' AND b.listener_id IN (?1, ?2)
               UNION SELECT m.id FROM blocklist b JOIN media m
                     ON m.path > rtrim(b.value, '/') || '/' AND m.path < rtrim(b.value, '/') || '0'
                     WHERE b.kind = 'folder' AND b.listener_id IN (?1, ?2)""", (EVERYONE, self.scope))
        return np.unique(np.fromiter((r[0] for r in rows), dtype=np.int64))  # (UNION's order is not promised)

    def is_blocked(self, media_id: int) -> bool:
        ids = self.blocked_ids()
        i = np.searchsorted(ids, int(media_id))
        return bool(i < len(ids) and ids[i] == int(media_id))


def blocked_ids(lib: "Library", scope: int | None = EVERYONE) -> np.ndarray:
    """`Blocklist(lib, scope).blocked_ids()`: the blocked media ids, sorted int64."""
    return Blocklist(lib, scope).blocked_ids()


def without_blocked(ids: np.ndarray, scores: np.ndarray, blocked: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(ids, scores) of a recommendation with the blocked ids (sorted, as `blocked_ids` gives) left out,
    the order kept."""
    ids = np.asarray(ids, dtype=np.int64)
    if len(blocked) == 0 or len(ids) == 0:
        return ids, np.asarray(scores)
    pos = np.minimum(np.searchsorted(blocked, ids), len(blocked) - 1)
    keep = blocked[pos] != ids
    return ids[keep], np.asarray(scores)[keep]


__all__ = ["Blocklist", "BlockRule", "blocked_ids", "without_blocked", "folder_key", "KINDS"]
