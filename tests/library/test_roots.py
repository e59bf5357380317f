"""Removing a library folder: its files are hidden and their failures leave `doctor`."""
import json
import os
import shutil

from mediarec.cli import main


def _doctor_paths(capsys, data: str) -> list[str]:
    assert main(["--data-dir", data, "doctor", "--json"]) == 0
    return sorted(os.path.basename(r["path"]) for r in json.loads(capsys.readouterr().out)["file_status"])


def test_a_removed_roots_failures_leave_doctor(capsys, media_dir, tmp_path):
    data = str(tmp_path / "d")
    # "music2" shares the prefix "music": removing one must not touch the other's rows.
    shutil.copytree(media_dir / "music", media_dir / "music2")
    (media_dir / "music" / "broken.mp3").write_bytes(b"\x00" * 1000)
    (media_dir / "music2" / "broken2.mp3").write_bytes(b"\x00" * 1000)
    assert main(["--data-dir", data, "scan", str(media_dir / "music"), str(media_dir / "music2")]) == 0
    from mediarec.library import Library
    with Library(os.path.join(data, "library.db")) as lib:  # an analysis failure too, not only scan stages
        lib.file_status.record(str(media_dir / "music" / "song1.wav"), "analyze:audio.dsp", "corrupt", "bad")
    capsys.readouterr()
    assert _doctor_paths(capsys, data) == ["broken.mp3", "broken2.mp3", "song1.wav"]

    assert main(["--data-dir", data, "roots", "--remove", str(media_dir / "music")]) == 0
    capsys.readouterr()
    assert _doctor_paths(capsys, data) == ["broken2.mp3"]
    assert main(["--data-dir", data, "status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["failures"] == {"probe": 1}

    # Adding the folder back probes its files afresh, so the broken one is listed again.
    assert main(["--data-dir", data, "scan", str(media_dir / "music")]) == 0
    capsys.readouterr()
    assert _doctor_paths(capsys, data) == ["broken.mp3", "broken2.mp3"]
