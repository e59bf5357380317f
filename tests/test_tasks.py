"""The shared jobs (mediarec/tasks.py): scan, analyse (the item asked for first) and a cancellable index
rebuild whose progress reaches its total and whose cancel keeps the old index answering."""
import os
import threading
import time

import numpy as np
import pytest

from mediarec.errors import Cancelled
from mediarec.index import BuildOptions
from mediarec.index.fused import WEIGHTS_KEY
from mediarec.index.manifest import read_manifest
from mediarec.jobs import CancelToken, Progress, run_job
from mediarec.paths import AppPaths
from mediarec.recommend.similar import MoreLikeThis
from mediarec.settings import Settings
from mediarec.tasks import FirstIds, NoLibraryFolders, RebuildReport, analyze_task, rebuild_task, scan_task
from vector_factory import REAL_DIMS, add_media, clustered, put_features

OPTS = BuildOptions(fresh_margin=0)


@pytest.fixture
def paths(app_dirs):
    return AppPaths.resolve().ensure()


def _store(lib, ids, seed):
    for i, name in enumerate(("audio.musicnn", "audio.dsp", "text.embedding")):
        put_features(lib, ids, name, clustered(len(ids), REAL_DIMS[name], n_clusters=8, seed=seed + i)[0])


def _drain(job):
    seen: list[Progress] = []
    return run_job(job, seen.append), seen


def test_scan_task_adds_roots_and_reports(paths, media_dir):
    report, seen = _drain(scan_task(paths.db, Settings(), [media_dir / "music", media_dir / "video"]))
    assert report.added == 9 and report.roots == 2 and "9 added" in report.summary()
    assert seen and seen[-1].done == seen[-1].total
    again, _ = _drain(scan_task(paths.db, Settings(), [media_dir / "music"]))  # a known root is kept once
    assert again.roots == 2 and again.unchanged == 9


def test_adding_a_folder_scans_only_that_folder(paths, media_dir, lib):
    run_job(scan_task(paths.db, Settings(), [media_dir / "music"]))
    changed = media_dir / "music" / "song1.wav"
    before = lib.query("SELECT mtime FROM media WHERE path = ?", (str(changed),))[0]["mtime"]
    os.utime(changed, (before + 60, before + 60))  # edited since the last scan: a full scan would update it
    report, _ = _drain(scan_task(paths.db, Settings(), [media_dir / "video"], only_added=True))
    assert (report.roots, report.added, report.updated, report.unchanged) == (1, 3, 0, 0)
    assert lib.query("SELECT mtime FROM media WHERE path = ?", (str(changed),))[0]["mtime"] == before
    # The music folder's own rescan (or a rescan of everything) finds the edit.
    everything, _ = _drain(scan_task(paths.db, Settings()))
    assert (everything.roots, everything.updated, everything.unchanged) == (2, 1, 8)


def test_scan_task_without_folders_says_so(paths):
    with pytest.raises(NoLibraryFolders):
        run_job(scan_task(paths.db, Settings()))


def test_analyze_task_takes_the_first_ids_first_even_past_the_limit(paths, media_dir, lib):
    run_job(scan_task(paths.db, Settings(), [media_dir / "music"]))
    ids = [r["id"] for r in lib.query("SELECT id FROM media ORDER BY id")]
    wanted = ids[-1]
    report, _ = _drain(analyze_task(paths, Settings(), CancelToken(), only=["audio.dsp"], limit=2,
                                    first_ids=[wanted], in_process=True))
    assert report.files == 2 and report.results == {"audio.dsp": 2}
    order = [r[0] for r in lib.query("SELECT media_id FROM features WHERE extractor = 'audio.dsp' ORDER BY rowid")]
    assert order == [wanted, ids[0]]


def test_rebuild_task_progress_reaches_total(paths, lib):
    ids = add_media(lib, 1200, kind="video")
    _store(lib, ids, seed=1)
    report, seen = _drain(rebuild_task(paths, CancelToken(), only_stale=False, opts=OPTS))
    assert isinstance(report, RebuildReport)
    assert set(report.built) == {"audio", "text", "fused"}, report.spaces
    totals = {p.total for p in seen if p.total is not None}
    assert len(totals) == 1 and seen[-1].done == seen[-1].total == totals.pop()
    dones = [p.done for p in seen if p.total is not None]
    assert dones == sorted(dones) and len(set(dones)) >= 4  # real steps, not a busy indicator
    assert "Rebuilt" in report.summary()
    again, _ = _drain(rebuild_task(paths))
    assert not again.built and again.summary() == "Indexes already current"


