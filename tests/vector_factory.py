"""Synthetic feature vectors for index and recommender tests and benchmarks: clustered and embedding-like.

Real embeddings are neither uniform noise (where no index can beat a scan) nor tight balls (where any
index is perfect). These are: each item is a cluster centre (random direction: a genre, an artist) plus
variation along a shared low-dimensional subspace (the `intrinsic` directions a model actually uses)
plus isotropic noise. With the defaults, Annoy at its own defaults (10 trees, search_k = 10 x trees)
finds about a third of the true 10 nearest at 100k items: the "poor default recall" the issue quotes."""
from __future__ import annotations

from typing import Any

import numpy as np

REAL_DIMS = {"audio.musicnn": 200, "audio.dsp": 56, "video.frames": 1280, "text.embedding": 384,
             "emotion.music": 8, "emotion.speech": 5}
"""Vector lengths of the extractors as they are stored (the index reads the real ones from the rows)."""


def clustered(n: int, dim: int, n_clusters: int | None = None, seed: int = 0, intrinsic: int = 48,
              spread: float = 1.0, noise: float = 0.3, out: np.ndarray | None = None,
              chunk: int = 50_000) -> tuple[np.ndarray, np.ndarray]:
    """(unit float32 vectors, cluster labels). `out` (e.g. a memory-mapped array) receives the vectors
    chunk by chunk, so a million 1280-d rows never sit in RAM at once."""
    rng = np.random.default_rng(seed)
    n_clusters = n_clusters or max(8, n // 500)
    centres = rng.standard_normal((n_clusters, dim)).astype(np.float32)
    basis = (rng.standard_normal((intrinsic, dim)) / np.sqrt(intrinsic)).astype(np.float32)
    labels = rng.integers(n_clusters, size=n)
    x = np.empty((n, dim), dtype=np.float32) if out is None else out
    for start in range(0, n, chunk):
        lab = labels[start:start + chunk]
        m = len(lab)
        v = (centres[lab] + spread * (rng.standard_normal((m, intrinsic), dtype=np.float32) @ basis)
             + noise * rng.standard_normal((m, dim), dtype=np.float32))
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        x[start:start + m] = v
    return x, labels


def add_media(lib, n: int, kind: str = "audio", prefix: str = "/synthetic", fields: list[dict] | None = None
              ) -> list[int]:
    """Insert n media rows (ok, unique paths and fingerprints) and return their ids."""
    ids = []
    with lib.transaction():
        for i in range(n):
            extra: dict[str, Any] = fields[i] if fields else {}
            ext = "mp4" if kind == "video" else "ogg"
            row = {"kind": kind, "size": 1000 + i, "mtime": 1.0, "fingerprint": f"{prefix}-{kind}-{i}",
                   "duration": 200.0, "title": f"{kind} {i}", "tags": {}, "streams": []}
            row.update(extra)
            ids.append(lib.media.insert(f"{prefix}/{kind}/{i:06d}.{ext}", None, row))
    return ids


def put_features(lib, media_ids, extractor: str, vectors, attrs: list[dict] | None = None,
                 version: int | None = None) -> None:
    """Store one extractor's rows through the real feature store, in one transaction (by default with
    the extractor's current version, or 1 for a name no extractor has)."""
    if version is None:
        from mediarec.extract import registry

        version = registry.create(extractor).spec.version if extractor in registry.names() else 1
    with lib.transaction():
        for i, mid in enumerate(media_ids):
            fp = lib.conn.execute("SELECT fingerprint FROM media WHERE id = ?", (int(mid),)).fetchone()[0]
            lib.features.put(int(mid), extractor, version, fp, None if vectors is None else vectors[i],
                             attrs[i] if attrs else {})
