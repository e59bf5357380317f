"""A damaged library.db: recognising it, keeping backups, restoring the newest good one or starting fresh.

Nothing here ever writes over a damaged file: it is renamed aside with a timestamp (with its -wal/-shm
companions) and kept for the user. Qt-free: the CLI (`mediarec doctor --restore-backup | --start-fresh`)
and the app (mediarec/ui/recovery.py) both call these functions."""
from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import MediarecError

log = logging.getLogger(__name__)

DAILY_PREFIX = "daily-"
KEEP_DAILY = 3
BACKUP_INTERVAL = 24 * 3600.0  # at most one periodic backup a day
# Not "disk I/O error" or "disk is full": those are the drive's trouble, and starting fresh would not help.
_DAMAGE_WORDS = ("malformed", "not a database", "file is encrypted")


class DamagedLibrary(MediarecError):
    """library.db cannot be read; str() is one line naming the file and the two ways out."""

    def __init__(self, path: str | os.PathLike, cause: str):
        super().__init__(str(path), cause)
        self.path, self.cause = Path(path), str(cause)

    def __str__(self) -> str:
        newest = newest_backup(self.path)
        restore = (f"'mediarec doctor --restore-backup' (newest backup {newest.name})" if newest
                   else "no backup to restore")
        return (f"{self.path}: the library database is damaged ({self.cause}); {restore}, or "
                f"'mediarec doctor --start-fresh' (the damaged file is kept aside)")


def is_damage(exc: BaseException) -> bool:
    """True when an sqlite3 error means the file itself is bad (not a lock, a full disk or a bug of ours)."""
    if not isinstance(exc, sqlite3.DatabaseError):
        return False
    if isinstance(exc, (sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.InterfaceError)):
        return False
    text = str(exc).lower()
    return any(w in text for w in _DAMAGE_WORDS)


def check_header(path: Path) -> str | None:
    """A cause when `path` exists but cannot be a SQLite database (a few bytes read); None when it may be."""
    try:
        with open(path, "rb") as f:
            head = f.read(100)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return exc.strerror or str(exc)
    if not head:
        return None  # an empty file is a new database to SQLite
    if len(head) < 100 or not head.startswith(b"SQLite format 3\x00"):
        return "file is not a database"
    return None


def _free_name(path: Path, label: str, suffix: str = "", now: float | None = None) -> Path:
    """`<name>.<label>-<stamp>[-n]<suffix>`: a name that exists nowhere yet (we never write over a file)."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    dest = path.with_name(f"{path.name}.{label}-{stamp}{suffix}")
    n = 1
    while dest.exists() or Path(f"{dest}-wal").exists():
        dest = path.with_name(f"{path.name}.{label}-{stamp}-{n}{suffix}")
        n += 1
    return dest


def backups(db_path: Path) -> list[Path]:
    """Every backup of `db_path` (migration `.vN-*.bak` and daily `.daily-*.bak`), newest first."""
    found = [p for p in db_path.parent.glob(f"{db_path.name}.*.bak") if p.is_file()]
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


def backup_is_good(path: Path) -> bool:
    """quick_check on a backup, opened read-only (a backup is small next to its worth; seconds at most)."""
    if check_header(path) is not None:
        return False
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        finally:
            conn.close()
    except sqlite3.Error:
        return False


def damage(db_path: Path) -> str | None:
    """What is wrong with `db_path` (header, then PRAGMA quick_check: seconds on a big library), or None when it
    is sound or absent. The recovery commands ask this first, so a healthy library is never set aside."""
    db_path = Path(db_path)
    if not db_path.exists():
        return None
    cause = check_header(db_path)
    if cause is not None:
        return cause
    try:
        conn = sqlite3.connect(f"{db_path.absolute().as_uri()}?mode=ro", uri=True)
        try:
            result = conn.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return str(exc) if is_damage(exc) else None  # locked, or a full disk: not the file's fault
    return None if result == "ok" else result


def newest_backup(db_path: Path) -> Path | None:
    """The newest backup that exists (not checked: naming it in a message must stay cheap)."""
    found = backups(Path(db_path))
    return found[0] if found else None


def set_aside(db_path: Path) -> Path | None:
    """Rename the damaged file and its -wal/-shm aside under one timestamp; returns the new name."""
    db_path = Path(db_path)
    if not db_path.exists():
        return None
    dest = _free_name(db_path, "damaged")
    for suffix in ("-wal", "-shm"):
        companion = Path(f"{db_path}{suffix}")
        if companion.exists():
            os.rename(companion, f"{dest}{suffix}")
    os.rename(db_path, dest)
    log.warning("kept the damaged library %s as %s", db_path, dest)
    return dest


@dataclass
class Recovered:
    action: str  # "restored" or "fresh"
    kept_as: Path | None  # where the damaged file now is
    restored_from: Path | None = None

    def summary(self) -> str:
        kept = f"; the damaged file is kept as {self.kept_as}" if self.kept_as else ""
        if self.action == "restored":
            return f"Restored the library from {self.restored_from}{kept}"
        return f"Started a fresh library{kept}"


def _require_damage(db_path: Path) -> None:
    if damage(db_path) is None:
        raise MediarecError(f"{db_path}: the library database is not damaged (quick_check ok); nothing was changed")


def restore_newest_backup(db_path: Path) -> Recovered:
    """Put the newest backup that passes quick_check in place of the damaged file (kept aside). Refused for a
    library that is not damaged: its newer history would be set aside for an older copy."""
    db_path = Path(db_path)
    _require_damage(db_path)
    good = next((b for b in backups(db_path) if backup_is_good(b)), None)
    if good is None:
        raise MediarecError(f"{db_path}: no usable backup next to it; 'mediarec doctor --start-fresh' "
                            "keeps the damaged file aside and starts an empty library")
    tmp = db_path.with_name(db_path.name + ".restoring")
    shutil.copy2(good, tmp)  # copy first: the backup stays a backup, and a failed copy changes nothing
    kept = set_aside(db_path)
    os.replace(tmp, db_path)
    return Recovered("restored", kept, good)


def start_fresh(db_path: Path) -> Recovered:
    """Keep the damaged file aside; the next open creates an empty library. Refused for a sound library."""
    _require_damage(Path(db_path))
    return Recovered("fresh", set_aside(Path(db_path)))


def periodic_backup(conn: sqlite3.Connection, db_path: Path, now: float | None = None,
                    interval: float = BACKUP_INTERVAL, keep: int = KEEP_DAILY) -> Path | None:
    """An online backup (SQLite's backup API) when the newest daily one is older than `interval`;
    keeps the newest `keep`. Called after a successful scan or analysis. Returns the new file or None."""
    db_path = Path(db_path)
    now = time.time() if now is None else now
    daily = sorted(db_path.parent.glob(f"{db_path.name}.{DAILY_PREFIX}*.bak"), key=lambda p: p.stat().st_mtime)
    if daily and now - daily[-1].stat().st_mtime < interval:
        return None
    dest = _free_name(db_path, DAILY_PREFIX.rstrip("-"), ".bak", now)
    tmp = dest.with_name(dest.name + ".tmp")
    target = sqlite3.connect(tmp)
    try:
        conn.backup(target)
    finally:
        target.close()
    os.replace(tmp, dest)
    for old in (daily + [dest])[:-keep]:
        old.unlink(missing_ok=True)
    return dest


__all__ = ["DamagedLibrary", "is_damage", "damage", "check_header", "backups", "newest_backup", "restore_newest_backup",
           "start_fresh", "periodic_backup", "set_aside", "Recovered", "backup_is_good"]
