"""Video frames by seeking: K watchable frames spread over a video, and cheap visual statistics of it.

How frames are picked (`sample_frames`):
- K target times spread evenly over 5%-95% of the video stream (openings and credits say little).
- For each target we first ask the demuxer, without decoding, which keyframe a seek lands on. Targets
  that share a keyframe form a group: one seek, then decoding forward. Decoding is bounded: a group
  decodes at most `MAX_LEAD_S + window` seconds of video per target it holds (plus the frames the
  transition test looks at); targets further from their keyframe are pulled towards it. So samples sit
  at or just after keyframes in long-GOP files (x264 puts keyframes at scene cuts, so these are often
  the first frames of shots), and a 3-hour film costs about what a 1-minute clip costs.
- Each target looks at a few candidate frames in a short window after it, preferring a frame just after
  a scene cut inside the window, and skips black, blank (near-uniform), transition (inside a dissolve
  or fade) and damaged frames (see frame_checks.py). A target whose candidates are all bad gives no
  frame; if every target is bad (an all-black video), the least bad frames are kept and marked as such.
- Files that cannot seek (no index, raw streams) are decoded in one pass up to the last target; files
  whose seeks land off target (MPEG-TS) get one seek per target, a little before it.

The per-frame checks run on a tiny luma image taken straight from the decoded Y plane (no colour
conversion): converting every decoded frame to RGB would cost more than decoding it. Only the chosen
frames are converted to RGB. Decoding uses slice threads only: with frame threads, FFmpeg's worker
threads log into PyAV's Python log callback and can deadlock against a seek or close that holds the
GIL (PyAV issues #909, #751); damaged files log a lot.

Statistics (`VisualStats`), all from the same decode:
- brightness, saturation, colourfulness (Hasler & Süsstrunk 2003) of the chosen frames;
- motion: mean absolute luma change between frames `MOTION_GAP_S` apart, over every decoded stretch,
  leaving out pairs that straddle a cut (a cut is not motion);
- cut rate: cuts seen in the decoded stretches divided by the time those stretches cover, per minute.
  The stretches sit at fixed times, not where cuts are, so this estimates the whole video's rate; it
  runs a little low because a stretch that starts at a cut keyframe cannot see that cut and shots
  rarely end right after they start. Short videos are covered almost whole; long ones only in about
  K x 0.5-0.8 s, so the figure is coarse there. A cut is an isolated spike in frame difference
  (`frame_checks.cut_indices`).

Errors: a packet the demuxer cannot parse is read past (`avio.TolerantInput`: an OGV's bad audio page
would otherwise end every stretch that crosses it) and one the decoder refuses is skipped; files
that do not open, have no video stream (audio-only files named .mp4, cover art only), have no frames,
or whose stream is broken or ends early at too many sampled positions (DAMAGE_SHARE) raise
CorruptMedia / UnsupportedMedia with the path and the reason; PyAV's exceptions never escape."""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import av
import numpy as np
from av.video.reformatter import VideoReformatter

from ..errors import CorruptMedia, UnsupportedMedia
from . import frame_checks as checks
from .avio import open_tolerant, translate_av_errors
from .frame_checks import CUT_MIN, TRANSITION_SPAN_S, Seen

SPAN = (0.05, 0.95)
MAX_LEAD_S = 0.25  # most video decoded between a landing keyframe (or the last position) and a target
WINDOW_S = 0.3  # candidate frames come from [target, target + window]
CANDIDATES = 4  # candidate frames looked at per target (besides one just after a cut)
MOTION_GAP_S = 0.2  # motion compares frames this far apart (time-based, so fps does not matter)
RGB_SHORT_SIDE = 256  # chosen frames are kept at this size (never upscaled): model input and thumbnail
PRE_ROLL_S = 1.0  # where seeks are inexact (MPEG-TS ...), seek this far before a target ...
LATE_S = 12.0  # ... and wait at most this long past it for the decoder to deliver frames
DAMAGE_SHARE = 1 / 3  # more than this share of targets broken or past the end: the file is corrupt


