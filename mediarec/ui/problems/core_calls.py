"""The Problems view's calls into the core (Qt-free, run on the library's service thread): list, retry, ignore.

The appcore's FileStatusStore.retry / set_ignored do the work where present; until that lands on this branch
the same rules run here (rows cleared so the next scan or analysis plans the files again; ignored rows kept
so an unchanged bad file is still not retried). This is the one place to simplify at merge."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from ...library import Library


@dataclass(frozen=True)
class RetryPlan:
    cleared: int
    rescan: bool
    analyze_ids: list[int] = field(default_factory=list)


def problems(lib: Library, include_ignored: bool = False) -> list[dict[str, Any]]:
    sql = "SELECT * FROM file_status" + ("" if include_ignored else " WHERE NOT ignored") + " ORDER BY ts DESC, path"
    return [dict(r) for r in lib.query(sql)]


def retry(lib: Library, paths: Iterable[str]) -> RetryPlan:
    store = lib.file_status
    if hasattr(store, "retry"):
        r = store.retry(list(paths))
        return RetryPlan(r.cleared, r.rescan, list(r.analyze_ids))
    wanted = set(paths)
    rows = [r for r in problems(lib, include_ignored=True) if r["path"] in wanted]
    reprobe = [r["media_id"] for r in rows if r["stage"] in ("scan", "probe") and r["media_id"]]
    with lib.transaction() as c:
        c.executemany("DELETE FROM file_status WHERE id = ?", ((r["id"],) for r in rows))
        # a scan skips a file whose size and mtime it knows; this one must be probed again
        c.executemany("UPDATE media SET mtime = -1 WHERE id = ? AND status = 'error'", ((m,) for m in reprobe))
    analyze = sorted({r["media_id"] for r in rows if r["stage"].startswith("analyze:") and r["media_id"]})
    return RetryPlan(len(rows), any(r["stage"] in ("scan", "probe") for r in rows), analyze)


def ignore(lib: Library, rows: Iterable[tuple[str, str]], ignored: bool = True) -> int:
    """Hide (or show again) these (path, stage) problems; they stay recorded."""
    store, n = lib.file_status, 0
    for path, stage in rows:
        if hasattr(store, "set_ignored"):
            n += store.set_ignored(path, ignored, stage)
        else:
            with lib.transaction() as c:
                n += c.execute("UPDATE file_status SET ignored = ? WHERE path = ? AND stage = ?",
                               (int(ignored), path, stage)).rowcount
    return n
