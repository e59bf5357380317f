"""The media table: one row per file, its facts, tags and status."""
from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any, Iterable

from ..errors import UserError
from .codec import dumps, now

if TYPE_CHECKING:
    from .db import Library

PROBED_COLUMNS = (
    "kind", "size", "mtime", "fingerprint", "duration", "title", "artist", "album", "album_artist", "genre",
    "date", "track_no", "width", "height", "fps", "audio_channels", "sample_rate", "bitrate", "container",
    "codec", "tags", "streams",
)
"""Columns the scanner's probe fills (tags and streams as Python objects; stored as JSON)."""

PUBLIC_FIELDS = ("id", "path", "kind", "title", "artist", "album", "album_artist", "genre", "date", "track_no",
                 "duration", "width", "height", "fps", "audio_channels", "sample_rate", "bitrate", "container",
                 "codec", "size", "mtime", "status", "fingerprint")


def _encode(fields: dict[str, Any]) -> dict[str, Any]:
    out = dict(fields)
    for key in ("tags", "streams"):
        if key in out and not isinstance(out[key], str):
            out[key] = dumps(out[key])
    return out


def row_to_item(row) -> dict[str, Any]:
    """A media row as the dict the CLI, GUI and recommender share."""
    d = dict(row)
    for key, empty in (("tags", {}), ("streams", [])):
        if key in d:
            d[key] = json.loads(d[key]) if d[key] else empty
    return d


class MediaStore:
    def __init__(self, lib: "Library"):
        self.lib = lib

    # --- reads -------------------------------------------------------------------------------------
    def snapshot(self, root_id: int) -> dict[str, tuple[int, int, float, str, str]]:
        """path -> (id, size, mtime, status, fingerprint) for every file of a root: the rescan's only query."""
        rows = self.lib.conn.execute(
            "SELECT path, id, size, mtime, status, fingerprint FROM media WHERE root_id = ?", (root_id,))
        return {r[0]: (r[1], r[2], r[3], r[4], r[5]) for r in rows}

    def gone(self) -> list[tuple[int, str]]:
        """(id, fingerprint) of files known to be gone (missing, or under a removed root)."""
        return [(r[0], r[1]) for r in self.lib.conn.execute(
            "SELECT id, fingerprint FROM media WHERE status IN ('missing', 'removed')")]

    def get(self, media_id: int) -> dict[str, Any] | None:
        row = self.lib.conn.execute("SELECT * FROM media WHERE id = ?", (media_id,)).fetchone()
        return row_to_item(row) if row else None

    def get_many(self, media_ids: Iterable[int], columns: Iterable[str] | None = None) -> dict[int, dict[str, Any]]:
        """The rows of the given ids that exist, by id, in one query (a list's worth of items); `columns`
        (of PUBLIC_FIELDS) reads only those."""
        ids = json.dumps([int(i) for i in media_ids])
        cols = "*" if columns is None else ", ".join(dict.fromkeys(["id", *(c for c in columns if c in PUBLIC_FIELDS)]))
        rows = self.lib.conn.execute(f"SELECT {cols} FROM media WHERE id IN (SELECT value FROM json_each(?))", (ids,))
        return {r["id"]: row_to_item(r) for r in rows}

    def by_path(self, path: str) -> dict[str, Any] | None:
        row = self.lib.conn.execute("SELECT * FROM media WHERE path = ?", (path,)).fetchone()
        return row_to_item(row) if row else None

    def resolve(self, item: str | int) -> dict[str, Any]:
        """An item named by the user: a media id or a path (absolute or relative to the cwd)."""
        text = str(item).strip()
        if text.isdigit():
            found = self.get(int(text))
            if found:
                return found
        found = self.by_path(os.path.abspath(os.path.expanduser(text)))
        if found is None:
            raise UserError(f"{text}: not in the library (give a media id or the path of a scanned file)")
        return found

    def list(self, kind: str | None = None, statuses: Iterable[str] = ("ok",), order: str = "path") -> list[dict]:
        statuses = tuple(statuses)
        sql = f"SELECT * FROM media WHERE status IN ({','.join('?' * len(statuses))})"
        params: list[Any] = list(statuses)
        if kind:
            sql += " AND kind = ?"
            params.append(kind)
        order_by = {"path": "path", "id": "id", "title": "title COLLATE NOCASE, path"}[order]
        return [row_to_item(r) for r in self.lib.query(sql + f" ORDER BY {order_by}", params)]

    def counts(self) -> dict[str, dict[str, int]]:
        """{kind: {status: n}}"""
        out: dict[str, dict[str, int]] = {}
        for r in self.lib.query("SELECT kind, status, count(*) AS n FROM media GROUP BY kind, status"):
            out.setdefault(r["kind"], {})[r["status"]] = r["n"]
        return out

    def ids(self, kind: str | None = None, statuses: Iterable[str] = ("ok",)) -> list[int]:
        statuses = tuple(statuses)
        sql = f"SELECT id FROM media WHERE status IN ({','.join('?' * len(statuses))})"
        params: list[Any] = list(statuses)
        if kind:
            sql += " AND kind = ?"
            params.append(kind)
        return [r[0] for r in self.lib.conn.execute(sql + " ORDER BY id", params)]

    # --- writes (call inside lib.transaction()) ------------------------------------------------------
    def insert(self, path: str, root_id: int | None, fields: dict[str, Any]) -> int:
        f = _encode(fields)
        t = now()
        cols = ("path", "root_id", *PROBED_COLUMNS, "status", "added_at", "updated_at")
        vals = (path, root_id, *(f.get(c) for c in PROBED_COLUMNS), "ok", t, t)
        cur = self.lib.conn.execute(
            f"INSERT INTO media ({','.join(cols)}) VALUES ({','.join('?' * len(cols))})", vals)
        return cur.lastrowid

    def update_probed(self, media_id: int, fields: dict[str, Any], *, path: str | None = None,
                      root_id: int | None = None) -> None:
        """New facts for a file (changed, or moved when `path` is given); status back to ok."""
        f = _encode(fields)
        sets = [f"{c} = ?" for c in PROBED_COLUMNS] + ["status = 'ok'", "updated_at = ?"]
        vals: list[Any] = [f.get(c) for c in PROBED_COLUMNS] + [now()]
        if path is not None:
            sets += ["path = ?", "root_id = ?"]
            vals += [path, root_id]
        self.lib.conn.execute(f"UPDATE media SET {', '.join(sets)} WHERE id = ?", (*vals, media_id))

    def set_status(self, ids: Iterable[int], status: str) -> int:
        ids = list(ids)
        t = now()
        self.lib.conn.executemany("UPDATE media SET status = ?, updated_at = ? WHERE id = ?",
                                  ((status, t, i) for i in ids))
        return len(ids)

    def mask_root(self, root_id: int) -> int:
        return self.lib.conn.execute(
            "UPDATE media SET status = 'masked', updated_at = ? WHERE root_id = ? AND status = 'ok'",
            (now(), root_id)).rowcount
