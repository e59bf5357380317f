"""Writing playlists with hostile file names: our reader, mpv's and VLC's rules and an XML parser agree."""
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from urllib.parse import unquote_to_bytes

import pytest

from mediarec.errors import UserError
from mediarec.export import Entry, read_playlist, save_playlist
from player_rules import mpv_m3u, mpv_pls, opens, vlc_m3u, vlc_pls, vlc_resolve

PLAIN = ["a&b <c>.ogg", "100% done.flac", "Ünïcødé 日本語 🎵.opus", "  spaces  in name .mp3", "a:b.mp3",
         "semi;colon=eq,comma.wav", "plain.mp3"]
"""Names a plain M3U/PLS line carries for mpv and VLC alike."""
NEEDS_URI = ["#start.mp3", "new\nline.mp3", "crlf\r\n.mp3", "tab\there.mp3", "x%41y.mp3", "what?.mp3",
             "[live] (1).mp3", os.fsdecode(b"latin1-caf\xe9.mp3")]
"""Names one of them would misread as a plain line (a comment, a line break, a fragment, a query, %XX)."""
XSPF = "{http://xspf.org/ns/0/}"


@pytest.fixture
def tree(tmp_path):
    """Files with hostile names in two sibling folders ('side#B' has a '#' in the folder name), and a
    folder for the playlists."""
    paths = []
    for folder, names in (("side A", PLAIN + NEEDS_URI), ("side#B", ["plain2.mp3", "#x.mp3"])):
        (tmp_path / "music" / folder).mkdir(parents=True)
        for name in names:
            (tmp_path / "music" / folder / name).write_bytes(b"")
            paths.append(str(tmp_path / "music" / folder / name))
    (tmp_path / "lists").mkdir()
    return tmp_path, paths


def entries_for(paths):
    return [Entry(p, title=f"Title\n{i} & <b>", artist="Ar\ttist" if i % 3 else None, album="Alb & um",
                  duration=61.4 + i) for i, p in enumerate(paths)]


@pytest.mark.parametrize("relative", [False, True])
@pytest.mark.parametrize("ext", ["m3u8", "m3u", "pls", "xspf"])
def test_round_trip_keeps_every_hostile_path(tree, ext, relative):
    root, paths = tree
    playlist = root / "lists" / f"mix.{ext}"
    saved = save_playlist(playlist, entries_for(paths), relative=relative)
    assert saved.entries == len(paths)
    back = read_playlist(playlist)
    assert [e.path for e in back] == paths
    assert all(os.path.exists(e.path) for e in back)
    if ext != "xspf":
        assert [e.duration for e in back] == [round(61.4 + i) for i in range(len(paths))]


@pytest.mark.parametrize("relative", [False, True])
@pytest.mark.parametrize("ext", ["m3u8", "pls"])
def test_mpv_and_vlc_open_the_same_files(tree, ext, relative):
    root, paths = tree
    playlist = root / "lists" / f"mix.{ext}"
    save_playlist(playlist, entries_for(paths), relative=relative)
    text = playlist.read_bytes().decode("utf-8")
    mpv, vlc = (mpv_m3u, vlc_m3u) if ext == "m3u8" else (mpv_pls, vlc_pls)
    assert [opens(p) for p in mpv(text, playlist)] == [opens(p) for p in paths]
    assert [opens(p) for p in vlc(text, playlist)] == [opens(p) for p in paths]


MPV_RECORDER = """local out = io.open(mp.get_opt("rec-out"), "a")
mp.register_event("start-file", function()
  local path = mp.get_property("path")
  out:write((path:gsub(".", function(c) return string.format("%02x", c:byte()) end)), "\\n")
  out:flush()
end)
"""
"""An mpv script that writes the path of every playlist entry mpv starts, hex-encoded (names hold newlines)."""


