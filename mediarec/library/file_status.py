"""file_status: the record of every file that failed a stage, and why."""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Iterable

from ..errors import FILE_STATUS_KINDS, FileError
from .codec import now

if TYPE_CHECKING:
    from .db import Library


class FileStatusStore:
    def __init__(self, lib: "Library"):
        self.lib = lib

    def record(self, path: str, stage: str, kind: str, message: str, *, size: int | None = None,
               mtime: float | None = None, media_id: int | None = None) -> None:
        if kind not in FILE_STATUS_KINDS:  # a kind nobody reads back (doctor, the UI) is our bug
            raise ValueError(f"{path}: unknown file_status kind {kind!r}")
        with self.lib.transaction() as c:
            c.execute(
                """INSERT INTO file_status (path, media_id, stage, kind, message, size, mtime, ts)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (path, stage) DO UPDATE SET
                     media_id = excluded.media_id, kind = excluded.kind, message = excluded.message,
                     size = excluded.size, mtime = excluded.mtime, ts = excluded.ts,
                     attempts = file_status.attempts + 1""",
                (path, media_id, stage, kind, message, size, mtime, now()),
            )

    def record_error(self, err: FileError, stage: str, **kw) -> None:
        self.record(err.path, stage, err.kind, err.reason, **kw)

    def clear(self, path: str, stage: str | None = None) -> None:
        with self.lib.transaction() as c:
            if stage is None:
                c.execute("DELETE FROM file_status WHERE path = ?", (path,))
            else:
                c.execute("DELETE FROM file_status WHERE path = ? AND stage = ?", (path, stage))

    def clear_many(self, paths: Iterable[str], stage: str) -> None:
        with self.lib.transaction() as c:
            c.executemany("DELETE FROM file_status WHERE path = ? AND stage = ?", ((p, stage) for p in paths))

    def clear_under(self, prefix: str, stages: tuple[str, ...] | None = None) -> int:
        """Forget the failures of files below a folder, at these stages or all (a removed root's files)."""
        below = prefix.rstrip(os.sep) + os.sep
        where, params = "(path = ? OR substr(path, 1, ?) = ?)", [prefix, len(below), below]
        if stages is not None:
            where += f" AND stage IN ({','.join('?' * len(stages))})"
            params += stages
        with self.lib.transaction() as c:
            return c.execute(f"DELETE FROM file_status WHERE {where}", params).rowcount

    def known(self, stages: tuple[str, ...]) -> dict[str, tuple]:
        """path -> (size, mtime) of files that failed one of these stages (to skip them while unchanged)."""
        marks = ",".join("?" * len(stages))
        rows = self.lib.query(f"SELECT path, size, mtime FROM file_status WHERE stage IN ({marks})", stages)
        return {r["path"]: (r["size"], r["mtime"]) for r in rows}

    def list(self, stage_prefix: str | None = None) -> list[dict]:
        if stage_prefix:
            rows = self.lib.query("SELECT * FROM file_status WHERE stage LIKE ? ORDER BY path, stage",
                                  (stage_prefix + "%",))
        else:
            rows = self.lib.query("SELECT * FROM file_status ORDER BY path, stage")
        return [dict(r) for r in rows]

    def count_by_stage(self) -> dict[str, int]:
        rows = self.lib.query("SELECT stage, count(*) AS n FROM file_status GROUP BY stage")
        return {r["stage"]: r["n"] for r in rows}
