"""An imported playlist is untrusted: entity bombs, external entities, huge files and entries that point
outside the library are refused quickly with a reason, and nothing they name is opened."""
import os
import time

import pytest

from mediarec.export import Entry, read_playlist, save_playlist
from mediarec.export.entry import PlaylistError
from mediarec.export.trust import screen

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<playlist version="1" xmlns="http://xspf.org/ns/0/"><trackList>
<track><location>file:///music/a.mp3</location><title>&lol9;</title></track>
</trackList></playlist>
"""


def _xxe(secret: str) -> bytes:
    return f"""<?xml version="1.0"?>
<!DOCTYPE playlist [<!ENTITY leak SYSTEM "file://{secret}">]>
<playlist version="1" xmlns="http://xspf.org/ns/0/"><trackList>
<track><location>file:///music/a.mp3</location><title>&leak;</title></track>
</trackList></playlist>
""".encode()


def test_billion_laughs_is_refused_quickly(tmp_path):
    bomb = tmp_path / "bomb.xspf"
    bomb.write_bytes(BILLION_LAUGHS)
    start = time.perf_counter()
    with pytest.raises(PlaylistError, match="refused: the XML declares a DTD") as err:
        read_playlist(bomb)
    assert time.perf_counter() - start < 1.0
    assert str(bomb) in str(err.value)


def test_external_entities_are_never_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    playlist = tmp_path / "xxe.xspf"
    playlist.write_bytes(_xxe(str(secret)))
    with pytest.raises(PlaylistError) as err:
        read_playlist(playlist)
    assert "TOP-SECRET" not in str(err.value)


@pytest.mark.parametrize("ext", ["m3u8", "xspf", "pls"])
def test_a_100_mb_playlist_is_refused_before_it_is_read(tmp_path, ext):
    huge = tmp_path / f"huge.{ext}"
    with open(huge, "wb") as f:
        f.truncate(100 * 1024 * 1024)  # sparse: costs no disk
    start = time.perf_counter()
    with pytest.raises(PlaylistError, match="too large for a playlist"):
        read_playlist(huge)
    assert time.perf_counter() - start < 0.5


def test_entries_outside_the_library_are_reported_not_followed(tmp_path):
    music = tmp_path / "music"
    (music / "a").mkdir(parents=True)
    inside = music / "a" / "song.mp3"
    playlist = music / "a" / "list.m3u8"
    playlist.write_text("\n".join([
        "#EXTM3U",
        "song.mp3",                       # inside, relative
        "../a/song.mp3",                  # '..' that stays in the library
        "../../outside.mp3",              # climbs out of the library
        "/etc/passwd",                    # absolute, elsewhere
        f"file://{music}/../escape.mp3",  # a URI that climbs out
        "http://example.com/stream.mp3",  # not a local file
    ]) + "\n")
    entries = read_playlist(playlist)
    screened = screen(entries, [str(music)])
    assert [e.path for e in screened.kept] == [str(inside), str(inside)]
    reasons = {os.path.basename(e.path): why for e, why in screened.refused}
    assert reasons == {"outside.mp3": "outside your library folders", "passwd": "outside your library folders",
                       "escape.mp3": "outside your library folders",
                       "stream.mp3": "not a local file (a URL)"}


def test_a_sibling_folder_with_the_same_prefix_is_not_inside(tmp_path):
    entries = [Entry(str(tmp_path / "music-evil" / "x.mp3"))]
    assert screen(entries, [str(tmp_path / "music")]).kept == []


@pytest.mark.parametrize("ext", ["m3u8", "xspf", "pls"])
def test_hostile_names_cannot_add_entries_or_escape_a_relative_export(tmp_path, ext):
    music = tmp_path / "music"
    music.mkdir()
    # File names cannot hold '/', but everything else a playlist line or XML could misread is allowed.
    names = ["a\n#EXTINF:1,evil\n..\\passwd.mp3", "..%2F..%2Fetc.mp3", "x]]><location>&amp;file:y.mp3<!--",
             "File2=passwd.mp3", "[playlist].mp3", ".. .mp3", "\r\n#EXTM3U.mp3"]
    paths = []
    for n in names:
        (music / n).write_bytes(b"")
        paths.append(str(music / n))
    out = music / f"list.{ext}"
    save_playlist(out, [Entry(p, title=n) for p, n in zip(paths, names)], relative=True)
    back = read_playlist(out)
    assert [e.path for e in back] == paths  # one entry per file, each the file itself
    assert screen(back, [str(music)]).refused == []
    assert "/etc/passwd" not in [e.path for e in back]
