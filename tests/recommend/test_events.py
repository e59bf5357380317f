"""The history rules the player and the CLI share: what is a play, a skip, a session; forgetting."""
import json
import sqlite3

import pytest

from mediarec.cli import main
from mediarec.recommend import events
from vector_factory import add_media

T0 = 1_700_000_000.0


@pytest.fixture
def items(lib):
    short = add_media(lib, 1, prefix="/s", fields=[{"duration": 200.0, "title": "Short"}])[0]
    long = add_media(lib, 1, prefix="/l", fields=[{"duration": 1200.0, "title": "Long"}])[0]
    return short, long


@pytest.mark.parametrize("position, duration, expected", [
    (99.0, 200.0, "skip"),    # before half of a 200 s song
    (100.0, 200.0, "play"),   # half of it
    (239.0, 1200.0, "skip"),  # a 20-minute piece: 4 minutes are enough ...
    (240.0, 1200.0, "play"),  # ... long before half of it
    (239.0, None, "skip"),    # unknown length: the 4-minute rule alone
    (241.0, None, "play"),
    (0.0, 200.0, "skip"),
])
def test_a_play_is_half_the_item_or_four_minutes(position, duration, expected):
    assert events.classify_stop(position, duration) == expected


def test_an_early_stop_by_a_player_error_is_not_a_skip():
    assert events.classify_stop(10.0, 200.0, player_error=True) == "play_end"
    assert events.classify_stop(150.0, 200.0, player_error=True) == "play"  # it was heard all the same


def test_record_classifies_a_stop_and_keeps_what_was_said(lib, items):
    short, long = items
    e1 = events.record(lib, short, "stop", position=30.0, ts=T0)
    e2 = events.record(lib, long, "skip", position=300.0, ts=T0 + 60)  # "skip" after 5 minutes: heard it
    e3 = events.record(lib, short, "play", ts=T0 + 400)  # no position: taken as said
    e4 = events.record(lib, lib.media.get(short)["path"], "like", ts=T0 + 401)
    e5 = events.record(lib, long, "stop", position=5.0, player_error=True, ts=T0 + 402)
    got = {e["id"]: e for e in lib.events.list()}
    assert [got[e]["type"] for e in (e1, e2, e3, e4, e5)] == ["skip", "play", "play", "like", "play_end"]
    assert got[e1]["duration"] == 200.0 and got[e1]["fraction"] == pytest.approx(0.15)
    assert got[e1]["context"] == {"recorded_as": "stop"}
    assert got[e2]["context"] == {"recorded_as": "skip"}
    assert got[e5]["context"] == {"recorded_as": "stop", "player_error": True}
    with pytest.raises(Exception, match="position"):
        events.record(lib, short, "stop")


def test_sessions_split_after_30_minutes_of_silence(lib, items):
    short, long = items
    stamps = [T0, T0 + 600, T0 + 600 + 1799, T0 + 600 + 1799 + 1801, T0 + 600 + 1799 + 1801 + 5]
    for i, ts in enumerate(stamps):
        events.record(lib, short if i % 2 else long, "play", ts=ts)
    sessions = [e["session_id"] for e in lib.events.list()]
    assert sessions[0] == sessions[1] == sessions[2]
    assert sessions[3] == sessions[4] != sessions[0]
    assert [e["ts"] for e in events.current_session(lib, now=stamps[-1] + 60)] == stamps[3:]
    assert events.current_session(lib, now=stamps[-1] + 1801) == []


def test_history_is_append_only_except_forget(lib, items):
    short, long = items
    for i in range(3):
        events.record(lib, short, "play", ts=T0 + i)
    events.record(lib, long, "skip", position=3.0, ts=T0 + 10)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        with lib.transaction() as c:
            c.execute("UPDATE events SET type = 'like'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        with lib.transaction() as c:
            c.execute("DELETE FROM events")
    assert lib.events.forget(short) == 3
    assert [e["media_id"] for e in lib.events.list()] == [long]


def test_event_history_forget_commands(capsys, lib, items):
    short, long = items
    path = lib.media.get(short)["path"]
    assert main(["event", "skip", path, "--position", "12"]) == 0
    out = capsys.readouterr().out
    assert "Recorded skip of Short at 0:12 of 3:20 (a play needs 1:40)" in out
    assert main(["event", "stop", str(long), "--position", "250", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["event"]["type"] == "play" and doc["item"]["title"] == "Long"
    assert main(["event", "like", str(long)]) == 0
    capsys.readouterr()
    assert main(["history", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [(e["type"], e["title"]) for e in doc["items"]] == [("skip", "Short"), ("play", "Long"), ("like", "Long")]
    assert doc["total"] == 3 and len({e["session_id"] for e in doc["items"]}) == 1
    assert main(["history"]) == 0
    assert "skip" in capsys.readouterr().out

    from mediarec.recommend.upnext import STATE_KEY
    lib.kv.set(STATE_KEY, {"learned": "from the history being forgotten"})
    assert main(["forget", str(long), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["forgotten"] == 2
    assert lib.kv.get(STATE_KEY) is None  # nothing learned from forgotten plays is kept
    assert main(["forget"]) == 1
    assert "ITEM or --all" in capsys.readouterr().err
    assert main(["forget", "--all"]) == 0
    assert "Forgot 1 event(s): your whole history" in capsys.readouterr().out
    assert lib.events.count() == 0
    assert main(["event", "play", "/not/in/library.mp3"]) == 1
    assert "not in the library" in capsys.readouterr().err
