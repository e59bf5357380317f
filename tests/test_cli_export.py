"""The playlist commands end to end on real scanned media: import, playlists, playlist, export, --save."""
import codecs
import json
import os
import shutil
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "export"))

from mediarec.cli import main  # noqa: E402
from mediarec.export import read_playlist  # noqa: E402
from mediarec.jobs import run_job  # noqa: E402
from mediarec.library import Library  # noqa: E402
from mediarec.scan.scanner import scan  # noqa: E402
from player_rules import mpv_m3u, opens, vlc_m3u, vlc_resolve  # noqa: E402

XSPF = "{http://xspf.org/ns/0/}"
HOSTILE = {  # template file -> the name it gets in the library
    "song1.wav": "Ünï 🎵.wav", "song2.flac": "#1 song.flac", "song3.ogg": "a&b <c>.ogg",
    "song5.mp3": "100% done.mp3", "song6.m4a": "new\nline.m4a",
}


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def library(tmp_path, media_templates, app_dirs):
    """A scanned library of real media with hostile names; returns {template name: library path}."""
    music = tmp_path / "library" / "music"
    music.mkdir(parents=True)
    paths = {}
    for template, name in HOSTILE.items():
        shutil.copy2(media_templates / template, music / name)
        paths[template] = str(music / name)
    with Library(app_dirs["data"] / "library.db") as lib:
        lib.roots.add(str(tmp_path / "library"))
        report = run_job(scan(lib))
        assert report.added == len(HOSTILE)
    return paths


def _handmade_m3u8(tmp_path, paths):
    """What another player might have written: BOM, CRLF, relative and absolute lines, a URI, a ghost."""
    lists = tmp_path / "lists"
    lists.mkdir(exist_ok=True)
    lines = ["#EXTM3U", "#EXTINF:1,Someone - Renamed in the file",
             os.path.relpath(paths["song2.flac"], lists),
             paths["song1.wav"],
             "# a comment", "",
             "file://" + paths["song6.m4a"].replace("%", "%25").replace("\n", "%0A"),
             "../library/music/a&b <c>.ogg",
             "#EXTINF:200,Ghost",
             "/nowhere/ghost.mp3",
             paths["song5.mp3"]]
    path = lists / "mine.m3u8"
    path.write_bytes(codecs.BOM_UTF8 + "\r\n".join(lines).encode("utf-8"))
    return path


