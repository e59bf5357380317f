"""Background jobs as a user meets them: scan and analysis run in the background with progress, Cancel stops a
job early and keeps what it did, Pause stops progress until Resume, and unfinished analysis resumes at start-up."""
import os
import shutil
import sys
import time
from pathlib import Path

import pytest

from mediarec.library import Library
from mediarec.paths import AppPaths
from mediarec.settings import Settings

pytest.importorskip("PySide6")
sys.path.insert(0, str(Path(__file__).parent.parent.parent / "extract"))

SLOW_FILES = 12


def make_app(qtbot, auto_analyze=False):
    import runner_extractors  # noqa: F401 - registers test.level
    from mediarec.ui.app import build

    settings = Settings()
    settings.analyze.workers = 1
    ctx = build(AppPaths.resolve().ensure(), settings, parts=("jobs",),
                options={"jobs": {"auto_analyze": auto_analyze}})
    jobs = ctx.services["jobs"]
    jobs.analyze_only = ["test.level"]  # a real but light extractor (tests/extract/runner_extractors.py)
    jobs.analyze_modules = ("runner_extractors",)
    qtbot.addWidget(ctx.window)
    ctx.window.show()
    return ctx, jobs


@pytest.fixture
def app(qtbot, app_dirs):
    ctx, jobs = make_app(qtbot)
    yield ctx, jobs
    ctx.window.close()


def stored(n_extractor="test.level") -> int:
    with Library(AppPaths.resolve().db) as lib:
        return lib.features.counts().get((n_extractor, 1), 0)


@pytest.fixture
def slow_dir(tmp_path, media_templates, monkeypatch):
    """Files the test extractor takes 0.3 s each to read, so a job is caught in the middle."""
    monkeypatch.setenv("MEDIAREC_TEST_SLOW", "0.3")
    root = tmp_path / "slow"
    root.mkdir()
    for i in range(SLOW_FILES):
        shutil.copy2(media_templates / "song1.wav", root / f"slow{i:02d}.wav")
    return root


def scan_now(qtbot, jobs, folder):
    jobs.scan([str(folder)])
    qtbot.waitUntil(lambda: not jobs.busy, timeout=30_000)


def test_scan_shows_progress_and_finishes(app, qtbot, media_dir):
    ctx, jobs = app
    with qtbot.waitSignal(jobs.finished, timeout=30_000) as done:
        jobs.scan([str(media_dir)])
        assert jobs.status.isVisible() and jobs.status.cancel_button.isEnabled()
    assert done.args[0] == "Scanning" and done.args[1].added == 9
    qtbot.waitUntil(lambda: not jobs.status.isVisible())
    assert "Scanning finished" in ctx.window.statusBar().currentMessage()


def test_adding_a_folder_scans_that_folder_alone(app, qtbot, media_dir):
    ctx, jobs = app
    scan_now(qtbot, jobs, media_dir / "music")
    song = media_dir / "music" / "song2.flac"
    os.utime(song, (song.stat().st_mtime + 60,) * 2)  # would show as updated if the music folder were rescanned
    with qtbot.waitSignal(jobs.finished, timeout=30_000) as done:
        jobs.scan([str(media_dir / "video")])  # what "Add folder…" does
    report = done.args[1]
    assert (report.roots, report.added, report.updated, report.unchanged) == (1, 3, 0, 0)
    with qtbot.waitSignal(jobs.finished, timeout=30_000) as done:
        jobs.scan([])  # "Rescan folders": every folder, and the edit is found
    assert (done.args[1].roots, done.args[1].updated) == (2, 1)


def test_cancel_stops_the_job_early_and_keeps_what_was_done(app, qtbot, slow_dir):
    ctx, jobs = app
    scan_now(qtbot, jobs, slow_dir)
    seen, ends = [], []
    jobs.progressed.connect(lambda t, p: seen.append(p.done))
    jobs.finished.connect(lambda t, r: ends.append(("finished", t)))
    jobs.cancelled.connect(lambda t: ends.append(("cancelled", t)))
    jobs.analyse()
    qtbot.waitUntil(lambda: bool(seen) and max(seen) >= 2, timeout=60_000)
    jobs.status.cancel_button.click()
    qtbot.waitUntil(lambda: not jobs.busy, timeout=30_000)
    assert ends == [("cancelled", "Analysing")]
    kept = stored()
    assert 2 <= kept < SLOW_FILES  # stopped early, and the files finished before Cancel were written
    assert "stopped" in ctx.window.statusBar().currentMessage()


