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


def anonymise_plan(files: list[Path], dest: Path, seed: int = 11) -> dict[Path, tuple[Path, str]]:
    """Where each file's anonymous copy goes under `dest`: {copy: (source, true album)}."""
    truth = {f: album_of(f) for f in files}
    order = sorted(set(truth.values()))
    random.Random(seed).shuffle(order)
    folder = {album: dest / f"d{i + 1:02d}" for i, album in enumerate(order)}
    shuffled = sorted(files)
    random.Random(seed + 1).shuffle(shuffled)  # track numbers say nothing about the source order
    count: Counter = Counter()
    plan = {}
    for f in shuffled:
        count[truth[f]] += 1
        plan[folder[truth[f]] / f"track{count[truth[f]]:02d}{f.suffix.lower()}"] = (f, truth[f])
    return plan


def anonymise(files: list[Path], dest: Path, seed: int = 11) -> dict[Path, str]:
    """Copies of `files` under `dest` with no tags and no names; returns {copy: true album}."""
    out = {}
    for copy, (source, album) in anonymise_plan(files, dest, seed).items():
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, copy)
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


# --- analysing a copy of the corpus and measuring it (the corpus tests and the bench share this) ----------
def analyse(roots: list[Path], home: Path, workers: int | None = None):
    """Scan `roots` into a fresh library under `home` (its own data, config, cache and models dirs), run
    the default `analyze` and build the indexes; returns (library, index dir, report). The caller closes
    the library."""
    from mediarec.extract.runner import analyze
    from mediarec.index import rebuild
    from mediarec.jobs import run_job
    from mediarec.library import Library
    from mediarec.paths import AppPaths
    from mediarec.scan.scanner import scan
    from mediarec.settings import Settings

    paths = AppPaths(home / "data", home / "config", home / "cache", home / "models").ensure()
    lib = Library(paths.db)
    for root in roots:
        lib.roots.add(root)
    run_job(scan(lib))
    report = run_job(analyze(lib, paths, Settings(), workers=workers))
    rebuild(lib, paths.index_dir)
    return lib, paths.index_dir, report


def truth_by_id(lib, truth_of_path) -> dict[int, str]:
    """{media id: true album} for the library's audio items; `truth_of_path(path)` names the album."""
    return {it["id"]: truth_of_path(Path(it["path"])) for it in lib.media.list(kind="audio")}


def lists_of(more_like_this, truth: dict[int, str], n: int = 5, **kw) -> dict[int, list[int]]:
    """The first `n` of more like this for every item (kw: space, beyond)."""
    return {q: more_like_this.similar(q, n, **kw).ids.tolist() for q in truth}


def exact_lists(lib, spaces: dict, weights: dict[str, float], truth: dict[int, str], n: int = 5
                ) -> dict[str, dict[int, list[int]]]:
    """Lists worked out exactly from `spaces` (name -> index.spaces.Space, composed now, so an old
    composition can be measured beside the current one in the same run): one per space, and "blend" with
    more like this's fusion (sum of w_s cos_s over the query's spaces / sum of their w_s; a space the
    candidate lacks counts 0)."""
    import numpy as np

    from mediarec.index.compose import compose

    ids = np.array(sorted(truth), dtype=np.int64)
    cos, has = {}, {}
    for name, space in spaces.items():
        got, vectors, _ = compose(lib, space)
        full = np.zeros((len(ids), vectors.shape[1]), np.float32)
        pos = np.searchsorted(ids, got)
        ok = (pos < len(ids)) & (ids[np.minimum(pos, len(ids) - 1)] == got)
        full[pos[ok]] = vectors[ok]
        cos[name], has[name] = full @ full.T, np.isin(ids, got)
    out: dict[str, dict[int, list[int]]] = {}

    def ranked(score: np.ndarray) -> dict[int, list[int]]:
        score = score.copy()
        np.fill_diagonal(score, -np.inf)
        return {int(ids[q]): ids[np.lexsort((ids, -score[q]))[:n]].tolist() for q in range(len(ids))}

    for name in spaces:
        out[name] = ranked(np.where(has[name][:, None], cos[name], -np.inf))
    used = [s for s in spaces if weights.get(s, 0) > 0]
    total = sum((weights[s] * has[s].astype(np.float32))[:, None] for s in used)
    blend = sum(weights[s] * cos[s] for s in used) / np.maximum(total, 1e-9)
    out["blend"] = ranked(blend)
    return out
