"""Hostile media for the fuzz campaign: valid seed files of every container, and seeded mutants of them.

`seed_files()` writes one small real file per supported container (audio tagged with mutagen, video with
a soundtrack). `mutants()` derives files from them with a fixed seed: bit flips, truncations, zeroed and
duplicated headers, absurd tag sizes and counts, huge declared durations and dimensions, tags with invalid
UTF-8 and control characters, 0- and 1-byte files. Same seed, same bytes: a failure found once can be
replayed (`bench/fuzz.py --seed N --only NAME`)."""
from __future__ import annotations

import random
import struct
from pathlib import Path
from typing import Callable, Iterator

from media_factory import CONTAINER_CASES, container_codecs_missing, write_audio, write_container_video, write_tags

AUDIO = ("mp3", "flac", "ogg", "opus", "m4a", "wav", "aiff")
VIDEO = {"mp4": None, "mkv": None, "webm": None, "avi": "avi-mpeg4", "mov": "mov-h264"}
TAGS = {"title": "Song Title", "artist": "Some Artist", "album": "Some Album", "genre": "Ambient"}


def seed_files(folder: Path, seconds: float = 1.0) -> list[Path]:
    """One valid file per container (those the installed FFmpeg can write)."""
    from media_factory import write_video

    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for ext in AUDIO:
        out.append(write_audio(folder / f"seed.{ext}", seconds=seconds, freq=330.0, tags=TAGS))
    for ext, case in VIDEO.items():
        path = folder / f"seed.{ext}"
        if case is None:
            out.append(write_video(path, seconds=seconds))
        elif container_codecs_missing(case) is None:
            out.append(write_container_video(path, case, seconds=seconds))
    assert {p.suffix for p in out} >= {f".{e}" for e in AUDIO}, "every audio container must be written"
    return out


# --- mutations: each takes (bytes, rng) and returns new bytes ------------------------------------------

def bit_flips(data: bytes, rng: random.Random) -> bytes:
    b = bytearray(data)
    for _ in range(rng.choice((1, 4, 16, 64))):
        # Headers hold most of the structure: flip there half the time.
        i = rng.randrange(min(len(b), 512)) if rng.random() < 0.5 else rng.randrange(len(b))
        b[i] ^= 1 << rng.randrange(8)
    return bytes(b)