def test_pause_stops_progress_until_resume(app, qtbot, slow_dir):
    ctx, jobs = app
    scan_now(qtbot, jobs, slow_dir)
    seen = []
    jobs.progressed.connect(lambda t, p: seen.append(p.done))
    jobs.analyse()
    qtbot.waitUntil(lambda: bool(seen) and max(seen) >= 1, timeout=60_000)
    jobs.status.pause_button.click()
    assert jobs.status.pause_button.text() == "Resume"
    qtbot.wait(800)  # the file in hand finishes; nothing after it starts
    during = len(seen), max(seen)
    qtbot.wait(1500)  # five files' time: an ignored pause would progress here
    assert (len(seen), max(seen)) == during and during[1] < SLOW_FILES
    assert jobs.busy
    jobs.status.pause_button.click()
    assert jobs.status.pause_button.text() == "Pause"
    qtbot.waitUntil(lambda: not jobs.busy, timeout=60_000)
    assert stored() == SLOW_FILES


def test_scan_then_analysis_then_index(qtbot, app_dirs, media_dir):
    ctx, jobs = make_app(qtbot, auto_analyze=True)
    titles = []
    jobs.started.connect(titles.append)
    jobs.scan([str(media_dir)])
    qtbot.waitUntil(lambda: titles == ["Scanning", "Analysing", "Indexing"] and not jobs.busy, timeout=120_000)
    assert stored() == 9
    ctx.window.close()


def test_reopening_resumes_unfinished_analysis(qtbot, app_dirs, media_dir):
    from mediarec.jobs import run_job
    from mediarec.scan.scanner import scan

    with Library(AppPaths.resolve().ensure().db) as lib:
        lib.roots.add(media_dir)
        run_job(scan(lib))
    ctx, jobs = make_app(qtbot, auto_analyze=True)
    with qtbot.waitSignal(jobs.started, timeout=30_000) as started:
        jobs.workflow.resume()
    assert started.args == ["Analysing"]
    qtbot.waitUntil(lambda: not jobs.busy, timeout=120_000)
    assert stored() == 9
    ctx.window.close()


def test_the_played_item_is_analysed_first(app, qtbot, slow_dir):
    ctx, jobs = app
    scan_now(qtbot, jobs, slow_dir)
    with Library(AppPaths.resolve().db) as lib:
        last = max(lib.media.ids())
    jobs.analyse_first(last)
    qtbot.waitUntil(lambda: stored() >= 1 or not jobs.busy, timeout=60_000)
    jobs.cancel()
    qtbot.waitUntil(lambda: not jobs.busy, timeout=30_000)
    with Library(AppPaths.resolve().db) as lib:
        assert lib.features.get(last, "test.level") is not None


def test_index_rebuild_reports_real_progress_and_cancel_stops_it(app, qtbot):
    from vector_factory import REAL_DIMS, add_media, clustered, put_features

    with Library(AppPaths.resolve().db) as lib:
        ids = add_media(lib, 3000)
        for i, name in enumerate(("audio.musicnn", "audio.dsp", "text.embedding")):
            put_features(lib, ids, name, clustered(len(ids), REAL_DIMS[name], n_clusters=8, seed=i)[0])
    ctx, jobs = app
    seen, ends = [], []
    jobs.progressed.connect(lambda t, p: seen.append(p))
    jobs.finished.connect(lambda t, r: ends.append("finished"))
    jobs.cancelled.connect(lambda t: ends.append("cancelled"))
    jobs.rebuild_index()
    qtbot.waitUntil(lambda: any(p.total and 0 < p.done < p.total for p in seen), timeout=120_000)
    assert jobs.status.progress.maximum() > 0  # a real bar, not the busy indicator
    jobs.status.cancel_button.click()
    qtbot.waitUntil(lambda: not jobs.busy, timeout=60_000)
    assert ends == ["cancelled"]
