"""Bring a database file up to the current schema, backing it up before any change."""
from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path

from ..errors import MediarecError
from .schema import MIGRATIONS, SCHEMA_VERSION

log = logging.getLogger(__name__)


class DatabaseTooNew(MediarecError):
    """The file was written by a newer mediarec; we refuse to touch it rather than guess."""


def backup(conn: sqlite3.Connection, db_path: Path, version: int) -> Path:
    """Copy the live database (consistently, through SQLite's backup API) next to itself."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    dest = db_path.with_name(f"{db_path.name}.v{version}-{stamp}.bak")
    n = 1
    while dest.exists():
        dest = db_path.with_name(f"{db_path.name}.v{version}-{stamp}-{n}.bak")
        n += 1
    target = sqlite3.connect(dest)
    try:
        conn.backup(target)
    finally:
        target.close()
    return dest


def migrate(conn: sqlite3.Connection, db_path: Path | None) -> list[int]:
    """Apply every pending migration, each in its own transaction. Returns the versions applied."""
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    if current > SCHEMA_VERSION:
        raise DatabaseTooNew(
            f"{db_path}: schema version {current} is newer than this mediarec understands ({SCHEMA_VERSION}); "
            "upgrade mediarec"
        )
    pending = [m for m in MIGRATIONS if m.version > current]
    if not pending:
        return []
    if current > 0 and db_path is not None:
        dest = backup(conn, db_path, current)
        log.info("backed up %s to %s before migrating", db_path, dest)
    applied = []
    for m in pending:
        conn.execute("BEGIN IMMEDIATE")
        # Another connection (the app opens one per thread at start-up) may have applied it meanwhile.
        if conn.execute("PRAGMA user_version").fetchone()[0] >= m.version:
            conn.execute("COMMIT")
            continue
        try:
            m.apply(conn)
            conn.execute(f"PRAGMA user_version = {int(m.version)}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        log.info("migrated %s to schema %d (%s)", db_path, m.version, m.description)
        applied.append(m.version)
    return applied


def remove_backup_copies(db_path: Path, keep: int = 3) -> None:
    """Keep only the newest `keep` backups, so migrations do not fill the disk over the years."""
    backups = sorted(db_path.parent.glob(f"{db_path.name}.v*.bak"), key=lambda p: p.stat().st_mtime)
    for old in backups[:-keep]:
        try:
            old.unlink()
        except OSError:
            pass


__all__ = ["migrate", "backup", "DatabaseTooNew", "remove_backup_copies"]
