"""The library filter as the user types: every word must be in an item's tags, path or transcript, and the answer
is the one a LIKE over every row gives (short words, unicode, a word in the title and another in what is said),
whichever plan the trigram lists choose; migration v6 brings a v5 library over with every row and a backup."""
import sqlite3

import pytest

from mediarec.library import Library, browse, search_text
from mediarec.library import schema as schema_mod
from mediarec.library.browse import Query
from search_factory import fill_search_library

FILTERS = ("blue", "night river", "ech", "zzz", "gold 12", "album 7", "b", "storm shadow", "artist 1", "velvet",
           "café", "東京", "ça", "naïve melody", "zoë", "ß", "welcome", "kitchen gold", "a1", "velvet kitchen",
           "audio", "synthetic 9", "go to", "100% x_", 'say "hi"', "über", "episode interview weather")


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    lib = Library(tmp_path_factory.mktemp("filter") / "library.db")
    fill_search_library(lib, 3000, spoken_share=0.3, events=200)
    yield lib
    lib.close()


def like_reference(lib, q: Query) -> list[int]:
    """The old filter: LIKE on every row's search text (and transcript), sorted as the table sorts."""
    sql = ["m.status = 'ok'"]
    params: list = []
    for word in q.words():
        test = "f.search_text LIKE ? ESCAPE '\\'"
        if q.spoken:
            test = f"({test} OR coalesce(t.text, '') LIKE ? ESCAPE '\\')"
        sql.append(test)
        params += [search_text.like(word)] * (2 if q.spoken else 1)
    if q.kind:
        sql.append("m.kind = ?")
        params.append(q.kind)
    return [r[0] for r in lib.conn.execute(
        f"""SELECT m.id FROM media m JOIN browse_facts f ON f.media_id = m.id
            LEFT JOIN transcripts t ON t.media_id = m.id WHERE {' AND '.join(sql)}
            ORDER BY m.title COLLATE NOCASE, m.id""", params)]


def all_ids(lib, q: Query, size: int = 500) -> list[int]:
    ids, offset = [], 0
    while True:
        part = [r["id"] for r in browse.page(lib, q, offset, size)]
        ids += part
        if len(part) < size:
            return ids
        offset += size


@pytest.mark.parametrize("few", [browse.FEW, 20])
def test_every_filter_equals_the_like_scan_whatever_the_plan(library, monkeypatch, few):
    monkeypatch.setattr(browse, "FEW", few)  # small: the answers overflow and the walks run at 3,000 items
    seen_spoken_only = False
    for text in FILTERS:
        for spoken in (True, False):
            for kind in (None, "video"):
                q = Query(text=text, spoken=spoken, kind=kind)
                expected = like_reference(library, q)
                assert all_ids(library, q) == expected, q
                assert browse.count(library, q) == len(expected), q
                assert browse.ids(library, q) == expected, q
        seen_spoken_only |= len(like_reference(library, Query(text=text))) > len(
            like_reference(library, Query(text=text, spoken=False)))
    assert seen_spoken_only  # some filters find items only by what is said in them
    assert like_reference(library, Query(text="東京")) and like_reference(library, Query(text="gold 12"))


def test_what_is_said_is_found_as_soon_as_it_is_stored_and_gone_when_replaced(library):
    mid = library.media.ids()[5]
    assert all_ids(library, Query(text="xylophonist")) == []
    library.transcripts.put(mid, 1, "en", [(0.0, 2.0, "the Xylophonist speaks"), (2.0, 4.0, "ok")])
    assert all_ids(library, Query(text="xylophonist")) == [mid]
    assert all_ids(library, Query(text="xylophonist", spoken=False)) == []
    library.transcripts.put(mid, 1, "en", [])
    assert all_ids(library, Query(text="xylophonist")) == []


def test_migration_v6_keeps_every_row_of_a_v5_library_and_backs_it_up(app_dirs, monkeypatch):
    db = app_dirs["data"] / "library.db"
    monkeypatch.setattr("mediarec.library.migrate.MIGRATIONS", schema_mod.MIGRATIONS[:5])
    monkeypatch.setattr("mediarec.library.migrate.SCHEMA_VERSION", 5)
    with Library(db) as lib:
        fill_search_library(lib, 400, spoken_share=0.5, events=100)
        tables = [r[0] for r in lib.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '%fts%'")]
        before = {t: lib.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
        said = lib.conn.execute("SELECT media_id FROM transcripts WHERE text LIKE '%kitchen%'").fetchall()
    monkeypatch.undo()
    with Library(db) as lib:
        assert lib.schema_version == schema_mod.SCHEMA_VERSION  # v6 and any migration after it
        assert {t: lib.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables} == before
        assert sorted(all_ids(lib, Query(text="kitchen"))) == sorted(r[0] for r in said) != []
        assert lib.integrity_check() == "ok"
    backups = list(db.parent.glob("library.db.v5-*.bak"))
    assert len(backups) == 1
    old = sqlite3.connect(backups[0])
    assert old.execute("PRAGMA user_version").fetchone()[0] == 5
    assert old.execute("SELECT count(*) FROM transcripts").fetchone()[0] == before["transcripts"] > 0
    old.close()