def test_a_cancelled_rebuild_stops_soon_and_the_old_index_still_answers(paths, lib):
    ids = add_media(lib, 1200, kind="video")
    _store(lib, ids, seed=2)
    run_job(rebuild_task(paths, only_stale=False, opts=OPTS))
    lib.kv.set(WEIGHTS_KEY, {"text": 2.0})  # only the fused index is stale now: its lists need the new weights
    old = read_manifest(paths.index_dir, "fused")
    before = MoreLikeThis(lib, paths.index_dir, scan_below=0).similar_items(ids[0], 10)[0].tolist()
    files_before = sorted(p.name for p in paths.index_dir.iterdir())

    token = CancelToken()
    job = rebuild_task(paths, token, opts=OPTS)
    cancelled_at = None
    with pytest.raises(Cancelled):
        for p in job:
            if cancelled_at is None and p.message.startswith("Listing") and 0 < p.done < p.total:
                token.cancel()  # inside the neighbour lists: the longest step
                cancelled_at = time.monotonic()
    assert cancelled_at is not None, "the lists build reported progress"
    assert time.monotonic() - cancelled_at < 5.0

    assert read_manifest(paths.index_dir, "fused").build_id == old.build_id
    mlt = MoreLikeThis(lib, paths.index_dir, scan_below=0)
    assert mlt.fused.usable()
    assert mlt.similar_items(ids[0], 10)[0].tolist() == before
    left = sorted(p.name for p in paths.index_dir.iterdir() if p.name.startswith("fused"))
    assert left == [f for f in files_before if f.startswith("fused")], "the stopped build's files are gone"


def test_cancel_between_spaces_keeps_the_spaces_not_reached(paths, lib):
    ids = add_media(lib, 600, kind="video")
    _store(lib, ids, seed=4)
    run_job(rebuild_task(paths, only_stale=False, opts=OPTS))
    text_before = read_manifest(paths.index_dir, "text").build_id
    token = CancelToken()
    with pytest.raises(Cancelled):
        for p in rebuild_task(paths, token, only_stale=False, opts=OPTS):
            if p.message.startswith("Building the audio"):
                token.cancel()
    assert read_manifest(paths.index_dir, "text").build_id == text_before


def test_a_rebuild_closed_early_stops_its_build_thread(paths, lib):
    ids = add_media(lib, 1200, kind="video")
    _store(lib, ids, seed=3)
    run_job(rebuild_task(paths, only_stale=False, opts=OPTS))
    lib.kv.set(WEIGHTS_KEY, {"text": 2.0})
    job = rebuild_task(paths, CancelToken(), opts=OPTS)
    for p in job:
        if p.message.startswith("Listing"):
            break
    job.close()  # a GUI that drops the job: the helper thread must not go on using the connection
    assert not [t for t in threading.enumerate() if t.name == "mediarec-fused-build"]
    assert MoreLikeThis(lib, paths.index_dir, scan_below=0).fused.usable()
    assert np.isfinite(MoreLikeThis(lib, paths.index_dir, scan_below=0).similar_items(ids[1], 5)[1]).all()


def test_upnext_unblocked_hands_the_blocklist_to_a_recommender_that_takes_it(lib, monkeypatch):
    import mediarec.recommend.upnext as upnext_mod
    from mediarec.library.blocklist import Blocklist
    from mediarec.tasks import upnext_unblocked

    ids = add_media(lib, 30, fields=[{"artist": f"Band {i % 3}"} for i in range(30)])
    put_features(lib, ids, "audio.musicnn", clustered(30, REAL_DIMS["audio.musicnn"], 3, seed=1)[0])
    Blocklist(lib).block_artist("Band 1")
    banned = set(ids[1::3])
    real, seen = upnext_mod.upnext, []

    def taking_exclude(*args, exclude=(), **kw):  # the real recommender, and a record of what it was told
        seen.append(set(exclude))
        return real(*args, **kw)

    monkeypatch.setattr(upnext_mod, "upnext", taking_exclude)
    found = upnext_unblocked(lib, AppPaths.resolve().index_dir, 15)
    assert seen and seen[0] == banned
    assert len(found.ids) == 15 and not set(found.ids.tolist()) & banned
    assert [p.id for p in found.picks] == found.ids.tolist()
