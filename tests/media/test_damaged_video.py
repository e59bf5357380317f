"""Video sampling reads past a packet the demuxer cannot parse, as the audio decode does.

In an OGV, one bad Vorbis page made FFmpeg's Ogg demuxer raise for the video stream too, and stay
stuck: every sampled position after it was "damaged" and the whole video corrupt (8 of 16 positions
here before TolerantInput)."""
from __future__ import annotations

import av
import pytest

from media_factory import break_ogg_packet, container_codecs_missing, write_container_video
from mediarec.media.audio import decode_audio
from mediarec.media.frames import sample_frames


def _audio_pages(data: bytes) -> list[int]:
    """Indices of the Ogg pages that belong to the Vorbis stream (its serial number)."""
    pages, start, serials = [], 0, {}
    while start < len(data):
        nseg = data[start + 26]
        serial = data[start + 14:start + 18]
        body = data[start + 27 + nseg:start + 34 + nseg]
        if body == b"\x01vorbis":
            serials["vorbis"] = serial
        pages.append((start, serial))
        start += 27 + nseg + sum(data[start + 27:start + 27 + nseg])
    return [i for i, (_s, serial) in enumerate(pages) if serial == serials["vorbis"]]


def test_ogv_with_a_bad_audio_page_is_sampled_and_decoded(tmp_path):
    missing = container_codecs_missing("ogv-vp8")
    if missing:
        pytest.skip(missing)
    path = write_container_video(tmp_path / "clip.ogv", "ogv-vp8", seconds=6.0, audio=True)
    page = _audio_pages(path.read_bytes())[3]  # about a second in
    break_ogg_packet(path, page=page)
    with av.open(str(path)) as c, pytest.raises(av.error.InvalidDataError):  # the damage is real
        for _ in c.demux(c.streams.video[0]):
            pass
    frames = sample_frames(str(path))
    assert len(frames.frames) >= 12 and frames.duration == pytest.approx(6.0, abs=0.1)
    assert decode_audio(str(path)).seconds > 4.5
