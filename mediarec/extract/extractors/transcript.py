"""speech.transcript: what is said in a file (faster-whisper; Whisper tiny.en unless settings say otherwise).

Voice activity detection (faster-whisper's bundled Silero VAD) runs first: no speech, no transcription,
no invented text. Decoding is set so it neither loops nor hallucinates (temperature 0 with a bounded
fallback, no conditioning on previous text), and segments whose statistics say "junk" are dropped.
Videos and spoken-word audio (by genre or folder) are always transcribed. Other audio files (music,
cues, clips) are transcribed only when there is a voice to hear (`voice_gate`: the music tagger's vocal
tags, else vibenet's instrumentalness, else a short voice-activity probe); the rest are stored as "no
speech" without loading Whisper. Songs are transcribed for lyrics only up to `speech.max_music_seconds`.
Models are always loaded from a local folder, never by hub name, and only when a file needs them."""
from __future__ import annotations

import logging
import math
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from ...media.audio import ExcerptPolicy, decode_audio
from ...settings import SpeechSettings
from ..base import Extractor, ExtractorSpec, FeatureResult, MediaInput, Runtime, Transcript, register
from ..models.whisper import model_problem, resolve_model

log = logging.getLogger(__name__)

RATE = 16000  # Whisper and Silero VAD both work at 16 kHz
PIECE_SECONDS = 600.0
"""Long recordings are decoded and transcribed in pieces of this length, so memory stays bounded
(10 min at 16 kHz is 38 MB) however long the file is."""
MUSIC_MIN_SECONDS = 45.0
"""Audio files shorter than this are never treated as songs: voice memos, samples, spoken clips."""
VOCALS_MIN = 0.1
"""Lowest mean musicnn probability of a vocal tag that counts as "the song has vocals"."""
PROBE_WINDOWS = 8
PROBE_WINDOW = 4.0
"""The voice probe runs Silero VAD on at most 8 windows of 4 s spread evenly over the shared decode
(files up to 32 s are probed whole): about 0.07 CPU-s a file, a quarter of VAD over a 2-minute excerpt
(bench/analyze_audio.py: 1.3 of the 14.2 CPU-s of a default analysis of the 19 dev-corpus tracks).
Windows of 2 s would halve that, but a voice would then have to last about 15 s instead of 13 s of a
2-minute excerpt to be sure of being heard."""
VOICE_MIN = 0.1
"""Share of the probed seconds that VAD must call speech for a file the tagger calls voiceless to be
transcribed. Measured with bench/speech_gate.py on the corpora the tests use (75 files): 0 to 0.04 on
60 of the 62 real instrumental soundtracks of the dev and album corpora (one reaches 0.10, and the
tagger hears vocals in another: those two go on to Whisper, which finds no words), 0 on generated
chords, drums and band; 0.88 to 0.91 on espeak-ng speech, and 0.18 on a song with a spoken verse whose
speech the tagger's 8 patches miss. No voiced file is missed. The tagger alone would miss speech: its
vocal tags stay at 0.07-0.09 on espeak-ng speech and 0.05 on that song. What the sampling cannot
promise: a voice in less than about 13 s of a 2-minute excerpt can fall between the windows."""
INSTRUMENTAL_MIN = 0.75
"""Lowest vibenet instrumentalness, in every window emotion.music ran, at which music the tagger hears
no vocals in is stored as "no speech" without the voice probe. Measured with bench/speech_gate.py on
the same 75 files: 56 of the 58 real instrumentals of the dev and album corpora reach it (0.75 to 0.88;
of the other two, one the tagger sends to Whisper and one, a 6-s cue at 0.69, goes on to the probe),
and generated chords, drums and band (0.77 to 0.85); every voiced file stays well below it: espeak-ng
speech 0.13 to 0.61, the song with a spoken verse 0.61, voice over a band 0.19, the corpus's spoken
channel names 0.04 to 0.46. So no voiced file is missed, and the gate's CPU over the 75 files falls
from 3.54 s (probing every file the tagger hears no vocals in) to 0.27 s."""
VOICE_MIN_SECONDS = 2.0
"""...and at least this much speech (or half the probe, when it is shorter than 4 s): in a 12-s cue,
VAD may call 1.7 s of a synth lead speech, a 0.14 share, and Whisper would then find no words."""

