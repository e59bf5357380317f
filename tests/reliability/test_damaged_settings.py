"""A garbage settings.toml: one 'configuration error:' line naming the file and, where it can, the key; never a
traceback, and nothing is written to the library."""
import pytest

from mediarec.cli import main

CASES = [
    (b"\xff\xfe\x00\x01binary junk", "not a TOML text file"),
    (b"\x00\x01\x02", "Invalid statement"),
    (b"[analyze]\nworkers = many\n", "analyze.workers:"),
    (b"[analyze]\nworkers = 3\n[audio]\nwindows = [1,", "audio.windows:"),
    (b"analyze = 5\n", "analyze: must be a table"),
    (b"[analyze]\nworkers = \"many\"\n", "analyze.workers: must be int"),
    (b"[scan]\nignore = [1, 2]\n", "scan.ignore: must be a list of str"),
    (b"[nonsense]\nx = 1\n", "nonsense: unknown setting"),
    (b"[recommend.weights]\naudio = -1\n", "recommend.weights.audio"),
]


@pytest.mark.parametrize("content,expected", CASES)
def test_garbage_settings_is_one_configuration_error(capsys, app_dirs, tmp_path, content, expected):
    app_dirs["config"].mkdir(parents=True, exist_ok=True)
    (app_dirs["config"] / "settings.toml").write_bytes(content)
    code = main(["--data-dir", str(tmp_path / "d"), "status"])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert err.startswith("mediarec: configuration error: ") and len(err.strip().splitlines()) == 1, err
    assert expected in err
    assert not (tmp_path / "d" / "library.db").exists()  # a bad config fails before touching the disk
