"""The analysis runner: plans stale work, survives bad files, crashes and hangs, resumes after a kill."""
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mediarec.errors import Cancelled
from mediarec.extract.plan import pending_summary, plan
from mediarec.extract.runner import analyze
from mediarec.jobs import CancelToken, run_job
from mediarec.paths import AppPaths
from mediarec.scan.scanner import scan
from mediarec.settings import Settings

sys.path.insert(0, str(Path(__file__).parent))
import runner_extractors  # noqa: E402,F401  (registers test.level and test.double)

ONLY = ["test.level", "test.double"]
MODULES = ("runner_extractors",)


@pytest.fixture
def library(lib, media_dir):
    lib.roots.add(media_dir)
    run_job(scan(lib))
    return lib


def run(lib, in_process=False, **kw):
    settings = kw.pop("settings", Settings())
    return run_job(analyze(lib, AppPaths.resolve(), settings, only=ONLY, in_process=in_process, modules=MODULES,
                           workers=kw.pop("workers", 2), **kw))


def test_every_file_gets_every_result_and_a_rerun_does_nothing(library):
    report = run(library)
    assert report.files == 9 and report.results == {"test.level": 9, "test.double": 9}
    row = library.features.get(library.media.list()[0]["id"], "test.double")
    level = library.features.get(library.media.list()[0]["id"], "test.level")
    assert row["vector"][0] == pytest.approx(2 * level["vector"][0])
    assert plan(library, ONLY) == []
    assert pending_summary(library)["test.level"]["pending"] == 0
    assert run(library).files == 0


def test_only_stale_extractors_run_and_dependencies_come_from_the_database(library, monkeypatch, tmp_path):
    run(library, in_process=True)
    library.conn.execute("DELETE FROM features WHERE extractor = 'test.double'")
    log = tmp_path / "log"
    monkeypatch.setenv("MEDIAREC_TEST_EXTRACT_LOG", str(log))
    report = run(library, in_process=True)
    assert report.results == {"test.double": 9}
    assert {line.split("\t")[0] for line in log.read_text().splitlines()} == {"test.double"}


def test_a_changed_file_is_analysed_again(library, media_dir):
    run(library, in_process=True)
    f = media_dir / "music" / "song1.wav"
    from media_factory import write_audio
    write_audio(f, seconds=2.0, freq=100.0)
    run_job(scan(library))
    assert [t.item["path"] for t in plan(library, ONLY)] == [str(f)]


def test_a_version_bump_makes_results_stale(library, monkeypatch):
    run(library, in_process=True)
    from mediarec.extract.base import REGISTRY, ExtractorSpec
    cls = REGISTRY["test.level"]
    monkeypatch.setattr(cls, "spec", ExtractorSpec("test.level", 2, cls.spec.kinds, 2, audio_rate=22050))
    assert len(plan(library, ["test.level"])) == 9
    run_job(analyze(library, AppPaths.resolve(), Settings(), only=["test.level"], in_process=True))
    assert {r["version"] for r in library.query("SELECT version FROM features WHERE extractor='test.level'")} == {2}


def _add(media_dir, name, template="song1.wav"):
    shutil.copy(media_dir / "music" / template, media_dir / "music" / name)


def test_crash_hang_and_bad_file_each_cost_one_file(library, media_dir):
    _add(media_dir, "crash.wav")
    _add(media_dir, "hang.wav")
    _add(media_dir, "reject.wav")
    run_job(scan(library))
    settings = Settings()
    settings.analyze.file_timeout = 3.0
    t = time.monotonic()
    report = run(library, settings=settings)
    assert time.monotonic() - t < 60
    status = {(os.path.basename(r["path"]), r["stage"]): r["kind"] for r in library.file_status.list("analyze:")}
    assert status[("crash.wav", "analyze:test.level")] == "crash"
    assert status[("crash.wav", "analyze:test.double")] == "crash"
    assert status[("hang.wav", "analyze:test.level")] == "timeout"
    assert status[("reject.wav", "analyze:test.level")] == "corrupt"
    assert status[("reject.wav", "analyze:test.double")] == "extract"
    assert report.results["test.level"] == 9  # every good file, despite the others
    # Failed files are not retried while unchanged, and stay listed.
    assert run(library).files == 0
    assert len(library.file_status.list("analyze:")) == len(status)


