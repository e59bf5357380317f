"""Reading playlists other programs wrote: BOMs, CRLF, comments, relative paths; bad files fail in one line."""
import codecs

import pytest

from mediarec.errors import FileError, ReadError, UserError
from mediarec.export import PlaylistError, read_playlist


def test_m3u8_with_bom_crlf_comments_blanks_and_missing_extinf(tmp_path):
    (tmp_path / "sub").mkdir()
    text = ("#EXTM3U\r\n"
            "# a comment\r\n"
            "\r\n"
            "#EXTINF:123,Artist - Title, with comma\r\n"
            "sub/one.mp3\r\n"
            "two.ogg\r\n"                              # no EXTINF
            "#EXTINF:-1,\r\n"                          # unknown length, empty title
            "  ../elsewhere/three.flac  \r\n"          # surrounding spaces are not part of the name
            "#EXTINF:abc tvg-id=\"x\",Radio\r\n"       # a bad duration is shrugged off
            "file:///music/%23four%20%C3%A9.mp3\r\n"
            "/abs/five.wav\r\n"
            "#EXTVLCOPT:start-time=3\r\n")
    path = tmp_path / "list.m3u8"
    path.write_bytes(codecs.BOM_UTF8 + text.encode("utf-8"))
    entries = read_playlist(path)
    assert [e.path for e in entries] == [
        str(tmp_path / "sub" / "one.mp3"), str(tmp_path / "two.ogg"), str(tmp_path.parent / "elsewhere" / "three.flac"),
        "/music/#four é.mp3", "/abs/five.wav"]
    assert [(e.title, e.duration) for e in entries] == [
        ("Artist - Title, with comma", 123.0), (None, None), (None, None), ("Radio", None), (None, None)]


def test_plain_m3u_without_header_in_a_windows_code_page(tmp_path):
    path = tmp_path / "old.m3u"
    path.write_bytes("caf\u00e9.mp3\r\nna\u00efve.mp3\r\n".encode("cp1252"))
    assert [e.path for e in read_playlist(path)] == [str(tmp_path / "café.mp3"), str(tmp_path / "naïve.mp3")]


def test_m3u_in_utf16_with_bom(tmp_path):
    path = tmp_path / "w.m3u"
    path.write_bytes(codecs.BOM_UTF16_LE + "#EXTM3U\r\n#EXTINF:5,Zoë\r\nzoë.mp3\r\n".encode("utf-16-le"))
    [entry] = read_playlist(path)
    assert (entry.path, entry.title, entry.duration) == (str(tmp_path / "zoë.mp3"), "Zoë", 5.0)


def test_pls_tolerates_case_order_bom_and_crlf(tmp_path):
    text = ("\r\n[Playlist]\r\n"
            "NumberOfEntries=9\r\n"
            "file2=http://radio.example/live\r\n"
            "Title2=Radio = fun\r\n"
            "File1=a b.mp3\r\n"
            "Length1=61\r\n"
            "Title3=orphan title\r\n"
            "Version=2\r\n")
    path = tmp_path / "p.pls"
    path.write_bytes(codecs.BOM_UTF8 + text.encode("utf-8"))
    entries = read_playlist(path)
    assert [(e.path, e.title, e.duration) for e in entries] == [
        (str(tmp_path / "a b.mp3"), None, 61.0), ("http://radio.example/live", "Radio = fun", None)]


def test_xspf_relative_locations_without_optional_fields(tmp_path):
    path = tmp_path / "lists" / "p.xspf"
    path.parent.mkdir()
    path.write_text('<?xml version="1.0"?>\n<playlist version="1" xmlns="http://xspf.org/ns/0/"><trackList>'
                    "<track><location>../m/a%20b.mp3</location></track>"
                    "<track><title>no location</title></track>"
                    "<track><location> file:///x/%E2%99%AB.flac </location><duration>oops</duration>"
                    "<creator>C &amp; D</creator></track>"
                    "</trackList></playlist>", encoding="utf-8")
    entries = read_playlist(path)
    assert [(e.path, e.artist, e.duration) for e in entries] == [
        (str(tmp_path / "m" / "a b.mp3"), None, None), ("/x/♫.flac", "C & D", None)]


@pytest.mark.parametrize("name, data, cause", [
    ("bad.xspf", b"<playlist><trackList><track></playlist>", "not valid XML (mismatched tag: line 1, column"),
    ("html.xspf", b"<html><body/></html>", "not an XSPF playlist (the root element is <html>"),
    ("bad.pls", b"File1=a.mp3\n", "not a PLS playlist (it must start with [playlist], found 'File1=a.mp3')"),
    ("empty.pls", b"", "not a PLS playlist (it must start with [playlist], found 'an empty file')"),
    ("bad.m3u8", b"#EXTM3U\nabc\xff.mp3\n", "not valid UTF-8 text (byte 0xff at offset 11)"),
    ("bin.m3u", b"\x00\x01\x02ID3", "not a playlist: the file holds binary data"),
])
def test_malformed_files_give_one_line_with_path_and_cause(tmp_path, name, data, cause):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(PlaylistError) as caught:
        read_playlist(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: {cause}") and "\n" not in message
    assert isinstance(caught.value, FileError)


def test_missing_file_folder_and_unknown_extension(tmp_path):
    with pytest.raises(ReadError, match="No such file"):
        read_playlist(tmp_path / "gone.m3u8")
    (tmp_path / "dir.m3u").mkdir()
    with pytest.raises(ReadError, match="is a folder"):
        read_playlist(tmp_path / "dir.m3u")
    (tmp_path / "notes.txt").write_text("a.mp3\n")
    with pytest.raises(UserError, match="unknown playlist type .txt"):
        read_playlist(tmp_path / "notes.txt")


def test_an_empty_m3u_is_an_empty_playlist(tmp_path):
    (tmp_path / "e.m3u8").write_text("#EXTM3U\n")
    assert read_playlist(tmp_path / "e.m3u8") == []
