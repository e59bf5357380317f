"""The database keeps the user's data safe: WAL, migrations with a backup, append-only history."""
import sqlite3

import pytest

from mediarec.library import DatabaseTooNew, Library
from mediarec.library import schema as schema_mod
from mediarec.library.schema import Migration


def _add_media(lib, path="/m/a.mp3"):
    with lib.transaction():
        return lib.media.insert(path, None, {"kind": "audio", "size": 1, "mtime": 1.0, "fingerprint": "f",
                                             "duration": 1.0, "tags": {}, "streams": []})


def test_new_database_is_wal_with_foreign_keys_and_current_schema(lib):
    assert lib.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert lib.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert lib.schema_version == schema_mod.SCHEMA_VERSION
    tables = {r[0] for r in lib.conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table')")}
    for name in ("roots", "media", "features", "transcripts", "transcript_segments", "transcript_fts", "events",
                 "playlists", "playlist_items", "file_status"):
        assert name in tables


def test_migration_backs_up_the_file_first_and_keeps_data(app_dirs, monkeypatch):
    db = app_dirs["data"] / "library.db"
    with Library(db) as lib:
        mid = _add_media(lib)
        lib.events.append(mid, "play")
    extra = Migration(schema_mod.SCHEMA_VERSION + 1, "add a column",
                      lambda c: c.execute("ALTER TABLE media ADD COLUMN rating INTEGER"))
    monkeypatch.setattr("mediarec.library.migrate.MIGRATIONS", [*schema_mod.MIGRATIONS, extra])
    monkeypatch.setattr("mediarec.library.migrate.SCHEMA_VERSION", extra.version)
    with Library(db) as lib:
        assert lib.schema_version == extra.version
        assert lib.events.count() == 1
        assert "rating" in {c[1] for c in lib.conn.execute("PRAGMA table_info(media)")}
    backups = list(db.parent.glob(f"library.db.v{schema_mod.SCHEMA_VERSION}-*.bak"))
    assert len(backups) == 1
    old = sqlite3.connect(backups[0])
    assert old.execute("PRAGMA user_version").fetchone()[0] == schema_mod.SCHEMA_VERSION
    assert old.execute("SELECT count(*) FROM events").fetchone()[0] == 1


def test_failed_migration_changes_nothing(app_dirs, monkeypatch):
    db = app_dirs["data"] / "library.db"
    with Library(db) as lib:
        _add_media(lib)

    def broken(conn):
        conn.execute("DELETE FROM media")
        raise RuntimeError("migration bug")

    bad = Migration(schema_mod.SCHEMA_VERSION + 1, "broken", broken)
    monkeypatch.setattr("mediarec.library.migrate.MIGRATIONS", [*schema_mod.MIGRATIONS, bad])
    monkeypatch.setattr("mediarec.library.migrate.SCHEMA_VERSION", bad.version)
    with pytest.raises(RuntimeError):
        Library(db)
    monkeypatch.undo()
    with Library(db) as lib:
        assert lib.schema_version == schema_mod.SCHEMA_VERSION
        assert len(lib.media.list()) == 1


def test_database_from_a_newer_version_is_refused(app_dirs):
    db = app_dirs["data"] / "library.db"
    Library(db).close()
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    with pytest.raises(DatabaseTooNew, match="newer"):
        Library(db)


def test_events_are_append_only_except_through_forget(lib):
    mid = _add_media(lib)
    eid = lib.events.append(mid, "play", position=100, duration=200)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        lib.conn.execute("UPDATE events SET type = 'skip' WHERE id = ?", (eid,))
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        lib.conn.execute("DELETE FROM events")
    with pytest.raises(sqlite3.IntegrityError):
        lib.conn.execute("DELETE FROM media WHERE id = ?", (mid,))  # history pins its media row
    assert lib.events.list()[0]["fraction"] == 0.5
    assert lib.events.forget(mid) == 1
    assert lib.events.count() == 0
    assert lib.conn.execute("SELECT open FROM privacy_gate").fetchone()[0] == 0


def test_transcript_search_index_follows_the_segments(lib):
    mid = _add_media(lib)
    lib.transcripts.put(mid, 1, "en", [(0.0, 2.0, "lava flows from the volcano"), (2.0, 4.0, "and cools")])
    hits = lib.transcripts.search("volcano")
    assert [(h["media_id"], h["start"]) for h in hits] == [(mid, 0.0)]
    lib.transcripts.put(mid, 1, "en", [(5.0, 6.0, "the weather today")])
    assert lib.transcripts.search("volcano") == []
    assert lib.transcripts.search("weather")[0]["start"] == 5.0


def test_readers_are_not_blocked_by_a_writer(app_dirs):
    db = app_dirs["data"] / "library.db"
    writer, reader = Library(db), Library(db)
    try:
        _add_media(writer)
        with writer.transaction():
            writer.media.insert("/m/b.mp3", None, {"kind": "audio", "size": 1, "mtime": 1.0, "fingerprint": "g",
                                                   "tags": {}, "streams": []})
            assert len(reader.media.list()) == 1  # sees the last commit, does not wait
        assert len(reader.media.list()) == 2
    finally:
        writer.close()
        reader.close()


def test_playlists_and_kv_round_trip(lib):
    mid = _add_media(lib)
    lib.playlists.save("evening", [{"path": "/m/a.mp3", "media_id": mid, "title": "A"},
                                   {"path": "/elsewhere/x.ogg"}])
    pl = lib.playlists.get("evening")
    assert [i["path"] for i in pl["items"]] == ["/m/a.mp3", "/elsewhere/x.ogg"]
    lib.kv.set("model", {"w": [1, 2]})
    assert lib.kv.get("model") == {"w": [1, 2]}
