"""A bad packet is skipped, as players skip it; a file is corrupt only when too little of it decodes.

The real case is ../shared/fixtures/remuxed-bad-packet.ogg (a stream copy left one packet FFmpeg's Ogg
demuxer raises on, after which it stays stuck); `break_ogg_packet` makes the same damage in a
generated file, so the behaviour is tested without the fixture too."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from media_factory import break_ogg_packet, write_audio
from mediarec.errors import CorruptMedia
from mediarec.extract.runner import analyze
from mediarec.jobs import run_job
from mediarec.media.audio import ExcerptPolicy, decode_audio
from mediarec.media.avio import MIN_DECODED_SHARE
from mediarec.paths import AppPaths
from mediarec.scan.scanner import scan
from mediarec.settings import Settings

FIXTURE = "remuxed-bad-packet.ogg"
AUDIO = ["audio.dsp"]  # the model-free soundtrack extractor: the shared decode is what is tested


def shared_fixture(name: str) -> Path:
    """A real problem file from $MEDIAREC_FIXTURES or ../shared/fixtures. Where ../shared exists and real
    files are required (CI sets MEDIAREC_REQUIRE_CORPUS) a missing one fails; elsewhere it is skipped."""
    shared = Path(__file__).resolve().parents[3] / "shared"
    path = Path(os.environ.get("MEDIAREC_FIXTURES") or shared / "fixtures") / name
    if not path.is_file():
        if os.environ.get("MEDIAREC_REQUIRE_CORPUS") and shared.is_dir():
            pytest.fail(f"{path} is required here but missing")
        pytest.skip(f"{path} not found (set MEDIAREC_FIXTURES)")
    return path


def noise(seconds: float, rate: int = 22050) -> np.ndarray:
    return (np.random.default_rng(1).standard_normal((2, int(seconds * rate))) * 0.1).astype(np.float32)


def scan_and_analyse(lib, folder: Path):
    lib.roots.add(folder)
    run_job(scan(lib))
    return run_job(analyze(lib, AppPaths.resolve(), Settings(), only=AUDIO, in_process=True))


def problems(lib) -> list[tuple[str, str, str]]:
    return [(os.path.basename(r["path"]), r["stage"], r["message"]) for r in lib.file_status.list()]


def test_generated_bad_packet_is_skipped(tmp_path):
    path = break_ogg_packet(write_audio(tmp_path / "bad.ogg", signal=noise(20.0)), page=3)
    decoded = decode_audio(str(path))
    # one Ogg page (about a second) is lost at the bad packet, not the 19 s after it
    assert decoded.duration == pytest.approx(20.0, abs=0.05)
    assert 17.5 < decoded.seconds <= 20.0


def test_generated_bad_packet_in_excerpt_windows(tmp_path):
    path = break_ogg_packet(write_audio(tmp_path / "bad.ogg", signal=noise(20.0)), page=3)
    policy = ExcerptPolicy(full_up_to=5.0, windows=4, window=3.0)  # the bad packet lies in the first window
    decoded = decode_audio(str(path), policy=policy)
    assert decoded.seconds >= 0.8 * 4 * 3.0


def test_real_remuxed_file_is_analysed_like_any_other(tmp_path, lib):
    folder = tmp_path / "music"
    folder.mkdir()
    shutil.copy(shared_fixture(FIXTURE), folder / FIXTURE)
    report = scan_and_analyse(lib, folder)
    assert problems(lib) == []
    item = lib.media.by_path(str(folder / FIXTURE))
    assert item["status"] == "ok" and item["duration"] == pytest.approx(65.28, abs=0.05)
    assert report.results == {name: 1 for name in AUDIO}
    for name in AUDIO:
        assert lib.features.get(item["id"], name)["vector"] is not None
    assert decode_audio(str(folder / FIXTURE)).seconds > 60.0  # of 65.3 s: the rest of one page is lost


def test_real_file_cut_to_a_tenth_is_corrupt(tmp_path, lib):
    folder = tmp_path / "music"
    folder.mkdir()
    data = shared_fixture(FIXTURE).read_bytes()
    (folder / "cut.ogg").write_bytes(data[:len(data) // 10])
    scan_and_analyse(lib, folder)
    [(name, stage, message)] = problems(lib)
    assert name == "cut.ogg" and "truncated" in message
    assert lib.media.list() == []


def test_generated_file_with_too_little_audio_is_corrupt(tmp_path, lib):
    """A WAV cut to a tenth (its header still promises 10 s) is reported truncated, with a file_status row."""
    data = write_audio(tmp_path / "full.wav", signal=noise(10.0)).read_bytes()
    folder = tmp_path / "music"
    folder.mkdir()
    cut = folder / "cut.wav"
    cut.write_bytes(data[:len(data) // 10])
    scan_and_analyse(lib, folder)
    [(name, stage, message)] = problems(lib)
    assert (name, stage) == ("cut.wav", "probe") and "truncated" in message


def test_damage_all_through_a_file_makes_it_corrupt(tmp_path):
    """Bad packets on most pages: what is left is under half (MIN_DECODED_SHARE), so the file is corrupt,
    and the message says where the damage starts."""
    assert MIN_DECODED_SHARE == 0.5
    path = write_audio(tmp_path / "bad.ogg", signal=noise(20.0))
    pages = _ogg_pages(path)
    for page in range(3, pages - 1):
        break_ogg_packet(path, page=page)
    with pytest.raises(CorruptMedia, match=r"analysed decode .* first damage at"):
        decode_audio(str(path))


def _ogg_pages(path: Path) -> int:
    data, start, count = path.read_bytes(), 0, 0
    while start < len(data):
        start += 27 + data[start + 26] + sum(data[start + 27:start + 27 + data[start + 26]])
        count += 1
    return count
