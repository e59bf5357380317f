"""Every video container a download folder holds is listed with its duration and analysed.

Real encodes of each extension (AVI with MPEG-4 Part 2, MS-MPEG4v3, MJPEG and Cinepak; MOV; MPEG-PS;
MPEG-TS; WMV/ASF; OGV; M4V), with and without a soundtrack, made by tests/media_factory.py. The batch
is probed (fast), then scanned and analysed once (slow: video.frames, the soundtrack extractors and
speech.transcript, about a minute with the models' first load), and each file is checked: no file_status row, a duration, frames, and soundtrack results or the recorded
fact that there is no soundtrack. Before the probers per container, every AVI and the silent MPEG-PS
files were "corrupt" (mutagen read RIFF as WAVE and MPEG-PS as MP3)."""
from __future__ import annotations

import pytest

from media_factory import CONTAINER_CASES, container_codecs_missing, write_container_video
from mediarec.errors import CorruptMedia
from mediarec.extract.runner import analyze
from mediarec.jobs import run_job
from mediarec.library import Library
from mediarec.media.audio import decode_audio
from mediarec.media.frames import sample_frames
from mediarec.paths import AppPaths
from mediarec.scan.probe import probe
from mediarec.scan.scanner import scan
from mediarec.settings import Settings

SECONDS = 2.0
SOUNDTRACK = ("audio.dsp", "audio.musicnn", "emotion.music")
EXTRACTORS = ["video.frames", *SOUNDTRACK, "speech.transcript"]
CASES = [(case, audio) for case in CONTAINER_CASES for audio in (True, False)]


def _name(case: str, audio: bool) -> str:
    ext = CONTAINER_CASES[case][0]
    return f"{case}-{'sound' if audio else 'silent'}.{ext}"


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    """Every case that the installed FFmpeg can write, in one folder (about 3 s to make)."""
    media = tmp_path_factory.mktemp("containers") / "videos"
    media.mkdir()
    for case, audio in CASES:
        if container_codecs_missing(case) is None:
            write_container_video(media / _name(case, audio), case, seconds=SECONDS, audio=audio)
    return media


def _skip_unwritable(case: str) -> None:
    missing = container_codecs_missing(case)
    if missing:
        pytest.skip(f"cannot write {case}: {missing}")


@pytest.mark.parametrize("case, audio", CASES, ids=[_name(c, a) for c, a in CASES])
def test_container_is_probed(clips, case, audio):
    _skip_unwritable(case)
    r = probe(str(clips / _name(case, audio)))
    assert r.kind == "video" and (r.width, r.height) == (96, 64)
    assert r.duration == pytest.approx(SECONDS, abs=0.15)
    assert r.fps == pytest.approx(25.0)
    assert bool(r.audio_channels) == audio


@pytest.mark.parametrize("cut, stage", [(0.0, "empty"), (0.1, "probe"), (0.3, "decode")])
def test_damaged_container_is_still_corrupt(clips, tmp_path, cut, stage):
    """Letting FFmpeg judge video containers lets no broken one through: an empty AVI, one cut to a
    tenth (refused at probe), and one cut to 30%, which FFmpeg lists at 0.6 s but whose frames and
    soundtrack stop at 0.2 s (refused by both decoders)."""
    data = (clips / _name("avi-mpeg4", True)).read_bytes()
    bad = tmp_path / "cut.avi"
    bad.write_bytes(data[:int(len(data) * cut)])
    if stage != "decode":
        with pytest.raises(CorruptMedia, match="empty" if stage == "empty" else "FFmpeg"):
            probe(str(bad))
        return
    r = probe(str(bad))
    with pytest.raises(CorruptMedia, match="ends early"):
        sample_frames(str(bad), duration_hint=r.duration)
    with pytest.raises(CorruptMedia, match="analysed decode"):
        decode_audio(str(bad), duration_hint=r.duration)


@pytest.fixture(scope="module")
def analysed(clips):
    """The whole batch scanned and analysed once: (library, {file name: media row}, analysis report)."""
    root = clips.parent
    media = clips
    with pytest.MonkeyPatch.context() as mp:
        for name in ("DATA", "CONFIG", "CACHE", "MODELS"):
            mp.setenv(f"MEDIAREC_{name}_DIR", str(root / f"app-{name.lower()}"))
        paths = AppPaths.resolve().ensure()
        lib = Library(paths.db)
        lib.roots.add(media)
        run_job(scan(lib))
        report = run_job(analyze(lib, paths, Settings(), only=EXTRACTORS, in_process=True))
        items = {row["path"].rsplit("/", 1)[-1]: row for row in lib.media.list(statuses=("ok", "error"))}
        yield lib, items, report
        lib.close()


@pytest.mark.slow
def test_every_extractor_ran(analysed):
    _lib, _items, report = analysed
    assert report.unavailable == {}, report.unavailable


@pytest.mark.slow
@pytest.mark.parametrize("case, audio", CASES, ids=[_name(c, a) for c, a in CASES])
def test_container_is_listed_and_analysed(analysed, case, audio):
    _skip_unwritable(case)
    lib, items, _report = analysed
    name = _name(case, audio)
    problems = [f"{r['stage']}: {r['message']}" for r in lib.file_status.list() if r["path"].endswith("/" + name)]
    assert problems == []
    item = items[name]
    assert item["status"] == "ok" and item["kind"] == "video"
    assert item["duration"] == pytest.approx(SECONDS, abs=0.15)
    assert (item["width"], item["height"]) == (96, 64)

    frames = lib.features.get(item["id"], "video.frames")
    assert frames is not None and frames["vector"] is not None and frames["vector"].size > 0
    for name_ in SOUNDTRACK:
        row = lib.features.get(item["id"], name_)
        assert row is not None, name_
        if audio:
            assert row["vector"] is not None and row["vector"].size > 0, name_
        else:
            assert row["vector"] is None and row["attrs"] == {"skipped": "no audio stream"}, name_
    speech = lib.features.get(item["id"], "speech.transcript")
    assert speech is not None
    if audio:  # a tone: listened to, and nothing said
        assert speech["attrs"]["speech"] is False and speech["attrs"]["reason"]
    else:
        assert speech["attrs"] == {"skipped": "no audio stream"}
