"""Saved playlists and their ordered items."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Sequence

from ..errors import UserError
from .codec import dumps, now

if TYPE_CHECKING:
    from .db import Library


class PlaylistStore:
    def __init__(self, lib: "Library"):
        self.lib = lib

    def save(self, name: str, items: Sequence[dict[str, Any]], source: str = "manual",
             params: dict | None = None) -> int:
        """Create or replace a playlist. Each item: {path, media_id?, title?, duration?}."""
        t = now()
        with self.lib.transaction() as c:
            row = c.execute("SELECT id FROM playlists WHERE name = ?", (name,)).fetchone()
            if row:
                pid = row[0]
                c.execute("UPDATE playlists SET source = ?, params = ?, updated_at = ? WHERE id = ?",
                          (source, dumps(params or {}), t, pid))
                c.execute("DELETE FROM playlist_items WHERE playlist_id = ?", (pid,))
            else:
                pid = c.execute("INSERT INTO playlists (name, source, params, created_at, updated_at) "
                                "VALUES (?, ?, ?, ?, ?)", (name, source, dumps(params or {}), t, t)).lastrowid
            c.executemany(
                "INSERT INTO playlist_items (playlist_id, position, media_id, path, title, duration) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                ((pid, i, it.get("media_id"), it["path"], it.get("title"), it.get("duration"))
                 for i, it in enumerate(items)))
        return pid

    def get(self, name: str) -> dict[str, Any]:
        row = self.lib.conn.execute("SELECT * FROM playlists WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise UserError(f"no playlist named {name!r}")
        d = dict(row)
        d["params"] = json.loads(d["params"])
        d["items"] = [dict(r) for r in self.lib.query(
            "SELECT position, media_id, path, title, duration FROM playlist_items WHERE playlist_id = ? "
            "ORDER BY position", (d["id"],))]
        return d

    def list(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.lib.query(
            "SELECT p.id, p.name, p.source, p.created_at, p.updated_at, "
            "(SELECT count(*) FROM playlist_items i WHERE i.playlist_id = p.id) AS items "
            "FROM playlists p ORDER BY p.name")]

    def delete(self, name: str) -> None:
        with self.lib.transaction() as c:
            if c.execute("DELETE FROM playlists WHERE name = ?", (name,)).rowcount == 0:
                raise UserError(f"no playlist named {name!r}")