# musicnn tags (MagnaTagATune and Million Song Dataset vocabularies) that speak about the voice.
VOCAL_TAGS = ("vocal", "vocals", "voice", "singing", "male vocal", "female vocal", "male voice", "female voice",
              "female vocalists", "male vocalists", "female vocalist", "choir", "choral", "opera")
NO_VOCAL_TAGS = ("no vocals", "no vocal", "no voice", "instrumental")
SPOKEN_WORD = re.compile(r"podcast|audio ?book|spoken|speech|lecture|talk|interview|sermon|radio|news|"
                         r"documentary|language|lesson|course|hörbuch|hoerbuch", re.I)
"""Genres and folder names of audio that is talk, not music: transcribed whole, never gated on vocals."""

BEAM_SIZE = 1
"""Greedy decoding: on tiny.en beam 5 gave the same words on our speech samples at higher cost."""
TEMPERATURES = (0.0, 0.2, 0.4)
"""Temperature 0 first; a window whose text looks like a loop or a guess is retried at most twice."""
MAX_COMPRESSION_RATIO = 2.4  # zlib ratio above which text is a repetition loop (Whisper's own threshold)
MIN_AVG_LOGPROB = -1.0  # mean token log-probability below which a segment is a guess ...
NO_SPEECH_PROB = 0.6  # ... or, combined with this no-speech probability, silence read as words
MIN_AVG_LOGPROB_HARD = -1.5  # below this a segment is dropped whatever the no-speech probability says
PAUSE_SPLIT = 1.5  # seconds of silence between two words that splits a segment
_NOT_WORDS = re.compile(r"^[\W_♪♫]*$|^\s*[\[(*♪][^\])*]*[\])*♪]?\s*$")
"""Segments with no word characters or only a bracketed sound label ("[Music]", "(applause)", "♪")."""


def vad_options():
    from faster_whisper.vad import VadOptions

    # min_silence 500 ms splits at sentence pauses, so each chunk's timestamps stay close to the speech.
    return VadOptions(threshold=0.5, min_speech_duration_ms=250, min_silence_duration_ms=500, speech_pad_ms=200)


@dataclass(frozen=True)
class FixedRanges(ExcerptPolicy):
    """An excerpt policy that decodes exactly the given (start, end) spans of a file, in seconds."""

    spans: tuple[tuple[float, float], ...] = ()

    def ranges(self, duration: float | None) -> list[tuple[float, float]]:
        kept = [(s, e) for s, e in self.spans if not duration or s < duration]
        return kept or [(0.0, float("inf"))]


def decode_spans(path: str, spans: list[tuple[float, float]], duration: float | None) -> np.ndarray:
    """Mono float32 samples at 16 kHz of the given spans of a file, concatenated."""
    return decode_audio(path, rate=RATE, policy=FixedRanges(spans=tuple(spans)), duration_hint=duration).samples


def speech_settings(runtime: Runtime) -> SpeechSettings:
    settings = getattr(runtime, "settings", None)
    return getattr(settings, "speech", None) or SpeechSettings()


@dataclass
class _Plan:
    """What to transcribe in one file and why."""

    music: bool
    cap: float  # most seconds to transcribe
    skip: str | None = None  # why nothing is transcribed, if so
    vocals: float | None = None
    notes: dict[str, Any] = field(default_factory=dict)


