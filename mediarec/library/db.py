"""The Library: one SQLite connection (WAL, foreign keys, busy timeout), its transactions and stores."""
from __future__ import annotations

import contextlib
import functools
import logging
import os
import shutil
import sqlite3
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from ..errors import MediarecError
from .migrate import migrate
from .recovery import DamagedLibrary, check_header, is_damage, periodic_backup
from .stores import EventStore, FileStatusStore, KVStore, MediaStore, PlaylistStore, RootStore, TranscriptStore

if TYPE_CHECKING:
    import sqlite_utils

    from .features import FeatureStore
    from .index_items import IndexStore


log = logging.getLogger(__name__)


class DatabaseError(MediarecError):
    """The database file cannot be opened or is damaged."""


def _connect(path: str, timeout: float) -> sqlite3.Connection:
    # isolation_level=None: we issue BEGIN/COMMIT ourselves, so a transaction is exactly what we say.
    conn = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
    conn.execute("PRAGMA foreign_keys = ON")
    if path != ":memory:":
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode.lower() != "wal":
            raise DatabaseError(f"{path}: could not switch to WAL mode (got {mode})")
    # NORMAL is durable in WAL mode except for the last transactions on power loss; never corrupting.
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


class ReadOnlyLibrary(DatabaseError):
    """The library was opened for reading only (full disk, read-only folder): a write is refused, untried."""


def _why_not_writable(path: Path) -> str | None:
    """'the disk is full' / 'its folder is read-only' when that is why SQLite could not open `path`, else None."""
    try:
        if shutil.disk_usage(path.parent).free < 1 << 20:
            return "the disk is full"
        if os.statvfs(path.parent).f_flag & os.ST_RDONLY or not os.access(path.parent, os.W_OK):
            return "its folder is read-only"
    except OSError:
        return None
    return None


def _connect_read_only(path: Path, timeout: float) -> sqlite3.Connection:
    """The file as it is on disk, without the -wal/-shm files SQLite cannot create here. Only used when the
    WAL is empty (so the main file holds every commit) and nobody can be writing (a full or read-only disk)."""
    conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro&immutable=1", uri=True, timeout=timeout,
                           isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    return conn


class Library:
    """The user's library database. Open one per thread; writes go through `transaction()`."""

    def __init__(self, path: str | Path, timeout: float = 30.0):
        self.path = Path(path) if str(path) != ":memory:" else None
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        cause = check_header(self.path) if self.path is not None else None
        if cause is not None:
            raise DamagedLibrary(self.path, cause)
        self.read_only: str | None = None  # why writes are refused, when they are
        try:
            try:
                self.conn = _connect(str(path), timeout)
            except sqlite3.OperationalError as exc:
                self.conn = self._open_read_only(exc, timeout)
            # Reads page 1 and the schema: a truncated or overwritten header or schema page shows here. A full
            # quick_check at every open costs too much on a big library (bench/damaged_db.py); damage deeper
            # in the file is caught where it is met, by the same translation (query/transaction, cli main).
            self.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            self.conn.execute("PRAGMA page_count").fetchone()
            migrate(self.conn, self.path)
        except sqlite3.DatabaseError as exc:
            raise self.translate(exc) from None
        self._lock = threading.RLock()
        self.roots = RootStore(self)
        self.media = MediaStore(self)
        self.file_status = FileStatusStore(self)
        self.events = EventStore(self)
        self.transcripts = TranscriptStore(self)
        self.playlists = PlaylistStore(self)
        self.kv = KVStore(self)

    # Made on first use: sqlite_utils and the numpy-based stores cost ~0.35 s of imports that `status` and the
    # app's first paint never need (tests/test_cold_imports.py).
    @functools.cached_property
    def db(self) -> "sqlite_utils.Database":
        import sqlite_utils

        return sqlite_utils.Database(self.conn)

    @functools.cached_property
    def features(self) -> "FeatureStore":
        from .features import FeatureStore

        return FeatureStore(self)

    @functools.cached_property
    def index(self) -> "IndexStore":
        from .index_items import IndexStore

        return IndexStore(self)

    def _open_read_only(self, exc: sqlite3.OperationalError, timeout: float) -> sqlite3.Connection:
        """Reading still works on a full or read-only disk: open the file read-only, or raise `exc` as it is."""
        why = _why_not_writable(self.path) if self.path is not None and self.path.is_file() else None
        wal = Path(f"{self.path}-wal")
        if why is None or (wal.exists() and wal.stat().st_size > 0):
            raise exc
        self.read_only = why
        log.warning("%s: %s: opened read-only; nothing can be saved until that changes", self.path, why)
        return _connect_read_only(self.path, timeout)

    def translate(self, exc: sqlite3.DatabaseError) -> MediarecError:
        """The one-line error for an sqlite3 error: DamagedLibrary when the file itself is bad."""
        if self.path is not None and is_damage(exc):
            return DamagedLibrary(self.path, str(exc))
        if "disk is full" in str(exc) or (self.path is not None and _why_not_writable(self.path) == "the disk is full"):
            return DatabaseError(f"{self.path}: the disk is full; nothing of this change was saved (the library "
                                 "is intact): free some space and try again")
        return DatabaseError(f"{self.path or ':memory:'}: {exc}")

    def periodic_backup(self) -> Path | None:
        """A daily online backup (recovery.periodic_backup), after a scan or analysis succeeded; a backup that
        cannot be written (disk full, read-only dir) is logged and the work it follows still counts."""
        if self.path is None:
            return None
        try:
            return periodic_backup(self.conn, self.path)
        except (OSError, sqlite3.Error) as exc:
            log.warning("%s: could not write the daily backup: %s", self.path, exc)
            return None

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.conn.execute("PRAGMA optimize")
        self.conn.close()

    def __enter__(self) -> "Library":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE: the single writer waits its turn, readers never block).

        Nested use joins the outer transaction."""
        with self._lock:
            if self.conn.in_transaction:
                yield self.conn
                return
            if self.read_only:
                raise ReadOnlyLibrary(f"{self.path}: {self.read_only}, so the library is read-only now; "
                                      "nothing was changed")
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self.conn
                except BaseException:
                    if self.conn.in_transaction:  # SQLite may already have rolled back (disk full, I/O error)
                        self.conn.execute("ROLLBACK")
                    raise
                else:
                    self.conn.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                if is_damage(exc) or "disk is full" in str(exc):
                    raise self.translate(exc) from None
                raise

    def query(self, sql: str, params: Any = ()) -> list[sqlite3.Row]:
        try:
            return self.conn.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as exc:
            if is_damage(exc):
                raise self.translate(exc) from None
            raise

    def integrity_check(self) -> str:
        return self.conn.execute("PRAGMA integrity_check").fetchone()[0]

    @property
    def schema_version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]