@pytest.mark.skipif(shutil.which("mpv") is None, reason="mpv is not installed (setup.sh installs it as root)")
@pytest.mark.parametrize("relative", [False, True])
@pytest.mark.parametrize("ext", ["m3u8", "m3u", "pls"])
def test_the_real_mpv_opens_every_file_of_the_playlist(tree, ext, relative):
    root, paths = tree
    for p in paths:  # not empty: mpv then tries each file as media
        with open(p, "wb") as f:
            f.write(b"not audio")
    playlist = root / "lists" / f"mix.{ext}"
    save_playlist(playlist, entries_for(paths), relative=relative)
    script, out = root / "rec.lua", root / "opened.txt"
    script.write_text(MPV_RECORDER, encoding="utf-8")
    subprocess.run(["mpv", "--no-config", "--vo=null", "--ao=null", "--idle=no", "--really-quiet",
                    f"--script={script}", f"--script-opts=rec-out={out}", f"--playlist={playlist}"],
                   stdin=subprocess.DEVNULL, capture_output=True, timeout=120, check=False)
    opened = [os.fsdecode(bytes.fromhex(line)) for line in out.read_text().split()]
    assert [opens(p) for p in opened] == [opens(p) for p in paths]


def test_m3u8_lines_extinf_and_uri_fallback(tree):
    root, paths = tree
    playlist = root / "lists" / "mix.m3u8"
    saved = save_playlist(playlist, entries_for(paths), relative=True)
    lines = playlist.read_bytes().decode("utf-8").split("\n")
    assert lines[0] == "#EXTM3U" and lines[-1] == ""
    extinf = [line for line in lines if line.startswith("#EXTINF:")]
    assert extinf[0] == "#EXTINF:61,Title 0 & <b>"          # no artist: the title alone
    assert extinf[1] == "#EXTINF:62,Ar tist - Title 1 & <b>"  # newline and tab in tags became spaces
    locations = [line for line in lines if line and not line.startswith("#")]
    assert len(locations) == len(paths)  # no name broke a line, no name became a comment
    by_path = dict(zip(paths, locations))
    # Names a plain line cannot carry for both players are absolute file:// URIs, said in a comment ...
    side_a, side_b = root / "music" / "side A", root / "music" / "side#B"
    for name in NEEDS_URI:
        assert by_path[str(side_a / name)].startswith("file:///"), name
    assert by_path[str(side_a / "#start.mp3")].endswith("/music/side%20A/%23start.mp3")
    assert by_path[str(side_b / "plain2.mp3")].endswith("/music/side%23B/plain2.mp3")  # '#' in the folder
    assert saved.uri_entries == len(NEEDS_URI) + 2
    assert any(line.startswith("# mediarec:") and "file://" in line for line in lines)
    # ... everything else stays relative, climbing to the sibling folder.
    for name in PLAIN:
        assert by_path[str(side_a / name)] == f"../music/side A/{name}"


def test_relative_name_that_starts_like_a_scheme_or_with_space_is_guarded(tmp_path):
    for name in ("a:b.mp3", "  lead.mp3"):
        (tmp_path / name).write_bytes(b"")
    playlist = tmp_path / "here.m3u8"
    save_playlist(playlist, [Entry(str(tmp_path / n)) for n in ("a:b.mp3", "  lead.mp3")], relative=True)
    text = playlist.read_text(encoding="utf-8")
    assert "\n./a:b.mp3\n" in text and "\n./  lead.mp3\n" in text
    for player in (mpv_m3u, vlc_m3u):
        expected = [opens(str(tmp_path / n)) for n in ("a:b.mp3", "  lead.mp3")]
        assert [opens(p) for p in player(text, playlist)] == expected


def test_relative_path_through_a_symlinked_folder_falls_back_to_absolute(tmp_path):
    """'..' from a symlinked folder: VLC removes it lexically, the kernel climbs the real folder."""
    (tmp_path / "real" / "lists").mkdir(parents=True)
    (tmp_path / "music").mkdir()
    song = tmp_path / "music" / "song.mp3"
    song.write_bytes(b"")
    (tmp_path / "linked").symlink_to(tmp_path / "real" / "lists")
    playlist = tmp_path / "linked" / "p.m3u8"
    save_playlist(playlist, [Entry(str(song))], relative=True)
    text = playlist.read_text(encoding="utf-8")
    assert text.splitlines()[-1] == str(song)
    assert [opens(p) for p in mpv_m3u(text, playlist)] == [opens(str(song))]
    assert [opens(p) for p in vlc_m3u(text, playlist)] == [opens(str(song))]


