"""How much of a long file must be analysed? Features of excerpts compared with the whole file.

    python bench/excerpt_quality.py [DIR]

For every track under DIR (default: the dev corpus's music), computes audio.dsp, audio.musicnn and
emotion.music once from the whole decoded file and once per excerpt policy, then prints, per policy:
the seconds decoded, the time taken relative to the whole file, the mean / worst cosine similarity
of each extractor's vector with the whole-file vector, how often tempo (within 4%) and key agree, the
mean arousal difference, and whether each track's nearest neighbour stays the same. This is the
measurement behind the ExcerptPolicy defaults in mediarec/media/audio.py."""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mediarec.extract import registry  # noqa: E402
from mediarec.extract.base import MediaInput, Runtime  # noqa: E402
from mediarec.media.audio import ExcerptPolicy  # noqa: E402
from mediarec.paths import AppPaths  # noqa: E402
from mediarec.scan.formats import AUDIO_EXTENSIONS  # noqa: E402
from mediarec.settings import Settings  # noqa: E402

NAMES = ["audio.dsp", "audio.musicnn", "emotion.music"]
POLICIES = {
    "whole file": ExcerptPolicy(full_up_to=1e9),
    "6 x 30 s (> 240 s)": ExcerptPolicy(240.0, 6, 30.0),
    "4 x 30 s (> 120 s)": ExcerptPolicy(120.0, 4, 30.0),
    "6 x 20 s (> 120 s)": ExcerptPolicy(120.0, 6, 20.0),
    "8 x 15 s (> 120 s)": ExcerptPolicy(120.0, 8, 15.0),
    "3 x 20 s (> 60 s)": ExcerptPolicy(60.0, 3, 20.0),
    "2 x 15 s (> 30 s)": ExcerptPolicy(30.0, 2, 15.0),
}


def analyse(extractors, path: str, policy: ExcerptPolicy) -> tuple[dict, float, float]:
    media = MediaInput({"id": None, "path": path, "kind": "audio", "duration": None, "tags": {}}, policy)
    t = time.perf_counter()
    for name in NAMES:
        media.results[name] = extractors[name].extract(media)
    return media.results, time.perf_counter() - t, media.audio().seconds


def cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12))


def nearest(vectors: list[np.ndarray]) -> list[int]:
    m = np.stack([v / (np.linalg.norm(v) + 1e-12) for v in vectors])
    sims = m @ m.T
    np.fill_diagonal(sims, -np.inf)
    return list(np.argmax(sims, axis=1))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    env = os.environ.get("MEDIAREC_CORPUS")
    ap.add_argument("dir", nargs="?", type=Path,
                    default=(Path(env) if env else Path.home() / ".cache" / "mediarec-corpus") / "music")
    args = ap.parse_args()
    files = sorted(str(p) for p in args.dir.rglob("*") if p.suffix[1:].lower() in AUDIO_EXTENSIONS)
    paths = AppPaths.resolve().ensure()
    runtime = Runtime(str(paths.models), str(paths.cache), settings=Settings())
    extractors = {}
    for name in NAMES:
        extractors[name] = registry.create(name)
        extractors[name].load(runtime)
    results = {label: [analyse(extractors, f, p) for f in files] for label, p in POLICIES.items()}
    ref = results["whole file"]
    ref_time = sum(r[1] for r in ref)
    print(f"{len(files)} tracks, {sum(r[2] for r in ref) / 60:.1f} min of audio")
    print(f"{'policy':20s} {'decoded':>8s} {'time':>6s}  " + "  ".join(f"{n:>20s}" for n in NAMES)
          + "  tempo  key  arousal  same-NN")
    for label, rows in results.items():
        decoded = sum(r[2] for r in rows) / 60
        t = sum(r[1] for r in rows) / ref_time
        cells = []
        for name in NAMES:
            sims = [cos(r[0][name].vector, q[0][name].vector) for r, q in zip(rows, ref)]
            cells.append(f"{np.mean(sims):.3f} / {np.min(sims):.3f}".rjust(20))
        tempo = np.mean([_tempo_agrees(r[0], q[0]) for r, q in zip(rows, ref)])
        key = np.mean([r[0]["audio.dsp"].attrs.get("key_label") == q[0]["audio.dsp"].attrs.get("key_label")
                       for r, q in zip(rows, ref)])
        arousal = np.mean([abs(r[0]["emotion.music"].attrs["arousal"] - q[0]["emotion.music"].attrs["arousal"])
                           for r, q in zip(rows, ref)])
        nn = np.mean([a == b for a, b in zip(nearest([r[0]["audio.musicnn"].vector for r in rows]),
                                             nearest([q[0]["audio.musicnn"].vector for q in ref]))])
        print(f"{label:20s} {decoded:6.1f} m {t:6.2f}  " + "  ".join(cells)
              + f"  {tempo:5.2f} {key:4.2f}  {arousal:7.3f}  {nn:7.2f}")
    return 0


def _tempo_agrees(a: dict, b: dict) -> bool:
    ta, tb = a["audio.dsp"].attrs.get("tempo_bpm"), b["audio.dsp"].attrs.get("tempo_bpm")
    if ta is None or tb is None:
        return ta is None and tb is None
    return abs(ta - tb) / tb < 0.04


if __name__ == "__main__":
    sys.exit(main())
