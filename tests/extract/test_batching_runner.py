"""Batching across files in the analysis: same rows as file by file, fewer model calls, per-file errors."""
import os
import shutil
import sys
from pathlib import Path

import pytest

from mediarec.errors import ConfigError
from mediarec.extract import device
from mediarec.extract.device import BATCH_FILES, Inventory, batching
from mediarec.extract.runner import analyze
from mediarec.jobs import run_job
from mediarec.library import Library
from mediarec.paths import AppPaths
from mediarec.scan.scanner import scan
from mediarec.settings import Settings

sys.path.insert(0, str(Path(__file__).parent))
import batched_extractors  # noqa: E402,F401  (registers test.batched)
import runner_extractors  # noqa: E402,F401  (registers test.level, test.double)

ONLY = ["test.batched", "test.level", "test.double"]
MODULES = ("batched_extractors", "runner_extractors")


def _library(path, media_dir):
    lib = Library(path)
    lib.roots.add(media_dir)
    run_job(scan(lib))
    return lib


def _analyse(lib, batch, monkeypatch, tmp_path, in_process=True, settings=None, **kw):
    monkeypatch.setenv("MEDIAREC_BATCH", batch)
    log = tmp_path / f"calls-{batch}-{in_process}.txt"
    monkeypatch.setenv("MEDIAREC_TEST_BATCH_LOG", str(log))
    report = run_job(analyze(lib, AppPaths.resolve(), settings or Settings(), only=ONLY, in_process=in_process,
                             modules=MODULES, workers=2, **kw))
    calls = [int(n) for n in log.read_text().split()] if log.exists() else []
    return report, calls


def _rows(lib):
    out = {}
    for item in lib.media.list():
        for name in ONLY:
            row = lib.features.get(item["id"], name)
            if row is not None:
                out[(os.path.basename(item["path"]), name)] = (list(row["vector"]), row["attrs"])
    return out


def test_batched_analysis_stores_the_rows_of_file_by_file_with_fewer_model_calls(lib, media_dir, tmp_path,
                                                                                  monkeypatch):
    lib.roots.add(media_dir)
    run_job(scan(lib))
    alone_report, alone_calls = _analyse(lib, "off", monkeypatch, tmp_path)
    other = _library(tmp_path / "other.db", media_dir)
    try:
        batched_report, batched_calls = _analyse(other, "on", monkeypatch, tmp_path)
        assert _rows(other) == _rows(lib)
        assert batched_report.results == alone_report.results == {n: 9 for n in ONLY}
    finally:
        other.close()
    assert alone_calls == [1] * 9
    assert sorted(batched_calls) == [1, BATCH_FILES]  # 9 files: a group of 8 and the one left


def test_one_bad_file_in_a_group_fails_only_itself(lib, media_dir, tmp_path, monkeypatch):
    for name in ("poison.wav", "reject.wav", "crash.wav", "hang.wav"):
        shutil.copy(media_dir / "music" / "song1.wav", media_dir / "music" / name)
    lib.roots.add(media_dir)
    run_job(scan(lib))
    settings = Settings()
    settings.analyze.file_timeout = 3.0
    report, calls = _analyse(lib, "on", monkeypatch, tmp_path, in_process=False, settings=settings)
    status = {(os.path.basename(r["path"]), r["stage"]): r["kind"] for r in lib.file_status.list("analyze:")}
    assert status[("reject.wav", "analyze:test.batched")] == "corrupt"
    assert status[("poison.wav", "analyze:test.batched")] == "bug"
    assert status[("crash.wav", "analyze:test.batched")] == "crash"
    assert status[("hang.wav", "analyze:test.level")] == "timeout"
    assert {path for path, _ in status} == {"reject.wav", "poison.wav", "crash.wav", "hang.wav"}
    assert report.results["test.batched"] == 9  # every good file, though each shared a group with a bad one
    assert report.results["test.level"] == 10  # crash, hang and reject fail it too (runner_extractors)
    assert max(calls) > 1  # the good files were batched


@pytest.mark.parametrize("setting, env, device, on", [
    ("auto", None, "cpu", False), ("auto", None, "cuda", True), ("on", None, "cpu", True),
    ("off", None, "cuda", False), ("auto", "on", "cpu", True), ("on", "off", "cuda", False)])
def test_batching_is_on_for_cuda_unless_the_setting_or_the_environment_says_otherwise(setting, env, device, on):
    assert batching(setting, device, {"MEDIAREC_BATCH": env} if env else {})[0] is on


def test_a_bad_batch_value_is_a_configuration_error_naming_the_variable():
    with pytest.raises(ConfigError, match="MEDIAREC_BATCH"):
        batching("auto", "cpu", {"MEDIAREC_BATCH": "sometimes"})


@pytest.mark.parametrize("env, expected", [(None, "Batching across files: off, one file per model call"),
                                           ("on", f"Batching across files: on, {BATCH_FILES} files per model call")])
def test_doctor_says_whether_files_are_batched(capsys, tmp_path, monkeypatch, env, expected):
    from mediarec.cli import main

    monkeypatch.setattr(device, "inventory", Inventory)  # this machine as a CPU-only one
    if env:
        monkeypatch.setenv("MEDIAREC_BATCH", env)
    else:
        monkeypatch.delenv("MEDIAREC_BATCH", raising=False)
    assert main(["--data-dir", str(tmp_path / "d"), "doctor"]) == 0
    assert expected in capsys.readouterr().out
