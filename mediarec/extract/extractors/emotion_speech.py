"""emotion.speech: how speech feels: arousal from prosody (pitch, loudness, speaking rate), valence from the words.

Same shape as emotion.music (attrs `valence`, `arousal` in [0, 1] and a `mood` label; the vector starts
with valence and arousal), so the recommender treats songs and talk alike. Arousal is a fixed, documented
mapping of prosodic measures against conversational reference values, not a trained model; valence is
VADER's sentiment of the transcript (English only), averaged over its segments."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...errors import ExtractorError, OurBug
from ..base import Extractor, ExtractorSpec, FeatureResult, MediaInput, Runtime, register
from .transcript import RATE, SpeechTranscript, decode_spans

PITCH_RATE = 8000  # pyin at 8 kHz: the same f0 statistics as at 16 kHz, at a fraction of the cost
PROSODY_SECONDS = 40.0
"""Most speech analysed for pitch and loudness, taken from segments spread over the file (pyin is slow)."""

REFERENCE = {
    # measure: (conversational reference, spread that counts as one step), weight in arousal
    "speaking_rate": (2.6, 0.7, 0.35),  # words per second of speech
    "pitch_range": (5.0, 2.5, 0.30),  # semitones between the 10th and 90th percentile of f0
    "loudness": (-24.0, 6.0, 0.20),  # dBFS, median RMS of voiced frames
    "pitch_level": (0.0, 3.0, 0.15),  # semitones above a typical voice of the same register
}
REGISTER_HZ = (115.0, 205.0)  # typical median f0 of lower and higher voices; split at 160 Hz

from ..moods import mood_of  # noqa: E402 - the same mood words for music and speech (extract/moods.py)


@register
class SpeechEmotion(Extractor):
    spec = ExtractorSpec(
        name="emotion.speech", version=1, kinds=frozenset({"audio", "video"}), dim=5,
        description="how speech feels: valence (VADER on the words), arousal (pitch, loudness, speaking rate)",
        after=("speech.transcript",), requires=("librosa", "vaderSentiment"), audio_rate=RATE)

    def __init__(self) -> None:
        self.vader = None

    def check(self, runtime: Runtime) -> str | None:
        reason = super().check(runtime)
        if reason:
            return reason
        below = SpeechTranscript().check(runtime)
        return f"needs speech.transcript, which is unavailable: {below}" if below else None

    def load(self, runtime: Runtime) -> None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        self.vader = SentimentIntensityAnalyzer()
        # pyin's first call imports librosa and compiles its numba kernels (seconds of CPU): that cost is
        # left to the first file with speech, so a worker that only meets music never pays it.

    def extract(self, media: MediaInput) -> FeatureResult:
        said = media.result("speech.transcript")
        if said is None:  # it runs first on every file (spec.after), so it failed on this one
            raise ExtractorError(media.path, "no transcript to read: speech.transcript failed on this file")
        if said.transcript is None:
            if said.attrs.get("speech"):  # the runner must pass the transcript along with the result
                raise OurBug(media.path, "speech.transcript's result reached emotion.speech without its text")
            return FeatureResult(None, {"speech": False, "reason": said.attrs.get("reason", "no speech")})
        segments = [s for s in said.transcript.segments if s[1] > s[0] and s[2].strip()]
        if not segments:
            return FeatureResult(None, {"speech": False, "reason": said.attrs.get("reason", "no speech")})
        language = said.transcript.language
        valence, sentiment = self._valence(segments, language)
        measures = {"speaking_rate": _speaking_rate(segments), **_prosody(_speech_audio(media, segments))}
        z = {k: _z(k, measures.get(k)) for k in REFERENCE}
        arousal = _sigmoid(1.5 * sum(REFERENCE[k][2] * z[k] for k in REFERENCE))
        vector = np.array([valence, arousal, _sigmoid(z["speaking_rate"]), _sigmoid(z["pitch_range"]),
                           _sigmoid(z["loudness"])], dtype=np.float32)
        attrs = {"speech": True, "valence": _r(valence), "arousal": _r(arousal), "mood": mood_of(valence, arousal),
                 "sentiment": sentiment, "language": language,
                 **{k: _r(v) for k, v in measures.items()}}
        return FeatureResult(vector, attrs)

    def _valence(self, segments: list[tuple[float, float, str]], language: str | None) -> tuple[float, str]:
        """VADER compound score averaged over segments (weighted by words), mapped to [0, 1]."""
        if language not in (None, "en"):
            return 0.5, f"none (VADER reads English; the speech is {language})"
        assert self.vader is not None, "load() was not called"
        scores, weights = [], []
        for _, _, text in segments:
            scores.append(self.vader.polarity_scores(text)["compound"])
            weights.append(len(text.split()))
        compound = float(np.average(scores, weights=weights))
        return 0.5 + 0.5 * compound, "vader"


def _speaking_rate(segments: list[tuple[float, float, str]]) -> float:
    words = sum(len(t.split()) for _, _, t in segments)
    seconds = sum(e - s for s, e, _ in segments)
    return words / seconds if seconds > 0 else 0.0


def _pick(segments: list[tuple[float, float, str]], budget: float) -> list[tuple[float, float]]:
    """Segment spans totalling at most about `budget` seconds, spread evenly over the file."""
    total = sum(e - s for s, e, _ in segments)
    stride = max(1, math.ceil(total / budget))
    return [(s, min(e, s + budget)) for s, e, _ in segments[::stride]]


def _speech_audio(media: MediaInput, segments: list[tuple[float, float, str]]) -> np.ndarray:
    """The speech parts only, at PITCH_RATE, joined by short silences (which pyin marks unvoiced)."""
    import soxr

    spans = _pick(segments, PROSODY_SECONDS)
    shared = media.audio()
    if len(shared.ranges) == 1 and shared.ranges[0] == (0.0, float("inf")):
        whole = shared.at(RATE)
        parts = [whole[int(s * RATE):int(e * RATE)] for s, e in spans]
    else:  # the shared decode is an excerpt: transcript times may lie outside it
        parts = [decode_spans(media.path, [span], shared.duration) for span in spans]
    gap = np.zeros(RATE // 10, np.float32)
    joined = np.concatenate([x for p in parts for x in (p, gap)]) if parts else np.zeros(0, np.float32)
    return soxr.resample(joined, RATE, PITCH_RATE).astype(np.float32) if joined.size else joined


def _prosody(y: np.ndarray) -> dict[str, Any]:
    """Pitch level and range (pyin), loudness of the voiced frames, and the voiced share."""
    import librosa

    if y.size < PITCH_RATE // 2:
        return {}
    frame, hop = 1024, 256
    f0, voiced, _ = librosa.pyin(y, fmin=60.0, fmax=500.0, sr=PITCH_RATE, frame_length=frame, hop_length=hop,
                                 resolution=0.5)
    rms = librosa.feature.rms(y=y, frame_length=frame, hop_length=hop)[0][:voiced.size]
    voiced = voiced[:rms.size] & np.isfinite(f0[:rms.size])
    if voiced.sum() < 5:
        return {"voiced": float(voiced.mean()) if voiced.size else 0.0}
    f0v = f0[:rms.size][voiced]
    median = float(np.median(f0v))
    semis = 12 * np.log2(f0v / median)
    register = REGISTER_HZ[0] if median < 160 else REGISTER_HZ[1]
    return {
        "pitch_hz": median,
        "pitch_level": 12 * math.log2(median / register),
        "pitch_range": float(np.percentile(semis, 90) - np.percentile(semis, 10)),
        "loudness": float(20 * np.log10(max(1e-6, float(np.median(rms[voiced]))))),
        "voiced": float(voiced.mean()),
    }


def _z(name: str, value: float | None) -> float:
    """How many reference spreads a measure lies above conversational speech (0 when unknown), clipped."""
    if value is None:
        return 0.0
    ref, spread, _ = REFERENCE[name]
    return float(np.clip((value - ref) / spread, -3.0, 3.0))


def _sigmoid(x: float) -> float:
    return float(1.0 / (1.0 + math.exp(-x)))


def _r(value: Any) -> Any:
    return round(value, 3) if isinstance(value, float) else value