@pytest.mark.parametrize("relative", [False, True])
def test_xspf_is_valid_xml_with_encoded_uris_and_escaped_text(tree, relative):
    root, paths = tree
    playlist = root / "lists" / "mix.xspf"
    save_playlist(playlist, entries_for(paths), relative=relative)
    raw = playlist.read_bytes()
    assert raw.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    doc = ET.fromstring(raw)  # raises on anything that is not well-formed XML
    assert doc.tag == f"{XSPF}playlist" and doc.get("version") == "1"
    tracks = doc.findall(f"{XSPF}trackList/{XSPF}track")
    assert len(tracks) == len(paths)
    for i, (track, path) in enumerate(zip(tracks, paths)):
        location = track.findtext(f"{XSPF}location")
        # Only unreserved characters and '/' appear raw; everything else is %XX.
        assert all(c.isascii() and (c.isalnum() or c in "-._~/:%") for c in location), location
        if relative:
            assert location.startswith("../music/")
            decoded = os.path.normpath(os.path.join(playlist.parent, os.fsdecode(unquote_to_bytes(location))))
        else:
            assert location.startswith("file:///")
            decoded = os.fsdecode(unquote_to_bytes(location[len("file://"):]))
        assert decoded == path
        assert vlc_resolve(location, playlist) == path
        assert track.findtext(f"{XSPF}title") == f"Title {i} & <b>"
        assert track.findtext(f"{XSPF}album") == "Alb & um"
        assert track.findtext(f"{XSPF}duration") == str(round((61.4 + i) * 1000))
    assert b"&amp;" in raw and b"&lt;b&gt;" in raw
    back = read_playlist(playlist)
    assert back[1].artist == "Ar tist" and back[0].artist is None and back[0].album == "Alb & um"
    assert back[0].duration == pytest.approx(61.4)


def test_xspf_drops_characters_xml_cannot_hold(tmp_path):
    playlist = tmp_path / "p.xspf"
    save_playlist(playlist, [Entry(str(tmp_path / "x.mp3"), title="bell\x07 and \x01 null\x00 " + "\udce9",
                                   artist="ok")])
    ET.fromstring(playlist.read_bytes())
    assert read_playlist(playlist)[0].title == "bell and null"


def test_pls_layout(tmp_path):
    playlist = tmp_path / "p.pls"
    save_playlist(playlist, [Entry("/m/a.mp3", title="A", artist="B", duration=200.6), Entry("/m/b=c.mp3")])
    assert playlist.read_text(encoding="utf-8").splitlines() == [
        "[playlist]", "File1=/m/a.mp3", "Title1=B - A", "Length1=201",
        "File2=/m/b=c.mp3", "Title2=b=c", "Length2=-1", "NumberOfEntries=2", "Version=2"]


def test_unknown_extension_is_a_user_error_listing_the_known_ones(tmp_path):
    with pytest.raises(UserError, match=r"\.m3u8.*\.xspf|\.xspf.*\.m3u8"):
        save_playlist(tmp_path / "p.txt", [Entry("/m/a.mp3")])
    assert not (tmp_path / "p.txt").exists()


def test_upper_case_extension_picks_the_format(tmp_path):
    save_playlist(tmp_path / "P.XSPF", [Entry("/m/a.mp3")])
    ET.fromstring((tmp_path / "P.XSPF").read_bytes())
    assert [e.path for e in read_playlist(tmp_path / "P.XSPF")] == ["/m/a.mp3"]


def test_non_file_urls_are_kept(tmp_path):
    url = "http://radio.example/stream?x=1#y"
    for ext in ("m3u8", "pls", "xspf"):
        save_playlist(tmp_path / f"p.{ext}", [Entry(url, title="radio")])
        assert read_playlist(tmp_path / f"p.{ext}")[0].path == url
