"""How much of a long file must be analysed? Features of excerpts compared with the whole file.

    python bench/excerpt_quality.py [DIR] [--policy LABEL ...] [--albums]

For every track under DIR (default: the dev corpus's music), computes audio.dsp, audio.musicnn and
emotion.music once from the whole decoded file and once per excerpt policy, then prints, per policy:
the seconds decoded, the time taken relative to the whole file, the mean / worst cosine similarity
of each extractor's vector with the whole-file vector, how often tempo (within 4%) and key agree, the
mean arousal difference, and whether each track's nearest neighbour stays the same. This is the
measurement behind the ExcerptPolicy defaults in mediarec/media/audio.py.

--policy keeps only the named policies (a label's start: "6 x 12"; the whole file is always kept).
--albums also analyses anonymised copies of the album corpus (58 tracks, 7 albums: tests/corpus/albums.py)
once per windowed policy with the music extractors, and prints the same-album precision@5 of the audio
space, the mood space and their blend (More like this's weights): whether shorter excerpts still hear
the album. No names are involved (the copies have none, and only sound spaces are used)."""
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
    "6 x 12 s (> 120 s)": ExcerptPolicy(120.0, 6, 12.0),
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
    ap.add_argument("--policy", action="append", default=[], help="keep only policies whose label starts so")
    ap.add_argument("--albums", action="store_true", help="also measure same-album precision@5 (slow)")
    args = ap.parse_args()
    policies = {label: p for label, p in POLICIES.items()
                if label == "whole file" or not args.policy or any(label.startswith(w) for w in args.policy)}
    files = sorted(str(p) for p in args.dir.rglob("*") if p.suffix[1:].lower() in AUDIO_EXTENSIONS)
    paths = AppPaths.resolve().ensure()
    runtime = Runtime(str(paths.models), str(paths.cache), settings=Settings())
    extractors = {}
    for name in NAMES:
        extractors[name] = registry.create(name)
        extractors[name].load(runtime)
    results = {label: [analyse(extractors, f, p) for f in files] for label, p in policies.items()}
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
    if args.albums:
        album_precision({k: p for k, p in policies.items() if k != "whole file"})
    return 0


def album_precision(policies: dict[str, ExcerptPolicy]) -> None:
    """Same-album precision@5 of the sound spaces, per policy, on anonymised copies of the album corpus."""
    import tempfile

    sys.path.insert(0, str(ROOT / "tests" / "corpus"))
    import albums

    from mediarec.extract.runner import analyze
    from mediarec.index.fused import WEIGHTS
    from mediarec.index.spaces import SPACES
    from mediarec.jobs import run_job
    from mediarec.library import Library
    from mediarec.scan.scanner import scan

    found = albums.albums_dir()
    env = os.environ.get("MEDIAREC_CORPUS")
    dev = Path(env) if env else Path.home() / ".cache" / "mediarec-corpus"
    if found is None:
        print("--albums needs the album corpus (../shared/corpus/fetch-album-corpus.sh)")
        return
    files = albums.sources(found, dev)
    spaces = {"audio": SPACES["audio"], "mood": SPACES["mood"]}
    print(f"\nsame-album precision@5, {len(files)} anonymised tracks "
          f"({'audio':>6s} {'mood':>6s} {'blend':>6s}: audio {WEIGHTS['audio']}, mood {WEIGHTS['mood']})")
    with tempfile.TemporaryDirectory(prefix="mediarec-excerpts-") as tmp:
        copies = Path(tmp) / "copies"
        albums.anonymise(files, copies)
        truth_of = {c: a for c, (_, a) in albums.anonymise_plan(files, copies).items()}
        dbs: list[Path] = []
        for label, policy in policies.items():
            settings = Settings()
            settings.audio.full_up_to, settings.audio.windows = policy.full_up_to, policy.windows
            settings.audio.window = policy.window
            paths = AppPaths.resolve().ensure()
            with Library(Path(tmp) / f"{len(label)}-{policy.window}.db") as lib:
                lib.roots.add(copies)
                run_job(scan(lib))
                run_job(analyze(lib, paths, settings, only=NAMES, workers=2))
                truth = albums.truth_by_id(lib, lambda path: truth_of[path])
                lists = albums.exact_lists(lib, spaces, WEIGHTS, truth)
                p = {k: albums.precision_at_5(v, truth) for k, v in lists.items()}
            print(f"{label:20s} {p['audio']:6.3f} {p['mood']:6.3f} {p['blend']:6.3f}")
            dbs.append(Path(tmp) / f"{len(label)}-{policy.window}.db")
        if len(dbs) >= 2:
            mixed_library(dbs[0], dbs[1], list(policies)[:2], spaces, truth_of)


def mixed_library(old_db: Path, new_db: Path, labels: list[str], spaces: dict, truth_of: dict) -> None:
    """A library analysed half with one policy and half with the next (what a user has after the default
    changes, since results are not re-analysed): precision@5, and whether a track's neighbours lean
    towards tracks analysed with its own policy (50% of them would, with no bias)."""
    import shutil

    import albums

    from mediarec.index.fused import WEIGHTS
    from mediarec.library import Library

    mixed = new_db.with_name("mixed.db")
    shutil.copy(new_db, mixed)
    with Library(mixed) as lib:
        lib.conn.execute("ATTACH DATABASE ? AS old", (str(old_db),))
        with lib.transaction():
            lib.conn.execute(
                "UPDATE features SET vector = (SELECT o.vector FROM old.features o WHERE o.media_id = "
                "features.media_id AND o.extractor = features.extractor), attrs = (SELECT o.attrs FROM "
                "old.features o WHERE o.media_id = features.media_id AND o.extractor = features.extractor) "
                "WHERE media_id % 2 = 0")
        truth = albums.truth_by_id(lib, lambda path: truth_of[path])
        lists = albums.exact_lists(lib, spaces, WEIGHTS, truth)
        p = {k: albums.precision_at_5(v, truth) for k, v in lists.items()}
        same = [sum(i % 2 == q % 2 for i in found[:5]) / 5 for q, found in lists["blend"].items()]
    print(f"{'mixed: even ids ' + labels[0][:8] + ', odd ' + labels[1][:8]:20s} "
          f"{p['audio']:6.3f} {p['mood']:6.3f} {p['blend']:6.3f}   "
          f"neighbours analysed with the query's own policy: {100 * sum(same) / len(same):.0f}% (no bias: 50%)")


def _tempo_agrees(a: dict, b: dict) -> bool:
    ta, tb = a["audio.dsp"].attrs.get("tempo_bpm"), b["audio.dsp"].attrs.get("tempo_bpm")
    if ta is None or tb is None:
        return ta is None and tb is None
    return abs(ta - tb) / tb < 0.04


if __name__ == "__main__":
    sys.exit(main())
