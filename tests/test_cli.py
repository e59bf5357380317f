"""The command-line contract later issues and scripts rely on: JSON shapes, exit codes, messages."""
import json
import os
import subprocess
import sys

import pytest

from mediarec.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_scan_status_list_doctor_json(capsys, media_dir, tmp_path):
    data = str(tmp_path / "d")
    (media_dir / "music" / "broken.mp3").write_bytes(b"\x00" * 1000)
    code, out, _ = run(capsys, "--data-dir", data, "scan", str(media_dir / "music"), str(media_dir / "video"),
                       "--json")
    assert code == 0 and json.loads(out)["report"]["added"] == 9
    code, out, _ = run(capsys, "--data-dir", data, "status", "--json")
    status = json.loads(out)
    assert status["media"] == {"audio": {"ok": 6}, "video": {"ok": 3}}
    assert status["failures"] == {"probe": 1}
    code, out, _ = run(capsys, "--data-dir", data, "list", "--json")
    items = json.loads(out)["items"]
    assert len(items) == 9
    for it in items:
        assert {"id", "path", "kind", "title", "artist", "album", "duration"} <= set(it)
    song = next(i for i in items if i["path"].endswith("song2.flac"))
    assert (song["title"], song["artist"], song["album"]) == ("Song 2", "Artist 2", "Album")
    assert song["duration"] == pytest.approx(1.0, abs=0.05)
    code, out, _ = run(capsys, "--data-dir", data, "list", "--kind", "video", "--json")
    assert {i["kind"] for i in json.loads(out)["items"]} == {"video"}
    code, out, _ = run(capsys, "--data-dir", data, "doctor", "--json")
    doc = json.loads(out)
    assert doc["database"]["integrity"] == "ok"
    assert [os.path.basename(r["path"]) for r in doc["file_status"]] == ["broken.mp3"]


def test_human_output(capsys, media_dir, tmp_path):
    data = str(tmp_path / "d")
    code, out, _ = run(capsys, "--data-dir", data, "scan", str(media_dir))
    assert code == 0 and "9 added" in out
    code, out, _ = run(capsys, "--data-dir", data, "list")
    assert "Artist 3" in out and "clip2.mkv" in out
    code, out, _ = run(capsys, "--data-dir", data, "roots")
    assert str(media_dir) in out and "9 files" in out


def test_roots_remove_hides_files_but_keeps_history(capsys, media_dir, tmp_path):
    data = str(tmp_path / "d")
    run(capsys, "--data-dir", data, "scan", str(media_dir))
    from mediarec.library import Library
    with Library(os.path.join(data, "library.db")) as lib:
        lib.events.append(lib.media.list()[0]["id"], "like")
    code, out, _ = run(capsys, "--data-dir", data, "roots", "--remove", str(media_dir))
    assert code == 0
    code, out, _ = run(capsys, "--data-dir", data, "list", "--json")
    assert json.loads(out)["items"] == []
    code, out, _ = run(capsys, "--data-dir", data, "status", "--json")
    assert json.loads(out)["events"] == 1
    run(capsys, "--data-dir", data, "scan", str(media_dir))  # adding it back brings the same items back
    code, out, _ = run(capsys, "--data-dir", data, "list", "--json")
    assert len(json.loads(out)["items"]) == 9


def test_user_errors_exit_1_with_one_line(capsys, tmp_path):
    code, out, err = run(capsys, "--data-dir", str(tmp_path / "d"), "scan", str(tmp_path / "nope"))
    assert code == 1 and err.count("\n") == 1 and "not a folder" in err
    code, out, err = run(capsys, "--data-dir", str(tmp_path / "d"), "roots", "--remove", "/nowhere")
    assert code == 1 and "not a library folder" in err


def test_bad_configuration_is_one_line_not_a_traceback(capsys, tmp_path, app_dirs):
    app_dirs["config"].mkdir(parents=True)
    (app_dirs["config"] / "settings.toml").write_text("[scan]\nbatch_size = -3\n")
    code, out, err = run(capsys, "status")
    assert code == 1 and err.startswith("mediarec: configuration error: scan.batch_size")
    assert "Traceback" not in err


def test_bad_usage_exits_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["list", "--kind", "podcast"])
    assert info.value.code == 2


def test_console_script_is_installed_and_runs(tmp_path):
    exe = os.path.join(os.path.dirname(sys.executable), "mediarec")
    out = subprocess.run([exe, "--data-dir", str(tmp_path), "status", "--json"], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["total"] == 0
