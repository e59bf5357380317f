"""Problems: retried (cleared and planned again) or ignored (hidden, kept); a player error is a
file_status row at stage "play", never an event."""
from mediarec.extract.plan import plan
from mediarec.library.file_status import PLAY_STAGE, clear_play_error, record_play_error
from vector_factory import add_media


def test_retry_clears_the_rows_and_analysis_plans_the_files_again(lib):
    a, b = add_media(lib, 2)
    pa, pb = (lib.media.get(m) for m in (a, b))
    for item in (pa, pb):
        lib.file_status.record(item["path"], "analyze:audio.dsp", "corrupt", "bad frames", size=item["size"],
                               mtime=item["mtime"], media_id=item["id"])
    assert plan(lib, ["audio.dsp"]) == []  # a failed, unchanged file is not retried on its own
    r = lib.file_status.retry([pa["path"]])
    assert (r.cleared, r.rescan, r.analyze_ids, r.extractors) == (1, False, [a], ["audio.dsp"])
    assert [t.media_id for t in plan(lib, ["audio.dsp"])] == [a]
    assert lib.file_status.retry().cleared == 1
    assert len(plan(lib, ["audio.dsp"])) == 2 and lib.file_status.list() == []


def test_ignored_problems_are_hidden_but_kept_and_still_not_retried(lib):
    (a,) = add_media(lib, 1)
    item = lib.media.get(a)
    lib.file_status.record(item["path"], "analyze:audio.dsp", "corrupt", "bad", size=item["size"],
                           mtime=item["mtime"], media_id=a)
    lib.file_status.record("/elsewhere/x.mp3", "probe", "corrupt", "not audio", size=3, mtime=1.0)
    assert lib.file_status.set_ignored(item["path"]) == 1
    assert [r["path"] for r in lib.file_status.list(include_ignored=False)] == ["/elsewhere/x.mp3"]
    assert lib.file_status.count_by_stage(include_ignored=False) == {"probe": 1}
    assert len(lib.file_status.list()) == 2 and plan(lib, ["audio.dsp"]) == []
    assert lib.file_status.retry().cleared == 1  # --all leaves ignored ones alone
    assert lib.file_status.list()[0]["ignored"] == 1
    lib.file_status.set_ignored(item["path"], False)
    assert len(lib.file_status.list(include_ignored=False)) == 1


def test_a_probe_failure_of_a_known_file_is_probed_again_after_retry(lib):
    (a,) = add_media(lib, 1)
    item = lib.media.get(a)
    lib.media.set_status([a], "error")
    lib.file_status.record(item["path"], "probe", "corrupt", "bad", size=item["size"], mtime=item["mtime"],
                           media_id=a)
    r = lib.file_status.retry([item["path"]])
    assert r.rescan and lib.media.get(a)["mtime"] == -1  # the next scan sees it as changed


def test_a_player_error_is_a_problem_not_a_skip(lib, tmp_path):
    (a,) = add_media(lib, 1)
    record_play_error(lib, a, "no audio device ")
    rows = lib.file_status.list()
    assert [(r["stage"], r["kind"], r["message"], r["media_id"]) for r in rows] == [
        (PLAY_STAGE, "not_found", "no audio device", a)]  # /synthetic/... does not exist on disk
    assert lib.events.count() == 0
    record_play_error(lib, 424242, "gone")  # removed while playing: nothing to record
    assert len(lib.file_status.list()) == 1 and lib.file_status.list()[0]["attempts"] == 1
    clear_play_error(lib, a)
    assert lib.file_status.list() == []
    real = tmp_path / "x.ogg"
    real.write_bytes(b"x")
    with lib.transaction() as c:
        c.execute("UPDATE media SET path = ? WHERE id = ?", (str(real), a))
    record_play_error(lib, a, "decoder failed")
    assert lib.file_status.list()[0]["kind"] == "player"
