"""Cheap integrity checks that catch truncated files without decoding them, one per format that allows it.

The probe already holds the file's last 64 KiB (for the fingerprint); a check compares what the header
promises with what the tail shows."""
from __future__ import annotations

from typing import Callable

Check = Callable[[dict, bytes, int], "str | None"]  # (facts, tail, size) -> problem or None

_CRC8_TABLE = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = ((_c << 1) ^ 0x07) & 0xFF if _c & 0x80 else (_c << 1) & 0xFF
    _CRC8_TABLE.append(_c)


def _crc8(data: bytes) -> int:
    c = 0
    for b in data:
        c = _CRC8_TABLE[c ^ b]
    return c


def _utf8_number(buf: bytes, i: int) -> tuple[int, int] | None:
    """FLAC's extended UTF-8 coded frame/sample number at buf[i:]; (value, length)."""
    first = buf[i]
    if first < 0x80:
        return first, 1
    n = 0
    mask = 0x80
    while first & mask:
        n += 1
        mask >>= 1
    if n < 2 or n > 7 or i + n > len(buf):
        return None
    value = first & (mask - 1)
    for b in buf[i + 1:i + n]:
        if b & 0xC0 != 0x80:
            return None
        value = (value << 6) | (b & 0x3F)
    return value, n


_BLOCK_SIZES = {1: 192, 2: 576, 3: 1152, 4: 2304, 5: 4608, 8: 256, 9: 512, 10: 1024, 11: 2048, 12: 4096,
                13: 8192, 14: 16384, 15: 32768}


def _sync_positions(tail: bytes):
    """Positions of FLAC frame sync codes (FF F8 / FF F9), last first, found with bytes.rfind."""
    end = len(tail) - 16
    while end > 0:
        i = tail.rfind(b"\xff", 0, end)
        if i < 0:
            return
        if tail[i + 1] in (0xF8, 0xF9):
            yield i
        end = i


def _last_flac_frame_end(tail: bytes, fixed_block: int) -> int | None:
    """Sample index where the last valid-looking FLAC frame header in `tail` ends its block."""
    for i in _sync_positions(tail):
        variable = tail[i + 1] & 1
        bs_code = tail[i + 2] >> 4
        if bs_code == 0 or (tail[i + 3] & 0x0F) == 0x0F or (tail[i + 3] >> 4) >= 0b1011:
            continue
        num = _utf8_number(tail, i + 4)
        if num is None:
            continue
        value, n = num
        j = i + 4 + n
        if bs_code == 6:
            block = tail[j] + 1
            j += 1
        elif bs_code == 7:
            block = int.from_bytes(tail[j:j + 2], "big") + 1
            j += 2
        else:
            block = _BLOCK_SIZES.get(bs_code, fixed_block)
        sr_code = tail[i + 2] & 0x0F
        j += {12: 1, 13: 2, 14: 2}.get(sr_code, 0)
        if j >= len(tail) or _crc8(tail[i:j]) != tail[j]:
            continue
        start = value if variable else value * fixed_block
        return start + block
    return None


def check_flac(facts: dict, tail: bytes, size: int) -> str | None:
    total = facts.get("total_samples")
    rate = facts.get("sample_rate")
    if not total or not rate or len(tail) < 64:
        return None
    # The fixed block size of the stream is not in facts; 4096 is the reference encoder's default and
    # the check only uses it for fixed-blocksize streams whose headers carry frame numbers.
    end = _last_flac_frame_end(tail, fixed_block=facts.get("flac_block_size") or 4096)
    if end is None:
        return None
    missing = total - min(end, total)
    if missing > 2 * rate // 10 + 32768:  # more than ~0.2 s plus one maximal frame
        return (f"truncated: header promises {total / rate:.1f} s, data ends near {end / rate:.1f} s")
    return None


def check_pcm(facts: dict, tail: bytes, size: int) -> str | None:
    """Uncompressed audio: the header's length implies a byte count the file must have."""
    rate, channels, bits = facts.get("sample_rate"), facts.get("audio_channels"), facts.get("bits_per_sample")
    duration = facts.get("duration")
    if not (rate and channels and bits and duration):
        return None
    expected = duration * rate * channels * bits / 8
    if size < 0.98 * expected:
        return f"truncated: header promises {duration:.1f} s, the file holds about {size / expected * duration:.1f} s"
    return None


def check_ogg(facts: dict, tail: bytes, size: int) -> str | None:
    """Ogg states no length, so a cut-off file looks like a shorter one; but a muxer writes whole pages,
    and a last page whose segments run past the end of the file was cut off there."""
    i = tail.rfind(b"OggS")
    # Version 0 and a valid header type: "OggS" inside packet data would be a 1-in-2^40 coincidence.
    if i < 0 or i + 27 > len(tail) or tail[i + 4] != 0 or tail[i + 5] > 7:
        return None
    segments = tail[i + 27:i + 27 + tail[i + 26]]
    page_end = i + 27 + tail[i + 26] + sum(segments)
    if len(segments) < tail[i + 26] or page_end > len(tail):
        duration = facts.get("duration")
        at = f" near {duration:.1f} s" if duration else ""
        return f"truncated: the file ends inside an Ogg page{at} (a muxer writes whole pages)"
    return None


CHECKS: dict[str, Check] = {"FLAC": check_flac, "WAVE": check_pcm, "AIFF": check_pcm, "OggVorbis": check_ogg,
                            "OggOpus": check_ogg, "OggFLAC": check_ogg, "OggSpeex": check_ogg}
"""mutagen type name -> check."""


def check(facts: dict, tail: bytes, size: int) -> str | None:
    fn = CHECKS.get(facts.get("mutagen_type", ""))
    return fn(facts, tail, size) if fn else None
