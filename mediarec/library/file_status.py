"""file_status: the record of every file that failed a stage, and why; retrying and ignoring problems;
player errors (stage "play", never an event)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable

from ..errors import FILE_STATUS_KINDS, FileError, PlayerError
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

    def list(self, stage_prefix: str | None = None, include_ignored: bool = True) -> list[dict]:
        """Rows (as dicts, with `ignored` 0/1), by path and stage. The Problems view and `doctor` pass
        include_ignored=False; planning keeps them (an ignored bad file is still not retried)."""
        sql, params = "SELECT * FROM file_status WHERE 1=1", []
        if stage_prefix:
            sql += " AND stage LIKE ?"
            params.append(stage_prefix + "%")
        if not include_ignored:
            sql += " AND ignored = 0"
        return [dict(r) for r in self.lib.query(sql + " ORDER BY path, stage", params)]

    def count_by_stage(self, include_ignored: bool = True) -> dict[str, int]:
        rows = self.lib.query("SELECT stage, count(*) AS n FROM file_status"
                              + ("" if include_ignored else " WHERE ignored = 0") + " GROUP BY stage")
        return {r["stage"]: r["n"] for r in rows}

    # --- the Problems view: retry and ignore ------------------------------------------------------
    def retry(self, paths: Iterable[str] | None = None) -> "Retry":
        """Forget the failures of `paths` (None: every problem not ignored), so the next scan or
        analysis plans those files again. Returns what to run for them (see Retry)."""
        rows = self.list(include_ignored=paths is not None)
        if paths is not None:
            wanted = set(paths)
            rows = [r for r in rows if r["path"] in wanted]
        reprobe = [r["media_id"] for r in rows if r["stage"] in ("scan", "probe") and r["media_id"]]
        with self.lib.transaction() as c:
            c.executemany("DELETE FROM file_status WHERE id = ?", ((r["id"],) for r in rows))
            # a scan skips a file whose size and mtime it knows; this one must be probed again
            c.executemany("UPDATE media SET mtime = -1 WHERE id = ? AND status = 'error'", ((m,) for m in reprobe))
        analyze = sorted({r["media_id"] for r in rows if r["stage"].startswith("analyze:") and r["media_id"]})
        extractors = sorted({r["stage"].split(":", 1)[1] for r in rows if r["stage"].startswith("analyze:")})
        return Retry(len(rows), any(r["stage"] in ("scan", "probe") for r in rows), analyze, extractors)

    def set_ignored(self, path: str, ignored: bool = True, stage: str | None = None) -> int:
        """Hide (or show again) a file's problems from `doctor`, the counts and the Problems view. The rows
        stay, so an unchanged bad file is still not retried. Returns how many rows changed."""
        with self.lib.transaction() as c:
            return c.execute("UPDATE file_status SET ignored = ? WHERE path = ? AND (? IS NULL OR stage = ?)",
                             (int(ignored), path, stage, stage)).rowcount


@dataclass(frozen=True)
class Retry:
    """What retrying problems cleared, and what to run for them: `rescan` when a scan or probe failure
    was cleared (run a scan); `analyze_ids` (media ids) and `extractors` when analysis failures were
    (run analysis with those ids first, e.g. tasks.analyze_task(first_ids=analyze_ids))."""

    cleared: int
    rescan: bool
    analyze_ids: list[int] = field(default_factory=list)
    extractors: list[str] = field(default_factory=list)


PLAY_STAGE = "play"


def record_play_error(lib: "Library", media_id: int, message: str) -> None:
    """The player could not play an item (a file that will not decode, no audio device): a file_status
    row at stage "play", never an event, so it is not a skip. Kind: not_found when the file is gone,
    else "player". Unknown ids are ignored (the item was removed while playing)."""
    item = lib.media.get(int(media_id))
    if item is None:
        return
    path = item["path"]
    kind = PlayerError.kind if os.path.exists(path) else "not_found"
    lib.file_status.record(path, PLAY_STAGE, kind, message.strip() or "could not play",
                           size=item.get("size"), mtime=item.get("mtime"), media_id=item["id"])


def clear_play_error(lib: "Library", media_id: int) -> None:
    """The item played after all: its play error is over."""
    item = lib.media.get(int(media_id))
    if item is not None:
        lib.file_status.clear(item["path"], PLAY_STAGE)