@register
class SpeechTranscript(Extractor):
    spec = ExtractorSpec(
        name="speech.transcript", version=1, kinds=frozenset({"audio", "video"}), dim=0,
        description="what is said: Whisper transcript with timestamps (VAD first; lyrics when a song has vocals)",
        after=("audio.musicnn",), uses=("emotion.music",), requires=("faster_whisper", "ctranslate2"),
        audio_rate=RATE)

    def __init__(self) -> None:
        self.model = None
        self.model_name = ""
        self.settings = SpeechSettings()
        self.multilingual = False
        self.runtime: Runtime | None = None
        self.whisper_runs = 0  # pieces handed to Whisper in this process (the gate's tests read it)

    def check(self, runtime: Runtime) -> str | None:
        return super().check(runtime) or model_problem(speech_settings(runtime).model, runtime.models_dir)

    def load(self, runtime: Runtime) -> None:
        """Read the settings; Whisper itself loads on the first file that has a voice (`_whisper`): a
        library of instrumentals never pays for it. The model folder is resolved now, so a broken
        setup still fails here, once, and not on every file."""
        self.settings = speech_settings(runtime)
        self.runtime = runtime
        global _VAD_MODELS_DIR
        _VAD_MODELS_DIR = runtime.models_dir  # the faster VAD is set up on first use (`speech_timestamps`)
        path = resolve_model(self.settings.model, runtime.models_dir)  # joins the optional base model once
        self.model_name = self.settings.model if self.settings.model in ("tiny.en", "base") else path.name

    def _whisper(self):
        if self.model is None:
            from faster_whisper import WhisperModel

            runtime = self.runtime
            assert runtime is not None, "load() was not called"
            path = resolve_model(self.settings.model, runtime.models_dir)
            device, compute = _device(runtime.device)
            # local_files_only: `path` is a folder, and if it somehow were not, nothing would be downloaded.
            self.model = WhisperModel(str(path), device=device, compute_type=compute,
                                      cpu_threads=max(1, runtime.threads), num_workers=1, local_files_only=True)
            self.multilingual = bool(self.model.model.is_multilingual)
        return self.model

    # --- one file ------------------------------------------------------------------------------------
    def extract(self, media: MediaInput) -> FeatureResult:
        assert self.runtime is not None, "load() was not called"
        plan = self._plan(media)
        if plan.skip:
            return self._nothing(plan, plan.skip)
        self._whisper()
        segments: list[tuple[float, float, str]] = []
        stats = {"speech_seconds": 0.0, "seconds_checked": 0.0, "dropped": 0}
        language, probability = ("en", 1.0) if not self.multilingual else (None, None)
        for offset, samples in self._pieces(media, plan):
            stats["seconds_checked"] += samples.size / RATE
            piece, speech_s, dropped, info = self._transcribe(samples, language)
            stats["speech_seconds"] += speech_s
            stats["dropped"] += dropped
            if info is not None and language is None:  # detected on the first piece with speech, then kept
                language, probability = info.language, float(info.language_probability)
            segments.extend((round(offset + s, 2), round(offset + e, 2), t) for s, e, t in piece)
        if not segments:
            reason = "no speech" if stats["speech_seconds"] == 0 else "no words recognised in the speech"
            return self._nothing(plan, reason, **stats)
        words = sum(len(t.split()) for _, _, t in segments)
        spoken = sum(e - s for s, e, _ in segments)
        attrs = {"speech": True, "language": language, "language_probability": _r(probability),
                 "words": words, "segments": len(segments), "speaking_rate": _r(words / spoken if spoken else 0.0),
                 "model": self.model_name, "music": plan.music, "vocals": _r(plan.vocals),
                 **{k: _r(v) for k, v in stats.items()}, **plan.notes}
        return FeatureResult(None, attrs, Transcript(language, segments))

    def _nothing(self, plan: _Plan, reason: str, **stats: Any) -> FeatureResult:
        """A stored "nothing said here": an empty transcript, so the file is not transcribed again."""
        attrs = {"speech": False, "reason": reason, "words": 0, "model": self.model_name, "music": plan.music,
                 "vocals": _r(plan.vocals), **{k: _r(v) for k, v in stats.items()}, **plan.notes}
        return FeatureResult(None, attrs, Transcript(None, []))

    def _plan(self, media: MediaInput) -> _Plan:
        item, s = media.item, self.settings
        if item.get("kind") != "audio" or _is_spoken_word(item):
            return _Plan(False, cap=s.max_seconds)  # videos and talk: always transcribed
        music = _is_music(item, float(item.get("duration") or 0.0))
        plan = _Plan(music, cap=s.max_music_seconds if music else s.max_seconds)
        if music and not s.lyrics:
            plan.skip = "song (lyrics are off in settings)"
            return plan
        voice, plan.vocals, share = voice_gate(media)
        plan.notes["voice"] = voice
        if share is not None:
            plan.notes["voice_probe"] = share
        if voice == "none" and share is None:
            plan.skip = "no speech (no voice heard: the tagger hears no vocals, vibenet hears an instrumental)"
        elif voice == "none":
            plan.skip = "no speech (no voice heard: the tagger hears no vocals, voice activity finds none)"
        return plan

    def _pieces(self, media: MediaInput, plan: _Plan) -> Iterator[tuple[float, np.ndarray]]:
        """(file position in seconds, 16 kHz samples) of what to transcribe, piece by piece.

        The shared decode is used when it holds the whole file. When it is only an excerpt (a long
        file), speech needs more than the excerpt (a search should find any minute of a talk), so the
        file is decoded again at 16 kHz in pieces; but first VAD runs on the excerpt, and a file with
        no speech in any excerpt window is not decoded again."""
        shared = media.audio()
        if len(shared.ranges) == 1 and shared.ranges[0] == (0.0, float("inf")):
            samples = shared.at(RATE)
            for start, end in _spans(shared.seconds, plan.cap):
                stop = len(samples) if end == float("inf") else int(end * RATE)
                yield start, samples[int(start * RATE):stop]
            return
        if not _has_speech(shared.at(RATE)):
            plan.notes["prescreen"] = f"no speech in {len(shared.ranges)} excerpt windows"
            return
        for start, end in _spans(shared.duration, plan.cap):
            yield start, decode_spans(media.path, [(start, end)], shared.duration)

    def _transcribe(self, samples: np.ndarray, language: str | None):
        """(segments, speech seconds, dropped segment count, info) of one piece; VAD first."""
        from faster_whisper.transcribe import restore_speech_timestamps
        from faster_whisper.vad import collect_chunks

        if samples.size < RATE // 10:
            return [], 0.0, 0, None
        chunks = speech_timestamps(samples)
        if not chunks:
            return [], 0.0, 0, None
        speech = np.concatenate(collect_chunks(samples, chunks)[0])
        # Word times are needed only to split segments at long pauses (see _split_at_pauses); they cost
        # about a quarter more decoding time, so continuous talk goes without them.
        pauses = any((b["start"] - a["end"]) / RATE > PAUSE_SPLIT for a, b in zip(chunks, chunks[1:]))
        self.whisper_runs += 1
        raw, info = self._whisper().transcribe(
            speech, language=language, task="transcribe", beam_size=BEAM_SIZE, temperature=list(TEMPERATURES),
            compression_ratio_threshold=MAX_COMPRESSION_RATIO, log_prob_threshold=MIN_AVG_LOGPROB,
            no_speech_threshold=NO_SPEECH_PROB, condition_on_previous_text=False, vad_filter=False,
            without_timestamps=False, word_timestamps=pauses)
        kept, dropped, previous = [], 0, ""
        for seg in restore_speech_timestamps(raw, chunks, RATE):  # times back on the piece's clock
            text = seg.text.strip()
            junk, previous = _is_junk(seg, text, previous), text
            if junk:
                dropped += 1
                log.debug("dropped segment %r (ratio %.2f, logprob %.2f, no-speech %.2f)", text,
                          seg.compression_ratio, seg.avg_logprob, seg.no_speech_prob)
                continue
            for start, end, part in _split_at_pauses(seg, text):
                end = min(end, samples.size / RATE)  # Whisper's last timestamp may overshoot the audio
                kept.append((round(start, 2), round(max(end, start), 2), part))
        return kept, speech.size / RATE, dropped, info


