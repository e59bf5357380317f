"""Makes small real media files for tests and benchmarks: tagged audio in every common format, short videos.

Everything is generated here (numpy signals encoded with PyAV, tags written with mutagen), so tests need
no downloaded media."""
from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

AUDIO_CODECS = {
    # extension: (container format, codec, sample format, rate)
    "wav": ("wav", "pcm_s16le", "s16", 22050),
    "flac": ("flac", "flac", "s16", 22050),
    "ogg": ("ogg", "vorbis", "fltp", 22050),
    "opus": ("ogg", "libopus", "flt", 48000),
    "mp3": ("mp3", "libmp3lame", "fltp", 22050),
    "m4a": ("ipod", "aac", "fltp", 22050),
    "aiff": ("aiff", "pcm_s16be", "s16", 22050),
}
VIDEO_CODECS = {
    "mp4": ("mp4", "libx264", "yuv420p"),
    "mkv": ("matroska", "libx264", "yuv420p"),
    "webm": ("webm", "libvpx", "yuv420p"),
}


def tone(seconds: float, rate: int, freq: float = 440.0, channels: int = 2, amp: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    mono = (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    return np.tile(mono, (channels, 1))


def write_audio(path: str | os.PathLike, seconds: float = 1.0, freq: float = 440.0, signal: np.ndarray | None = None,
                rate: int | None = None, channels: int = 2, tags: dict | None = None) -> Path:
    """Encode `signal` (channels x samples, float32 in [-1, 1]) or a tone into `path`, format by extension."""
    path = Path(path)
    ext = path.suffix[1:].lower()
    fmt, codec, sample_fmt, default_rate = AUDIO_CODECS[ext]
    rate = rate or default_rate
    if signal is None:
        signal = tone(seconds, rate, freq, channels)
    signal = np.atleast_2d(np.asarray(signal, dtype=np.float32))
    channels = signal.shape[0]
    layout = {1: "mono", 2: "stereo", 6: "5.1"}[channels]
    with av.open(str(path), "w", format=fmt) as out:
        stream = out.add_stream(codec, rate=rate, layout=layout)
        if codec == "vorbis":
            stream.codec_context.options = {"strict": "experimental"}
        stream.codec_context.format = sample_fmt
        frame_size = stream.codec_context.frame_size or 1024
        planar = sample_fmt.endswith("p")
        pts = 0
        for start in range(0, signal.shape[1], frame_size):
            chunk = signal[:, start:start + frame_size]
            data = _to_format(chunk, sample_fmt, planar)
            frame = av.AudioFrame.from_ndarray(data, format=sample_fmt, layout=layout)
            frame.sample_rate = rate
            frame.pts = pts
            pts += chunk.shape[1]
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    if tags:
        write_tags(path, tags)
    return path


def _to_format(chunk: np.ndarray, sample_fmt: str, planar: bool) -> np.ndarray:
    base = sample_fmt.rstrip("p")
    if base == "s16":
        data = (np.clip(chunk, -1, 1) * 32767).astype(np.int16)
    else:
        data = chunk.astype(np.float32)
    return np.ascontiguousarray(data if planar else data.T.reshape(1, -1))


def write_tags(path: str | os.PathLike, tags: dict) -> None:
    """Write title/artist/album/albumartist/genre/date/tracknumber with mutagen, per format."""
    import mutagen
    from mutagen.easyid3 import EasyID3
    from mutagen.easymp4 import EasyMP4
    from mutagen.id3 import ID3, TALB, TCON, TDRC, TIT2, TPE1, TPE2, TRCK

    path = str(path)
    ext = os.path.splitext(path)[1].lower()
    if ext == ".mp3":
        try:
            easy = EasyID3(path)
        except mutagen.id3.ID3NoHeaderError:
            easy = EasyID3()
        for k, v in tags.items():
            easy[k] = str(v)
        easy.save(path)
    elif ext in (".m4a", ".mp4", ".m4v"):
        easy = EasyMP4(path)
        for k, v in tags.items():
            easy[k] = str(v)
        easy.save()
    elif ext in (".wav", ".aiff"):
        f = mutagen.File(path)
        if f.tags is None:
            f.add_tags()
        frames = {"title": TIT2, "artist": TPE1, "album": TALB, "albumartist": TPE2, "genre": TCON,
                  "date": TDRC, "tracknumber": TRCK}
        for k, v in tags.items():
            f.tags.add(frames[k](encoding=3, text=str(v)))
        f.save()
        del ID3
    else:  # flac, ogg, opus: Vorbis comments
        f = mutagen.File(path)
        if f.tags is None:
            f.add_tags()
        for k, v in tags.items():
            f[k] = str(v)
        f.save()


def write_video(path: str | os.PathLike, seconds: float = 1.0, fps: int = 12, size: tuple[int, int] = (64, 48),
                color: tuple[int, int, int] = (200, 40, 40), motion: float = 0.0, audio: bool = True,
                frames_fn=None, audio_signal: np.ndarray | None = None, audio_rate: int = 22050) -> Path:
    """A short video: a coloured square moving `motion` pixels per frame over a plain background."""
    path = Path(path)
    ext = path.suffix[1:].lower()
    fmt, codec, pix = VIDEO_CODECS[ext]
    w, h = size
    n = int(seconds * fps)
    with av.open(str(path), "w", format=fmt) as out:
        vs = out.add_stream(codec, rate=fps)
        vs.width, vs.height, vs.pix_fmt = w, h, pix
        vs.codec_context.time_base = Fraction(1, fps)
        as_ = None
        if audio:
            acodec = "libopus" if ext == "webm" else "aac"
            arate = 48000 if acodec == "libopus" else audio_rate
            as_ = out.add_stream(acodec, rate=arate, layout="stereo")
        for i in range(n):
            img = frames_fn(i) if frames_fn else _frame(i, w, h, color, motion)
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts = i
            for packet in vs.encode(frame):
                out.mux(packet)
        for packet in vs.encode(None):
            out.mux(packet)
        if as_ is not None:
            rate = as_.codec_context.sample_rate
            sig = audio_signal if audio_signal is not None else tone(seconds, rate, 330.0, 2, 0.2)
            sig = np.atleast_2d(sig).astype(np.float32)
            if sig.shape[0] == 1:
                sig = np.vstack([sig, sig])
            fs = as_.codec_context.frame_size or 1024
            pts = 0
            fmt_name = as_.codec_context.format.name
            for start in range(0, sig.shape[1], fs):
                chunk = sig[:, start:start + fs]
                data = _to_format(chunk, fmt_name, fmt_name.endswith("p"))
                frame = av.AudioFrame.from_ndarray(data, format=fmt_name, layout="stereo")
                frame.sample_rate = rate
                frame.pts = pts
                pts += chunk.shape[1]
                for packet in as_.encode(frame):
                    out.mux(packet)
            for packet in as_.encode(None):
                out.mux(packet)
    return path


def _frame(i: int, w: int, h: int, color, motion: float) -> np.ndarray:
    img = np.full((h, w, 3), 30, dtype=np.uint8)
    side = max(4, min(w, h) // 3)
    x = int((i * motion) % max(1, w - side))
    y = (h - side) // 2
    img[y:y + side, x:x + side] = color
    return img


# Video containers as download folders hold them: (muxer, video codec, pixel format, audio codec or None).
# Each extension's usual pairing; codecs the installed FFmpeg cannot encode are reported by
# `container_codecs_missing` so a test can skip with the reason instead of failing.
CONTAINER_CASES: dict[str, tuple[str, str, str, str, str]] = {
    # case id: (extension, muxer, video codec, pixel format, audio codec)
    "avi-mpeg4": ("avi", "avi", "mpeg4", "yuv420p", "libmp3lame"),
    "avi-mjpeg": ("avi", "avi", "mjpeg", "yuvj420p", "pcm_s16le"),
    "avi-msmpeg4v3": ("avi", "avi", "msmpeg4v3", "yuv420p", "libmp3lame"),
    "avi-cinepak": ("avi", "avi", "cinepak", "rgb24", "pcm_s16le"),
    "mov-h264": ("mov", "mov", "libx264", "yuv420p", "aac"),
    "mov-mpeg4": ("mov", "mov", "mpeg4", "yuv420p", "aac"),
    "mpg-mpeg1": ("mpg", "mpeg", "mpeg1video", "yuv420p", "mp2"),
    "mpeg-mpeg2ps": ("mpeg", "vob", "mpeg2video", "yuv420p", "mp2"),
    "ts-mpeg2": ("ts", "mpegts", "mpeg2video", "yuv420p", "mp2"),
    "ts-h264": ("ts", "mpegts", "libx264", "yuv420p", "aac"),
    "wmv-wmv2": ("wmv", "asf", "wmv2", "yuv420p", "wmav2"),
    "ogv-vp8": ("ogv", "ogg", "libvpx", "yuv420p", "vorbis"),
    "m4v-h264": ("m4v", "ipod", "libx264", "yuv420p", "aac"),
}
_ENCODER_FALLBACK = {"libmp3lame": "mp3"}


def container_codecs_missing(case: str) -> str | None:
    """Why the installed FFmpeg cannot write this case (an encoder or muxer it lacks), or None."""
    _ext, muxer, vcodec, _pix, acodec = CONTAINER_CASES[case]
    if muxer not in av.formats_available:
        return f"FFmpeg here has no {muxer} muxer"
    for codec in (vcodec, acodec):
        try:
            av.codec.Codec(codec, "w")
        except Exception:  # noqa: BLE001 - av raises UnknownCodecError or ValueError by version
            return f"FFmpeg here has no {codec} encoder"
    return None


def write_container_video(path: str | os.PathLike, case: str, seconds: float = 2.0, audio: bool = True,
                          fps: int = 25, size: tuple[int, int] = (96, 64), motion: float = 2.0,
                          audio_signal: np.ndarray | None = None) -> Path:
    """A short clip in one of CONTAINER_CASES (a coloured square moving over a plain background), with
    or without a soundtrack (a tone unless `audio_signal`, mono or stereo at 44.1/48 kHz as the codec takes)."""
    path = Path(path)
    _ext, muxer, vcodec, pix, acodec = CONTAINER_CASES[case]
    w, h = size
    with av.open(str(path), "w", format=muxer) as out:
        vs = out.add_stream(vcodec, rate=fps)
        vs.width, vs.height, vs.pix_fmt = w, h, pix
        vs.codec_context.time_base = Fraction(1, fps)
        if vcodec in ("mpeg4", "wmv2", "libvpx") or vcodec.startswith("msmpeg4"):
            vs.codec_context.gop_size = fps  # a keyframe a second, as real encodes have
        as_ = _soundtrack_stream(out, acodec) if audio else None
        fmt_in = "rgb24"
        for i in range(int(seconds * fps)):
            frame = av.VideoFrame.from_ndarray(_frame(i, w, h, (200, 60, 40), motion), format=fmt_in)
            frame.pts = i
            for packet in vs.encode(frame):
                out.mux(packet)
        for packet in vs.encode(None):
            out.mux(packet)
        if as_ is not None:
            rate = as_.codec_context.sample_rate
            sig = audio_signal if audio_signal is not None else tone(seconds, rate, 330.0, 2, 0.2)
            _encode_audio(out, as_, np.atleast_2d(sig).astype(np.float32))
    return path


def _soundtrack_stream(out, acodec: str):
    rate = 48000 if acodec in ("libopus",) else 44100
    try:
        stream = out.add_stream(acodec, rate=rate, layout="stereo")
    except Exception:  # noqa: BLE001 - an FFmpeg built without LAME still writes MP3 with its own encoder
        stream = out.add_stream(_ENCODER_FALLBACK.get(acodec, acodec), rate=rate, layout="stereo")
    if acodec == "vorbis":
        stream.codec_context.options = {"strict": "experimental"}
        stream.codec_context.format = "fltp"
    if acodec == "wmav2":
        stream.codec_context.bit_rate = 128_000  # its encoder will not open without one
    return stream


def _encode_audio(out, stream, sig: np.ndarray) -> None:
    if sig.shape[0] == 1:
        sig = np.vstack([sig, sig])
    fmt_name = stream.codec_context.format.name
    rate = stream.codec_context.sample_rate
    fs = stream.codec_context.frame_size or 1024
    pts = 0
    for start in range(0, sig.shape[1], fs):
        chunk = sig[:, start:start + fs]
        frame = av.AudioFrame.from_ndarray(_samples_as(chunk, fmt_name), format=fmt_name, layout="stereo")
        frame.sample_rate = rate
        frame.pts = pts
        pts += chunk.shape[1]
        for packet in stream.encode(frame):
            out.mux(packet)
    for packet in stream.encode(None):
        out.mux(packet)


def _samples_as(chunk: np.ndarray, sample_fmt: str) -> np.ndarray:
    """Float samples (channels x n) in the encoder's sample format (s32 for LAME, s16 for PCM, float ...)."""
    if sample_fmt.rstrip("p") == "s32":
        data = (np.clip(chunk, -1, 1) * 2147483392).astype(np.int32)
        planar = sample_fmt.endswith("p")
        return np.ascontiguousarray(data if planar else data.T.reshape(1, -1))
    return _to_format(chunk, sample_fmt, sample_fmt.endswith("p"))


def _ogg_crc_table() -> list[int]:
    table = []
    for i in range(256):
        r = i << 24
        for _ in range(8):
            r = ((r << 1) ^ 0x04C11DB7) & 0xFFFFFFFF if r & 0x80000000 else (r << 1) & 0xFFFFFFFF
        table.append(r)
    return table


_OGG_CRC = _ogg_crc_table()


def _ogg_crc(data: bytes) -> int:
    crc = 0
    for b in data:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ _OGG_CRC[((crc >> 24) & 0xFF) ^ b]
    return crc


def break_ogg_packet(path: str | os.PathLike, page: int = 3) -> Path:
    """Make the first packet on Ogg page `page` look like a Vorbis header (type 1) in mid-stream, with a
    valid page checksum: the damage a stream copy left in ../shared/fixtures/remuxed-bad-packet.ogg.
    FFmpeg's Ogg demuxer raises InvalidDataError on it and stays stuck there; players skip it."""
    path = Path(path)
    data = bytearray(path.read_bytes())
    start = 0
    for _ in range(page):
        start += 27 + data[start + 26] + sum(data[start + 27:start + 27 + data[start + 26]])
    assert data[start:start + 4] == b"OggS", "not an Ogg page boundary"
    nseg = data[start + 26]
    end = start + 27 + nseg + sum(data[start + 27:start + 27 + nseg])
    data[start + 27 + nseg] = 0x01
    data[start + 22:start + 26] = b"\0\0\0\0"
    data[start + 22:start + 26] = _ogg_crc(bytes(data[start:end])).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    return path
