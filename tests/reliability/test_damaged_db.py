"""A damaged library.db (a page overwritten, truncated, not a database): one line naming the ways out, restore
the newest good backup or start fresh, and the damaged file is kept aside byte for byte, never overwritten."""
import hashlib
import os
import sqlite3
import time

import pytest

from mediarec.cli import main
from mediarec.library import Library
from mediarec.library import recovery


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _digest(path) -> str:
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


@pytest.fixture
def scanned(capsys, media_dir, tmp_path):
    data = tmp_path / "data ü dir"  # unicode and a space in the data dir, on purpose
    code, _, err = run(capsys, "--data-dir", str(data), "scan", str(media_dir))
    assert code == 0, err
    with Library(data / "library.db") as lib:
        lib.events.append(lib.media.list()[0]["id"], "like")
        lib.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return data


def _overwrite_media_page(db):
    conn = sqlite3.connect(db)
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'media'").fetchone()[0]
    page = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with open(db, "r+b") as f:
        f.seek((root - 1) * page)
        f.write(bytes(range(256)) * (page // 256))


def _one_line_damage(capsys, data, restore=True):
    code, out, err = run(capsys, "--data-dir", str(data), "status")
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert "damaged" in err and "library.db" in err
    assert ("mediarec doctor --restore-backup" in err) == restore and "mediarec doctor --start-fresh" in err
    return lines[0]


def test_page_overwritten_then_restore_newest_backup(capsys, scanned):
    db = scanned / "library.db"
    assert recovery.backups(db), "a successful scan leaves a daily backup"
    code, out, _ = run(capsys, "--data-dir", str(scanned), "doctor", "--json")
    assert code == 0 and "library.db.daily-" in out
    _overwrite_media_page(db)
    before = _digest(db)
    line = _one_line_damage(capsys, scanned)
    assert "newest backup library.db.daily-" in line
    code, out, err = run(capsys, "--data-dir", str(scanned), "doctor", "--restore-backup")
    assert code == 0, err
    assert "Restored the library from" in out and "9 item(s)" in out
    kept = [p for p in scanned.iterdir() if ".damaged-" in p.name and not p.name.endswith(("-wal", "-shm"))]
    assert len(kept) == 1 and _digest(kept[0]) == before  # the damaged file, untouched
    code, out, err = run(capsys, "--data-dir", str(scanned), "status", "--json")
    assert code == 0 and '"ok": 6' in out
    with Library(db) as lib:
        assert lib.integrity_check() == "ok"


def test_truncated_then_start_fresh_keeps_it_aside(capsys, scanned):
    db = scanned / "library.db"
    os.truncate(db, os.path.getsize(db) // 2)
    before = _digest(db)
    _one_line_damage(capsys, scanned)
    code, out, err = run(capsys, "--data-dir", str(scanned), "doctor", "--start-fresh")
    assert code == 0 and "Started a fresh library" in out and "0 item(s)" in out, err
    kept = [p for p in scanned.iterdir() if ".damaged-" in p.name and not p.name.endswith(("-wal", "-shm"))]
    assert len(kept) == 1 and _digest(kept[0]) == before
    assert run(capsys, "--data-dir", str(scanned), "status")[0] == 0


def test_not_a_database_without_backup(capsys, tmp_path):
    data = tmp_path / "d"
    data.mkdir()
    (data / "library.db").write_text("these are my notes, not a database\n" * 10)
    line = _one_line_damage(capsys, data, restore=False)
    assert "no backup to restore" in line
    code, out, err = run(capsys, "--data-dir", str(data), "doctor", "--restore-backup")
    assert code == 1 and "no usable backup" in err and len(err.strip().splitlines()) == 1
    assert (data / "library.db").read_text().startswith("these are my notes")  # nothing moved on failure
    assert run(capsys, "--data-dir", str(data), "doctor", "--start-fresh")[0] == 0
    kept = [p for p in data.iterdir() if ".damaged-" in p.name and not p.name.endswith(("-wal", "-shm"))]
    assert len(kept) == 1 and kept[0].read_text().startswith("these are my notes")


def test_a_sound_library_is_never_set_aside(capsys, scanned):
    before = _digest(scanned / "library.db")
    for flag in ("--restore-backup", "--start-fresh"):
        code, out, err = run(capsys, "--data-dir", str(scanned), "doctor", flag)
        assert code == 1 and "not damaged" in err
    assert _digest(scanned / "library.db") == before
    assert not [p for p in scanned.iterdir() if ".damaged-" in p.name]


def test_a_damaged_backup_is_passed_over(capsys, scanned):
    db = scanned / "library.db"
    good = recovery.backups(db)[0]
    bad = db.with_name(db.name + ".v9-20991231-000000.bak")
    bad.write_bytes(b"SQLite format 3\x00" + b"\xff" * 8000)
    os.utime(bad, (time.time() + 60, time.time() + 60))  # the newest by date
    db.write_bytes(b"garbage")
    done = recovery.restore_newest_backup(db)
    assert done.restored_from == good
    assert bad.exists()


def test_damage_met_during_use_is_one_error(scanned):
    db = scanned / "library.db"
    lib = Library(db)
    try:
        _overwrite_media_page(db)
        lib.conn.execute("PRAGMA cache_size = 0")
        with pytest.raises(recovery.DamagedLibrary) as info:
            lib.query("SELECT * FROM media")
            lib.query("SELECT count(*) FROM media WHERE path LIKE '%x%'")
        assert str(db) in str(info.value)
    finally:
        lib.conn.close()


def test_periodic_backup_once_a_day_keeps_three(tmp_path):
    db = tmp_path / "library.db"
    with Library(db) as lib:
        t0 = time.time()
        made = []
        for day in range(5):
            made.append(recovery.periodic_backup(lib.conn, db, now=t0 + day * 86400 + 1))
            os.utime(made[-1], (t0 + day * 86400 + 1,) * 2)
            assert recovery.periodic_backup(lib.conn, db, now=t0 + day * 86400 + 3600) is None  # same day
    daily = sorted(tmp_path.glob("library.db.daily-*.bak"))
    assert len(daily) == 3 and set(daily) == set(made[-3:])
    assert all(recovery.backup_is_good(p) for p in daily)