class NoVideoStream(UnsupportedMedia):
    """The file has no video stream to look at (an audio file with a video extension, or cover art only)."""


@dataclass
class FrameSample:
    time: float  # seconds from the start of the stream
    rgb: np.ndarray  # H x W x 3 uint8, short side RGB_SHORT_SIDE (or less for small videos), upright
    after_cut: bool = False  # picked because it follows a scene cut
    rejected: str | None = None  # set only for fallback frames: why they would have been skipped


@dataclass
class VisualStats:
    brightness: float  # mean luma of the chosen frames, 0..1
    saturation: float  # mean HSV saturation, 0..1
    colourfulness: float  # Hasler-Süsstrunk M: ~0 grey, 15 slightly, 33 moderately, 59 quite, >82 extremely
    motion: float  # mean absolute luma change per MOTION_GAP_S, 0..1
    cut_rate: float  # cuts per minute (estimated from the decoded stretches)
    cuts: int  # cuts seen
    observed: float  # seconds of video the cut and motion figures are based on


@dataclass
class SampledFrames:
    path: str
    duration: float  # of the video stream, seconds
    width: int
    height: int
    frames: list[FrameSample]
    stats: VisualStats
    skipped: dict[str, int] = field(default_factory=dict)  # candidate frames skipped, by reason
    decoded: int = 0  # frames decoded in total
    seconds: float = 0.0  # wall time of sampling


@dataclass
class _Target:
    time: float  # where the sample was wanted
    at: float = 0.0  # where it is taken (pulled towards the keyframe in long GOPs)
    landing: float | None = None  # keyframe a seek to `time` lands on


def sample_frames(path: str, count: int = 16, duration_hint: float | None = None) -> SampledFrames:
    """Pick `count` watchable frames spread over the video and measure its look (see the module doc)."""
    started = time.perf_counter()
    # FFmpeg logs every damaged packet; keep its words for our error message instead of printing them.
    with av.logging.Capture(local=False) as logs:
        try:
            sampler = _Sampler(path, max(1, count), duration_hint)
        except CorruptMedia as exc:  # FFmpeg's generic "Invalid data" says less than its log does
            raise _with_detail(exc, logs) from None
        try:
            with translate_av_errors(path):
                result = sampler.run()
        finally:
            sampler.close()
    result.seconds = time.perf_counter() - started
    return result


def _with_detail(exc: CorruptMedia, logs: list) -> CorruptMedia:
    """The error with FFmpeg's own last complaint appended when it says more ("moov atom not found")."""
    details = [msg.strip() for level, _name, msg in logs if level <= av.logging.ERROR and msg.strip()]
    if details and details[-1] not in exc.reason:
        return type(exc)(exc.path, f"{exc.reason} ({details[-1]})").with_kind(exc.kind)
    return exc


def video_stream(container, path: str):
    """The first real video stream (not cover art), or NoVideoStream."""
    for stream in container.streams.video:
        if not stream.disposition & av.stream.Disposition.attached_pic and stream.codec_context is not None:
            return stream
    if any(s.codec_context is None for s in container.streams.video):  # a damaged codec id (fuzzing found it)
        raise UnsupportedMedia(path, "no decoder for its video stream (unknown or damaged codec id)")
    if container.streams.video:
        raise NoVideoStream(path, "no video stream (only cover art)")
    if container.streams.audio:
        raise NoVideoStream(path, "no video stream (audio only)")
    raise NoVideoStream(path, "no video stream")


