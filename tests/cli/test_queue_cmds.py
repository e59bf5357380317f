"""`mediarec queue`: list, add, next, remove, clear, with --json."""
import json

from mediarec.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_queue_commands(capsys, media_dir, tmp_path):
    data = str(tmp_path / "d")
    assert run(capsys, "--data-dir", data, "scan", str(media_dir / "music"))[0] == 0
    songs = sorted((media_dir / "music").iterdir())
    code, out, _ = run(capsys, "--data-dir", data, "queue", "--json")
    assert code == 0 and json.loads(out) == {"items": [], "mode": json.loads(out)["mode"]}
    assert json.loads(out)["mode"]["label"] == "Your taste"
    run(capsys, "--data-dir", data, "queue", "add", str(songs[0]), str(songs[1]))
    code, out, _ = run(capsys, "--data-dir", data, "queue", "next", str(songs[2]))
    assert code == 0 and "to play next" in out and len(out.splitlines()) == 6  # note, header, 3 rows, mode
    doc = json.loads(run(capsys, "--data-dir", data, "queue", "list", "--json")[1])
    assert [i["path"] for i in doc["items"]] == [str(songs[2]), str(songs[0]), str(songs[1])]
    assert [i["position"] for i in doc["items"]] == [0, 1, 2]
    code, out, _ = run(capsys, "--data-dir", data, "queue", "remove", str(doc["items"][1]["id"]))
    assert code == 0 and "Removed 1" in out
    code, out, err = run(capsys, "--data-dir", data, "queue", "add", str(tmp_path / "nope.mp3"))
    assert code == 1 and "not in the library" in err and err.count("\n") == 1
    code, out, _ = run(capsys, "--data-dir", data, "queue", "clear")
    assert code == 0 and "Cleared 2" in out and "empty" in out
