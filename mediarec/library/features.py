"""features: each extractor's float32 vector and JSON attributes per file, versioned."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Iterable

import numpy as np

from .codec import dumps, now

if TYPE_CHECKING:
    from .db import Library


def encode_vector(vector: np.ndarray | None) -> tuple[int, bytes | None]:
    if vector is None:
        return 0, None
    v = np.ascontiguousarray(vector, dtype="<f4").ravel()
    return int(v.size), v.tobytes()


def decode_vector(blob: bytes | None) -> np.ndarray | None:
    return None if blob is None else np.frombuffer(blob, dtype="<f4")


class FeatureStore:
    def __init__(self, lib: "Library"):
        self.lib = lib

    def put(self, media_id: int, extractor: str, version: int, fingerprint: str,
            vector: np.ndarray | None, attrs: dict[str, Any] | None = None) -> None:
        """Store one result, replacing any other version of the same extractor for that file."""
        dim, blob = encode_vector(vector)
        with self.lib.transaction() as c:
            c.execute("DELETE FROM features WHERE media_id = ? AND extractor = ?", (media_id, extractor))
            c.execute(
                """INSERT INTO features (media_id, extractor, version, fingerprint, dim, vector, attrs, created_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                (media_id, extractor, version, fingerprint, dim, blob, dumps(attrs or {}), now()))

    def put_many(self, rows: Iterable[tuple[int, str, int, str, np.ndarray | None, dict[str, Any] | None]]) -> int:
        """Store many results (media id, extractor, version, fingerprint, vector, attrs) in one transaction,
        each replacing any other version of its extractor for that file, as `put` does; returns how many."""
        stamp = now()
        batch = [(int(m), e, int(v), fp, *encode_vector(vec), dumps(a or {}), stamp)
                 for m, e, v, fp, vec, a in rows]
        with self.lib.transaction() as c:
            c.executemany("DELETE FROM features WHERE media_id = ? AND extractor = ?", ((b[0], b[1]) for b in batch))
            c.executemany(
                """INSERT INTO features (media_id, extractor, version, fingerprint, dim, vector, attrs, created_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?)""", batch)
        return len(batch)

    def get(self, media_id: int, extractor: str) -> dict[str, Any] | None:
        row = self.lib.conn.execute(
            "SELECT * FROM features WHERE media_id = ? AND extractor = ? ORDER BY version DESC LIMIT 1",
            (media_id, extractor)).fetchone()
        if row is None:
            return None
        d = dict(row)
        d["vector"] = decode_vector(d["vector"])
        d["attrs"] = json.loads(d["attrs"])
        return d

    def matrix(self, extractor: str, version: int) -> tuple[np.ndarray, np.ndarray]:
        """(media ids, vectors) of every current result of one extractor for files that are ok, streamed into
        one matrix (index_items.feature_matrix); rows of a length other than the most common are left out."""
        ids, vectors, _, _ = self.lib.index.feature_matrix(extractor, version)
        if not len(ids):
            return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32)
        return ids, vectors

    def counts(self) -> dict[tuple[str, int], int]:
        rows = self.lib.query("SELECT extractor, version, count(*) AS n FROM features GROUP BY extractor, version")
        return {(r["extractor"], r["version"]): r["n"] for r in rows}