def _is_junk(seg, text: str, previous: str) -> bool:
    if not text or _NOT_WORDS.match(text) or seg.avg_logprob < MIN_AVG_LOGPROB_HARD:
        return True
    if seg.no_speech_prob > NO_SPEECH_PROB and seg.avg_logprob < MIN_AVG_LOGPROB:
        return True
    if seg.compression_ratio > MAX_COMPRESSION_RATIO:
        # The ratio is the whole 30 s window's, which real repetition (a chorus, a repeated line) also
        # raises: drop only the segment that loops in itself or merely repeats the one before.
        return _compression_ratio(text) > MAX_COMPRESSION_RATIO or text == previous
    return False


def _split_at_pauses(seg, text: str) -> list[tuple[float, float, str]]:
    """A segment as one or more (start, end, text), split where its words are more than PAUSE_SPLIT
    seconds apart in the file. Whisper hears the VAD's speech chunks joined end to end, so without
    this one segment could run from a sentence at 1:40 to the next one at 2:45."""
    words = seg.words or []
    if not words:
        return [(float(seg.start), float(seg.end), text)]
    groups = [[words[0]]]
    for w in words[1:]:
        if w.start - groups[-1][-1].end > PAUSE_SPLIT:
            groups.append([w])
        else:
            groups[-1].append(w)
    if len(groups) == 1:
        return [(float(seg.start), float(seg.end), text)]
    return [(float(g[0].start), float(g[-1].end), "".join(w.word for w in g).strip()) for g in groups]


