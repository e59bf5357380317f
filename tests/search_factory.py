"""A generated library for search and filter tests and benchmarks: the library table's rows (library_factory)
plus text embeddings, transcripts for a share of the items and a few unicode titles, all through the real
storage code."""
from __future__ import annotations

import random

import numpy as np

from library_factory import fill_library
from vector_factory import add_media, clustered, put_features

SPOKEN = ("river", "gold", "welcome", "episode", "interview", "weather", "tonight", "ok", "to", "go", "café",
          "über", "naïve", "東京", "storm", "garden", "kitchen", "history", "b", "a1")
UNICODE_TITLES = ("café noir", "über alles", "naïve melody", "東京 night", "señor blue", "ça va", "ß strasse")


def fill_search_library(lib, n: int, spoken_share: float = 0.1, seed: int = 1, events: int | None = None) -> None:
    """n items of library_factory, some with unicode titles, text.embedding vectors for all and a transcript of
    2-4 segments for `spoken_share` of them."""
    rng = random.Random(seed)
    fill_library(lib, n - len(UNICODE_TITLES), seed=seed, events=events)
    add_media(lib, len(UNICODE_TITLES), prefix="/unicode",
              fields=[{"title": t, "artist": "Zoë", "album": "Été"} for t in UNICODE_TITLES])
    ids = [r[0] for r in lib.conn.execute("SELECT id FROM media ORDER BY id")]
    vectors, _ = clustered(len(ids), 384, seed=seed, intrinsic=48)
    put_features(lib, ids, "text.embedding", vectors)
    with lib.transaction():  # transcripts.put joins this one transaction
        for mid in rng.sample(ids, int(len(ids) * spoken_share)):
            segments = [(float(k * 5), float(k * 5 + 4), " ".join(rng.choices(SPOKEN, k=6)))
                        for k in range(rng.randint(2, 4))]
            lib.transcripts.put(mid, 1, "en", segments)


def query_vector(seed: int, dim: int = 384) -> np.ndarray:
    """A unit query vector for tests without the MiniLM model."""
    v = np.random.default_rng(seed).standard_normal(dim).astype(np.float32)
    return v / np.linalg.norm(v)
