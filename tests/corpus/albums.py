"""The album corpus for similarity tests and bench/album_similarity.py: where it is, which album each track
belongs to, anonymised copies, and precision@5 for "same album".

Seven albums, 58 real tracks: the album corpus's four (../shared/corpus/fetch-album-corpus.sh: three
Warzone 2100 soundtracks and Extreme Tux Racer's music) and the dev corpus's two (singularity, whose tags
name two albums, Original Soundtrack and Advanced Research; and asc). A track's album is its top folder
under the corpus, and for singularity its album tag: that is the truth the precision is measured against,
whatever the library itself is told.

Anonymised copies carry no names: every tag is stripped (mutagen) and each file is renamed trackNN in a
folder named dNN, one folder per album, numbered in a shuffled order. The folder is all that is left of
"album", as it is in an untagged library (the per-library weighting uses it as the group)."""
from __future__ import annotations

import os
import random
import shutil
from collections import Counter
from pathlib import Path

import mutagen

AUDIO = {".ogg", ".opus", ".mp3", ".flac", ".m4a", ".wav"}
ALBUM_DIRS = ("etr", "warzone2100_aftermath", "warzone2100_legacy", "warzone2100_original")
DEV_ALBUMS = ("singularity", "asc")
TRACKS = 58
ALBUMS = 7


def albums_dir() -> Path | None:
    env = os.environ.get("MEDIAREC_ALBUMS")
    for c in ([Path(env)] if env else []) + [Path.home() / ".cache" / "mediarec-albums"]:
        if (c / ".complete").exists():
            return c
    return None


def sources(albums: Path, dev: Path) -> list[Path]:
    """The 58 tracks, sorted."""
    files = [f for d in ALBUM_DIRS for f in (albums / d).rglob("*")]
    files += [f for d in DEV_ALBUMS for f in (dev / "music" / d).rglob("*")]
    return sorted(f for f in files if f.suffix.lower() in AUDIO)


def album_of(path: Path) -> str:
    """The true album of a corpus track (see the module docstring)."""
    parts = path.parts
    top = next(p for p in parts if p in ALBUM_DIRS + DEV_ALBUMS)
    if top != "singularity":
        return top
    tags = mutagen.File(path, easy=True) or {}
    return f"singularity: {(tags.get('album') or [''])[0]}"


def anonymise(files: list[Path], dest: Path, seed: int = 11) -> dict[Path, str]:
    """Copies of `files` under `dest` with no tags and no names; returns {copy: true album}."""
    truth = {f: album_of(f) for f in files}
    order = sorted(set(truth.values()))
    random.Random(seed).shuffle(order)
    folder = {album: dest / f"d{i + 1:02d}" for i, album in enumerate(order)}
    out: dict[Path, str] = {}
    count: Counter = Counter()
    shuffled = list(files)
    random.Random(seed + 1).shuffle(shuffled)  # track numbers say nothing about the source order
    for f in shuffled:
        album = truth[f]
        count[album] += 1
        copy = folder[album] / f"track{count[album]:02d}{f.suffix.lower()}"
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(f, copy)
        tagged = mutagen.File(copy)
        if tagged is not None and tagged.tags is not None:
            tagged.delete()
        out[copy] = album
    return out


def precision_at_5(lists: dict[int, list[int]], truth: dict[int, str]) -> float:
    """Mean share of each query's first five results from its own album, out of what it could have
    (an album of 3 tracks has 2 to find: 2 of 2 is 1.0)."""
    sizes = Counter(truth.values())
    vals = [sum(truth.get(i) == truth[q] for i in found[:5]) / min(5, sizes[truth[q]] - 1)
            for q, found in lists.items()]
    return sum(vals) / len(vals)
