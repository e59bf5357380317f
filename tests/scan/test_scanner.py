"""The scanner lists every readable file, explains every unreadable one, and is incremental."""
import os
import shutil
import socket
import sys

import pytest

from mediarec.jobs import CancelToken, run_job
from mediarec.errors import Cancelled
from mediarec.scan.scanner import scan
from mediarec.settings import ScanSettings


def do_scan(lib, **settings):
    return run_job(scan(lib, ScanSettings(**settings)))


def test_first_scan_lists_every_file_with_tags(lib, media_dir):
    lib.roots.add(media_dir)
    report = do_scan(lib)
    assert report.added == 9 and report.failed == 0
    items = {os.path.basename(i["path"]): i for i in lib.media.list()}
    assert items["song5.mp3"]["artist"] == "Artist 5"
    assert items["clip1.mp4"]["kind"] == "video" and items["clip1.mp4"]["width"] == 64
    assert all(i["duration"] and i["fingerprint"] for i in items.values())


def test_rescan_does_no_work_and_changes_nothing(lib, media_dir, monkeypatch):
    lib.roots.add(media_dir)
    do_scan(lib)
    before = [dict(r) for r in lib.query("SELECT * FROM media ORDER BY id")]
    calls = []
    import mediarec.scan.parallel as parallel_mod
    monkeypatch.setattr(parallel_mod, "probe", lambda *a: calls.append(a))
    report = do_scan(lib)
    assert calls == [] and report.unchanged == 9 and report.added == report.updated == 0
    assert [dict(r) for r in lib.query("SELECT * FROM media ORDER BY id")] == before


def test_changed_file_is_probed_again(lib, media_dir):
    lib.roots.add(media_dir)
    do_scan(lib)
    from media_factory import write_tags
    f = media_dir / "music" / "song3.ogg"
    write_tags(f, {"title": "Renamed Title"})
    os.utime(f, (1_700_000_000, 1_700_000_000))
    report = do_scan(lib)
    assert report.updated == 1
    assert lib.media.by_path(str(f))["title"] == "Renamed Title"


def test_moved_file_keeps_its_id_and_history(lib, media_dir):
    lib.roots.add(media_dir)
    do_scan(lib)
    old = media_dir / "music" / "song1.wav"
    item = lib.media.by_path(str(old))
    lib.events.append(item["id"], "play", position=1.0, duration=1.0)
    (media_dir / "music" / "moved here").mkdir()
    new = media_dir / "music" / "moved here" / "renamed.wav"
    os.rename(old, new)
    report = do_scan(lib)
    assert report.moved == 1 and report.added == 0 and report.missing == 0
    moved = lib.media.by_path(str(new))
    assert moved["id"] == item["id"] and moved["status"] == "ok"
    assert lib.events.list(media_id=item["id"])[0]["type"] == "play"


