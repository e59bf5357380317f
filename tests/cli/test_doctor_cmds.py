"""`mediarec doctor --retry PATH | --retry --all | --ignore PATH` and what status counts."""
import json
import os

from mediarec.cli import main


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_retry_and_ignore(capsys, media_dir, tmp_path):
    data = str(tmp_path / "d")
    for name in ("broken.mp3", "bad.ogg"):
        (media_dir / "music" / name).write_bytes(b"\x00" * 1000)
    run(capsys, "--data-dir", data, "scan", media_dir / "music")
    doc = json.loads(run(capsys, "--data-dir", data, "doctor", "--json")[1])
    assert sorted(os.path.basename(r["path"]) for r in doc["file_status"]) == ["bad.ogg", "broken.mp3"]

    code, out, _ = run(capsys, "--data-dir", data, "doctor", "--ignore", media_dir / "music" / "bad.ogg")
    assert code == 0 and "Ignoring 1" in out
    doc = json.loads(run(capsys, "--data-dir", data, "doctor", "--json")[1])
    assert [os.path.basename(r["path"]) for r in doc["file_status"]] == ["broken.mp3"]
    assert json.loads(run(capsys, "--data-dir", data, "status", "--json")[1])["failures"] == {"probe": 1}

    (media_dir / "music" / "broken.mp3").unlink()
    code, out, _ = run(capsys, "--data-dir", data, "doctor", "--retry", media_dir / "music" / "broken.mp3")
    assert code == 0 and "Cleared 1" in out and "mediarec scan" in out
    code, _, err = run(capsys, "--data-dir", data, "doctor", "--retry", media_dir / "music" / "broken.mp3")
    assert code == 1 and "no problem recorded" in err
    code, out, _ = run(capsys, "--data-dir", data, "doctor", "--retry", "--all", "--json")
    assert code == 0 and json.loads(out)["cleared"] == 0  # the ignored one stays
    run(capsys, "--data-dir", data, "scan")
    doc = json.loads(run(capsys, "--data-dir", data, "doctor", "--json")[1])
    assert doc["file_status"] == []