def _compression_ratio(text: str) -> float:
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data))


def voice_gate(media: MediaInput) -> tuple[str, float | None, float | None]:
    """Is there a voice in this audio file? ("tagger" | "probe" | "none", vocal tag probability,
    share of probed seconds with speech). The tagger's vocal tags decide when they hear vocals; music
    they hear none in that vibenet calls instrumental in every window is "none" without probing (share
    None); else the voice-activity probe decides (it also hears talk, which the tagger often calls "no
    vocals")."""
    vocals = None
    tagger = media.result("audio.musicnn")
    if tagger is not None and not tagger.attrs.get("silent"):  # tags of digital silence mean nothing
        vocals, instrumental = _vocal_evidence(tagger.attrs)
        if vocals is not None and vocals >= VOCALS_MIN and vocals > instrumental:
            return "tagger", vocals, None
        if vocals is not None and _instrumental_throughout(media):
            return "none", vocals, None
    share, probed = voice_share(media.audio(RATE))
    heard = share >= VOICE_MIN and share * probed >= min(VOICE_MIN_SECONDS, 0.5 * probed)
    return ("probe" if heard else "none"), vocals, round(share, 3)


def _instrumental_throughout(media: MediaInput) -> bool:
    """emotion.music's vibenet calls every window it ran instrumental (`INSTRUMENTAL_MIN`)."""
    mood = media.result("emotion.music")
    lowest = None if mood is None else mood.attrs.get("instrumentalness_min")
    return lowest is not None and float(lowest) >= INSTRUMENTAL_MIN


def voice_share(samples: np.ndarray) -> tuple[float, float]:
    """(share, seconds probed): the share of PROBE_WINDOWS windows of PROBE_WINDOW seconds, spread
    evenly over 16 kHz `samples`, that Silero VAD calls speech (the whole signal when it is shorter
    than the windows together)."""
    width = int(PROBE_WINDOW * RATE)
    if samples.size <= PROBE_WINDOWS * width:
        probe = samples
    else:
        starts = np.linspace(0, samples.size - width, PROBE_WINDOWS).astype(int)
        probe = np.concatenate([samples[s:s + width] for s in starts])
    if probe.size < RATE // 10:
        return 0.0, probe.size / RATE
    chunks = speech_timestamps(probe)
    return sum(c["end"] - c["start"] for c in chunks) / probe.size, probe.size / RATE


