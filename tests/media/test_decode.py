"""The decoder gives the same samples as before it was made faster, bit for bit, for every format and
excerpt policy: features of files analysed before and after the change stay comparable."""
from __future__ import annotations

import av
import numpy as np
import pytest

from media_factory import write_audio
from mediarec.media.audio import BASE_RATE, ExcerptPolicy, decode_audio
from reference_decoder import reference_decode

WHOLE = ExcerptPolicy(full_up_to=1e9)
WINDOWS = ExcerptPolicy(full_up_to=10.0, windows=4, window=2.5)  # 4 windows of a 40 s file: seeks in each


def music(seconds: float, rate: int, channels: int = 2) -> np.ndarray:
    """Tones that change every half second plus a little noise: every window decodes to different samples
    (float64: each format's writer converts it)."""
    t = np.arange(int(seconds * rate)) / rate
    freq = 220.0 * 2 ** (np.floor(t * 2) % 12 / 12)
    sig = 0.3 * np.sin(2 * np.pi * freq * t)
    noise = 0.02 * np.random.default_rng(3).standard_normal((channels, t.size))  # its own in each channel
    return np.stack([sig * (0.5 + 0.5 * c / max(1, channels - 1)) for c in range(channels)]) + noise


@pytest.mark.parametrize("ext, rate, channels", [
    ("wav", 22050, 2),  # s16 interleaved
    ("wav", 44100, 1),  # mono, resampled
    ("flac", 22050, 2),
    ("ogg", 22050, 2),  # Vorbis: planar float, many small frames
    ("mp3", 22050, 2),
    ("opus", 48000, 2),  # float interleaved, resampled
    ("wav", 22050, 6),  # 5.1
])
@pytest.mark.parametrize("policy", [WHOLE, WINDOWS], ids=["whole", "windows"])
def test_same_samples_as_the_reference_decoder(tmp_path, ext, rate, channels, policy):
    path = write_audio(tmp_path / f"music.{ext}", signal=music(40.0, rate, channels), rate=rate)
    decoded = decode_audio(str(path), policy=policy)
    expected = reference_decode(str(path), policy=policy)
    assert decoded.samples.dtype == np.float32
    assert decoded.samples.size == expected.size
    assert np.array_equal(decoded.samples, expected)
    planned = sum(min(e, decoded.duration) - s for s, e in policy.ranges(decoded.duration))
    assert decoded.seconds == pytest.approx(planned, abs=0.1)  # the windows, not the gaps between them


PCM = {  # sample format: (WAV codec, numpy type, scale): formats the summing treats differently
    "u8": ("pcm_u8", np.uint8, 127.0),
    "s32": ("pcm_s32le", np.int32, 2**31 - 1),  # sums promote to float64
    "flt": ("pcm_f32le", np.float32, 1.0),
    "dbl": ("pcm_f64le", np.float64, 1.0),
}


def write_pcm_wav(path, signal: np.ndarray, rate: int, fmt: str):
    codec, dtype, scale = PCM[fmt]
    data = signal * scale + (128 if fmt == "u8" else 0)
    layout = {1: "mono", 2: "stereo", 3: "2.1"}[signal.shape[0]]
    with av.open(str(path), "w", format="wav") as out:
        stream = out.add_stream(codec, rate=rate, layout=layout)
        for start in range(0, signal.shape[1], 4096):
            chunk = np.ascontiguousarray(data[:, start:start + 4096].T.astype(dtype).reshape(1, -1))
            frame = av.AudioFrame.from_ndarray(chunk, format=fmt, layout=layout)
            frame.sample_rate, frame.pts = rate, start
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


@pytest.mark.parametrize("fmt", sorted(PCM))
@pytest.mark.parametrize("channels", [2, 3])
def test_same_samples_for_every_sample_format(tmp_path, fmt, channels):
    path = write_pcm_wav(tmp_path / "pcm.wav", music(30.0, 22050, channels), 22050, fmt)
    with av.open(str(path)) as c:
        assert c.streams.audio[0].codec_context.format.name == fmt
    for policy in (WHOLE, WINDOWS):
        assert np.array_equal(decode_audio(str(path), policy=policy).samples, reference_decode(str(path), policy=policy))


def test_same_samples_at_another_rate(tmp_path):
    path = write_audio(tmp_path / "music.ogg", signal=music(40.0, 22050), rate=22050)
    decoded = decode_audio(str(path), rate=16000, policy=WINDOWS)
    assert np.array_equal(decoded.samples, reference_decode(str(path), rate=16000, policy=WINDOWS))


@pytest.mark.slow
def test_default_policy_on_a_long_file(tmp_path):
    path = write_audio(tmp_path / "long.ogg", signal=music(150.0, 22050), rate=22050)
    decoded = decode_audio(str(path))
    assert len(decoded.ranges) == ExcerptPolicy().windows
    assert np.array_equal(decoded.samples, reference_decode(str(path)))
    assert decoded.seconds == pytest.approx(ExcerptPolicy().windows * ExcerptPolicy().window, abs=0.1)


@pytest.mark.corpus
def test_same_samples_on_real_tracks(corpus):
    files = sorted((corpus / "music" / "asc").glob("*.mp3"))[:1] + sorted(
        (corpus / "music" / "singularity").glob("*.ogg"))[:1]
    assert files
    for path in files:
        for policy in (ExcerptPolicy(), WHOLE):
            decoded = decode_audio(str(path), policy=policy)
            assert np.array_equal(decoded.samples, reference_decode(str(path), BASE_RATE, policy)), path
