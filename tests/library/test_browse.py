"""The library table's paged query: filters by words anywhere in the tags or path, sorts every column in SQL
(unknowns last), pages add up to the count, and mood, tempo, plays and skips follow the features and events."""
import sqlite3

import pytest

from library_factory import fill_library
from mediarec.library import Library, browse
from mediarec.library.browse import Query


@pytest.fixture
def filled(lib):
    fill_library(lib, 400, events=600)
    return lib


def all_rows(lib, q, size=37):
    rows, offset = [], 0
    while True:
        part = browse.page(lib, q, offset, size)
        rows += part
        if len(part) < size:
            return rows
        offset += size


def test_pages_add_up_to_the_count_in_sort_order(filled):
    for sort in browse.COLUMNS:
        for descending in (False, True):
            q = Query(sort=sort, descending=descending)
            rows = all_rows(filled, q)
            assert len(rows) == browse.count(filled, q) == 400
            assert len({r["id"] for r in rows}) == 400
            key = {"added": "added"}.get(sort, sort)
            values = [r[key] for r in rows]
            known = [v for v in values if v is not None]
            if sort in ("title", "artist", "album"):
                known = [v.casefold() for v in known]
            assert known == sorted(known, reverse=descending), sort
            assert browse.ids(filled, q) == [r["id"] for r in rows]


def test_filter_matches_every_word_anywhere_case_insensitive(filled):
    rows = all_rows(filled, Query(text="BLUE nIgHt"))
    expected = {r["id"] for r in filled.query(
        "SELECT id FROM media WHERE lower(title) LIKE '%blue%' AND lower(title) LIKE '%night%'")}
    assert {r["id"] for r in rows} == expected and expected
    assert browse.count(filled, Query(text="blue night")) == len(expected)
    assert all_rows(filled, Query(text="nothing-like-this")) == []
    short = all_rows(filled, Query(text="ue"))  # under 3 characters: no trigram, a scan
    assert short and all("ue" in (r["title"] + (r["artist"] or "")).lower() or "ue" in r["path"] for r in short)
    videos = all_rows(filled, Query(kind="video", text="/synthetic/video"))
    assert len(videos) == 80 and {r["kind"] for r in videos} == {"video"}
    assert all_rows(filled, Query(text='100% "x_')) == []  # LIKE and FTS syntax in the text are just text


def test_a_common_word_walks_the_index_and_a_rare_one_uses_the_trigram_list(lib):
    fill_library(lib, 5000, events=0)
    common = Query(text="audio")  # every audio path: more than FEW matches
    assert len(browse.page(lib, common, 0, 50)) == 50
    assert browse.count(lib, common) == 4000
    rare = browse.page(lib, Query(text="3999"), 0, 50)
    assert [r["path"] for r in rare] == ["/synthetic/audio/003999.ogg"]


def test_stats_follow_the_events_and_forget(filled):
    mid = browse.page(filled, Query(), 0, 1)[0]["id"]
    before = browse.rows_for_ids(filled, [mid])[0]
    filled.events.append(mid, "play", ts=2e9)
    filled.events.append(mid, "skip", ts=2e9 + 5)
    row = browse.rows_for_ids(filled, [mid])[0]
    assert (row["plays"], row["skips"], row["last_played"]) == (before["plays"] + 1, before["skips"] + 1, 2e9 + 5)
    top = browse.page(filled, Query(sort="last_played", descending=True), 0, 1)[0]
    assert top["id"] == mid
    filled.events.forget(mid)
    row = browse.rows_for_ids(filled, [mid])[0]
    assert (row["plays"], row["skips"], row["last_played"]) == (0, 0, None)


def test_mood_and_tempo_follow_the_features_and_retitling(filled):
    mid = browse.page(filled, Query(), 0, 1)[0]["id"]
    fp = filled.query("SELECT fingerprint FROM media WHERE id = ?", (mid,))[0][0]
    filled.features.put(mid, "emotion.speech", 1, fp, None, {"mood": "calm"})
    filled.features.put(mid, "emotion.music", 1, fp, None, {"mood": "tender"})
    filled.features.put(mid, "audio.dsp", 1, fp, None, {"tempo_bpm": 99.5})
    row = browse.rows_for_ids(filled, [mid])[0]
    assert (row["mood"], row["tempo"]) == ("tender", 99.5)  # music's mood before speech's
    with filled.transaction() as c:
        c.execute("UPDATE media SET title = 'Zebra Crossing' WHERE id = ?", (mid,))
    assert [r["id"] for r in all_rows(filled, Query(text="zebra"))] == [mid]


def test_migration_from_v2_fills_the_table(tmp_path):
    from mediarec.library.schema import MIGRATIONS

    db = tmp_path / "old.db"
    conn = sqlite3.connect(db, isolation_level=None)
    for m in MIGRATIONS:
        if m.version <= 2:
            m.apply(conn)
    conn.execute("PRAGMA user_version = 2")
    conn.execute("INSERT INTO media (path, kind, size, mtime, fingerprint, title, added_at, updated_at) "
                 "VALUES ('/m/a.ogg', 'audio', 1, 1, 'f', 'Old Song', 1, 1)")
    conn.execute("INSERT INTO events (media_id, type, ts) VALUES (1, 'play', 5)")
    conn.execute("INSERT INTO features (media_id, extractor, version, fingerprint, dim, attrs, created_at) "
                 "VALUES (1, 'audio.dsp', 1, 'f', 0, '{\"tempo_bpm\": 128.0}', 1)")
    conn.close()
    with Library(db) as lib:
        row = browse.page(lib, Query(text="old song"), 0, 10)[0]
        assert (row["tempo"], row["plays"], row["last_played"]) == (128.0, 1, 5)


def test_connections_opening_a_new_database_at_once_migrate_it_once(tmp_path):
    import threading

    db, errors = tmp_path / "new.db", []

    def open_it():
        try:
            Library(db).close()
        except Exception as exc:  # noqa: BLE001 - collected for the assert
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Library(db) as lib:
        assert lib.integrity_check() == "ok"
