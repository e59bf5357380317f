"""Makes speech and instrumental music for the speech tests and benchmark: espeak-ng sentences, chords, drums.

espeak-ng is a system package (setup.sh installs it); `espeak()` raises SpeechSynthMissing without it,
which tests turn into a skip."""
from __future__ import annotations

import io
import shutil
import subprocess

import numpy as np

RATE = 22050  # espeak-ng's output rate

VOLCANO = ("Volcanoes form where molten rock rises from deep inside the earth. When the pressure builds up, "
           "the mountain erupts and throws ash and lava into the sky.")
BAKING = ("To bake good bread you mix flour, water, salt and yeast, knead the dough for ten minutes, "
          "and let it rise in a warm kitchen before it goes into the oven.")
HAPPY = "I love this wonderful day. Everything is great, and I am so happy and grateful to be here with my friends."
SAD = "I feel sad and lonely. Everything went wrong today, and I miss my old friend terribly. It hurts so much."


class SpeechSynthMissing(RuntimeError):
    pass


def espeak(text: str, speed: int = 160, pitch: int = 50, amplitude: int = 100, voice: str = "en-us",
           pause: float = 0.5) -> np.ndarray:
    """Mono float32 speech at 22050 Hz, with `pause` seconds of silence before and after."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise SpeechSynthMissing("espeak-ng is not installed (setup.sh installs it; apt-get install espeak-ng)")
    import soundfile as sf

    wav = subprocess.run([exe, "-v", voice, "-s", str(speed), "-p", str(pitch), "-a", str(amplitude), "--stdout",
                          text], check=True, capture_output=True).stdout
    samples, rate = sf.read(io.BytesIO(wav), dtype="float32")
    assert rate == RATE, rate
    gap = np.zeros(int(pause * RATE), np.float32)
    return np.concatenate([gap, samples, gap])


def chords(seconds: float, rate: int = RATE, bpm: float = 96.0) -> np.ndarray:
    """Mono instrumental music: a I-V-vi-IV progression of triads with soft attacks and a bass line."""
    roots = (261.63, 392.0, 440.0, 349.23)  # C G A F
    beat = 60.0 / bpm
    t = np.arange(int(seconds * rate)) / rate
    out = np.zeros_like(t)
    bar = 4 * beat
    for i, start in enumerate(np.arange(0, seconds, bar)):
        root = roots[i % len(roots)]
        third = root * (2 ** ((3 if root == 440.0 else 4) / 12))
        fifth = root * 2 ** (7 / 12)
        seg = (t >= start) & (t < start + bar)
        tt = t[seg] - start
        env = (1 - np.exp(-tt * 30)) * np.exp(-tt * 0.6)
        for f, a in ((root / 2, 0.25), (root, 0.15), (third, 0.12), (fifth, 0.12)):
            out[seg] += a * env * (np.sin(2 * np.pi * f * tt) + 0.3 * np.sin(4 * np.pi * f * tt))
    return (0.6 * out / max(1e-9, np.max(np.abs(out)))).astype(np.float32)


def drum_loop(seconds: float, rate: int = RATE, bpm: float = 110.0, seed: int = 1) -> np.ndarray:
    """Mono drums: kick on 1 and 3, snare (noise burst) on 2 and 4, closed hi-hat on eighths."""
    rng = np.random.default_rng(seed)
    out = np.zeros(int(seconds * rate), np.float32)
    eighth = 60.0 / bpm / 2

    def hit(at: float, sound: np.ndarray) -> None:
        i = int(at * rate)
        n = min(sound.size, out.size - i)
        if n > 0:
            out[i:i + n] += sound[:n]

    tk = np.arange(int(0.25 * rate)) / rate
    kick = (np.sin(2 * np.pi * (50 + 80 * np.exp(-tk * 30)) * tk) * np.exp(-tk * 12)).astype(np.float32)
    snare = (rng.standard_normal(int(0.18 * rate)) * np.exp(-np.arange(int(0.18 * rate)) / rate * 25) * 0.5)
    hat = (rng.standard_normal(int(0.04 * rate)) * np.exp(-np.arange(int(0.04 * rate)) / rate * 120) * 0.2)
    for k, at in enumerate(np.arange(0, seconds, eighth)):
        hit(at, hat.astype(np.float32))
        if k % 4 == 0:
            hit(at, kick)
        elif k % 4 == 2:
            hit(at, snare.astype(np.float32))
    return (0.7 * out / max(1e-9, np.max(np.abs(out)))).astype(np.float32)


def stereo(mono: np.ndarray) -> np.ndarray:
    return np.vstack([mono, mono])