class _Sampler:
    """Sampling of one open video: plan the targets, decode around them, choose frames, tally statistics."""

    def __init__(self, path: str, count: int, duration_hint: float | None):
        self.path, self.count = path, count
        self.skipped: dict[str, int] = {}  # candidate frames skipped, by reason
        self.decoded = 0
        self.errors: list[tuple[float, str]] = []  # (time, reason) of decode errors
        self.chosen_times: set[float] = set()
        self.cuts, self.observed = 0, 0.0
        self.motion_sum, self.motion_pairs = 0.0, 0
        self.measured_until = -math.inf  # end of the video stretch already counted for cuts and motion
        self.seekable = True
        self.exact = True  # seeks land on a keyframe at or before the target (false for MPEG-TS and the like)
        self.inexact_landings = 0
        self.since_rewind = 0  # frames decoded since the file was (re)opened: the clock of frames without times
        # One reformatter for all conversions: it keeps its swscale context, frame.reformat() rebuilds
        # one per call, which costs more than decoding a small frame.
        self.reformatter = VideoReformatter()
        self.container = open_tolerant(path)  # reads past a packet the demuxer cannot parse (an OGV's bad audio page)
        try:
            with translate_av_errors(path):
                self._open_stream(duration_hint)
        except BaseException:
            self.container.close()
            raise

    def _open_stream(self, duration_hint: float | None) -> None:
        self.stream = video_stream(self.container, self.path)
        self.stream.thread_type = "SLICE"
        self.tb = self.stream.time_base
        self.rate = float(self.stream.average_rate or self.stream.guessed_rate or 25)  # frames per second
        self.start = float(self.stream.start_time * self.tb) if self.stream.start_time is not None else 0.0
        self.last_time = self.start  # latest frame time decoded
        self.duration = self._duration(duration_hint)
        sar = self.stream.sample_aspect_ratio or self.stream.codec_context.sample_aspect_ratio
        self.sar = float(sar) if sar else 1.0

    def close(self) -> None:
        self.container.close()

    def _seek(self, t: float) -> bool:
        """Seek to the keyframe at or before `t`; False when the file cannot seek (no index)."""
        try:
            self.container.seek(int(t / self.tb), stream=self.stream, backward=True, any_frame=False)
            return True
        except av.error.FFmpegError:  # av_seek_frame fails with EPERM on files without an index
            self.seekable = False
            return False

    def _rewind(self) -> None:
        """Back to the start of a file that cannot seek: open it again."""
        index = self.stream.index  # read before closing: a closed container's streams are freed
        self.container.close()
        self.container = open_tolerant(self.path)
        self.stream = self.container.streams.video[[s.index for s in self.container.streams.video].index(index)]
        self.stream.thread_type = "SLICE"
        self.since_rewind = 0

    # --- planning -----------------------------------------------------------------------------------

    def _duration(self, hint: float | None) -> float:
        s = self.stream
        if s.duration and self.tb:
            return float(s.duration * self.tb)
        if self.container.duration:  # the whole file's (AV_TIME_BASE units), not counting its start time
            return self.container.duration / 1_000_000
        if hint:
            return float(hint)
        # Nothing says how long it is (live recordings, raw streams): read the packets, without decoding.
        last, count = None, 0
        for packet in self.container.demux(s):
            if packet.size:
                count += 1
                stamp = packet.pts if packet.pts is not None else packet.dts
                last = stamp if stamp is not None else last
        if not count:
            raise CorruptMedia(self.path, "the video stream has no frames")
        self._rewind()  # (self.rate was read before: the old stream object is gone now)
        if last is not None:
            return float(last * self.tb) - self.start
        return count / self.rate  # raw streams carry no times at all

    def _targets(self) -> list[_Target]:
        lo, hi = self.start + SPAN[0] * self.duration, self.start + SPAN[1] * self.duration
        times = np.linspace(lo, hi, self.count) if self.count > 1 else np.array([(lo + hi) / 2])
        return [_Target(float(t)) for t in times]

    def _landing(self, t: float) -> float | None:
        """Time of the keyframe a seek to `t` lands on, from packet headers only (no decoding)."""
        if not self._seek(t):
            return None
        try:
            for packet in self.container.demux(self.stream):
                if packet.pts is not None:
                    landing = float(packet.pts * self.tb)
                    if not packet.is_keyframe or landing > t + 1e-3:
                        self.inexact_landings += 1
                    return landing
                if packet.size == 0:
                    return None
        except (av.error.InvalidDataError, av.error.EOFError):
            return None
        return None

    def _groups(self, targets: list[_Target], window: float) -> list[list[_Target]]:
        """Targets that land on the same keyframe, with the times they are taken at (bounded decode)."""
        for t in targets:
            t.landing = self._landing(t.time)
            if not self.seekable:  # one pass from the start through every target
                for u in targets:
                    u.at = u.time
                return [targets]
        # Most landings off (one damaged packet is not enough): one seek per target, a little before it.
        self.exact = self.inexact_landings <= len(targets) // 2
        if not self.exact:
            for t in targets:
                t.at = t.time
            return [[t] for t in targets]
        groups: list[list[_Target]] = []
        for t in targets:
            if groups and t.landing == groups[-1][0].landing:
                groups[-1].append(t)
            else:
                groups.append([t])
        for group in groups:
            base = group[0].landing if group[0].landing is not None else group[0].time
            base = min(base, group[0].time)
            last = group[-1].time
            reach = base + len(group) * (MAX_LEAD_S + window) - window  # latest affordable sample time
            for t in group:
                if last <= reach or last <= base:
                    t.at = t.time
                else:  # pull the targets towards the keyframe, keeping their order and relative spacing
                    t.at = base + (t.time - base) * (reach - base) / (last - base)
        return groups

    # --- decoding -----------------------------------------------------------------------------------

    def run(self) -> SampledFrames:
        targets = self._targets()
        spacing = (targets[-1].time - targets[0].time) / max(1, len(targets) - 1) if len(targets) > 1 else WINDOW_S
        window = max(1e-3, min(WINDOW_S, spacing))
        picks: list[FrameSample | None] = []
        fallbacks: list[FrameSample] = []
        missing = damaged = 0
        groups = self._groups(targets, window)
        while groups:
            group = groups.pop(0)
            errors_before = len(self.errors)
            runs = self._decode(group, window)
            group_errors = len(self.errors) > errors_before
            if not runs and not group_errors and not self.exact and self.seekable:
                # Inexact seeks that never reach a keyframe (very long GOPs): one pass for the rest.
                self.seekable = False
                groups = [group + [t for g in groups for t in g]]
                continue
            cuts = [checks.cut_indices(run) for run in runs]
            for run, run_cuts in zip(runs, cuts):
                self._measure(run, run_cuts)
            for target in group:
                k = next((k for k, run in enumerate(runs) if run[-1].time >= target.at), None)
                if k is None:
                    pick, fallback, why = None, None, "missing"
                else:
                    pick, fallback, why = self._choose(runs[k], cuts[k], target, window)
                picks.append(pick)
                if fallback is not None:
                    fallbacks.append(fallback)
                if why == "missing" and group_errors:
                    why = "damaged"  # nothing decoded there because the stream is broken, not because it ended
                missing += why == "missing"
                damaged += why == "damaged"
        return self._result([p for p in picks if p is not None], fallbacks, missing, damaged)

    def _zones(self, group: list[_Target], window: float) -> list[tuple[float, float]]:
        """Stretches of video whose frames the checks need; frames between them are decoded, not kept.

        After a seek that is everything from the keyframe on (a few seconds at most). Without seeking,
        a single pass crosses the whole file, and keeping every frame's luma would not fit in memory."""
        spans = [(t.at - MAX_LEAD_S - TRANSITION_SPAN_S, t.at + window + TRANSITION_SPAN_S) for t in group]
        if self.seekable:
            return [(-math.inf, spans[-1][1])]
        zones: list[tuple[float, float]] = []
        for lo, hi in spans:
            if zones and lo <= zones[-1][1]:
                zones[-1] = (zones[-1][0], max(zones[-1][1], hi))
            else:
                zones.append((lo, hi))
        return zones

    def _decode(self, group: list[_Target], window: float) -> list[list[Seen]]:
        """Seek once and decode forward through the group's targets, keeping the candidate frames.

        Returns contiguous stretches of decoded frames (one after a seek, one per zone otherwise)."""
        zones = self._zones(group, window)
        wanted = sorted({round(t.at + j * window / CANDIDATES, 6) for t in group for j in range(CANDIDATES)})
        ahead = 0.0 if self.exact else PRE_ROLL_S  # an inexact seek may land after the target
        if not (self.seekable and self._seek(max(self.start, group[0].at - ahead))):
            self._rewind()
        runs: list[list[Seen]] = []
        run: list[Seen] = []
        damaged = False
        cut_watch = -1  # index in `run` of a frame that changed a lot from the one before
        skips_before = len(self.container.damage)
        try:
            for packet in self.container.demux(self.stream):
                try:
                    frames = packet.decode()
                except (av.error.InvalidDataError, av.error.UndefinedError) as exc:
                    at = float(packet.pts * self.tb) if packet.pts is not None else self.last_time
                    self.errors.append((at, exc.strerror or str(exc)))
                    damaged = True  # frames until the next keyframe are built on the broken one
                    continue
                for frame in frames:
                    self.since_rewind += 1
                    t = frame.time if frame.time is not None else self.start + (self.since_rewind - 1) / self.rate
                    self.decoded += 1
                    self.last_time = max(self.last_time, t)
                    if frame.key_frame:
                        damaged = False
                    if not self.exact and zones and t > zones[0][1] and not run and t - zones[0][1] < LATE_S:
                        # Nothing came out in the zone (a decoder waits for a keyframe after an inexact
                        # seek): take the frames from here instead.
                        zones[0] = (zones[0][0], t + window + TRANSITION_SPAN_S)
                    while zones and t > zones[0][1]:  # past a zone: its stretch is complete
                        zones.pop(0)
                        if run:
                            runs.append(run)
                            run, cut_watch = [], -1
                    if not zones:
                        return runs
                    if t < zones[0][0]:
                        continue
                    seen = checks.seen(t, frame, damaged or frame.is_corrupt, self.reformatter)
                    if run and float(np.mean(np.abs(seen.luma - run[-1].luma))) >= CUT_MIN:
                        cut_watch = len(run)
                    keep_after_cut = cut_watch >= 0 and len(run) - cut_watch == 2
                    if (wanted and t >= wanted[0] - 1e-6) or keep_after_cut:
                        seen.frame = frame
                        while wanted and t >= wanted[0] - 1e-6:
                            wanted.pop(0)
                    run.append(seen)
        except (av.error.InvalidDataError, av.error.EOFError) as exc:  # the demuxer gave up: the file ends
            self.errors.append((self.last_time, exc.strerror or str(exc)))
        finally:  # packets the demuxer could not parse were read past (TolerantInput); still damage
            self.errors.extend(self.container.damage[skips_before:])
        if run:
            runs.append(run)
        return runs

    # --- per-run analysis -------------------------------------------------------------------------

    def _measure(self, run: list[Seen], cuts: set[int]) -> None:
        """Add this run's cuts, covered time and motion pairs to the totals."""
        # Runs of neighbouring groups can overlap (each starts at a keyframe): count each stretch once.
        first = next((i for i, s in enumerate(run) if s.time >= self.measured_until), len(run))
        if len(run) - first < 2:
            return
        self.cuts += sum(1 for c in cuts if c > first)
        self.observed += run[-1].time - run[first].time
        self.measured_until = run[-1].time
        j = first
        for i in range(first, len(run)):
            a = run[i]
            while j < len(run) and run[j].time < a.time + MOTION_GAP_S - 1e-6:
                j += 1
            if j >= len(run):
                break
            if a.damaged or run[j].damaged or any(i < c <= j for c in cuts):
                continue
            self.motion_sum += float(np.mean(np.abs(run[j].luma - a.luma)))
            self.motion_pairs += 1

    def _choose(self, run: list[Seen], cuts: set[int], target: _Target, window: float):
        """(pick, fallback, why-not): the best candidate for one target."""
        # The window starts at the first frame at or after the target (a seek can land late in files
        # without an exact index, such as MPEG-TS).
        lo = next((s.time for s in run if s.time >= target.at - 1e-6), math.inf) - 1e-6
        hi = lo + window + 2e-6
        in_window = [i for i, s in enumerate(run) if s.frame is not None and lo <= s.time <= hi]
        kept = [i for i in in_window if run[i].time not in self.chosen_times]
        if not kept:  # frames there, all taken by the target before (long GOPs, inexact seeks): no harm
            return None, None, "duplicate" if in_window else "missing"
        after_cut = [i for i in kept if any(0 < i - c <= 3 for c in cuts)]
        order = after_cut + [i for i in kept if i not in after_cut]
        reasons: list[tuple[str, int]] = []
        for i in order:
            why = checks.quality(run, i)
            if why is None:
                self.chosen_times.add(run[i].time)
                for reason, _ in reasons:
                    self.skipped[reason] = self.skipped.get(reason, 0) + 1
                return self._sample(run[i], i in after_cut), None, None
            reasons.append((why, i))
        for reason, _ in reasons:
            self.skipped[reason] = self.skipped.get(reason, 0) + 1
        # Keep the least bad one in case no target of the whole video finds a good frame.
        rank = {"transition": 0, "blank": 1, "black": 2, "damaged": 3}
        reason, i = min(reasons, key=lambda r: (rank[r[0]], -float(run[r[1]].luma.std())))
        fallback = self._sample(run[i], False)
        fallback.rejected = reason
        return None, fallback, "damaged" if all(r == "damaged" for r, _ in reasons) else "rejected"

    def _sample(self, seen: Seen, after_cut: bool) -> FrameSample:
        frame = seen.frame
        w, h = frame.width * self.sar, frame.height
        scale = min(1.0, RGB_SHORT_SIDE / min(w, h))
        rgb = self.reformatter.reformat(frame, width=max(2, round(w * scale)), height=max(2, round(h * scale)),
                                        format="rgb24").to_ndarray()
        turns = round((frame.rotation or 0) / 90) % 4  # display matrix: counter-clockwise degrees
        if turns:
            rgb = np.ascontiguousarray(np.rot90(rgb, k=turns))
        return FrameSample(seen.time, rgb, after_cut)

    # --- result -------------------------------------------------------------------------------------

    def _result(self, picks: list[FrameSample], fallbacks: list[FrameSample], missing: int,
                damaged: int) -> SampledFrames:
        if self.decoded == 0:
            if self.errors:
                raise CorruptMedia(self.path, f"the video stream cannot be decoded: {self.errors[0][1]}")
            raise CorruptMedia(self.path, "the video stream has no frames")
        broken = missing + damaged
        if broken > DAMAGE_SHARE * self.count or not (picks or fallbacks):
            raise CorruptMedia(self.path, self._damage_message(missing, damaged))
        frames = picks or [f for f in fallbacks if f.rejected != "damaged"] or fallbacks
        stats = self._stats(frames)
        w, h = self.stream.codec_context.width, self.stream.codec_context.height
        return SampledFrames(self.path, self.duration, w, h, frames, stats, dict(self.skipped), self.decoded)

    def _damage_message(self, missing: int, damaged: int) -> str:
        if damaged >= missing and self.errors:
            at, reason = self.errors[0]
            return (f"the video stream is damaged: {damaged} of {self.count} sampled positions do not decode "
                    f"(first error at {at:.1f} s: {reason})")
        return (f"the video stream ends early: {missing} of {self.count} sampled positions have no frames "
                f"(it claims {self.duration:.1f} s; the last frame found is at {self.last_time:.1f} s)")

    def _stats(self, frames: list[FrameSample]) -> VisualStats:
        brightness, saturation, colourfulness = checks.colour_stats([f.rgb for f in frames])
        motion = self.motion_sum / self.motion_pairs if self.motion_pairs else 0.0
        cut_rate = 60.0 * self.cuts / self.observed if self.observed > 0 else 0.0
        return VisualStats(brightness, saturation, colourfulness, motion, cut_rate, self.cuts, self.observed)
