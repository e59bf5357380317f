"""The text-embedding matrix search by meaning multiplies each query with, read once and kept until it changes.

Reading 100k vectors out of SQLite took most of a search's 0.4-0.8 s. The matrix holds every stored row of
the extractor version (ids, fingerprints, float32 vectors, C-contiguous: 154 MB at 100k x 384); whether an
item is still ok and its row still current is checked on the few hits only, so a rescan that marks files
missing needs no reload. The cache is keyed by database file and answers only while the feature rows are the
same (their count and newest created_at: features.put replaces a row with a new one, deletes change the count).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np


if TYPE_CHECKING:
    from .library import Library


@dataclass(frozen=True)
class TextMatrix:
    ids: np.ndarray  # int64 media ids, ascending
    fingerprints: list[str]  # the file fingerprint each row was computed from
    vectors: np.ndarray  # float32 (len(ids), dim)
    token: tuple

    def position(self, media_id: int) -> int:
        return int(np.searchsorted(self.ids, media_id))


_cache: dict[tuple[str, str, int], TextMatrix] = {}
_checked: dict[tuple[str, str, int], tuple] = {}  # (connection, its data_version, its total_changes) last checked
_lock = threading.Lock()


def text_matrix(lib: "Library", extractor: str, version: int) -> TextMatrix:
    """Every stored vector of (extractor, version), from the cache when the rows are unchanged."""
    key = (str(lib.path) if lib.path is not None else f"memory-{id(lib.conn)}", extractor, version)
    # Nothing committed since the last check, by this connection or another: no need to count the rows again.
    stamp = (lib.conn, lib.conn.execute("PRAGMA data_version").fetchone()[0], lib.conn.total_changes)
    with _lock:
        held, checked = _cache.get(key), _checked.get(key)
    if held is not None and checked is not None and checked[0] is stamp[0] and checked[1:] == stamp[1:]:
        return held
    token = _token(lib, extractor, version)
    if held is None or held.token != token:
        held = _read(lib, extractor, version, token)
    with _lock:
        _cache[key], _checked[key] = held, stamp
    return held


def forget() -> None:
    """Drop every cached matrix (tests; a library closed for good)."""
    with _lock:
        _cache.clear()
        _checked.clear()


def _token(lib: "Library", extractor: str, version: int) -> tuple:
    n = lib.conn.execute("SELECT count(*) FROM features WHERE extractor = ? AND version = ?",
                         (extractor, version)).fetchone()[0]  # the (extractor, version) index alone
    newest = lib.conn.execute("SELECT max(created_at) FROM features WHERE extractor = ?",
                              (extractor,)).fetchone()[0]  # features_created: one index probe
    return n, newest


def _read(lib: "Library", extractor: str, version: int, token: tuple) -> TextMatrix:
    rows = lib.conn.execute(
        "SELECT media_id, fingerprint, vector FROM features WHERE extractor = ? AND version = ? "
        "AND vector IS NOT NULL ORDER BY media_id", (extractor, version)).fetchall()
    if not rows:
        return TextMatrix(np.zeros(0, dtype=np.int64), [], np.zeros((0, 0), dtype=np.float32), token)
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    dim = len(rows[0][2]) // 4
    if any(len(r[2]) != dim * 4 for r in rows):
        raise ValueError(f"{lib.path}: {extractor} v{version} rows have different lengths; run 'mediarec doctor'")
    vectors = np.frombuffer(b"".join(r[2] for r in rows), dtype="<f4").astype(np.float32).reshape(len(rows), dim)
    return TextMatrix(ids, [r[1] for r in rows], vectors, token)
