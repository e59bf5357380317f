"""Searching one space: the built Annoy index, re-ranked exactly, merged with an exact search over what
was analysed since the build, so a new item is findable the moment its features are stored.

What the build cannot know is found by asking the database (cheaply: only when another write has
happened since the last search) which items have feature rows or media changes newer than the build's
snapshot. Those with a vector now are searched exactly and their built rows are ignored; those that are
no longer ok are dropped. Without a usable build everything is searched exactly."""
from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

import numpy as np

from . import exact
from .annoy_file import AnnoyFile, IndexUnavailable
from .build import candidates_for, load_layout
from .compose import Layout, compose
from .manifest import Manifest, manifest_path, read_manifest
from .spaces import SPACES

if TYPE_CHECKING:
    from ..library import Library

log = logging.getLogger(__name__)

SCAN_BELOW = 1_000_000
"""A build with at most this many numbers (items x dim) is scanned exactly instead of through Annoy: the
scan then takes at most about 1.5 ms and is never wrong (the 10-d mood space up to 100k items: 1.6 ms
measured by bench/recommend.py; the 256-d audio space up to ~4k items)."""

_EMPTY_IDS = np.zeros(0, dtype=np.int64)
KIND_CODES = {"audio": 0, "video": 1}  # anything else (a media row deleted since the build): 2


def kind_codes(kinds: np.ndarray) -> np.ndarray:
    return np.array([KIND_CODES.get(str(k), 2) for k in kinds], dtype=np.int8)


def kind_mask(kinds: Iterable[str]) -> np.ndarray:
    """Indexed by kind code: True for the kinds wanted."""
    mask = np.zeros(3, dtype=bool)
    for k in kinds:
        if k in KIND_CODES:
            mask[KIND_CODES[k]] = True
    return mask


@dataclass
class _Built:
    manifest: Manifest
    ann: AnnoyFile
    matrix: np.ndarray  # memory-mapped, row i = annoy id i
    media_ids: np.ndarray  # annoy id -> media id
    kind_codes: np.ndarray  # annoy id -> KIND_CODES
    order: np.ndarray  # argsort of media_ids, for id -> row lookups
    layout: Layout

    def rows_of(self, media_ids: np.ndarray) -> np.ndarray:
        """Row of each media id, -1 where the build does not hold it."""
        pos = np.searchsorted(self.media_ids, media_ids, sorter=self.order)
        pos = np.minimum(pos, len(self.order) - 1)
        rows = self.order[pos]
        return np.where(self.media_ids[rows] == media_ids, rows, -1)


@dataclass
class _Fresh:
    ids: np.ndarray  # sorted media ids searched exactly
    matrix: np.ndarray
    kinds: np.ndarray  # kind codes
    masked: np.ndarray  # sorted media ids whose built rows are ignored (newer vector, or no longer ok)


def _not_in(ids: np.ndarray, drop: set[int], masked: np.ndarray) -> np.ndarray:
    """True for ids neither in `drop` (a few: the item, its copies) nor in the sorted `masked`."""
    if len(drop) > 32:
        ok = ~np.isin(ids, list(drop))
    else:
        ok = np.ones(len(ids), dtype=bool)
        for d in drop:
            ok &= ids != d
    if len(masked):
        ok &= _sorted_lookup(masked, ids) < 0
    return ok


