"""Benchmark: does More like this hear the album, or read its name? Same-album precision@5, named vs anonymised.

    python bench/album_similarity.py [--work DIR] [--workers N]

The album corpus (../shared/corpus/fetch-album-corpus.sh, MEDIAREC_ALBUMS) and the dev corpus's two albums:
7 albums, 58 real tracks (tests/corpus/albums.py says which album each track is). Two libraries are
analysed with the default `analyze`: the files as they are ("named": titles, tags, folder names), and
anonymised copies (no tags, files trackNN in folders dNN, one per album). For each, in the same run:
  - before: the old composition, worked out exactly from the same stored features: the audio space as
    it was (musicnn embedding centred, 0.7; DSP, 0.3), the text space reading every item's text vector
    (for wordless music: its names), and the fused weights (audio 1.0, text 0.5, mood 0.35);
  - after: the spaces as they are now (text empty for wordless items; audio weighed per library), and
    the real MoreLikeThis (default blend; with the provenance signal at several weights; beyond);
  - held out: the per-library weighting fitted on half the albums (the other half as single items), the
    precision of the other half's queries, against the old audio space on the same queries (8 splits).
precision@5: a query's share of its first five from its own album, out of min(5, album size - 1).
With --work DIR the analysed libraries are kept there and reused by the next run (analysis is minutes)."""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "corpus"))

import albums  # noqa: E402
from mediarec.index import compose as compose_module  # noqa: E402
from mediarec.index.fused import WEIGHTS  # noqa: E402
from mediarec.index.spaces import SPACES, Block, Center, Space, Unit  # noqa: E402
from mediarec.recommend.similar import MoreLikeThis  # noqa: E402

OLD_SPACES = {
    "audio": Space("audio", (Block(("audio.musicnn",), 0.7, Center()), Block(("audio.dsp",), 0.3, Unit())),
                   frozenset({"audio", "video"})),
    "text": Space("text", (Block(("text.embedding",), 1.0, Center()),), frozenset({"audio", "video"})),
    "mood": SPACES["mood"],
}
OLD_WEIGHTS = {"audio": 1.0, "visual": 0.6, "text": 0.5, "mood": 0.35}
METADATA_WEIGHTS = (0.0, 0.1, 0.2, 0.3)


def dev_dir() -> Path:
    env = os.environ.get("MEDIAREC_CORPUS")
    return Path(env) if env else Path.home() / ".cache" / "mediarec-corpus"


def library(home: Path, roots: list[Path], workers: int | None):
    """An analysed library under `home`, analysed now unless a finished one is there."""
    done = home / ".analysed"
    t = time.perf_counter()
    if done.exists():
        from mediarec.index import rebuild
        from mediarec.library import Library

        lib = Library(home / "data" / "library.db")
        rebuild(lib, home / "data" / "index")  # the spaces may be composed differently since
        return lib, home / "data" / "index", None
    lib, index_dir, report = albums.analyse(roots, home, workers)
    done.touch()
    print(f"  analysed {home.name}: {report.summary()} in {time.perf_counter() - t:.0f} s")
    return lib, index_dir, report


