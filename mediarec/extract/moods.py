"""The mood words: valence and arousal (0-1) in three bands each, named the same for music and speech."""
from __future__ import annotations

MOODS = {  # (valence band, arousal band) -> mood; bands split at 0.4 and 0.6
    ("low", "high"): "tense", ("mid", "high"): "energetic", ("high", "high"): "happy",
    ("low", "mid"): "sad", ("mid", "mid"): "neutral", ("high", "mid"): "happy",
    ("low", "low"): "sad", ("mid", "low"): "calm", ("high", "low"): "calm",
}
SILENT = "silent"  # emotion.music's mood for digital silence
PLAIN_MOODS = frozenset({"neutral", SILENT})
"""Moods not worth saying "also ..." about."""


def band(x: float) -> str:
    return "low" if x < 0.4 else "high" if x > 0.6 else "mid"


def mood_of(valence: float, arousal: float) -> str:
    return MOODS[band(valence), band(arousal)]


__all__ = ["MOODS", "SILENT", "PLAIN_MOODS", "band", "mood_of"]
