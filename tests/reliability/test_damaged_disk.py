"""A full disk, a read-only data dir, a data dir with unicode and spaces, a library folder that vanishes mid-scan:
through the CLI, correct behaviour or one clear line, never a traceback; the database stays intact and readable.

The disk cases mount a small tmpfs (we run as root here and in CI); where mounting is not allowed they skip."""
import contextlib
import os
import shutil
import sqlite3
import subprocess

import pytest

from mediarec.cli import main
from mediarec.jobs import run_job
from mediarec.library import DatabaseError, Library
from mediarec.settings import Settings
from mediarec.tasks import scan_task


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


@contextlib.contextmanager
def tmpfs(path, size="1m"):
    path.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def _fill(folder):
    with contextlib.suppress(OSError), open(folder / "filler", "wb") as f:
        while True:
            f.write(b"\0" * 4096)
            f.flush()


def _intact(db):
    conn = sqlite3.connect(f"file:{db}?mode=ro&immutable=1", uri=True)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def test_full_disk_one_line_reads_still_work(capsys, media_dir, tmp_path):
    with tmpfs(tmp_path / "data ü full", size="2m") as data:
        assert run(capsys, "--data-dir", str(data), "scan", str(media_dir))[0] == 0
        _fill(data)
        code, out, err = run(capsys, "--data-dir", str(data), "event", "like", "1")
        assert code == 1 and "the disk is full" in err and "nothing was changed" in err
        assert err.strip().splitlines()[-1].startswith("mediarec: ")
        code, out, err = run(capsys, "--data-dir", str(data), "list")  # reading still works
        assert code == 0 and "clip1.mp4" in out
        assert run(capsys, "--data-dir", str(data), "status")[0] == 0
        assert _intact(data / "library.db") == "ok"
        (data / "filler").unlink()
        assert run(capsys, "--data-dir", str(data), "event", "like", "1")[0] == 0
        code, out, _ = run(capsys, "--data-dir", str(data), "history", "--json")
        assert code == 0 and '"like"' in out


def test_disk_full_during_a_write_is_one_error_and_nothing_half_written(lib):
    n = lib.query("SELECT count(*) FROM events")[0][0]
    lib.conn.execute(f"PRAGMA max_page_count = {lib.query('PRAGMA page_count')[0][0]}")
    with pytest.raises(DatabaseError, match="the disk is full; nothing of this change was saved"):
        with lib.transaction() as conn:
            conn.executemany("INSERT INTO kv (key, value, updated_at) VALUES (?, ?, 0)",
                             ((f"k{i}", "x" * 2000) for i in range(500)))
    assert lib.query("SELECT count(*) FROM kv WHERE key LIKE 'k%'")[0][0] == 0
    assert lib.query("SELECT count(*) FROM events")[0][0] == n and lib.integrity_check() == "ok"


def test_read_only_data_dir(capsys, media_dir, tmp_path):
    with tmpfs(tmp_path / "ro data", size="8m") as data:
        assert run(capsys, "--data-dir", str(data), "scan", str(media_dir))[0] == 0
        subprocess.run(["mount", "-o", "remount,ro", str(data)], check=True)
        code, out, err = run(capsys, "--data-dir", str(data), "list")
        assert code == 0 and "song2.flac" in out
        for argv in (("event", "like", "1"), ("scan",)):
            code, out, err = run(capsys, "--data-dir", str(data), *argv)
            assert code == 1 and "read-only" in err, err
            assert err.strip().splitlines()[-1].startswith("mediarec: ")


def test_unicode_and_spaces_in_the_data_dir(capsys, media_dir, tmp_path):
    data = tmp_path / "Données ♫ de l'été" / "my library"
    assert run(capsys, "--data-dir", str(data), "scan", str(media_dir))[0] == 0
    assert run(capsys, "--data-dir", str(data), "event", "play", "1")[0] == 0
    code, out, _ = run(capsys, "--data-dir", str(data), "status", "--json")
    assert code == 0 and '"ok": 6' in out
    assert (data / "library.db").is_file() and _intact(data / "library.db") == "ok"


def test_a_folder_that_vanishes_mid_scan(capsys, media_dir, tmp_path, app_dirs):
    data = tmp_path / "d"
    for i in range(40):  # enough files that the scan reports progress before it reaches them all
        shutil.copy2(media_dir / "music" / "song1.wav", media_dir / "music" / f"extra{i}.wav")
    gone = []

    def unplug(progress):
        if not gone and getattr(progress, "done", 1):
            shutil.rmtree(media_dir / "music")
            gone.append(True)

    settings = Settings()
    settings.scan.batch_size, settings.scan.workers = 1, 1
    report = run_job(scan_task(data / "library.db", settings, [media_dir]), unplug)
    assert gone and report is not None
    code, out, err = run(capsys, "--data-dir", str(data), "status")
    assert code == 0
    code, out, err = run(capsys, "--data-dir", str(data), "scan")  # the next scan: the files are gone, said so
    assert code == 0 and "Scanned" in out
    with Library(data / "library.db") as lib:
        assert lib.integrity_check() == "ok"
        ok = [m["path"] for m in lib.media.list()]
        assert all(os.path.exists(p) for p in ok)  # what is listed is there


def test_a_library_folder_on_a_drive_that_is_gone(capsys, media_dir, tmp_path):
    data = tmp_path / "d"
    assert run(capsys, "--data-dir", str(data), "scan", str(media_dir))[0] == 0
    shutil.rmtree(media_dir)
    code, out, err = run(capsys, "--data-dir", str(data), "scan")
    assert code in (0, 1) and (out + err).strip()
    code, out, _ = run(capsys, "--data-dir", str(data), "roots")
    assert code == 0 and "unavailable" in out