def test_import_then_show_list_export_and_delete(capsys, tmp_path, library):
    m3u = _handmade_m3u8(tmp_path, library)
    code, out, err = run(capsys, "import", m3u, "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert (doc["name"], doc["entries"], doc["matched"], doc["unknown"]) == ("mine", 6, 5, 1)
    assert doc["unknown_paths"] == ["/nowhere/ghost.mp3"]
    assert doc["refused"] == [{"path": "/nowhere/ghost.mp3", "reason": "outside your library folders"}]

    code, out, _ = run(capsys, "playlists", "--json")
    assert [(p["name"], p["items"], p["source"]) for p in json.loads(out)["playlists"]] == [("mine", 6, "import")]

    code, out, _ = run(capsys, "playlist", "mine", "--json")
    items = json.loads(out)["items"]
    order = ["song2.flac", "song1.wav", "song6.m4a", "song3.ogg", None, "song5.mp3"]
    assert [it["path"] for it in items] == [library[t] if t else "/nowhere/ghost.mp3" for t in order]
    assert [it["in_library"] for it in items] == [t is not None for t in order]
    assert items[0]["title"] == "Someone - Renamed in the file" and items[4]["duration"] == 200

    # XSPF, relative paths: the file's tags come from the library, the ghost keeps what the file said.
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    code, out, err = run(capsys, "export", out_dir / "mix.xspf", "--playlist", "mine", "--relative", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert (doc["format"], doc["entries"], doc["relative"], doc["source"]) == ("XSPF", 6, True, "playlist")
    tree = ET.parse(out_dir / "mix.xspf").getroot()
    tracks = tree.findall(f"{XSPF}trackList/{XSPF}track")
    locations = [t.findtext(f"{XSPF}location") for t in tracks]
    assert [vlc_resolve(loc, out_dir / "mix.xspf") for loc in locations] == [it["path"] for it in items]
    assert locations[1].startswith("../library/music/")
    assert [t.findtext(f"{XSPF}title") for t in tracks] == ["Song 2", "Song 1", "Song 6", "Song 3", "Ghost", "Song 5"]
    assert tracks[0].findtext(f"{XSPF}creator") == "Artist 2"
    assert abs(int(tracks[0].findtext(f"{XSPF}duration")) - 1000) < 60

    # M3U8, first three, kept as a new saved playlist; mpv's and VLC's reading lands on the library files.
    code, out, err = run(capsys, "export", out_dir / "mix.m3u8", "--playlist", "mine", "-n", "3", "--relative",
                         "--save", "first three", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["entries"] == 3 and doc["uri_entries"] == 2 and doc["saved_as"] == "first three"
    text = (out_dir / "mix.m3u8").read_text(encoding="utf-8")
    expected = [opens(library[t]) for t in order[:3]]
    assert [opens(p) for p in mpv_m3u(text, out_dir / "mix.m3u8")] == expected
    assert [opens(p) for p in vlc_m3u(text, out_dir / "mix.m3u8")] == expected
    assert "#EXTINF:1,Artist 2 - Song 2\n" in text
    code, out, _ = run(capsys, "playlist", "first three", "--json")
    saved = json.loads(out)
    assert saved["source"] == "playlist" and [it["path"] for it in saved["items"]] == [library[t] for t in order[:3]]
    assert all(it["media_id"] is not None for it in saved["items"])

    code, out, _ = run(capsys, "export", out_dir / "mix.pls", "--playlist", "mine")
    assert code == 0 and out.startswith(f"Wrote 6 entries to {out_dir / 'mix.pls'} (PLS, absolute paths)")
    assert [e.path for e in read_playlist(out_dir / "mix.pls")] == [it["path"] for it in items]

    code, out, _ = run(capsys, "playlists")
    assert "first three" in out and "mine" in out and "import" in out

    code, out, _ = run(capsys, "playlist", "mine")
    assert "not in library" in out and "/nowhere/ghost.mp3" in out and "Ghost" in out

    code, out, err = run(capsys, "playlist", "mine", "--delete")
    assert code == 0 and "Deleted" in out
    code, out, err = run(capsys, "playlist", "mine")
    assert code == 1 and err == "mediarec: no playlist named 'mine'\n"


def test_import_refuses_to_overwrite_without_replace(capsys, tmp_path, library):
    m3u = _handmade_m3u8(tmp_path, library)
    assert run(capsys, "import", m3u)[0] == 0
    code, out, err = run(capsys, "import", m3u)
    assert code == 1 and err.count("\n") == 1 and "--replace" in err
    (tmp_path / "lists" / "other.pls").write_text(f"[playlist]\nFile1={library['song3.ogg']}\n")
    code, out, err = run(capsys, "import", tmp_path / "lists" / "other.pls", "--name", "mine", "--replace")
    assert code == 0 and "1 in the library, 0 not" in out
    code, out, _ = run(capsys, "playlists", "--json")
    assert [(p["name"], p["items"]) for p in json.loads(out)["playlists"]] == [("mine", 1)]


def test_a_saved_playlist_follows_a_moved_file(capsys, tmp_path, library, app_dirs):
    m3u = _handmade_m3u8(tmp_path, library)
    run(capsys, "import", m3u)
    moved = str(Path(library["song3.ogg"]).with_name("renamed & moved.ogg"))
    os.rename(library["song3.ogg"], moved)
    with Library(app_dirs["data"] / "library.db") as lib:
        run_job(scan(lib))
    code, out, err = run(capsys, "export", tmp_path / "after.m3u8", "--playlist", "mine", "--json")
    assert code == 0, err
    assert [it["path"] for it in json.loads(out)["items"]][3] == moved
    assert moved in [e.path for e in read_playlist(tmp_path / "after.m3u8")]


def test_bad_playlist_files_are_one_line_errors(capsys, tmp_path):
    (tmp_path / "bad.xspf").write_text("<playlist><oops></playlist>")
    code, out, err = run(capsys, "import", tmp_path / "bad.xspf")
    assert code == 1 and err.startswith(f"mediarec: {tmp_path / 'bad.xspf'}: not valid XML") and err.count("\n") == 1
    code, out, err = run(capsys, "import", tmp_path / "missing.m3u")
    assert code == 1 and "No such file" in err
    code, out, err = run(capsys, "export", tmp_path / "x.wpl", "--playlist", "any")
    assert code == 1 and "unknown playlist type .wpl" in err


def test_export_from_the_real_recommenders(capsys, tmp_path, library, app_dirs):
    """--similar, --upnext and --path through the real recommenders, on features stored in the real tables."""
    import numpy as np

    from vector_factory import REAL_DIMS, put_features

    order = ["song1.wav", "song2.flac", "song3.ogg", "song5.mp3", "song6.m4a"]
    rng = np.random.default_rng(0)
    start, end = rng.standard_normal((2, REAL_DIMS["audio.musicnn"]))
    with Library(app_dirs["data"] / "library.db") as lib:
        ids = [lib.media.by_path(library[t])["id"] for t in order]
        # Five songs on a line from one sound to another: song1 ... song6.
        put_features(lib, ids, "audio.musicnn", np.stack([(1 - t) * start + t * end for t in np.linspace(0, 1, 5)]))
        put_features(lib, ids, "audio.dsp", np.tile(rng.standard_normal(REAL_DIMS["audio.dsp"]), (5, 1)))
    code, out, err = run(capsys, "export", tmp_path / "like.m3u8", "--similar", library["song1.wav"], "-n", "2",
                         "--save", "like #1", "--json")
    assert code == 0, err
    assert [it["path"] for it in json.loads(out)["items"]] == [library["song2.flac"], library["song3.ogg"]]
    assert [e.path for e in read_playlist(tmp_path / "like.m3u8")] == [library["song2.flac"], library["song3.ogg"]]
    code, out, _ = run(capsys, "playlist", "like #1", "--json")
    saved = json.loads(out)
    assert saved["source"] == "similar" and saved["params"]["item"] == library["song1.wav"]
    assert [it["path"] for it in saved["items"]] == [library["song2.flac"], library["song3.ogg"]]
    code, out, err = run(capsys, "export", tmp_path / "next.xspf", "--upnext", "--json")
    assert code == 0, err
    assert sorted(it["path"] for it in json.loads(out)["items"]) == sorted(library[t] for t in order)
    code, out, err = run(capsys, "export", tmp_path / "trip.pls", "--path", library["song1.wav"],
                         library["song6.m4a"], "-n", "5", "--json")
    assert code == 0, err
    assert [it["path"] for it in json.loads(out)["items"]] == [library[t] for t in order]