def held_out(lib, truth: dict[int, str], splits: int = 8) -> tuple[float, float]:
    """(new, old) audio-space precision@5 of the queries from albums the weighting was not fitted on."""
    real = compose_module.group_labels
    names = sorted(set(truth.values()))
    new, old = [], []
    try:
        for seed in range(splits):
            order = names[:]
            random.Random(seed).shuffle(order)
            fitted = set(order[:len(order) // 2])
            compose_module.group_labels = lambda _lib, ids: [  # noqa: E731 - the others count as single items
                truth.get(int(i), "") if truth.get(int(i)) in fitted else f"#{int(i)}" for i in ids]
            lists_new = albums.exact_lists(lib, {"audio": SPACES["audio"]}, {"audio": 1.0}, truth)["audio"]
            lists_old = albums.exact_lists(lib, {"audio": OLD_SPACES["audio"]}, {"audio": 1.0}, truth)["audio"]
            held = {q for q, a in truth.items() if a not in fitted}
            new.append(albums.precision_at_5({q: lists_new[q] for q in held}, truth))
            old.append(albums.precision_at_5({q: lists_old[q] for q in held}, truth))
    finally:
        compose_module.group_labels = real
    return sum(new) / splits, sum(old) / splits


def measure(name: str, lib, index_dir: Path, truth: dict[int, str]) -> dict[str, float]:
    p = albums.precision_at_5
    out: dict[str, float] = {}
    before = albums.exact_lists(lib, OLD_SPACES, OLD_WEIGHTS, truth)
    for s in ("audio", "text", "mood", "blend"):
        out[f"before {s}"] = p(before[s], truth)
    sound = albums.exact_lists(lib, OLD_SPACES, {"audio": 1.0, "mood": OLD_WEIGHTS["mood"]}, truth)
    out["before blend without names (audio+mood)"] = p(sound["blend"], truth)
    mlt = MoreLikeThis(lib, index_dir)
    try:
        for s in ("audio", "text", "mood"):
            out[f"after {s}"] = p(albums.lists_of(mlt, truth, space=s), truth) if mlt.similar(
                next(iter(truth)), 1, space=s).spaces else float("nan")
        out["after blend (default)"] = p(albums.lists_of(mlt, truth), truth)
        beyond = albums.lists_of(mlt, truth, beyond=True)
        out["after beyond: results from the query's album"] = p(beyond, truth)
    finally:
        mlt.close()
    for w in METADATA_WEIGHTS[1:]:
        mlt = MoreLikeThis(lib, index_dir, weights={"metadata": w})
        try:
            out[f"after blend, provenance weight {w}"] = p(albums.lists_of(mlt, truth), truth)
        finally:
            mlt.close()
    new, old = held_out(lib, truth)
    out["held-out albums: audio before"] = old
    out["held-out albums: audio after"] = new
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, help="keep the analysed libraries here and reuse them")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    found = albums.albums_dir()
    if found is None or not (dev_dir() / ".complete").exists():
        print("needs the album corpus (../shared/corpus/fetch-album-corpus.sh) and the dev corpus", file=sys.stderr)
        return 1
    files = albums.sources(found, dev_dir())
    print(f"{len(files)} tracks in {len(set(map(albums.album_of, files)))} albums, {args.workers} processes")
    with tempfile.TemporaryDirectory(prefix="mediarec-albums-") as tmp:
        work = args.work or Path(tmp)
        copies = work / "anonymised-files"
        if not copies.exists():
            albums.anonymise(files, copies)
        truth_copy = {c: a for c, (_, a) in albums.anonymise_plan(files, copies).items()}
        results = {}
        for name, roots, truth_of in (
                ("named", [found / d for d in albums.ALBUM_DIRS] + [dev_dir() / "music" / d for d in albums.DEV_ALBUMS],
                 albums.album_of),
                ("anonymised", [copies], lambda path: truth_copy[path])):
            lib, index_dir, _ = library(work / name, roots, args.workers)
            try:
                results[name] = measure(name, lib, index_dir, albums.truth_by_id(lib, truth_of))
            finally:
                lib.close()
    print(f"\n{'same-album precision@5':48s} {'named':>7s} {'anonymised':>11s} {'gap':>6s}")
    for key in results["named"]:
        a, b = results["named"][key], results["anonymised"][key]
        if a != a and b != b:  # nan: the space holds none of these items
            print(f"{key:48s} {'empty':>7s} {'empty':>11s}")
            continue
        print(f"{key:48s} {a:7.3f} {b:11.3f} {a - b:+6.3f}")
    n, a = results["named"], results["anonymised"]
    gap = abs(n["after blend (default)"] - a["after blend (default)"])
    print(f"\nnamed vs anonymised, default blend: gap {gap:.3f} (target <= 0.05) {'OK' if gap <= 0.05 else 'MISSED'}")
    gain = a["after blend (default)"] - a["before blend without names (audio+mood)"]
    print(f"anonymised, default blend vs the old blend without names: {gain:+.3f} "
          f"(ratio {a['after blend (default)'] / a['before blend without names (audio+mood)']:.2f})")
    print(f"fused weights now: {WEIGHTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
