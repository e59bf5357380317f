"""`mediarec block/unblock/blocklist`, and Up Next (CLI and export) never offering what is blocked."""
import json

import numpy as np
import pytest

from mediarec.cli import main
from vector_factory import REAL_DIMS, add_media, clustered, put_features


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def songs(lib):
    """Three artists of 20 songs, in their own folders, with sound features (enough for Up Next)."""
    out = {}
    for a in range(3):
        ids = add_media(lib, 20, prefix=f"/music/a{a}", fields=[{"artist": f"Band {a}", "title": f"Song {a}.{i}"}
                                                                  for i in range(20)])
        out[a] = ids
    every = [m for ids in out.values() for m in ids]
    put_features(lib, every, "audio.musicnn", clustered(len(every), REAL_DIMS["audio.musicnn"], 3, seed=1)[0])
    return out


def _upnext_ids(capsys, n=40):
    code, out, _ = run(capsys, "upnext", "-n", n, "--json")
    assert code == 0
    return {it["id"] for it in json.loads(out)["items"]}


def test_blocked_items_artists_and_folders_are_never_offered(capsys, songs, tmp_path):
    assert len(_upnext_ids(capsys)) == 40
    code, out, _ = run(capsys, "block", "--artist", "band 0")
    assert code == 0 and "artist band 0" in out and "20 item(s) blocked" in out
    code, out, _ = run(capsys, "block", "--folder", "/music/a1/audio", "--json")
    assert code == 0 and json.loads(out)["blocked_items"] == 40
    assert run(capsys, "block", songs[2][0])[0] == 0
    offered = _upnext_ids(capsys)
    assert offered == set(songs[2][1:]), "only what no rule blocks, and all of it"
    code, out, _ = run(capsys, "export", tmp_path / "next.m3u8", "--upnext", "-n", 30, "--json")
    assert code == 0
    exported = (tmp_path / "next.m3u8").read_text()
    assert "/music/a0/" not in exported and "/music/a1/" not in exported and exported.count("/music/a2/") == 19

    doc = json.loads(run(capsys, "blocklist", "--json")[1])
    assert [r["kind"] for r in doc["rules"]] == ["item", "folder", "artist"] and doc["blocked_items"] == 41
    assert "folder  /music/a1/audio" in run(capsys, "blocklist")[1]
    assert run(capsys, "unblock", "--artist", "BAND 0")[0] == 0
    assert run(capsys, "unblock", "--id", doc["rules"][1]["id"])[0] == 0
    assert run(capsys, "unblock", songs[2][0])[0] == 0
    assert len(_upnext_ids(capsys)) == 40 and "Nothing is blocked" in run(capsys, "blocklist")[1]


def test_block_usage_errors(capsys, songs):
    with pytest.raises(SystemExit):
        main(["block", "1", "--artist", "x"])
    with pytest.raises(SystemExit):
        main(["block"])
    code, _, err = run(capsys, "unblock", "--artist", "nobody")
    assert code == 1 and "no such rule" in err
    code, _, err = run(capsys, "block", "/not/scanned.mp3")
    assert code == 1 and "not in the library" in err
