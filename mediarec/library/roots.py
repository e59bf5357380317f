"""Library roots: the folders the user added."""
from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ..errors import UserError
from .codec import now

if TYPE_CHECKING:
    from .db import Library


def normalise_root(path: str | os.PathLike) -> str:
    return os.path.abspath(os.path.expanduser(os.fspath(path)))


class RootStore:
    def __init__(self, lib: "Library"):
        self.lib = lib

    def add(self, path: str | os.PathLike) -> int:
        """Add a folder (idempotent). A root inside or around an existing root is refused."""
        p = normalise_root(path)
        if not os.path.isdir(p):
            raise UserError(f"{p}: not a folder")
        for r in self.list():
            if r["path"] == p:
                if r["removed"]:
                    with self.lib.transaction() as c:
                        c.execute("UPDATE roots SET available = 1 WHERE id = ?", (r["id"],))
                        # Bring back the files of a root the user removed and now adds again.
                        c.execute("UPDATE media SET status = 'missing' WHERE root_id = ? AND status = 'removed'",
                                  (r["id"],))
                return r["id"]
            if not r["removed"] and _contains(r["path"], p):
                raise UserError(f"{p}: already inside the library folder {r['path']}")
            if not r["removed"] and _contains(p, r["path"]):
                raise UserError(f"{p}: contains the library folder {r['path']}; remove that one first")
        with self.lib.transaction() as c:
            cur = c.execute("INSERT INTO roots (path, added_at, available) VALUES (?, ?, 1)", (p, now()))
            return cur.lastrowid

    def remove(self, path: str | os.PathLike) -> int:
        """Stop watching a folder. Its files are hidden, not deleted: history that refers to them stays.

        Their failures are forgotten; adding the folder again scans and analyses them afresh."""
        p = normalise_root(path)
        row = self.lib.conn.execute("SELECT id FROM roots WHERE path = ?", (p,)).fetchone()
        if row is None:
            raise UserError(f"{p}: not a library folder (see 'mediarec roots')")
        with self.lib.transaction() as c:
            n = c.execute("UPDATE media SET status = 'removed' WHERE root_id = ?", (row["id"],)).rowcount
            c.execute("UPDATE roots SET available = -1 WHERE id = ?", (row["id"],))
            # Its files' failures go too: `doctor` lists only what the user can still act on.
            self.lib.file_status.clear_under(p)
        return n

    def list(self, include_removed: bool = True) -> list[dict]:
        rows = self.lib.query(
            "SELECT r.*, (SELECT count(*) FROM media m WHERE m.root_id = r.id AND m.status = 'ok') AS files "
            "FROM roots r ORDER BY r.path"
        )
        out = []
        for r in rows:
            d = dict(r)
            d["removed"] = d["available"] == -1
            if d["removed"] and not include_removed:
                continue
            out.append(d)
        return out

    def active(self) -> list[dict]:
        return [r for r in self.list() if not r["removed"]]

    def set_available(self, root_id: int, available: bool) -> None:
        with self.lib.transaction() as c:
            c.execute("UPDATE roots SET available = ? WHERE id = ? AND available != -1", (int(available), root_id))

    def mark_scanned(self, root_id: int) -> None:
        with self.lib.transaction() as c:
            c.execute("UPDATE roots SET last_scan = ? WHERE id = ?", (now(), root_id))


def _contains(parent: str, child: str) -> bool:
    return child != parent and child.startswith(parent.rstrip(os.sep) + os.sep)
