"""Listeners: the v5 migration keeps every event (as the default listener's), and history, queue, blocklist
and up-next state are each listener's own; the guest records into nobody's taste."""
import json
import sqlite3

import pytest

from mediarec.cli import main
from mediarec.errors import UserError
from mediarec.library import Library
from mediarec.library import schema as schema_mod
from mediarec.library.blocklist import Blocklist
from mediarec.library.listeners import GUEST, Listeners, state_key
from mediarec.library.queue import UpNextMode, UserQueue, load_mode, save_mode
from mediarec.recommend import events
from vector_factory import add_media


def _v3_database(path):
    """A database as mediarec wrote it before listeners: schema v3, one item, two events, a rule, a queue."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    for m in schema_mod.MIGRATIONS:
        if m.version <= 3:
            m.apply(conn)
    conn.execute("PRAGMA user_version = 3")
    conn.execute("INSERT INTO media (id, path, kind, size, mtime, fingerprint, added_at, updated_at) "
                 "VALUES (7, '/m/a.ogg', 'audio', 1, 1, 'fp', 1, 1)")
    conn.execute("INSERT INTO events (media_id, type, ts, context) VALUES (7, 'play', 100, '{}')")
    conn.execute("INSERT INTO events (media_id, type, ts, context) VALUES (7, 'skip', 200, '{}')")
    conn.execute("INSERT INTO blocklist (id, kind, value, media_id, label, created_at) "
                 "VALUES (4, 'artist', 'ABBA', NULL, 'ABBA', 5)")
    conn.execute("INSERT INTO user_queue (media_id, position, added_at) VALUES (7, 0, 1)")
    conn.close()


def test_v5_gives_old_events_the_default_listener_and_loses_nothing(app_dirs):
    db = app_dirs["data"] / "library.db"
    _v3_database(db)
    with Library(db) as lib:
        assert lib.schema_version >= 5
        rows = lib.events.list()
        assert [(e["id"], e["type"], e["ts"], e["listener_id"]) for e in rows] == \
            [(1, "play", 100.0, 1), (2, "skip", 200.0, 1)]
        assert lib.events.count(listener=1) == 2 and lib.events.count(listener=None) == 0
        assert [x.name for x in Listeners(lib).list()] == ["default"]
        rule = Blocklist(lib).rules()[0]
        assert (rule.id, rule.kind, rule.value, rule.listener_id) == (4, "artist", "ABBA", schema_mod.EVERYONE)
        assert UserQueue(lib).media_ids() == [7] and UserQueue(lib, 2).media_ids() == []
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            lib.conn.execute("UPDATE events SET listener_id = 2")
    backups = list(db.parent.glob("library.db.v3-*.bak"))
    assert len(backups) == 1
    assert sqlite3.connect(backups[0]).execute("SELECT count(*) FROM events").fetchone()[0] == 2


def test_add_rename_private_remove(lib):
    who = Listeners(lib)
    sam = who.add("Sam")
    assert who.resolve("sam") == sam.id and who.resolve(None) == 1 and who.resolve(GUEST) is None
    with pytest.raises(UserError, match="already"):
        who.add("SAM")
    with pytest.raises(UserError, match="guest"):
        who.add("Guest")
    with pytest.raises(UserError, match="no such listener"):
        who.resolve("Nobody")
    assert who.rename("Sam", "Samuel").name == "Samuel"
    assert who.set_private("Samuel", True).private and who.private_ids() == {sam.id}
    with pytest.raises(UserError, match="default listener"):
        who.remove("default")
    (mid,) = add_media(lib, 1)
    events.record(lib, mid, "play", ts=10.0)
    events.record(lib, mid, "play", ts=20.0, listener=sam.id)
    UserQueue(lib, sam.id).add([mid])
    Blocklist(lib, sam.id).block_item(mid)
    lib.kv.set(state_key("recommend.upnext", sam.id), {"x": 1})
    assert who.remove("Samuel") == 1
    assert lib.events.count() == 1 and lib.events.list()[0]["listener_id"] == 1
    assert UserQueue(lib, sam.id).media_ids() == [] and Blocklist(lib, sam.id).rules() == []
    assert lib.kv.get(state_key("recommend.upnext", sam.id)) is None


def test_queue_blocklist_mode_and_sessions_are_each_listeners(lib):
    a, b, c = add_media(lib, 3)
    sam = Listeners(lib).add("Sam").id
    UserQueue(lib).add([a, b])
    UserQueue(lib, sam).add([c])
    UserQueue(lib, sam).insert_next([a])
    assert UserQueue(lib).media_ids() == [a, b] and UserQueue(lib, sam).media_ids() == [a, c]
    UserQueue(lib).clear()
    assert UserQueue(lib, sam).media_ids() == [a, c]
    Blocklist(lib, sam).block_item(a)        # Sam's own rule
    Blocklist(lib).block_item(b)             # everyone's
    assert Blocklist(lib, sam).blocked_ids().tolist() == [a, b]
    assert Blocklist(lib, 1).blocked_ids().tolist() == [b]
    assert Blocklist(lib, None).blocked_ids().tolist() == [b]  # the guest: everyone's rules only
    Blocklist(lib, 1).block_item(a)  # the same item for another listener is another rule
    assert Blocklist(lib, 1).unblock_item(a) and Blocklist(lib, sam).is_blocked(a)
    save_mode(lib, UpNextMode(mode="radio", seed=c), sam)
    assert load_mode(lib, sam).seed == c and load_mode(lib).mode == "taste"
    e1 = events.record(lib, a, "play", ts=1000.0)
    e2 = events.record(lib, a, "play", ts=1010.0, listener=sam)
    e3 = events.record(lib, a, "play", ts=1020.0, listener=None)
    byid = {e["id"]: e for e in lib.events.list()}
    assert len({byid[e]["session_id"] for e in (e1, e2, e3)}) == 3  # one listener's session is not another's
    assert byid[e3]["listener_id"] is None and lib.events.count(listener=None) == 1
    assert lib.events.forget(listener=sam) == 1 and lib.events.count() == 2


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_listeners_event_and_forget_per_listener(capsys, lib, app_dirs):
    (mid,) = add_media(lib, 1)
    lib.close()
    code, out, _ = run(capsys, "listeners", "add", "Sam", "--json")
    assert code == 0 and [x["name"] for x in json.loads(out)["listeners"]] == ["default", "Sam"]
    assert run(capsys, "--listener", "Sam", "event", "play", str(mid))[0] == 0
    assert run(capsys, "event", "play", str(mid))[0] == 0
    assert run(capsys, "--listener", "guest", "event", "skip", str(mid))[0] == 0
    code, out, _ = run(capsys, "--listener", "Sam", "listeners", "--json")
    doc = json.loads(out)
    assert doc["listening"] == "Sam" and doc["guest_events"] == 1
    assert {x["name"]: x["events"] for x in doc["listeners"]} == {"default": 1, "Sam": 1}
    code, out, _ = run(capsys, "--listener", "Sam", "forget", "--all", "--json")
    assert code == 0 and json.loads(out)["forgotten"] == 1
    code, out, _ = run(capsys, "listeners", "rename", "Sam", "Samuel")
    assert code == 0 and "Renamed Sam to Samuel" in out
    code, _, err = run(capsys, "--listener", "Nobody", "event", "play", str(mid))
    assert code == 1 and "no such listener" in err
    code, out, _ = run(capsys, "listeners", "private", "Samuel", "on")
    assert code == 0 and "private" in out
    code, out, _ = run(capsys, "listeners", "remove", "Samuel", "--json")
    assert code == 0 and [x["name"] for x in json.loads(out)["listeners"]] == ["default"]


def test_a_guest_records_into_nobodys_taste(lib, app_dirs):
    from mediarec.recommend.cross import CrossModel
    from mediarec.recommend.upnext import UpNext

    a, b = add_media(lib, 2)
    sam = Listeners(lib).add("Sam").id
    for ts, who in ((10.0, None), (20.0, None), (30.0, sam)):
        events.record(lib, a, "play", ts=ts, listener=who)
    rec = UpNext(lib, app_dirs["data"] / "index", persist=False)  # the default listener
    assert rec.catch_up() == 0 and a not in rec.taste.row
    rec = UpNext(lib, app_dirs["data"] / "index", persist=False, listener=sam)
    assert rec.catch_up() == 1
    model = CrossModel(sam)
    for e in lib.events.list():
        model.observe(e)
    assert set(model.verdicts) == {sam}  # the guest's plays are nobody's verdicts


def test_export_data_holds_each_listeners_queue_and_rules(lib):
    from mediarec.privacy import data_document

    a, b = add_media(lib, 2)
    sam = Listeners(lib).add("Sam").id
    UserQueue(lib, sam).add([b])
    Blocklist(lib, sam).block_item(a)
    events.record(lib, a, "play", ts=5.0, listener=sam)
    doc = data_document(lib)
    people = {p["name"]: p for p in doc["listeners"]}
    assert [q["media_id"] for q in people["Sam"]["queue"]] == [b] and people["default"]["queue"] == []
    assert [r["media_id"] for r in people["Sam"]["blocklist"]] == [a] and doc["blocklist"] == []
    assert doc["events"][0]["listener_id"] == sam