def truncate(data: bytes, rng: random.Random) -> bytes:
    cut = rng.choice((rng.randrange(1, 64), rng.randrange(len(data)), len(data) // 2, len(data) - 1))
    return data[:max(2, cut)]


def zero_header(data: bytes, rng: random.Random) -> bytes:
    n = rng.choice((4, 16, 64, 512, 4096))
    return bytes(min(n, len(data))) + data[n:]


def duplicate_header(data: bytes, rng: random.Random) -> bytes:
    n = rng.choice((12, 64, 512, 4096))
    return data[:n] * rng.choice((2, 3, 50)) + data[n:]


def zero_block(data: bytes, rng: random.Random) -> bytes:
    start, n = rng.randrange(len(data)), rng.choice((16, 256, 4096))
    return data[:start] + bytes(min(n, len(data) - start)) + data[start + n:]


def _patch_after(data: bytes, markers: tuple[bytes, ...], offset: int, value: bytes, rng: random.Random) -> bytes:
    """Overwrite `value` at `offset` bytes past a randomly chosen occurrence of one of the markers."""
    spots = [i for m in markers for i in _find_all(data, m)]
    if not spots:
        return bit_flips(data, rng)
    i = rng.choice(spots) + offset
    return data[:i] + value + data[i + len(value):]


def _find_all(data: bytes, marker: bytes) -> Iterator[int]:
    i = data.find(marker)
    while i != -1:
        yield i
        i = data.find(marker, i + 1)


HUGE32 = (b"\xff\xff\xff\xff", b"\x7f\xff\xff\xff", b"\x80\x00\x00\x00")


def absurd_sizes(data: bytes, rng: random.Random) -> bytes:
    """A length field that claims gigabytes: ID3 size, FLAC block, MP4 atom, RIFF/AVI/AIFF chunk, EBML."""
    big = rng.choice(HUGE32)
    choices = [
        ((b"ID3",), 6, b"\x7f\x7f\x7f\x7f"),  # syncsafe: 256 MiB of tag
        ((b"fLaC",), 5, b"\xff\xff\xff"),  # first metadata block: 16 MiB
        ((b"moov", b"trak", b"mdia", b"udta", b"ilst", b"stsz", b"stco"), -4, big),
        ((b"RIFF", b"data", b"LIST", b"avih", b"strh", b"FORM", b"COMM", b"SSND"), 4, big[::-1]),
        ((b"\x1a\x45\xdf\xa3", b"\x18\x53\x80\x67"), 4, b"\x01\xff\xff\xff\xff\xff\xff\xff"),  # EBML sizes
        ((b"\x03vorbis", b"OpusTags"), 7, big),  # vendor string length
    ]
    markers, offset, value = rng.choice(choices)
    return _patch_after(data, markers, offset, value, rng)


def absurd_counts(data: bytes, rng: random.Random) -> bytes:
    """Entry counts that promise billions: Vorbis comments, MP4 sample tables, AVI index, FLAC seek table."""
    big = rng.choice(HUGE32)
    choices = [
        ((b"stsz",), 12, big), ((b"stts", b"stsc", b"stco", b"stss"), 8, big),  # version/flags, then count
        ((b"avih",), 24, big[::-1]), ((b"strh",), 36, big[::-1]),  # total frames, stream length
    ]
    markers, offset, value = rng.choice(choices)
    out = _patch_after(data, markers, offset, value, rng)
    vendor = data.find(b"\x03vorbis")
    if vendor != -1 and rng.random() < 0.5:  # the comment count follows the vendor string
        n = struct.unpack("<I", data[vendor + 7:vendor + 11])[0]
        at = vendor + 11 + n
        out = data[:at] + big + data[at + 4:]
    return out


def huge_dimensions(data: bytes, rng: random.Random) -> bytes:
    """Durations of centuries and frames of 65535 x 65535: mvhd/mdhd/tkhd, AVI header, Matroska info."""
    big = rng.choice(HUGE32)
    choices = [
        ((b"mvhd", b"mdhd"), 20, big),  # version 0: duration after times and timescale
        ((b"mvhd", b"mdhd"), 16, b"\x00\x00\x00\x01"),  # timescale 1: every tick a second
        ((b"tkhd",), 80, b"\xff\xff\x00\x00\xff\xff\x00\x00"),  # width, height (16.16)
        ((b"avih",), 32, b"\xff\xff\x00\x00\xff\xff\x00\x00"),  # width, height
        ((b"\x44\x89",), 2, struct.pack(">d", 1e300)),  # Matroska Duration (a float)
        ((b"\xb0",), 1, b"\xff\xff"), ((b"\xba",), 1, b"\xff\xff"),  # PixelWidth/Height (guessing: fine)
        ((b"COMM",), 10, b"\xff\xff\xff\xff"),  # AIFF frame count
    ]
    markers, offset, value = rng.choice(choices)
    return _patch_after(data, markers, offset, value, rng)


def invalid_utf8_tags(data: bytes, rng: random.Random) -> bytes:
    """Tag text replaced in place by bytes that are not UTF-8, with control characters and NULs."""
    junk = rng.choice((b"\xc3\x28\xa0\xa1", b"\xff\xfe\x00\x1b", b"\xed\xa0\x80\x07", b"\x80\x81\r\n"))
    for text in (b"Song Title", b"Some Artist", b"Some Album"):
        for i in _find_all(data, text):
            data = data[:i] + junk + data[i + 4:]
    return data


Mutation = Callable[[bytes, random.Random], bytes]
MUTATIONS: dict[str, Mutation] = {
    "flip": bit_flips, "cut": truncate, "zerohead": zero_header, "duphead": duplicate_header,
    "zeroblock": zero_block, "size": absurd_sizes, "count": absurd_counts, "dims": huge_dimensions,
    "utf8": invalid_utf8_tags,
}


def hostile_tag_files(seeds: list[Path], folder: Path) -> list[Path]:
    """Files whose tags are valid containers but hostile text: control characters, bidi overrides,
    thousands of frames, a megabyte-long title (written by mutagen, so the container is well formed)."""
    out = []
    for seed in seeds:
        if seed.suffix[1:] not in ("mp3", "flac", "ogg", "m4a"):
            continue
        path = folder / f"tags-{seed.suffix[1:]}{seed.suffix}"
        path.write_bytes(seed.read_bytes())
        write_tags(path, {"title": "\x00\x1b[31mred\x07\r\n\u202eevil\ufffe" + "x" * 1_000_000,
                          "artist": "\ud7ff\x7f" * 1000, "album": "\t" * 10_000})
        out.append(path)
    return out


def mutants(seeds: list[Path], folder: Path, count: int, seed: int = 0) -> list[Path]:
    """`count` files in `folder`: mutants of the seed files (every mutation over every container in
    turn, with seeded parameters), plus the 0- and 1-byte files."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    originals = {p: p.read_bytes() for p in seeds}
    names = list(MUTATIONS)
    out = []
    for ext, data in ((".mp3", b""), (".mkv", b"\x1a")):
        path = folder / f"m{len(out):04d}-tiny{ext}"
        path.write_bytes(data)
        out.append(path)
    i = 0
    while len(out) < count:
        source = seeds[i % len(seeds)]
        how = names[(i // len(seeds)) % len(names)]
        data = MUTATIONS[how](originals[source], rng)
        if rng.random() < 0.25:  # a second mutation on top: damage rarely comes alone
            data = MUTATIONS[rng.choice(names)](data, rng) or data
        path = folder / f"m{len(out):04d}-{how}{source.suffix}"
        path.write_bytes(data)
        out.append(path)
        i += 1
    return out


__all__ = ["seed_files", "mutants", "hostile_tag_files", "MUTATIONS", "AUDIO", "VIDEO", "CONTAINER_CASES"]
