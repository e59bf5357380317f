"""The manifest: a small JSON file per space that names the current build's files and says what it holds.

`<index dir>/<space>.json` is replaced atomically (write a temp file, fsync, rename), so a reader sees
either the old build or the new one, never half of each; the files it names are never rewritten,
only deleted once a newer build is in place.

FORMAT says how the files are laid out; a manifest of another format is not read (the space is then
searched exactly and reported stale until it is rebuilt). 1: Annoy over the items, rows in media order.
2: cells (see cells.py): rows in cell order, Annoy over the cell centroids, `<space>-<id>.cells.npz`.

`checksums` (filled by write_manifest) holds each named file's size and a BLAKE2b of it (files up to 8 MiB:
whole; larger: first and last 64 KiB and 64 sampled 4 KiB blocks): read_manifest checks them, so a
truncated, overwritten or swapped file makes the space unusable (searched exactly, rebuilt) rather than a
crash or a wrong answer. Sampled above 8 MiB because a whole hash at every load grows with the library
(bench/index_checksum.py); a damaged block between samples of a big file is then left to the shape, count
and first-vector checks at open."""
from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

FORMAT = 2


@dataclass
class Manifest:
    space: str
    build_id: str
    items: int
    dim: int
    cells: int  # k-means cells the rows are stored in
    probe: int  # cells scored per query, calibrated at build time for recall@10 (see build.calibrate)
    trees: int  # of the Annoy index over the cell centroids
    search_k: int  # Annoy's search_k over the centroids, calibrated with probe
    built_at: float  # unix time the build was swapped in
    snapshot_at: float  # unix time the features were read
    fresh_after: float  # feature rows newer than this are searched exactly (snapshot minus a margin)
    build_seconds: float
    recall_at_10: float | None  # measured at calibration, against exact search
    extractors: dict[str, dict[str, Any]]  # name -> {version, dim, count, max_created_at}
    blocks: list[dict[str, Any]]  # [{sources, weight, transform, width}]
    files: dict[str, str]  # ann, vectors, cells, stats: names inside the index dir
    calibration: list[dict[str, float]] = field(default_factory=list)  # [{probe, search_k, recall}] as tried
    format: int = FORMAT
    checksums: dict[str, dict[str, Any]] = field(default_factory=dict)  # file name -> {size, sample}
    dtype: str = "float32"  # of the stored vectors (stored.py); builds before float16 have none: float32

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


_WHOLE_UP_TO = 8 * 2**20  # hashed whole below this (~10 ms); sampled above
_EDGE = 64 * 1024
_BLOCK = 4096
_SAMPLES = 64


def sample_digest(path: Path) -> dict[str, Any]:
    """{size, sample}: BLAKE2b over the size and the whole file when it is small, else its first and last
    64 KiB and 64 evenly spread 4 KiB blocks."""
    size = os.path.getsize(path)
    h = hashlib.blake2b(str(size).encode(), digest_size=16)
    with open(path, "rb") as f:
        if size <= _WHOLE_UP_TO:
            h.update(f.read())
            return {"size": size, "sample": h.hexdigest()}
        offsets = [0, max(0, size - _EDGE)] + [size * i // (_SAMPLES + 1) for i in range(1, _SAMPLES + 1)]
        for i, off in enumerate(offsets):
            f.seek(off)
            h.update(f.read(_EDGE if i < 2 else _BLOCK))
    return {"size": size, "sample": h.hexdigest()}


def files_problem(index_dir: Path, manifest: Manifest) -> str | None:
    """Why the files the manifest names are not the ones it was written with (None: they are, or it is
    from before checksums were recorded)."""
    for name, want in manifest.checksums.items():
        try:
            got = sample_digest(Path(index_dir) / name)
        except OSError as exc:
            return f"{name}: {exc.strerror or exc}"
        if got["size"] != want.get("size"):
            return f"{name}: {got['size']} bytes, the manifest says {want.get('size')} (truncated or replaced)"
        if got["sample"] != want.get("sample"):
            return f"{name}: content differs from the build's checksum (damaged or replaced)"
    return None


def manifest_path(index_dir: Path, space: str) -> Path:
    return Path(index_dir) / f"{space}.json"


def read_manifest(index_dir: Path, space: str, verify: bool = True) -> Manifest | None:
    """The current manifest, or None if there is none, it cannot be understood, it is of another format,
    or (with `verify`) a file it names fails its checksum (then: search exactly, rebuild)."""
    path = manifest_path(index_dir, space)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            return None
        manifest = Manifest(**doc)
    except (OSError, ValueError, TypeError):
        return None
    problem = files_problem(index_dir, manifest) if verify else None
    if problem:
        log.warning("%s index: %s; searching exactly until it is rebuilt", space, problem)
        return None
    return manifest


def write_manifest(index_dir: Path, manifest: Manifest) -> None:
    """Record the checksums of the files it names (written and closed by now), then swap it in atomically."""
    manifest.checksums = {name: sample_digest(Path(index_dir) / name) for name in sorted(set(manifest.files.values()))
                          if (Path(index_dir) / name).is_file()}
    path = manifest_path(index_dir, manifest.space)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(manifest.to_json(), f, indent=1, sort_keys=True)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


__all__ = ["Manifest", "manifest_path", "read_manifest", "write_manifest", "FORMAT", "files_problem", "sample_digest"]
