"""The manifest: a small JSON file per space that names the current build's files and says what it holds.

`<index dir>/<space>.json` is replaced atomically (write a temp file, fsync, rename), so a reader sees
either the old build or the new one, never half of each; the files it names are never rewritten,
only deleted once a newer build is in place.

FORMAT says how the files are laid out; a manifest of another format is not read (the space is then
searched exactly and reported stale until it is rebuilt). 1: Annoy over the items, rows in media order.
2: cells (see cells.py): rows in cell order, Annoy over the cell centroids, `<space>-<id>.cells.npz`."""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

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

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def manifest_path(index_dir: Path, space: str) -> Path:
    return Path(index_dir) / f"{space}.json"


def read_manifest(index_dir: Path, space: str) -> Manifest | None:
    """The current manifest, or None if there is none, it cannot be understood or it is of another
    format (then: rebuild)."""
    path = manifest_path(index_dir, space)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        if doc.get("format") != FORMAT:
            return None
        return Manifest(**doc)
    except (OSError, ValueError, TypeError):
        return None


def write_manifest(index_dir: Path, manifest: Manifest) -> None:
    path = manifest_path(index_dir, manifest.space)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(manifest.to_json(), f, indent=1, sort_keys=True)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


__all__ = ["Manifest", "manifest_path", "read_manifest", "write_manifest", "FORMAT"]
