"""The real models batched across files give the feature rows of file-by-file analysis (slow: real models)."""
import numbers
import sys
from pathlib import Path

import numpy as np
import pytest

from mediarec.extract import worker
from mediarec.extract.runner import analyze
from mediarec.jobs import run_job
from mediarec.library import Library
from mediarec.paths import AppPaths
from mediarec.scan.scanner import scan
from mediarec.settings import Settings

sys.path.insert(0, str(Path(__file__).parent))
from media_factory import write_audio, write_video  # noqa: E402
from music_signals import chords, click_track, drum_loop, soft_slow_chords, stereo  # noqa: E402

MODELS = ["video.frames", "audio.musicnn", "emotion.music", "text.embedding"]

pytestmark = pytest.mark.slow


@pytest.fixture
def generated(tmp_path):
    """Songs of 40 s (two vibenet windows each, the same length across files), shorter ones, and videos."""
    root = tmp_path / "generated"
    (root / "music").mkdir(parents=True)
    (root / "video").mkdir()
    songs = {"drums.flac": drum_loop(140.0, 40.0), "soft.flac": soft_slow_chords(40.0),
             "clicks.ogg": click_track(96.0, 12.0), "minor.mp3": chords("A minor", repeats=2)}
    for n, (name, signal) in enumerate(songs.items()):
        write_audio(root / "music" / name, signal=stereo(signal), rate=22050,
                    tags={"title": f"Song {name}", "artist": f"Band {n}", "genre": "Test"})
    for n in range(3):
        write_video(root / "video" / f"clip{n}.mp4", seconds=2.0, size=(96, 64), motion=3.0 * n,
                    color=(70 * n, 120, 200 - 60 * n))
    return root


def _analysed(path, root, batch, monkeypatch):
    monkeypatch.setenv("MEDIAREC_BATCH", batch)
    monkeypatch.setattr(worker, "_EXTRACTORS", {})  # in-process runs share loaded extractors: load afresh
    lib = Library(path)
    lib.roots.add(root)
    run_job(scan(lib))
    report = run_job(analyze(lib, AppPaths.resolve(), Settings(), only=MODELS, in_process=True))
    rows = {}
    for item in lib.media.list():
        for name in MODELS:
            row = lib.features.get(item["id"], name)
            if row is not None:
                rows[(Path(item["path"]).name, name)] = row
    lib.close()
    return report, rows


def _assert_close(a, b, where):
    if isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            _assert_close(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            _assert_close(x, y, f"{where}[{i}]")
    elif isinstance(a, numbers.Real) and not isinstance(a, bool):
        assert abs(float(a) - float(b)) <= 1e-4, f"{where}: {a} != {b}"  # attributes are rounded to 4 places
    else:
        assert a == b, where


def test_batched_models_store_the_feature_rows_of_file_by_file_analysis(tmp_path, generated, monkeypatch):
    alone_report, alone = _analysed(tmp_path / "alone.db", generated, "off", monkeypatch)
    assert not list(AppPaths.resolve().models.glob("onnx/vibenet-batched-*.onnx"))
    batched_report, batched = _analysed(tmp_path / "batched.db", generated, "on", monkeypatch)
    assert list(AppPaths.resolve().models.glob("onnx/vibenet-batched-*.onnx"))  # windows went through it
    assert alone_report.failed == batched_report.failed == {}
    assert set(alone) == set(batched) and len(alone) == 3 * 4 + 4 * 3  # videos: all four; songs: no frames
    for key, row in alone.items():
        np.testing.assert_allclose(batched[key]["vector"], row["vector"], atol=1e-5, err_msg=str(key))
        _assert_close(row["attrs"], batched[key]["attrs"], str(key))
