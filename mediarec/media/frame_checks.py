"""Cheap tests on decoded video frames: black, blank, transition, scene cut, and colour statistics.

All but the colour statistics work on a tiny luma image taken straight from a frame's Y plane
(`tiny_luma`), so they cost far less than decoding the frame did. Thresholds are on luma scaled to 0..1.
`frames.py` decides which frames to look at; this module only says what it sees in them."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from av.video.reformatter import VideoReformatter

LUMA_WIDTH = 96  # about the width of the tiny luma image
STATS_WIDTH = 160  # colour statistics are computed at this width
HIST_BINS = 16

BLACK_P95 = 0.10  # 95% of the picture darker than this: black
BLANK_STD = 0.025  # spread of luma below this: a near-uniform (blank) picture
CUT_MIN = 0.08  # a cut changes the mean absolute luma at least this much ...
CUT_RATIO = 2.0  # ... and that change, or the histogram's, is this many times the one before and after
CUT_HIST_MIN = 0.15  # a histogram change counts from this much (half the L1 distance, 0..1)
TRANSITION_SPAN_S = 0.25  # a transition frame is a mix of the frames this far before and after it ...
TRANSITION_MIN = 0.03  # ... which differ at least this much (mean absolute luma) ...
TRANSITION_SHARE = 0.15  # ... with at least this share of each ...
TRANSITION_OFF = 0.35  # ... and at most this far off the mix, relative to their difference

_PLANAR_8BIT = {"yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p", "yuv411p", "yuv410p",
                "yuv440p", "yuvj440p", "nv12", "nv21", "gray", "yuva420p"}
_FULL_RANGE = {"yuvj420p", "yuvj422p", "yuvj444p", "yuvj440p", "gray"}


@dataclass
class Seen:
    """One decoded frame as the checks see it."""

    time: float
    luma: np.ndarray  # tiny, float32 0..1
    damaged: bool  # decoded after a decode error, before the next keyframe
    hist: np.ndarray  # luma histogram, HIST_BINS bins summing to 1
    frame: object = None  # the av.VideoFrame, kept only for candidates


def seen(time: float, frame, damaged: bool, reformatter=None) -> Seen:
    luma = tiny_luma(frame, reformatter)
    return Seen(time, luma, damaged, histogram(luma))


def tiny_luma(frame, reformatter=None) -> np.ndarray:
    """A frame's luma, about LUMA_WIDTH wide, 0..1, straight from the Y plane (no colour conversion).

    Every (k/2)-th pixel, then an area average over 2x2 of those: close to a full area resize by k at
    a fifth of its cost (a non-integer INTER_AREA resize costs more than decoding the frame)."""
    import cv2

    w, h = frame.width, frame.height
    name = frame.format.name
    if name not in _PLANAR_8BIT:  # 10-bit, RGB, paletted ...: let swscale do it
        lh = max(8, round(LUMA_WIDTH * h / w))
        # A reused VideoReformatter keeps its swscale context; frame.reformat builds one per call (~10 ms).
        gray = (reformatter or VideoReformatter()).reformat(frame, width=LUMA_WIDTH, height=lh, format="gray")
        return gray.to_ndarray().astype(np.float32) / 255.0
    plane = frame.planes[0]
    y = np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)
    k = max(1, w // LUMA_WIDTH)
    step = max(1, k // 2)
    hk, wk = max(1, h // k), max(1, w // k)
    picked = np.ascontiguousarray(y[:hk * k:step, :wk * k:step])
    small = cv2.resize(picked, (wk, hk), interpolation=cv2.INTER_AREA).astype(np.float32)
    if name in _FULL_RANGE or frame.color_range == 2:
        return small / 255.0
    return np.clip((small - 16.0) / 219.0, 0.0, 1.0)  # video range: 16 is black, 235 white


def histogram(luma: np.ndarray) -> np.ndarray:
    counts = np.bincount(np.minimum((luma * HIST_BINS).astype(np.intp), HIST_BINS - 1).ravel(), minlength=HIST_BINS)
    return counts / max(1, counts.sum())


def cut_indices(run: list[Seen]) -> set[int]:
    """Indices i where frame i of a contiguous run starts a new shot: an isolated spike in difference.

    Two differences are looked at: mean absolute luma change (any cut) and change of the luma
    histogram (which motion hardly moves, so a cut stands out even in fast action). Fast motion gives
    sustained differences, not a spike; a flash gives two spikes in a row, neither isolated."""
    pix = [0.0] + [float(np.mean(np.abs(b.luma - a.luma))) for a, b in zip(run, run[1:])]
    hist = [0.0] + [0.5 * float(np.abs(b.hist - a.hist).sum()) for a, b in zip(run, run[1:])]

    def spike(d: list[float], i: int) -> bool:
        around = [d[j] for j in (i - 1, i + 1) if 1 <= j < len(run)]
        return bool(around) and d[i] >= CUT_RATIO * max(around)

    cuts = set()
    for i in range(1, len(run)):
        if run[i].damaged or run[i - 1].damaged or pix[i] < CUT_MIN:
            continue
        if spike(pix, i) or (hist[i] >= CUT_HIST_MIN and spike(hist, i)):
            cuts.add(i)
    return cuts


def quality(run: list[Seen], i: int) -> str | None:
    """Why frame i of a run should not be used (black, blank, transition, damaged), or None if it is fine."""
    frame = run[i]
    if frame.damaged:
        return "damaged"
    luma = frame.luma
    if float(np.percentile(luma, 95)) < BLACK_P95:
        return "black"
    if float(luma.std()) < BLANK_STD:
        return "blank"
    before = neighbour(run, i, -TRANSITION_SPAN_S)
    after = neighbour(run, i, TRANSITION_SPAN_S)
    if before is not None and after is not None and is_blend(run[before].luma, luma, run[after].luma):
        return "transition"
    return None


def is_blend(a: np.ndarray, x: np.ndarray, b: np.ndarray) -> bool:
    """Is x (nearly) a mix of a and b with a fair share of each, as inside a dissolve or a fade?

    x is projected on the line from a to b: beta is how far along it lies, `off` how far from it,
    relative to the distance from a to b. A cut gives beta 0 or 1; motion leaves x far off the line
    (the moving thing is in neither a nor b where it is in x); a static shot has a ~ b. A slow pan over
    a smooth gradient can pass as a mix too: it then loses a candidate frame, nothing worse."""
    a, x, b = a.ravel(), x.ravel(), b.ravel()
    d = b - a
    if float(np.mean(np.abs(d))) < TRANSITION_MIN:
        return False
    dd = float(d @ d)
    beta = float((x - a) @ d) / dd
    off = float(np.linalg.norm(x - a - beta * d)) / math.sqrt(dd)
    return TRANSITION_SHARE <= beta <= 1 - TRANSITION_SHARE and off < TRANSITION_OFF


def neighbour(run: list[Seen], i: int, offset: float) -> int | None:
    """Index of the frame about `offset` seconds from frame i (at least that far), or None."""
    want = run[i].time + offset
    if offset < 0:
        return next((j for j in range(i - 1, -1, -1) if run[j].time <= want + 1e-6), None)
    return next((j for j in range(i + 1, len(run)) if run[j].time >= want - 1e-6), None)


def colour_stats(images: list[np.ndarray]) -> tuple[float, float, float]:
    """(brightness 0..1, HSV saturation 0..1, Hasler-Süsstrunk colourfulness) averaged over RGB images.

    Colourfulness M = sqrt(sd(rg)^2 + sd(yb)^2) + 0.3 sqrt(mean(rg)^2 + mean(yb)^2) with rg = R - G,
    yb = (R + G)/2 - B on 0..255 values (Hasler & Süsstrunk 2003: ~15 slightly, 33 moderately,
    59 quite, 82+ extremely colourful)."""
    import cv2

    bright, sat, colour = [], [], []
    for image in images:
        h, w = image.shape[:2]
        scale = min(1.0, STATS_WIDTH / w)  # colour statistics do not need detail
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        rgb = cv2.resize(image, size, interpolation=cv2.INTER_AREA).astype(np.float32)
        r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
        bright.append(float(np.mean(0.299 * r + 0.587 * g + 0.114 * b)) / 255.0)
        mx = np.maximum(np.maximum(r, g), b)  # not rgb.max(axis=2): numpy is slow along a 3-long axis
        mn = np.minimum(np.minimum(r, g), b)
        sat.append(float(np.mean(np.where(mx > 0, (mx - mn) / np.maximum(mx, 1e-6), 0.0))))
        rg, yb = r - g, 0.5 * (r + g) - b
        colour.append(math.hypot(float(rg.std()), float(yb.std()))
                      + 0.3 * math.hypot(float(rg.mean()), float(yb.mean())))
    return float(np.mean(bright)), float(np.mean(sat)), float(np.mean(colour))
