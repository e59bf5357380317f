"""Every video container a download folder holds is listed with its duration and analysed.

Real encodes of each extension (AVI with MPEG-4 Part 2, MS-MPEG4v3, MJPEG and Cinepak; MOV; MPEG-PS;
MPEG-TS; WMV/ASF; OGV; M4V), with and without a soundtrack, made by tests/media_factory.py. The batch
is probed (fast), then scanned and analysed once (slow: video.frames, the soundtrack extractors and
speech.transcript, about a minute with the models' first load), and each file is checked: no file_status row, a duration, frames, and soundtrack results or the recorded
fact that there is no soundtrack. Before the probers per container, every AVI and the silent MPEG-PS
files were "corrupt" (mutagen read RIFF as WAVE and MPEG-PS as MP3)."""
from __future__ import annotations

import numpy as np
import pytest

from media_factory import CONTAINER_CASES, container_codecs_missing, write_audio, write_container_video
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


def test_broken_video_files_still_get_a_file_status_row(clips, tmp_path, lib):
    """FFmpeg as the judge of video containers still refuses what is not video: empty, text, random
    bytes behind an AVI or MPEG-PS header, a cut-off AVI; each leaves a row saying why. (A cut-off
    MPEG-PS is a shorter stream: nothing states its length, so it is listed with the time it holds.)"""
    folder = tmp_path / "bad"
    folder.mkdir()
    avi = (clips / _name("avi-mjpeg", False)).read_bytes()
    mpg = (clips / _name("mpg-mpeg1", True)).read_bytes()
    (folder / "empty.avi").write_bytes(b"")
    (folder / "text.avi").write_bytes(b"not a video at all\n" * 50)
    (folder / "noise.avi").write_bytes(avi[:12] + bytes(range(256)) * 64)
    (folder / "cut.avi").write_bytes(avi[:len(avi) // 10])
    (folder / "noise.mpg").write_bytes(mpg[:4] + bytes(range(255, -1, -1)) * 64)
    lib.roots.add(folder)
    run_job(scan(lib))
    rows = {r["path"].rsplit("/", 1)[-1]: (r["stage"], r["kind"]) for r in lib.file_status.list()}
    assert rows.keys() == {"empty.avi", "text.avi", "noise.avi", "cut.avi", "noise.mpg"}, rows
    assert rows["text.avi"] == ("probe", "unsupported")
    assert all(kind == "corrupt" for name, (_stage, kind) in rows.items() if name != "text.avi")
    assert lib.media.list() == []


def _id3_with_bad_flags(tmp_path, body: bytes):
    """An MP3 whose ID3v2 header has flags mutagen refuses (players ignore the tag and play on)."""
    path = tmp_path / "bad-tag.mp3"
    path.write_bytes(b"ID3\x03\x00\xff\x00\x00\x00\x00" + body)
    return path


def test_audio_that_mutagen_refuses_is_read_by_ffmpeg(tmp_path):
    body = write_audio(tmp_path / "tone.mp3", seconds=3.0).read_bytes()
    assert probe(str(_id3_with_bad_flags(tmp_path, body))).duration == pytest.approx(3.0, abs=0.1)


def test_audio_that_no_prober_reads_is_corrupt_with_both_reasons(tmp_path):
    junk = np.random.default_rng(0).integers(0, 256, 40_000, dtype=np.uint8).tobytes()
    with pytest.raises(CorruptMedia, match=r"mutagen: .*invalid flags.*; FFmpeg: "):
        probe(str(_id3_with_bad_flags(tmp_path, junk)))


def test_ffmpeg_fallback_still_sees_a_cut_file(tmp_path):
    """When mutagen refuses a FLAC (a bogus comment length), FFmpeg reads its header; a copy cut to a
    tenth is still corrupt, because the fallback checks that the packets reach the stated length."""
    noise = (np.random.default_rng(0).standard_normal((1, 22050 * 6)) * 0.2).astype(np.float32)
    data = bytearray(write_audio(tmp_path / "noise.flac", signal=noise).read_bytes())
    comment = _flac_block(data, 4)
    data[comment + 4:comment + 8] = (0x7FFFFFFF).to_bytes(4, "little")  # vendor string length
    whole, cut = tmp_path / "bad-comment.flac", tmp_path / "bad-comment-cut.flac"
    whole.write_bytes(bytes(data))
    cut.write_bytes(bytes(data[:len(data) // 10]))
    assert probe(str(whole)).duration == pytest.approx(6.0, abs=0.05)
    with pytest.raises(CorruptMedia, match=r"mutagen: .*; FFmpeg: truncated"):
        probe(str(cut))


def _flac_block(data: bytes, block_type: int) -> int:
    """Offset of the first FLAC metadata block of this type."""
    i = 4
    while True:
        if data[i] & 0x7F == block_type:
            return i
        if data[i] & 0x80:
            raise AssertionError(f"no FLAC metadata block of type {block_type}")
        i += 4 + int.from_bytes(data[i + 1:i + 4], "big")


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
