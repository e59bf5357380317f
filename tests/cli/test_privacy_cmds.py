"""`mediarec export-data` writes everything as JSON (atomically); clear_history is forget --all."""
import json

from mediarec.cli import main
from mediarec.library import item_stats
from mediarec.library.blocklist import Blocklist
from mediarec.library.queue import UpNextMode, UserQueue, save_mode
from mediarec.privacy import clear_history
from mediarec.recommend.events import record
from mediarec.recommend.upnext import STATE_KEY
from vector_factory import add_media


def test_export_data_then_clear_history(capsys, lib, tmp_path):
    a, b = add_media(lib, 2)
    record(lib, a, "play", position=150.0, ts=10.0)
    record(lib, b, "skip", position=2.0, ts=20.0)
    lib.playlists.save("Mine", [{"path": "/x.ogg", "media_id": a}])
    UserQueue(lib).add([b])
    Blocklist(lib).block_artist("Nobody")
    save_mode(lib, UpNextMode("radio", seed=a))
    lib.kv.set(STATE_KEY, {"learned": 1})
    out = tmp_path / "me.json"
    out.write_text("old")
    assert main(["export-data", str(out)]) == 0
    assert "2 events, 1 playlists, 1 queue, 1 blocklist" in capsys.readouterr().out
    doc = json.loads(out.read_text())
    assert doc["format"] == "mediarec-data/1"
    assert [(e["type"], e["path"]) for e in doc["events"]] == [("play", "/synthetic/audio/000000.ogg"),
                                                              ("skip", "/synthetic/audio/000001.ogg")]
    assert doc["playlists"][0]["name"] == "Mine" and doc["playlists"][0]["items"][0]["media_id"] == a
    assert doc["queue"][0]["media_id"] == b and doc["blocklist"][0]["value"] == "Nobody"
    assert doc["upnext_mode"]["mode"] == "radio" and doc["settings"]["recommend"]
    assert not list(tmp_path.glob(".me.json.*.tmp"))

    assert main(["export-data", str(tmp_path / "no" / "such" / "dir.json")]) == 1
    assert "cannot write" in capsys.readouterr().err

    assert clear_history(lib) == 2
    assert lib.events.count() == 0 and lib.kv.get(STATE_KEY) is None
    assert item_stats.get(lib, a).plays == 0
    assert UserQueue(lib).media_ids() == [b] and len(Blocklist(lib).rules()) == 1  # the user's own making stays