def _has_speech(samples: np.ndarray) -> bool:
    return samples.size >= RATE // 10 and bool(speech_timestamps(samples))


def _spans(duration: float, cap: float) -> list[tuple[float, float]]:
    """Pieces of a file to transcribe: consecutive pieces covering it when it fits in `cap` seconds,
    else pieces totalling `cap` spread evenly over 5%..95% of it (like the audio excerpt windows)."""
    if not duration or duration <= cap:
        n = max(1, math.ceil((duration or PIECE_SECONDS) / PIECE_SECONDS))
        spans = [(i * PIECE_SECONDS, (i + 1) * PIECE_SECONDS) for i in range(n)]
        return spans[:-1] + [(spans[-1][0], float("inf"))]  # the last piece runs to the real end
    n = max(1, math.ceil(cap / PIECE_SECONDS))
    policy = ExcerptPolicy(full_up_to=cap, windows=n, window=cap / n)
    return policy.ranges(duration)


def _is_music(item: dict[str, Any], duration: float) -> bool:
    """A song (its transcript capped to the lyrics' length) rather than talk: audio files of some length
    not marked spoken word."""
    return item.get("kind") == "audio" and duration >= MUSIC_MIN_SECONDS and not _is_spoken_word(item)


def _is_spoken_word(item: dict[str, Any]) -> bool:
    """Audio marked as talk by its genre or folder names: transcribed whole, never gated on a voice."""
    genre = str(item.get("genre") or "")
    folders = " ".join(Path(item.get("path", "")).parts[-4:-1])
    return bool(SPOKEN_WORD.search(genre) or SPOKEN_WORD.search(folders))


def _vocal_evidence(attrs: dict[str, Any]) -> tuple[float | None, float]:
    """(vocal probability, no-vocal probability) from the musicnn tags, or (None, 0) without tags."""
    tags: dict[str, float] = {}
    for vocab in ("mtt", "msd"):
        for name, p in (attrs.get(vocab) or {}).items():
            tags[name.lower()] = max(tags.get(name.lower(), 0.0), float(p))
    if not tags:
        return None, 0.0
    vocal = max((tags.get(t, 0.0) for t in VOCAL_TAGS), default=0.0)
    none = max((tags.get(t, 0.0) for t in NO_VOCAL_TAGS), default=0.0)
    return vocal, none


_VAD_MODELS_DIR: str | None = None  # set by load(): where the faster VAD's graph is cached
_vad_ready = False


def speech_timestamps(samples: np.ndarray) -> list[dict]:
    """faster-whisper's get_speech_timestamps with our options, run by Silero VAD with its STFT in numpy
    (models/silero_vad.py: the same probabilities, 1.5x faster), set up on the first call of this
    process: a library of instrumentals the gate stops never imports faster-whisper at all. Where that
    model cannot be set up, faster-whisper's own runs, with the reason logged."""
    global _vad_ready
    from faster_whisper import vad

    if not _vad_ready and _VAD_MODELS_DIR:
        from ..models import silero_vad

        try:
            silero_vad.install(_VAD_MODELS_DIR)
        except Exception as exc:  # noqa: BLE001 - the shipped model still works, only slower
            log.warning("faster Silero VAD unavailable, using faster-whisper's: %s: %s", type(exc).__name__, exc)
        _vad_ready = True
    return vad.get_speech_timestamps(samples, vad_options())


def _device(device: str) -> tuple[str, str]:
    """CTranslate2 device and compute type: float16 on a CUDA GPU it can see, int8 on the CPU."""
    if device == "cuda":
        try:
            import ctranslate2

            if ctranslate2.get_cuda_device_count() > 0:
                return "cuda", "float16"
        except Exception:  # noqa: BLE001 - a CUDA probe that fails means no CUDA for CTranslate2
            pass
        log.info("CTranslate2 sees no CUDA device: Whisper runs on the CPU")
    return "cpu", "int8"


def _r(value: Any) -> Any:
    return round(value, 3) if isinstance(value, float) else value
