"""Saving a playlist never leaves a half-written file or temp files behind, and keeps the file's mode."""
import os
import stat

import pytest

from mediarec.export import Entry, PlaylistWriteError, atomic_save, read_playlist, save_playlist


def _listing(folder):
    return sorted(p.name for p in folder.iterdir())


def test_save_replaces_and_leaves_no_temp_files(tmp_path):
    target = tmp_path / "mix.m3u8"
    save_playlist(target, [Entry("/m/a.mp3")])
    save_playlist(target, [Entry("/m/b.mp3"), Entry("/m/c.mp3")])
    assert _listing(tmp_path) == ["mix.m3u8"]
    assert [e.path for e in read_playlist(target)] == ["/m/b.mp3", "/m/c.mp3"]


def test_an_exception_mid_write_leaves_the_old_file_intact(tmp_path):
    target = tmp_path / "mix.m3u8"
    target.write_bytes(b"#EXTM3U\n/m/old.mp3\n")
    with pytest.raises(RuntimeError, match="disk on fire"):
        with atomic_save(target) as f:
            f.write(b"#EXTM3U\n/m/new")
            raise RuntimeError("disk on fire")
    assert target.read_bytes() == b"#EXTM3U\n/m/old.mp3\n"
    assert _listing(tmp_path) == ["mix.m3u8"]


def test_a_failing_fsync_leaves_the_old_file_intact(tmp_path, monkeypatch):
    target = tmp_path / "mix.pls"
    save_playlist(target, [Entry("/m/old.mp3")])
    before = target.read_bytes()

    def broken_fsync(fd):
        raise OSError(5, "Input/output error")
    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(PlaylistWriteError, match=r"mix\.pls: cannot write the playlist: Input/output error"):
        save_playlist(target, [Entry("/m/new.mp3")])
    assert target.read_bytes() == before
    assert _listing(tmp_path) == ["mix.pls"]


def test_permissions_are_kept_and_new_files_follow_the_umask(tmp_path):
    target = tmp_path / "mix.xspf"
    save_playlist(target, [Entry("/m/a.mp3")])
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
    target.chmod(0o640)
    save_playlist(target, [Entry("/m/b.mp3")])
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_a_symlinked_playlist_is_written_through(tmp_path):
    real = tmp_path / "real.m3u8"
    save_playlist(real, [Entry("/m/a.mp3")])
    link = tmp_path / "link.m3u8"
    link.symlink_to(real)
    save_playlist(link, [Entry("/m/b.mp3")])
    assert link.is_symlink()
    assert [e.path for e in read_playlist(real)] == ["/m/b.mp3"]


def test_an_unwritable_folder_is_one_line_with_the_path(tmp_path):
    with pytest.raises(PlaylistWriteError) as caught:
        save_playlist(tmp_path / "no" / "such" / "mix.m3u8", [Entry("/m/a.mp3")])
    assert str(caught.value) == f"{tmp_path}/no/such/mix.m3u8: cannot write the playlist: No such file or directory"
