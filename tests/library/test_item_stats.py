"""item_stats: the library's plays/skips/last-played columns follow the events (appended and forgotten),
are filled from the history by the v3 migration, and a page sorted by them reads no events."""
import pytest

from mediarec.library import Library, item_stats
from mediarec.library import schema as schema_mod
from mediarec.recommend.events import record
from vector_factory import add_media


def test_events_are_counted_as_they_are_recorded(lib):
    a, b = add_media(lib, 2)
    assert item_stats.get(lib, a) == item_stats.ItemStats(a)
    record(lib, a, "start", ts=100.0)
    record(lib, a, "stop", position=190.0, ts=300.0)  # past half: a play
    record(lib, a, "skip", position=3.0, ts=400.0)
    record(lib, a, "like", ts=500.0)
    record(lib, b, "dislike", ts=50.0)
    s = item_stats.get(lib, a)
    assert (s.plays, s.skips, s.likes, s.dislikes, s.last_played) == (1, 1, 1, 0, 400.0)
    assert item_stats.get(lib, b) == item_stats.ItemStats(b, dislikes=1)  # a dislike is not a play
    assert set(item_stats.get_many(lib, [a, b, 999])) == {a, b}


def test_forgetting_takes_the_events_back_out(lib):
    a, b = add_media(lib, 2)
    for ts in (10.0, 20.0):
        record(lib, a, "play", position=150.0, ts=ts)
    record(lib, b, "skip", position=1.0, ts=30.0)
    lib.events.forget(a)
    assert item_stats.get(lib, a) == item_stats.ItemStats(a)
    assert item_stats.get(lib, b).skips == 1
    lib.events.forget()
    assert item_stats.get(lib, b) == item_stats.ItemStats(b)


def test_the_migration_fills_it_from_an_older_history(app_dirs, monkeypatch):
    db = app_dirs["data"] / "old.db"
    monkeypatch.setattr("mediarec.library.migrate.MIGRATIONS", schema_mod.MIGRATIONS[:2])
    monkeypatch.setattr("mediarec.library.migrate.SCHEMA_VERSION", 2)
    with Library(db) as old:
        a, b = add_media(old, 2)
        for kind, ts in (("play", 5.0), ("play", 7.0), ("play_start", 9.0)):  # (as a v2 mediarec wrote them)
            old.conn.execute("INSERT INTO events (media_id, type, ts) VALUES (?, ?, ?)", (a, kind, ts))
    monkeypatch.undo()
    with Library(db) as lib:
        assert lib.schema_version == schema_mod.SCHEMA_VERSION
        assert item_stats.get(lib, a) == item_stats.ItemStats(a, plays=2, last_played=9.0)
        assert item_stats.get(lib, b) == item_stats.ItemStats(b)
        assert list(db.parent.glob("old.db.v2-*.bak")), "backed up before migrating"


def test_a_sorted_page_uses_the_index_not_the_events(lib):
    ids = add_media(lib, 50)
    for i, mid in enumerate(ids[:10]):
        for _ in range(i):
            record(lib, mid, "play", position=150.0, ts=1000.0 + i)
    page = lib.query("SELECT s.media_id, s.plays FROM media m JOIN item_stats s ON s.media_id = m.id "
                     "ORDER BY s.plays DESC, s.media_id LIMIT 3")
    assert [(r[0], r[1]) for r in page] == [(ids[9], 9), (ids[8], 8), (ids[7], 7)]
    plan = " ".join(r[3] for r in lib.query(
        "EXPLAIN QUERY PLAN SELECT s.media_id FROM item_stats s ORDER BY s.plays DESC, s.media_id LIMIT 3"))
    assert "item_stats_plays" in plan and "events" not in plan


@pytest.mark.parametrize("col", item_stats.COLUMNS)
def test_every_column_is_in_the_table(lib, col):
    assert col in {r[1] for r in lib.query("PRAGMA table_info(item_stats)")}