def test_file_moved_to_another_root_keeps_its_id(lib, media_dir, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    lib.roots.add(media_dir)
    lib.roots.add(other)
    do_scan(lib)
    item = lib.media.by_path(str(media_dir / "music" / "song2.flac"))
    shutil.move(media_dir / "music" / "song2.flac", other / "song2.flac")
    do_scan(lib)
    assert lib.media.by_path(str(other / "song2.flac"))["id"] == item["id"]


def test_vanished_file_is_missing_and_comes_back(lib, media_dir, tmp_path):
    lib.roots.add(media_dir)
    do_scan(lib)
    f = media_dir / "music" / "song4.opus"
    keep = tmp_path / "keep.opus"
    shutil.move(f, keep)
    report = do_scan(lib)
    assert report.missing == 1
    assert lib.media.by_path(str(f))["status"] == "missing"
    assert str(f) not in {i["path"] for i in lib.media.list()}
    shutil.move(keep, f)
    report = do_scan(lib)
    assert report.restored == 1 and lib.media.by_path(str(f))["status"] == "ok"


def test_unavailable_root_masks_and_returning_root_unmasks(lib, media_dir, tmp_path):
    lib.roots.add(media_dir)
    do_scan(lib)
    ids = sorted(i["id"] for i in lib.media.list())
    unplugged = tmp_path / "unplugged"
    os.rename(media_dir, unplugged)
    report = do_scan(lib)
    assert report.masked == 9 and report.missing == 0 and report.unavailable_roots == [str(media_dir)]
    assert {r["status"] for r in lib.query("SELECT status FROM media")} == {"masked"}
    media_dir.mkdir()  # an empty mount point left behind by an unplugged drive
    report = do_scan(lib)
    assert report.missing == 0 and report.unavailable_roots
    media_dir.rmdir()
    os.rename(unplugged, media_dir)
    report = do_scan(lib)
    assert report.restored == 9
    assert sorted(i["id"] for i in lib.media.list()) == ids


def _make_bad_files(root):
    bad = root / "bad"
    bad.mkdir()
    ogg = next(root.rglob("*.ogg")).read_bytes()
    (bad / "random.mp3").write_bytes(os.urandom(4096))
    flac = next(root.rglob("*.flac")).read_bytes()
    (bad / "truncated.flac").write_bytes(flac[:200])
    (bad / "empty.ogg").write_bytes(b"")
    (bad / "text.mp4").write_text("this is not a video\n" * 10)
    os.symlink(bad / "nowhere.mp3", bad / "dangling.mp3")
    os.symlink(bad / "loop_b.mp3", bad / "loop_a.mp3")
    os.symlink(bad / "loop_a.mp3", bad / "loop_b.mp3")
    os.symlink("..", bad / "parent_link")  # a folder loop: must not be walked forever
    os.mkfifo(bad / "pipe.wav")  # opening it would block the scan
    (bad / "ünïcödé 🎵 song.ogg").write_bytes(ogg)
    (bad / "line\nbreak.ogg").write_bytes(ogg)
    (bad / ".hidden.ogg").write_bytes(ogg)
    (bad / "notes.txt").write_text("not media")
    with open(os.fsencode(bad) + b"/latin1-\xe9.ogg", "wb") as f:
        f.write(ogg)
    return bad


def test_bad_files_get_a_status_row_and_the_batch_goes_on(lib, media_dir):
    bad = _make_bad_files(media_dir)
    lib.roots.add(media_dir)
    report = do_scan(lib)
    paths = {i["path"] for i in lib.media.list()}
    assert str(bad / "ünïcödé 🎵 song.ogg") in paths
    assert str(bad / "line\nbreak.ogg") in paths
    assert not any(".hidden" in p for p in paths)
    assert report.added == 11
    status = {os.path.basename(r["path"]): (r["stage"], r["kind"], r["message"]) for r in lib.file_status.list()}
    assert status["random.mp3"][1] in ("unsupported", "corrupt")
    assert status["truncated.flac"][1] == "corrupt"
    assert status["empty.ogg"][1:] == ("corrupt", "empty file")
    assert status["text.mp4"][1] == "unsupported" and "text" in status["text.mp4"][2]
    assert status["dangling.mp3"][1:] == ("not_found", "dangling symbolic link")
    assert status["loop_a.mp3"][1] == "not_found" and "loop" in status["loop_a.mp3"][2]
    assert status["pipe.wav"][1] == "unsupported"
    assert status["latin1-\\xe9.ogg"][1] == "unsupported" and "UTF-8" in status["latin1-\\xe9.ogg"][2]
    assert report.failed == len(status) == 9
    # Unchanged bad files are not retried on every scan, and stay listed.
    report = do_scan(lib)
    assert report.failed == 0 and report.failed_unchanged == 9 and len(lib.file_status.list()) == 9
    # A bad file that is deleted is no longer listed.
    (bad / "random.mp3").unlink()
    do_scan(lib)
    assert "random.mp3" not in {os.path.basename(r["path"]) for r in lib.file_status.list()}


def test_ignore_globs_skip_names_and_paths(lib, media_dir):
    lib.roots.add(media_dir)
    do_scan(lib, ignore=["video", "*.mp3"])
    names = {os.path.basename(i["path"]) for i in lib.media.list()}
    assert "song5.mp3" not in names and not any(n.startswith("clip") for n in names)
    assert len(names) == 5


UNREADABLE_SCRIPT = r"""
import ctypes, os, sys
if os.geteuid() == 0:
    # Root reads everything: drop CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH so permissions apply to us.
    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]
    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]
    libc = ctypes.CDLL(None, use_errno=True)
    hdr, data = Header(0x20080522, 0), (Data * 2)()
    assert libc.capget(ctypes.byref(hdr), data) == 0
    for d in data[:1]:
        d.effective &= ~0b110; d.permitted &= ~0b110
    assert libc.capset(ctypes.byref(hdr), data) == 0, ctypes.get_errno()
from mediarec.library import Library
from mediarec.jobs import run_job
from mediarec.scan.scanner import scan
lib = Library(sys.argv[1]); lib.roots.add(sys.argv[2]); run_job(scan(lib))
for r in lib.file_status.list(): print(os.path.basename(r["path"]), r["kind"])
print("OK", len(lib.media.list()))
"""


def test_unreadable_file_and_folder_are_reported(tmp_path, media_dir):
    import subprocess

    locked_file = media_dir / "music" / "song1.wav"
    locked_dir = media_dir / "video"
    os.chmod(locked_file, 0o000)
    os.chmod(locked_dir, 0o000)
    data = tmp_path / "db"
    data.mkdir()
    env = dict(os.environ, PYTHONPATH=os.getcwd())
    out = subprocess.run([sys.executable, "-c", UNREADABLE_SCRIPT, str(data / "lib.db"), str(media_dir)],
                         capture_output=True, text=True, env=env, timeout=120)
    os.chmod(locked_dir, 0o755)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert "song1.wav no_access" in lines
    assert "video no_access" in lines
    assert lines[-1] == "OK 5"


def test_scan_opens_no_network_socket(lib, media_dir, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("scan tried to open a socket")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    lib.roots.add(media_dir)
    assert do_scan(lib).added == 9


def test_cancel_stops_between_files_and_keeps_what_was_done(lib, media_dir):
    lib.roots.add(media_dir)
    token = CancelToken()
    job = scan(lib, ScanSettings(batch_size=1), token)
    seen = 0
    with pytest.raises(Cancelled):
        for _ in job:
            seen += 1
            token.cancel()
    assert lib.integrity_check() == "ok"
    do_scan(lib)
    assert len(lib.media.list()) == 9


KILL_SCRIPT = "import sys; from mediarec.cli import main; sys.exit(main(sys.argv[1:]))"


def test_scan_killed_with_sigkill_resumes_cleanly(tmp_path, media_templates, app_dirs):
    import signal
    import sqlite3
    import subprocess
    import time

    root = tmp_path / "many"
    root.mkdir()
    templates = sorted(p for p in media_templates.iterdir() if p.suffix in (".flac", ".ogg", ".mp3", ".wav"))
    for i in range(600):
        src = templates[i % len(templates)]
        dest = root / f"{i:04d}{src.suffix}"
        shutil.copyfile(src, dest)
        with open(dest, "ab") as f:  # unique content, so no two files share a fingerprint
            f.write(i.to_bytes(4, "little") * 8)
    app_dirs["config"].mkdir(parents=True, exist_ok=True)
    (app_dirs["config"] / "settings.toml").write_text("[scan]\nbatch_size = 20\n")
    data_dir = tmp_path / "data"
    env = dict(os.environ, PYTHONPATH=os.getcwd())
    cmd = [sys.executable, "-c", KILL_SCRIPT, "--data-dir", str(data_dir), "scan", str(root)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    db = data_dir / "library.db"
    deadline = time.monotonic() + 60
    count = 0
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            conn = sqlite3.connect(db, timeout=0.1)
            count = conn.execute("SELECT count(*) FROM media").fetchone()[0]
            conn.close()
        except sqlite3.Error:
            pass
        if count >= 40:
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert 0 < count < 600, f"the kill came too late to test anything (count={count})"
    rerun = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT count(*), count(DISTINCT path) FROM media WHERE status = 'ok'").fetchone() == (600, 600)
