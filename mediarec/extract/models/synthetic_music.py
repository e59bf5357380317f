"""Synthetic music made in code: the calibration data for quantized models (no recordings shipped).

Each piece is a few seconds of a randomly drawn band: drums (kick, snare, hi-hats), a bass line, chords
and a lead line in a major or minor key, sometimes noise, at a random tempo, with random timbres
(number and fall-off of harmonics, note decay) and loudness from -30 dBFS to full scale, some of it
saturated like a loud modern master (dense spectra near 0 dBFS). What matters for calibration is that
the pieces cover the range of values real music produces inside the network, from quiet and sparse to
loud and dense; on the dev corpus the ranges calibrated from these pieces enclose the recordings' own.
Deterministic: the same seed gives the same samples on every machine (numpy's PCG64 generator)."""
from __future__ import annotations

import numpy as np

RATE = 16000
DRIVES = (1, 1, 3, 1, 8, 1, 2, 16)
"""Saturation per piece, in turn: 1 leaves the mix clean (then scaled to -30 ... 0 dBFS), higher values
push it through tanh like a limiter, at full scale."""
MAJOR, MINOR = (0, 2, 4, 5, 7, 9, 11), (0, 2, 3, 5, 7, 8, 10)


def pieces(count: int = 32, seconds: float = 3.1, seed: int = 0, rate: int = RATE) -> list[np.ndarray]:
    """`count` mono float32 pieces of `seconds` at `rate`, peak within [-1, 1]."""
    rng = np.random.default_rng(seed)
    n = int(seconds * rate)
    out = []
    for i in range(count):
        beat = 60.0 / rng.uniform(60, 180)
        root, scale = 36 + int(rng.integers(0, 12)), MINOR if rng.random() < 0.5 else MAJOR
        parts = rng.random(5) < (0.6, 0.6, 0.8, 0.5, 0.3)  # drums, bass, chords, lead, noise
        if i % 8 == 0:
            parts[:] = (True, False, False, False, False)  # drums alone
        elif i % 8 == 1:
            parts[:] = (False, False, True, False, False)  # chords alone
        y = np.zeros(n)
        if parts[0]:
            y += _drums(n, beat, rng, rate)
        if parts[1]:
            y += 0.5 * _line(n, beat * rng.choice([1, 2]), root, scale, rng, rate, harmonics=3, decay=0.3)
        if parts[2]:
            y += 0.4 * _chords(n, 4 * beat, root + 12, scale, rng, rate)
        if parts[3]:
            y += 0.3 * _line(n, beat / rng.choice([1, 2]), root + 24, scale, rng, rate,
                             harmonics=int(rng.integers(1, 12)), decay=rng.uniform(0.05, 1.0))
        if parts[4] or not y.any():
            y += rng.uniform(0.02, 0.3) * _noise(n, rng)
        out.append(_master(y, DRIVES[i % len(DRIVES)], rng))
    return out


def _master(y: np.ndarray, drive: float, rng: np.random.Generator) -> np.ndarray:
    y = y / (np.max(np.abs(y)) + 1e-9)
    if drive > 1:
        y = np.tanh(drive * y) / np.tanh(drive)
        peak_db = -rng.uniform(0, 1)
    else:
        peak_db = -rng.uniform(0, 30)
    return (10 ** (peak_db / 20) * y).astype(np.float32)


def _hz(midi: float) -> float:
    return 440.0 * 2 ** ((midi - 69) / 12)


def _note(n: int, hz: float, harmonics: int, decay: float, rng: np.random.Generator, rate: int) -> np.ndarray:
    """A note with `harmonics` partials of random phase and fall-off, a 5 ms attack and an exponential decay."""
    t = np.arange(n) / rate
    ks = np.arange(1, harmonics + 1)
    ks = ks[hz * ks < rate / 2]
    amps = ks ** -rng.uniform(0.7, 2.0, len(ks))
    phases = rng.uniform(0, 2 * np.pi, len(ks))
    x = amps @ np.sin(2 * np.pi * hz * np.outer(ks, t) + phases[:, None]) if len(ks) else np.zeros(n)
    return x * np.exp(-t / decay) * np.minimum(1.0, t / 0.005)


def _place(y: np.ndarray, x: np.ndarray, seconds: float, rate: int) -> None:
    i = int(seconds * rate)
    if i < len(y):
        y[i:i + len(x)] += x[:len(y) - i]


def _drums(n: int, beat: float, rng: np.random.Generator, rate: int) -> np.ndarray:
    """Kick on the 1st and 3rd beat of two, snare on the 2nd, hi-hats on eighths, some random extra hits."""
    y = np.zeros(n)
    t = np.arange(int(0.3 * rate)) / rate
    kick = np.sin(2 * np.pi * (45 * t + 4 * (1 - np.exp(-t / 0.03)))) * np.exp(-t / 0.15)
    snare = (0.6 * rng.standard_normal(len(t)) + 0.4 * np.sin(2 * np.pi * 185 * t)) * np.exp(-t / 0.08)
    hat = 0.3 * np.diff(rng.standard_normal(len(t) + 1)) * np.exp(-t / rng.uniform(0.01, 0.05))
    for step in range(int(n / rate / (beat / 4)) + 1):
        at = step * beat / 4
        if step % 8 == 0 or rng.random() < 0.1:
            _place(y, kick, at, rate)
        if step % 8 == 4:
            _place(y, snare, at, rate)
        if step % 2 == 0 or rng.random() < 0.3:
            _place(y, hat, at, rate)
    return y


def _line(n: int, step: float, root: int, scale: tuple[int, ...], rng: np.random.Generator, rate: int,
          harmonics: int, decay: float) -> np.ndarray:
    """A melody or bass line: a random note of the scale every `step` seconds."""
    y = np.zeros(n)
    length = int(min(2 * step, 2.0) * rate)
    for k in range(int(n / rate / step) + 1):
        _place(y, _note(length, _hz(root + rng.choice(scale)), harmonics, decay, rng, rate), k * step, rate)
    return y


def _chords(n: int, bar: float, root: int, scale: tuple[int, ...], rng: np.random.Generator, rate: int) -> np.ndarray:
    """A triad of the scale on a random degree every bar, with a random number of harmonics."""
    y = np.zeros(n)
    harmonics = int(rng.integers(1, 8))
    for k in range(int(n / rate / bar) + 1):
        degree = int(rng.integers(0, 7))
        notes = [root + scale[(degree + j) % 7] + 12 * ((degree + j) // 7) for j in (0, 2, 4)]
        chord = sum(_note(int(bar * rate), _hz(m), harmonics, 2 * bar, rng, rate) for m in notes)
        _place(y, chord, k * bar, rate)
    return y


def _noise(n: int, rng: np.random.Generator) -> np.ndarray:
    x = rng.standard_normal(n)
    return np.cumsum(x) * 0.02 if rng.random() < 0.5 else x  # brown (rumble) or white (hiss)