def test_cancel_stops_between_files_and_keeps_results(library, media_dir, monkeypatch):
    for i in range(6):
        _add(media_dir, f"slow{i}.wav")
    run_job(scan(library))
    monkeypatch.setenv("MEDIAREC_TEST_SLOW", "0.3")
    token = CancelToken()
    job = analyze(library, AppPaths.resolve(), Settings(), only=ONLY, in_process=True, cancel=token)
    with pytest.raises(Cancelled):
        for p in job:
            if p.done >= 2:
                token.cancel()
    stored = library.conn.execute("SELECT count(DISTINCT media_id) FROM features").fetchone()[0]
    assert 2 <= stored < 15
    assert run(library, in_process=True).files == 15 - stored


KILL_SCRIPT = """
import sys
sys.path.insert(0, sys.argv[3])
import runner_extractors
from mediarec.extract.runner import analyze
from mediarec.jobs import run_job
from mediarec.library import Library
from mediarec.paths import AppPaths
from mediarec.settings import Settings
lib = Library(sys.argv[1])
run_job(analyze(lib, AppPaths.resolve(), Settings(), only=["test.level", "test.double"], workers=2,
                modules=("runner_extractors",)))
"""


def test_killed_run_resumes_without_recomputing_stored_results(library, media_dir, tmp_path, monkeypatch):
    for i in range(24):
        _add(media_dir, f"slow{i:02d}.wav")
    run_job(scan(library))
    log = tmp_path / "log"
    env = dict(os.environ, MEDIAREC_TEST_EXTRACT_LOG=str(log), MEDIAREC_TEST_SLOW="0.2", PYTHONPATH=os.getcwd())
    cmd = [sys.executable, "-c", KILL_SCRIPT, str(library.path), "", str(Path(__file__).parent)]
    proc = subprocess.Popen(cmd, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    stored = 0
    while time.monotonic() < deadline and proc.poll() is None:
        conn = sqlite3.connect(library.path, timeout=1)
        stored = conn.execute("SELECT count(DISTINCT media_id) FROM features").fetchone()[0]
        conn.close()
        if stored >= 8:
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the runner and its workers, like a power cut
    proc.wait()
    assert 0 < stored < 33
    before = {r[0] for r in library.query("SELECT DISTINCT m.path FROM features f JOIN media m ON m.id=f.media_id")}
    log.write_text("")
    report = run(library)
    assert library.integrity_check() == "ok"
    assert report.files == 33 - len(before)
    again = [line.split("\t")[1] for line in log.read_text().splitlines()]
    assert not set(again) & before  # nothing stored before the kill was computed again
    assert pending_summary(library)["test.level"]["pending"] == 0


def test_missing_inputs_are_computed_first_and_dependents_follow_their_inputs(library):
    # Asking only for the dependent computes its missing input too.
    report = run_job(analyze(library, AppPaths.resolve(), Settings(), only=["test.double"], in_process=True))
    assert report.results == {"test.level": 9, "test.double": 9}
    # Recomputing an input recomputes what was made from it.
    library.conn.execute("DELETE FROM features WHERE extractor = 'test.level'")
    report = run_job(analyze(library, AppPaths.resolve(), Settings(), only=["test.level"], in_process=True))
    assert report.results == {"test.level": 9, "test.double": 9}


def test_audio_results_record_the_excerpt_they_describe(library):
    settings = Settings()
    settings.audio.full_up_to, settings.audio.windows, settings.audio.window = 0.5, 2, 0.25
    run(library, in_process=True, settings=settings)
    ids = [m["id"] for m in library.media.list() if (m["duration"] or 0) > 0.5]
    assert ids
    for media_id in ids:
        assert library.features.get(media_id, "test.level")["attrs"]["excerpt"] == "2x0.25s"
        assert "excerpt" not in library.features.get(media_id, "test.double")["attrs"]  # it reads no audio


def test_short_files_record_that_they_were_analysed_whole(library):
    run(library, in_process=True)
    rows = [library.features.get(m["id"], "test.level") for m in library.media.list()]
    assert {r["attrs"]["excerpt"] for r in rows if r is not None} == {"whole"}
