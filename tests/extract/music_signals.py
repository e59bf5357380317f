"""Synthetic music for the audio extractors' tests: click tracks, chord progressions in a key, a drum loop.

Signals are mono float32 numpy arrays at `RATE`, deterministic (seeded noise); write them to files with
media_factory.write_audio(path, signal=stereo(x))."""
from __future__ import annotations

import numpy as np

RATE = 22050
NOTE = {"C": 0, "C#": 1, "D": 2, "Eb": 3, "E": 4, "F": 5, "F#": 6, "G": 7, "Ab": 8, "A": 9, "Bb": 10, "B": 11}
PROGRESSIONS = {
    # chords as (root, intervals), a bar each; the tonic chord is repeated so the key is unambiguous
    "A minor": [("A", (0, 3, 7)), ("D", (0, 3, 7)), ("E", (0, 4, 7)), ("A", (0, 3, 7))],
    "C major": [("C", (0, 4, 7)), ("F", (0, 4, 7)), ("G", (0, 4, 7)), ("C", (0, 4, 7))],
}


def stereo(x: np.ndarray) -> np.ndarray:
    return np.tile(np.asarray(x, np.float32), (2, 1))


def _t(seconds: float) -> np.ndarray:
    return np.arange(int(seconds * RATE)) / RATE


def _midi_hz(midi: float) -> float:
    return 440.0 * 2 ** ((midi - 69) / 12)


def click_track(bpm: float, seconds: float = 30.0, offset: float = 0.1) -> np.ndarray:
    """A 1 kHz click of 20 ms on every beat."""
    y = np.zeros(int(seconds * RATE), np.float32)
    t = _t(0.02)
    burst = (0.8 * np.sin(2 * np.pi * 1000 * t) * np.exp(-t / 0.005)).astype(np.float32)
    for start in np.arange(offset, seconds - 0.05, 60.0 / bpm):
        i = int(round(start * RATE))
        y[i:i + len(burst)] += burst[:len(y) - i]
    return y


def tone(hz: float, seconds: float, harmonics: int = 4) -> np.ndarray:
    """A note with a few harmonics (amplitude 1/k), like a soft string or organ."""
    t = _t(seconds)
    return sum(np.sin(2 * np.pi * hz * k * t) / k for k in range(1, harmonics + 1) if hz * k < RATE / 2)


def chords(key: str, bar_seconds: float = 2.0, repeats: int = 2, amp: float = 0.25, attack: float = 0.05) -> np.ndarray:
    """The key's progression (`PROGRESSIONS`), each chord a bar: root in the bass, triad above it."""
    bars = []
    envelope = None
    for _ in range(repeats):
        for root, intervals in PROGRESSIONS[key]:
            base = 48 + NOTE[root]  # C3..B3
            notes = [base - 12] + [base + i for i in intervals]
            bar = sum(tone(_midi_hz(m), bar_seconds) for m in notes)
            if envelope is None:
                n = len(bar)
                ramp = np.minimum(1.0, np.arange(n) / max(1, attack * RATE))
                envelope = ramp * np.minimum(1.0, (n - np.arange(n)) / max(1, attack * RATE))
            bars.append(bar * envelope)
    y = np.concatenate(bars)
    return (amp * y / np.max(np.abs(y))).astype(np.float32)


def soft_slow_chords(seconds: float = 30.0) -> np.ndarray:
    """Slow, quiet, mellow: A minor / F / C / G as pure sines, 4 s each, slow swells, around -30 dBFS."""
    progression = [(57, (0, 3, 7)), (53, (0, 4, 7)), (48, (0, 4, 7)), (55, (0, 4, 7))]
    bar = 4.0
    out = []
    for i in range(int(np.ceil(seconds / bar))):
        root, intervals = progression[i % len(progression)]
        t = _t(bar)
        chord = sum(np.sin(2 * np.pi * _midi_hz(root + iv) * t) for iv in intervals)
        out.append(chord * np.sin(np.pi * t / bar) ** 2)  # swell in and out
    y = np.concatenate(out)[:int(seconds * RATE)]
    return (0.05 * y / np.max(np.abs(y))).astype(np.float32)


def drum_loop(bpm: float = 140.0, seconds: float = 30.0, seed: int = 0) -> np.ndarray:
    """Fast, loud, bright: kick on 1 and 3, snare on 2 and 4, open bright hi-hats on every 16th, near 0 dBFS."""
    rng = np.random.default_rng(seed)
    y = np.zeros(int(seconds * RATE), np.float64)
    beat = 60.0 / bpm
    t = _t(0.25)
    kick = np.sin(2 * np.pi * (50 * t + 3 * (1 - np.exp(-t / 0.03)))) * np.exp(-t / 0.12)  # 150 Hz falling to 50
    snare = (rng.standard_normal(len(t)) * 0.7 + np.sin(2 * np.pi * 190 * t) * 0.5) * np.exp(-t / 0.07)
    hat_t = _t(0.06)
    hat = np.diff(rng.standard_normal(len(hat_t) + 1)) * np.exp(-hat_t / 0.015)  # differenced noise: bright
    step = 0
    for start in np.arange(0.0, seconds - 0.3, beat / 4):
        i = int(round(start * RATE))
        if step % 16 in (0, 8):
            y[i:i + len(kick)] += kick[:len(y) - i]
        if step % 16 in (4, 12):
            y[i:i + len(snare)] += snare[:len(y) - i]
        y[i:i + len(hat)] += 0.5 * hat[:len(y) - i]
        step += 1
    return (0.95 * y / np.max(np.abs(y))).astype(np.float32)