def _sorted_lookup(sorted_ids: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Position of each wanted id in a sorted array, -1 where absent."""
    if len(sorted_ids) == 0:
        return np.full(len(wanted), -1, dtype=np.int64)
    pos = np.minimum(np.searchsorted(sorted_ids, wanted), len(sorted_ids) - 1)
    return np.where(sorted_ids[pos] == wanted, pos, -1)


class SpaceIndex:
    """One similarity space of one library, for one thread (it uses that thread's Library)."""

    def __init__(self, lib: "Library", index_dir: Path, space: str, scan_below: int = SCAN_BELOW):
        self.lib, self.index_dir, self.space = lib, Path(index_dir), SPACES[space]
        self.scan_below = scan_below
        self.problem: str | None = None  # why the build on disk is not used, if it is not
        self._built: _Built | None = None
        self._stamp: tuple | None = ()
        self._fresh = _Fresh(_EMPTY_IDS, np.zeros((0, 0), np.float32), np.zeros(0, np.int8), _EMPTY_IDS)
        self._token: tuple | None = None
        self._exact_layout: Layout | None = None

    # --- keeping up with the disk and the database ------------------------------------------------------
    def refresh(self) -> None:
        """Pick up a newly swapped build and whatever changed in the database since the last call."""
        stamp = self._manifest_stamp()
        if stamp != self._stamp:
            self._load()
            self._stamp = stamp
            self._token = None
        token = self.lib.index.change_token()
        if token != self._token:
            self._refresh_fresh()
            self._token = token

    def _manifest_stamp(self) -> tuple | None:
        try:
            st = os.stat(manifest_path(self.index_dir, self.space.name))
            return st.st_mtime_ns, st.st_size, st.st_ino
        except OSError:
            return None

    def _load(self) -> None:
        old, self._built, self.problem = self._built, None, None
        for attempt in range(3):  # a swap may be half done (map stored, manifest not yet renamed): retry
            try:
                self._built = self._open_build()
                break
            except (IndexUnavailable, OSError, ValueError, KeyError) as exc:
                self.problem = str(exc)
                time.sleep(0.05 * (attempt + 1))
        if self.problem and self._built is None and read_manifest(self.index_dir, self.space.name) is not None:
            log.warning("%s index unusable, searching exactly until it is rebuilt: %s", self.space.name, self.problem)
        del old  # its mapped files stay valid for any caller still holding the arrays

    def _open_build(self) -> _Built | None:
        m = read_manifest(self.index_dir, self.space.name)
        if m is None:
            self.problem = None
            return None
        media_ids, kinds = self.lib.index.items(self.space.name, m.build_id)
        if len(media_ids) != m.items:
            raise IndexUnavailable(f"{self.space.name}: id map holds {len(media_ids)} items, manifest {m.items}")
        # A plain ndarray over the mapping: numpy's memmap subclass adds overhead to every row lookup.
        matrix = np.load(self.index_dir / m.files["vectors"], mmap_mode="r").view(np.ndarray)
        if matrix.shape != (m.items, m.dim):
            raise IndexUnavailable(f"{m.files['vectors']}: shape {matrix.shape}, manifest ({m.items}, {m.dim})")
        ann = AnnoyFile(self.index_dir / m.files["ann"], m.dim, m.items, first_row=np.asarray(matrix[0]))
        self.problem = None
        return _Built(m, ann, matrix, media_ids, kind_codes(kinds), np.argsort(media_ids, kind="stable"),
                      load_layout(self.index_dir, m))

    def _refresh_fresh(self) -> None:
        b = self._built
        if b is None:  # nothing built (or unusable): the whole space, exactly
            ids, matrix, self._exact_layout = compose(self.lib, self.space, registered={})
            masked = _EMPTY_IDS
        else:
            changed, gone = self.lib.index.changed_since(self.space.extractors, b.manifest.fresh_after)
            ids, matrix = _EMPTY_IDS, np.zeros((0, b.manifest.dim), np.float32)
            if changed:
                ids, matrix, _ = compose(self.lib, self.space, layout=b.layout, media_ids=changed)
            masked = np.union1d(ids, np.fromiter(gone, dtype=np.int64, count=len(gone)))
        self._fresh = _Fresh(ids, matrix, kind_codes(self.lib.index.kinds(ids.tolist())), masked)

    # --- what callers use --------------------------------------------------------------------------------
    @property
    def manifest(self) -> Manifest | None:
        return self._built.manifest if self._built else None

    @property
    def fresh_count(self) -> int:
        return len(self._fresh.ids)

    def vectors(self, media_ids: Iterable[int], refresh: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """(space vectors, has) for the given items, in order; rows of items without one are zero."""
        if refresh:
            self.refresh()
        wanted = np.asarray(list(media_ids), dtype=np.int64)
        dim = self._dim()
        out = np.zeros((len(wanted), dim), dtype=np.float32)
        has = np.zeros(len(wanted), dtype=bool)
        if dim == 0 or len(wanted) == 0:
            return out, has
        f = _sorted_lookup(self._fresh.ids, wanted)
        if (f >= 0).any():
            out[f >= 0], has[f >= 0] = self._fresh.matrix[f[f >= 0]], True
        b = self._built
        if b is not None:
            rows = b.rows_of(wanted)
            use = (f < 0) & (rows >= 0)
            if len(self._fresh.masked):
                use &= _sorted_lookup(self._fresh.masked, wanted) < 0
            if use.any():
                out[use], has[use] = b.matrix[rows[use]], True
        return out, has

    def cosines(self, query: np.ndarray, media_ids: np.ndarray, refresh: bool = True) -> np.ndarray:
        """Cosine of each item's vector with `query` (NaN where the item has none), without copying
        the vectors out first: the fusion of spaces scores every candidate this way."""
        if refresh:
            self.refresh()
        wanted = np.asarray(media_ids, dtype=np.int64)
        out = np.full(len(wanted), np.nan, dtype=np.float32)
        if self._dim() == 0 or len(wanted) == 0:
            return out
        f = _sorted_lookup(self._fresh.ids, wanted)
        if (f >= 0).any():
            out[f >= 0] = self._fresh.matrix[f[f >= 0]] @ query
        b = self._built
        if b is not None:
            rows = b.rows_of(wanted)
            use = (f < 0) & (rows >= 0)
            if len(self._fresh.masked):
                use &= _sorted_lookup(self._fresh.masked, wanted) < 0
            if use.any():
                out[use] = b.matrix[rows[use]] @ query
        return out

    def vector(self, media_id: int, refresh: bool = True) -> np.ndarray | None:
        v, has = self.vectors([media_id], refresh)
        return v[0] if has[0] else None

    def _dim(self) -> int:
        if self._built is not None:
            return self._built.manifest.dim
        return self._fresh.matrix.shape[1] if self._fresh.matrix.ndim == 2 else 0

    def search(self, vector: np.ndarray, k: int, exclude: Iterable[int] = (), kinds: Iterable[str] | None = None,
               refresh: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """(media ids, cosines) of the k items nearest `vector`, best first, leaving out `exclude` and
        items not of `kinds`. Annoy candidates are re-scored exactly on the stored vectors."""
        if refresh:
            self.refresh()
        vector = np.asarray(vector, dtype=np.float32)
        drop = {int(i) for i in exclude}
        allowed = None if kinds is None else kind_mask(kinds)
        found = [self._search_fresh(vector, k, drop, allowed)]
        if self._built is not None:
            found.append(self._search_built(vector, k, drop, allowed))
        ids = np.concatenate([f[0] for f in found])
        scores = np.concatenate([f[1] for f in found])
        best = exact.top(scores, k)
        return ids[best], scores[best]

    def _search_fresh(self, vector, k, drop: set[int], allowed):
        f = self._fresh
        if len(f.ids) == 0:
            return _EMPTY_IDS, np.zeros(0, np.float32)
        ok = ~np.isin(f.ids, list(drop)) if drop else np.ones(len(f.ids), dtype=bool)
        if allowed is not None:
            ok &= allowed[f.kinds]
        scores = f.matrix[ok] @ vector
        best = exact.top(scores, k)
        return f.ids[ok][best], scores[best]

    def _search_built(self, vector, k, drop: set[int], allowed):
        b, f = self._built, self._fresh
        n = b.manifest.items
        want = candidates_for(k) + len(drop)
        while True:
            # Small (a scan takes well under a millisecond), or filtered so hard that a scan is cheaper.
            scan = n * b.manifest.dim <= self.scan_below or want * 4 >= n
            if scan:
                rows = np.arange(n)
                ok = ~np.isin(b.media_ids, np.union1d(f.masked, list(drop))) if drop or len(f.masked) else \
                    np.ones(n, dtype=bool)
            else:
                rows = b.ann.query(vector, want, max(b.manifest.search_k, 2 * want))
                ok = _not_in(b.media_ids[rows], drop, f.masked)
            if allowed is not None:
                ok &= allowed[b.kind_codes[rows]]
            if scan or ok.sum() >= k:
                break
            want *= 4
        rows = rows[ok]
        scores = (b.matrix @ vector)[rows] if scan else b.matrix[rows] @ vector
        best = exact.top(scores, k)
        return b.media_ids[rows[best]], scores[best]

    def close(self) -> None:
        if self._built is not None:
            self._built.ann.close()
            self._built = None


__all__ = ["SpaceIndex", "SCAN_BELOW", "KIND_CODES"]
