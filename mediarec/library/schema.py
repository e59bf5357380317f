"""The database schema, table by table, and the ordered list of migrations that build it.

Each table is declared once, here, with what it holds. A migration is applied in one transaction
after the database file has been backed up (see `migrate.py`); `PRAGMA user_version` counts them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable
import sqlite3

from ..errors import FILE_STATUS_KINDS

MEDIA_STATUSES = ("ok", "missing", "masked", "error", "removed")
"""ok: on disk and probed. missing: gone from an available root. masked: its root is unavailable
(an unplugged drive); it comes back with the root. error: was fine, now fails to probe (history kept).
removed: its root was removed by the user; kept because history may refer to it."""

EVENT_TYPES = ("play_start", "play_end", "play", "skip", "like", "dislike")

TABLES = {
    "roots": """
        -- Folders the user added. `available` is 0 while the folder cannot be reached.
        CREATE TABLE roots (
            id INTEGER PRIMARY KEY,
            path TEXT NOT NULL UNIQUE,
            added_at REAL NOT NULL,
            last_scan REAL,
            available INTEGER NOT NULL DEFAULT 1
        )""",
    "media": f"""
        -- One row per media file. Identity is the row id: a moved file keeps it (matched by fingerprint),
        -- so events, features and playlists follow the file.
        CREATE TABLE media (
            id INTEGER PRIMARY KEY,
            path TEXT NOT NULL UNIQUE,
            root_id INTEGER REFERENCES roots(id) ON DELETE SET NULL,
            kind TEXT NOT NULL CHECK (kind IN ('audio', 'video')),
            size INTEGER NOT NULL,
            mtime REAL NOT NULL,
            fingerprint TEXT NOT NULL,      -- size + blake2b of the first and last 64 KiB
            duration REAL,                  -- seconds
            title TEXT, artist TEXT, album TEXT, album_artist TEXT, genre TEXT, date TEXT,
            track_no INTEGER,
            width INTEGER, height INTEGER, fps REAL,
            audio_channels INTEGER, sample_rate INTEGER, bitrate INTEGER,
            container TEXT, codec TEXT,
            tags TEXT NOT NULL DEFAULT '{{}}',    -- JSON: every normalised tag we read
            streams TEXT NOT NULL DEFAULT '[]',   -- JSON: one object per stream (PyAV probe)
            status TEXT NOT NULL DEFAULT 'ok' CHECK (status IN {MEDIA_STATUSES!r}),
            added_at REAL NOT NULL,
            updated_at REAL NOT NULL
        )""",
    "features": """
        -- Output of one extractor for one file: a float32 vector and JSON attributes. A row whose
        -- version differs from the extractor's current one, or whose fingerprint differs from the
        -- file's, is stale and recomputed.
        CREATE TABLE features (
            media_id INTEGER NOT NULL REFERENCES media(id) ON DELETE CASCADE,
            extractor TEXT NOT NULL,
            version INTEGER NOT NULL,
            fingerprint TEXT NOT NULL,
            dim INTEGER NOT NULL,
            vector BLOB,                    -- float32, little-endian, `dim` values
            attrs TEXT NOT NULL DEFAULT '{}',
            created_at REAL NOT NULL,
            PRIMARY KEY (media_id, extractor, version)
        )""",
    "transcripts": """
        -- What is said in a file: language, full text, and the extractor version that made it.
        CREATE TABLE transcripts (
            media_id INTEGER PRIMARY KEY REFERENCES media(id) ON DELETE CASCADE,
            version INTEGER NOT NULL,
            language TEXT,
            text TEXT NOT NULL,
            created_at REAL NOT NULL
        )""",
    "transcript_segments": """
        -- Timed pieces of a transcript; the full-text index is over these, so a hit has a start time.
        CREATE TABLE transcript_segments (
            id INTEGER PRIMARY KEY,
            media_id INTEGER NOT NULL REFERENCES transcripts(media_id) ON DELETE CASCADE,
            start REAL NOT NULL,
            end REAL NOT NULL,
            text TEXT NOT NULL
        )""",
    "events": f"""
        -- The user's history: plays, skips, likes, dislikes. Append-only (triggers below refuse updates
        -- and deletes) except through the explicit `forget` path, which opens the privacy gate.
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            media_id INTEGER NOT NULL REFERENCES media(id) ON DELETE RESTRICT,
            type TEXT NOT NULL CHECK (type IN {EVENT_TYPES!r}),
            ts REAL NOT NULL,               -- unix time
            position REAL,                  -- seconds into the item
            duration REAL,                  -- item length in seconds, as the player knew it
            fraction REAL,                  -- position / duration
            source TEXT,                    -- upnext, library, similar, playlist, cli ...
            session_id TEXT,
            context TEXT NOT NULL DEFAULT '{{}}'
        )""",
    "privacy_gate": """
        -- One row; `open` = 1 only inside a forget transaction. Nothing else may delete events.
        CREATE TABLE privacy_gate (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            open INTEGER NOT NULL DEFAULT 0
        )""",
    "playlists": """
        -- Saved lists, made in the app, by export, or imported from M3U/XSPF/PLS files.
        CREATE TABLE playlists (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            source TEXT,                    -- how it was made: manual, similar, upnext, path, import
            params TEXT NOT NULL DEFAULT '{}',
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        )""",
    "playlist_items": """
        -- Items of a playlist in order. `path` is kept for entries that are not (or no longer) in the library.
        CREATE TABLE playlist_items (
            playlist_id INTEGER NOT NULL REFERENCES playlists(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            media_id INTEGER REFERENCES media(id) ON DELETE SET NULL,
            path TEXT NOT NULL,
            title TEXT,
            duration REAL,
            PRIMARY KEY (playlist_id, position)
        )""",
    "file_status": f"""
        -- Every file that failed a stage, why, and the size/mtime it had (so an unchanged bad file is
        -- not retried on every scan). A file skipped without a row here is a bug.
        CREATE TABLE file_status (
            id INTEGER PRIMARY KEY,
            path TEXT NOT NULL,
            media_id INTEGER REFERENCES media(id) ON DELETE CASCADE,
            stage TEXT NOT NULL,            -- scan, probe, or analyze:<extractor>
            kind TEXT NOT NULL,             -- {', '.join(FILE_STATUS_KINDS)}
            message TEXT NOT NULL,
            size INTEGER,
            mtime REAL,
            ts REAL NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 1,
            UNIQUE (path, stage)
        )""",
    "kv": """
        -- Small named JSON documents: learned model state, index manifests, UI state.
        CREATE TABLE kv (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            updated_at REAL NOT NULL
        )""",
}

INDEXES_AND_TRIGGERS = [
    "CREATE INDEX media_root ON media(root_id)",
    "CREATE INDEX media_fingerprint ON media(fingerprint)",
    "CREATE INDEX media_status_kind ON media(status, kind)",
    "CREATE INDEX features_extractor ON features(extractor, version)",
    "CREATE INDEX segments_media ON transcript_segments(media_id, start)",
    "CREATE INDEX events_media ON events(media_id, ts)",
    "CREATE INDEX events_ts ON events(ts)",
    "CREATE INDEX file_status_media ON file_status(media_id)",
    "CREATE INDEX playlist_items_media ON playlist_items(media_id)",
    "INSERT INTO privacy_gate (id, open) VALUES (1, 0)",
    """CREATE TRIGGER events_no_update BEFORE UPDATE ON events
       BEGIN SELECT RAISE(ABORT, 'events are append-only'); END""",
    """CREATE TRIGGER events_no_delete BEFORE DELETE ON events
       WHEN (SELECT open FROM privacy_gate WHERE id = 1) = 0
       BEGIN SELECT RAISE(ABORT, 'events are append-only (use forget)'); END""",
    # External-content FTS5 over transcript segments, kept in sync by triggers.
    """CREATE VIRTUAL TABLE transcript_fts USING fts5(
           text, content='transcript_segments', content_rowid='id', tokenize='porter unicode61')""",
    """CREATE TRIGGER segments_ai AFTER INSERT ON transcript_segments BEGIN
           INSERT INTO transcript_fts(rowid, text) VALUES (new.id, new.text); END""",
    """CREATE TRIGGER segments_ad AFTER DELETE ON transcript_segments BEGIN
           INSERT INTO transcript_fts(transcript_fts, rowid, text) VALUES ('delete', old.id, old.text); END""",
    """CREATE TRIGGER segments_au AFTER UPDATE ON transcript_segments BEGIN
           INSERT INTO transcript_fts(transcript_fts, rowid, text) VALUES ('delete', old.id, old.text);
           INSERT INTO transcript_fts(rowid, text) VALUES (new.id, new.text); END""",
]


def _v1_initial(conn: sqlite3.Connection) -> None:
    for ddl in TABLES.values():
        conn.execute(ddl)
    for stmt in INDEXES_AND_TRIGGERS:
        conn.execute(stmt)


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    apply: Callable[[sqlite3.Connection], None]


def _v2_index_items(conn: sqlite3.Connection) -> None:
    conn.execute("""
        -- Dense Annoy ids of each built index (mediarec/index) and the media item each stands for. Annoy
        -- allocates memory for the largest id, so ids are 0..n-1 per build; `build_id` names the index
        -- files of that build (their manifest says the same). No foreign key: a media row deleted after
        -- a build must not change a built map; searches skip ids that are no longer ok.
        CREATE TABLE index_items (
            space TEXT NOT NULL,            -- audio, visual, text, mood
            annoy_id INTEGER NOT NULL,
            media_id INTEGER NOT NULL,
            build_id TEXT NOT NULL,
            built_at REAL NOT NULL,
            PRIMARY KEY (space, annoy_id)
        )""")
    # What changed since a build is searched exactly until the next one: these make that question cheap.
    conn.execute("CREATE INDEX features_created ON features(extractor, created_at)")
    conn.execute("CREATE INDEX media_updated ON media(updated_at)")


ITEM_STATS_EVENTS = {"plays": "'play'", "skips": "'skip'", "likes": "'like'", "dislikes": "'dislike'"}
PLAYED_TYPES = "('play_start', 'play', 'skip', 'play_end')"  # an event at which the item was playing


def fill_item_stats(conn: sqlite3.Connection) -> None:
    """(Re)write every item_stats row from the events (the migration; a repair)."""
    counts = ", ".join(f"sum(type = {t})" for t in ITEM_STATS_EVENTS.values())
    conn.execute("DELETE FROM item_stats")
    conn.execute("INSERT INTO item_stats (media_id) SELECT id FROM media")
    conn.execute(f"""
        UPDATE item_stats SET (plays, skips, likes, dislikes, last_played) = (
            SELECT {counts}, max(CASE WHEN type IN {PLAYED_TYPES} THEN ts END)
            FROM events e WHERE e.media_id = item_stats.media_id)
        WHERE media_id IN (SELECT DISTINCT media_id FROM events)""")


def _v3_app(conn: sqlite3.Connection) -> None:
    conn.execute("""
        -- The user's part of Up Next (Play next, Add to queue): kept until played or removed, across
        -- restarts. `position` 0 plays next; positions are dense (0..n-1). The same item may be queued twice.
        CREATE TABLE user_queue (
            id INTEGER PRIMARY KEY,
            media_id INTEGER NOT NULL REFERENCES media(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            added_at REAL NOT NULL
        )""")
    conn.execute("CREATE INDEX user_queue_position ON user_queue(position)")
    conn.execute("""
        -- "Never recommend": an item, an artist (matched case-insensitively against media.artist) or a
        -- folder (every file below it). `value`: the media id as text, the artist as the user gave it, or
        -- the folder's absolute path without a trailing slash. Undo deletes the row.
        CREATE TABLE blocklist (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('item', 'artist', 'folder')),
            value TEXT NOT NULL,
            media_id INTEGER REFERENCES media(id) ON DELETE CASCADE,  -- kind 'item' only
            label TEXT,                                               -- what the user saw (a title)
            created_at REAL NOT NULL,
            UNIQUE (kind, value)
        )""")
    conn.execute("CREATE INDEX media_artist_nocase ON media(artist COLLATE NOCASE)")
    # A problem the user chose to ignore stays (an unchanged bad file is still not retried) but is hidden.
    conn.execute("ALTER TABLE file_status ADD COLUMN ignored INTEGER NOT NULL DEFAULT 0")
    conn.execute("""
        -- Per media item: its history summed up for the library's columns (library/item_stats.py). One row
        -- per media row, kept by triggers on media and events, so a page sorted by any column reads no events.
        CREATE TABLE item_stats (
            media_id INTEGER PRIMARY KEY REFERENCES media(id) ON DELETE CASCADE,
            plays INTEGER NOT NULL DEFAULT 0,
            skips INTEGER NOT NULL DEFAULT 0,
            likes INTEGER NOT NULL DEFAULT 0,
            dislikes INTEGER NOT NULL DEFAULT 0,
            last_played REAL                -- ts of the newest play_start/play/skip/play_end; NULL: never
        )""")
    for col in ("plays", "skips", "last_played"):
        conn.execute(f"CREATE INDEX item_stats_{col} ON item_stats({col}, media_id)")
    fill_item_stats(conn)
    conn.execute("""CREATE TRIGGER item_stats_media AFTER INSERT ON media BEGIN
        INSERT OR IGNORE INTO item_stats (media_id) VALUES (new.id); END""")
    adds = ", ".join(f"{col} = {col} + (new.type = {t})" for col, t in ITEM_STATS_EVENTS.items())
    conn.execute(f"""CREATE TRIGGER item_stats_event AFTER INSERT ON events BEGIN
        INSERT OR IGNORE INTO item_stats (media_id) VALUES (new.media_id);
        UPDATE item_stats SET {adds},
            last_played = CASE WHEN new.type IN {PLAYED_TYPES} THEN max(coalesce(last_played, new.ts), new.ts)
                               ELSE last_played END
        WHERE media_id = new.media_id; END""")
    subs = ", ".join(f"{col} = max(0, {col} - (old.type = {t}))" for col, t in ITEM_STATS_EVENTS.items())
    # Forgetting one item's events takes them out one by one; forgetting all of them (gate open = 2)
    # zeroes the table once instead (events.forget): 1.0 s for 100k events, 4.0 s row by row.
    conn.execute(f"""CREATE TRIGGER item_stats_forget AFTER DELETE ON events
        WHEN (SELECT open FROM privacy_gate WHERE id = 1) = 1 BEGIN
        UPDATE item_stats SET {subs},
            last_played = (SELECT max(ts) FROM events WHERE media_id = old.media_id AND type IN {PLAYED_TYPES})
        WHERE media_id = old.media_id; END""")


def _v4_browse_facts(conn: sqlite3.Connection) -> None:
    from .browse_facts import migrate_v4  # the shell's table (ui library); its DDL lives with it

    migrate_v4(conn)


DEFAULT_LISTENER = 1
"""The listener every event before v5 belongs to, and every event recorded without naming one."""
EVERYONE = 0
"""blocklist.listener_id of a rule that holds for every listener (and every rule made before v5)."""


def _v5_listeners(conn: sqlite3.Connection) -> None:
    conn.execute("""
        -- Who is listening: named profiles sharing one library and its analysis. Each has their own history
        -- (events.listener_id), queue, blocklist rules, Up Next state and learned weights (kv keys with the
        -- id). `private` = 1: their history is never used in anybody else's recommendations.
        CREATE TABLE listeners (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            private INTEGER NOT NULL DEFAULT 0,
            created_at REAL NOT NULL
        )""")
    conn.execute("INSERT INTO listeners (id, name, private, created_at) VALUES (?, 'default', 0, "
                 "strftime('%s', 'now'))", (DEFAULT_LISTENER,))
    # ADD COLUMN with a constant default: the old rows read it without being rewritten (the events stay
    # append-only). NULL: a guest's event, part of no listener's taste. No REFERENCES: SQLite refuses a
    # non-NULL default on an added foreign key column; listeners.remove deletes a listener's events itself.
    conn.execute(f"ALTER TABLE events ADD COLUMN listener_id INTEGER DEFAULT {DEFAULT_LISTENER}")
    conn.execute("CREATE INDEX events_listener ON events(listener_id, ts)")
    conn.execute(f"ALTER TABLE user_queue ADD COLUMN listener_id INTEGER NOT NULL DEFAULT {DEFAULT_LISTENER}")
    conn.execute("CREATE INDEX user_queue_listener ON user_queue(listener_id, position)")
    # The blocklist's uniqueness now includes whose rule it is: the table is rebuilt (rules kept, ids kept).
    conn.execute("ALTER TABLE blocklist RENAME TO blocklist_v4")
    conn.execute(f"""
        -- "Never recommend" rules (v3), now per listener: listener_id {EVERYONE} holds for everyone (every
        -- rule made before listeners existed), else only for that listener.
        CREATE TABLE blocklist (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('item', 'artist', 'folder')),
            value TEXT NOT NULL,
            media_id INTEGER REFERENCES media(id) ON DELETE CASCADE,  -- kind 'item' only
            label TEXT,                                               -- what the user saw (a title)
            created_at REAL NOT NULL,
            listener_id INTEGER NOT NULL DEFAULT {EVERYONE},
            UNIQUE (kind, value, listener_id)
        )""")
    conn.execute("INSERT INTO blocklist (id, kind, value, media_id, label, created_at) "
                 "SELECT id, kind, value, media_id, label, created_at FROM blocklist_v4")
    conn.execute("DROP TABLE blocklist_v4")


def _v6_spoken_fts(conn: sqlite3.Connection) -> None:
    """The library filter matches what is said as well as tags: a trigram index over each file's transcript
    text (substrings, as browse_fts over tags and path), reading the transcripts table itself (no copy)."""
    conn.execute("""CREATE VIRTUAL TABLE spoken_fts USING fts5(
                        text, content='transcripts', content_rowid='media_id', tokenize='trigram')""")
    conn.execute("""CREATE TRIGGER spoken_fts_ai AFTER INSERT ON transcripts BEGIN
                        INSERT INTO spoken_fts(rowid, text) VALUES (new.media_id, new.text); END""")
    conn.execute("""CREATE TRIGGER spoken_fts_ad AFTER DELETE ON transcripts BEGIN
                        INSERT INTO spoken_fts(spoken_fts, rowid, text) VALUES ('delete', old.media_id, old.text);
                    END""")
    conn.execute("""CREATE TRIGGER spoken_fts_au AFTER UPDATE ON transcripts BEGIN
                        INSERT INTO spoken_fts(spoken_fts, rowid, text) VALUES ('delete', old.media_id, old.text);
                        INSERT INTO spoken_fts(rowid, text) VALUES (new.media_id, new.text); END""")
    conn.execute("INSERT INTO spoken_fts(spoken_fts) VALUES ('rebuild')")


def _v7_features_current(conn: sqlite3.Connection) -> None:
    # `status` counts each extractor's current results (version and fingerprint matching the file's): with the
    # old (extractor, version) index SQLite scanned media and looked every row up (0.29 CPU-s at 100k items);
    # this one covers the join's feature side (0.05 s). It starts with the old one's columns, which it replaces.
    conn.execute("CREATE INDEX features_current ON features(extractor, version, media_id, fingerprint)")
    conn.execute("DROP INDEX IF EXISTS features_extractor")


MIGRATIONS: list[Migration] = [
    Migration(1, "initial schema", _v1_initial),
    Migration(2, "index_items: dense ids of the similarity indexes", _v2_index_items),
    Migration(3, "the app: user_queue, blocklist, item_stats, file_status.ignored", _v3_app),
    Migration(4, "browse_facts: what the library table filters and sorts on", _v4_browse_facts),
    Migration(5, "listeners: events, queue and blocklist per listener", _v5_listeners),
    Migration(6, "spoken_fts: the library filter searches transcripts", _v6_spoken_fts),
    Migration(7, "features_current: status counts current results from an index", _v7_features_current),
]
SCHEMA_VERSION = MIGRATIONS[-1].version
