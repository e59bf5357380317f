"""Probing reads tags and durations from every format we accept, and refuses non-media honestly."""
import pytest

from mediarec.errors import CorruptMedia, UnsupportedMedia
from mediarec.scan.probe import probe, title_from_name
from media_factory import write_audio


@pytest.mark.parametrize("ext", ["wav", "flac", "ogg", "opus", "mp3", "m4a"])
def test_audio_tags_and_duration(media_templates, ext):
    path = next(media_templates.glob(f"*.{ext}"))
    n = int(path.stem[-1])
    r = probe(str(path))
    assert r.kind == "audio"
    assert (r.title, r.artist, r.album, r.album_artist, r.genre) == (f"Song {n}", f"Artist {n}", "Album",
                                                                     "Various", "Ambient")
    assert r.date == "2021" and r.track_no == n
    assert r.duration == pytest.approx(1.0, abs=0.1)
    assert r.audio_channels == 2


@pytest.mark.parametrize("ext", ["mp4", "mkv", "webm"])
def test_video_stream_facts(media_templates, ext):
    r = probe(str(next(media_templates.glob(f"*.{ext}"))))
    assert r.kind == "video"
    assert (r.width, r.height) == (64, 48)
    assert r.fps == pytest.approx(12.0)
    assert r.duration == pytest.approx(1.0, abs=0.1)
    assert r.audio_channels == 2
    assert r.title.startswith("clip")  # from the file name: these carry no title tag


def test_title_from_name():
    assert title_from_name("/x/01_My_Song.flac") == "01 My Song"


def test_truncated_flac_is_reported_as_truncated(tmp_path):
    import numpy as np

    rng = np.random.default_rng(0)
    noise = (rng.standard_normal((1, 22050 * 6)) * 0.2).astype("float32")  # noise does not compress
    path = write_audio(tmp_path / "full.flac", signal=noise)
    data = path.read_bytes()
    cut = tmp_path / "cut.flac"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptMedia, match="truncated"):
        probe(str(cut))
    probe(str(path))  # the whole file is fine


def test_mislabelled_container_is_still_media(media_templates, tmp_path):
    mkv = next(media_templates.glob("*.mkv"))
    wrong = tmp_path / "really_mkv.mp4"
    wrong.write_bytes(mkv.read_bytes())
    assert probe(str(wrong)).width == 64


@pytest.mark.parametrize("content, error, match", [
    (b"", CorruptMedia, "empty"),
    (b"just some text, not a video\n" * 20, UnsupportedMedia, "looks like text"),
    (bytes(range(256)) * 40, UnsupportedMedia, "not a recognised media format"),
])
def test_non_media_is_refused_with_a_reason(tmp_path, content, error, match):
    f = tmp_path / "bad.mp4"
    f.write_bytes(content)
    with pytest.raises(error, match=match):
        probe(str(f))


def test_truncated_wav_is_reported_as_truncated(media_templates, tmp_path):
    data = next(media_templates.glob("*.wav")).read_bytes()
    cut = tmp_path / "cut.wav"
    cut.write_bytes(data[: len(data) // 3])
    with pytest.raises(CorruptMedia, match="truncated"):
        probe(str(cut))
