"""Searching one space: the built index (Annoy picks the nearest cells, their items are scored exactly),
merged with an exact search over what was analysed since the build, so a new item is findable the
moment its features are stored.

What the build cannot know is found by asking the database (cheaply: only when another write has
happened since the last search) which items have feature rows or media changes newer than the build's
snapshot. Those with a vector now are searched exactly and their built rows are ignored; those that are
no longer ok are dropped. Without a usable build everything is searched exactly."""
from __future__ import annotations

import logging
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

import numpy as np

from . import exact
from .annoy_file import AnnoyFile, IndexUnavailable
from .build import CALIBRATION_K, candidates_for, load_layout
from .cells import scan as scan_cells
from .compose import Layout, compose
from .ids import EMPTY_IDS, sorted_find, sorted_lookup
from .manifest import Manifest, files_problem, manifest_path, read_manifest
from .spaces import SPACES

if TYPE_CHECKING:
    from ..library import Library

log = logging.getLogger(__name__)

SCAN_BELOW = 200_000
"""A build with at most this many numbers (items x dim) is scanned exactly instead of through its cells:
the scan then takes at most about 0.3 ms, what a search of the cells takes (bench/recommend.py at 100k:
0.3-0.5 ms in the 10-d mood and 256-d audio spaces; a scan of 100k x 10 numbers and its top-k, ~1.2 ms),
and is never wrong: the 10-d mood space up to 20k items, the 256-d audio space up to ~800."""

_CALIBRATED_WANT = candidates_for(CALIBRATION_K)  # what a build's probe and search_k were calibrated for
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
    ann: AnnoyFile  # over the cell centroids
    matrix: np.ndarray  # memory-mapped, rows in cell order
    starts: list[int]  # cell c holds rows starts[c]:starts[c + 1]
    media_ids: np.ndarray  # row -> media id
    kind_codes: np.ndarray  # row -> KIND_CODES
    order: np.ndarray  # argsort of media_ids, for id -> row lookups
    layout: Layout
    sorted_ids: np.ndarray = field(init=False)  # media_ids[order]

    def __post_init__(self) -> None:
        # searchsorted(sorter=...) checks the whole sorter at every call (~70 us at 100k items)
        self.sorted_ids = self.media_ids[self.order]

    def rows_of(self, media_ids: np.ndarray) -> np.ndarray:
        """Row of each media id, -1 where the build does not hold it."""
        pos = np.searchsorted(self.sorted_ids, media_ids)
        pos = np.minimum(pos, len(self.order) - 1)
        rows = self.order[pos]
        return np.where(self.media_ids[rows] == media_ids, rows, -1)

    def candidates(self, vector: np.ndarray, want: int, widen: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """(rows, cosines) of every item in the cells nearest `vector`: as many cells as calibrated for
        CALIBRATION_K results, more in proportion when more are wanted, times `widen`."""
        m = self.manifest
        scale = widen * max(1.0, want / _CALIBRATED_WANT)
        probe = min(m.cells, math.ceil(m.probe * scale))
        search_k = min(m.cells * m.trees, math.ceil(m.search_k * scale))
        return scan_cells(self.matrix, self.starts, self.ann.query(vector, probe, search_k), vector)


@dataclass
class _Usable:
    mask: np.ndarray  # per row of the build
    rows: np.ndarray  # the rows where it is True


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
        ok &= sorted_lookup(masked, ids) < 0
    return ok


class SpaceIndex:
    """One similarity space of one library, for one thread (it uses that thread's Library)."""

    def __init__(self, lib: "Library", index_dir: Path, space: str, scan_below: int = SCAN_BELOW):
        self.lib, self.index_dir, self.space = lib, Path(index_dir), SPACES[space]
        self.scan_below = scan_below
        self.problem: str | None = None  # why the build on disk is not used, if it is not
        self._built: _Built | None = None
        self._stamp: tuple | None = ()
        self._fresh = _Fresh(EMPTY_IDS, np.zeros((0, 0), np.float32), np.zeros(0, np.int8), EMPTY_IDS)
        self._token: tuple | None = None
        self._exact_layout: Layout | None = None
        self._usable_rows: dict[bytes | None, _Usable | None] = {}
        self._manifest_file = str(manifest_path(self.index_dir, self.space.name))

    # --- keeping up with the disk and the database ------------------------------------------------------
    def refresh(self, token: tuple | None = None) -> None:
        """Pick up a newly swapped build and whatever changed in the database since the last call
        (`token`: the library's change_token(), when the caller refreshes several spaces at once)."""
        stamp = self._manifest_stamp()
        if stamp != self._stamp:
            self._load()
            self._stamp = stamp
            self._token = None
        token = token or self.lib.index.change_token()
        if token != self._token:
            self._refresh_fresh()
            self._token = token
            self._usable_rows = {}

    def _manifest_stamp(self) -> tuple | None:
        try:
            st = os.stat(self._manifest_file)
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
        m = read_manifest(self.index_dir, self.space.name, verify=False)
        if m is None:
            self.problem = None
            return None
        damaged = files_problem(self.index_dir, m)  # truncated or swapped files: exact search until rebuilt
        if damaged:
            raise IndexUnavailable(damaged)
        media_ids, kinds = self.lib.index.items(self.space.name, m.build_id)
        if len(media_ids) != m.items:
            raise IndexUnavailable(f"{self.space.name}: id map holds {len(media_ids)} items, manifest {m.items}")
        # A plain ndarray over the mapping: numpy's memmap subclass adds overhead to every row lookup.
        matrix = np.load(self.index_dir / m.files["vectors"], mmap_mode="r").view(np.ndarray)
        if matrix.shape != (m.items, m.dim) or matrix.dtype != m.dtype:
            raise IndexUnavailable(f"{m.files['vectors']}: {matrix.dtype} {matrix.shape}, manifest {m.dtype} "
                                   f"({m.items}, {m.dim})")
        with np.load(self.index_dir / m.files["cells"], allow_pickle=False) as z:
            starts, centroids = z["starts"].astype(np.int64), z["centroids"]
        if (len(starts) != m.cells + 1 or starts[0] != 0 or starts[-1] != m.items or np.any(np.diff(starts) <= 0)
                or centroids.shape != (m.cells, m.dim)):
            raise IndexUnavailable(f"{m.files['cells']}: cells do not match the manifest")
        ann = AnnoyFile(self.index_dir / m.files["ann"], m.dim, m.cells, first_row=centroids[0])
        self.problem = None
        return _Built(m, ann, matrix, starts.tolist(), media_ids, kind_codes(kinds), np.argsort(media_ids, kind="stable"),
                      load_layout(self.index_dir, m))

    def _refresh_fresh(self) -> None:
        b = self._built
        if b is None:  # nothing built (or unusable): the whole space, exactly
            ids, matrix, self._exact_layout = compose(self.lib, self.space, registered={})
            masked = EMPTY_IDS
        else:
            changed, gone = self.lib.index.changed_since(self.space.extractors, b.manifest.fresh_after)
            ids, matrix = EMPTY_IDS, np.zeros((0, b.manifest.dim), np.float32)
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

    def fresh(self, kinds: Iterable[str] | None = None) -> np.ndarray:
        """Media ids searched exactly (analysed since the build, or all of them without one), of `kinds`."""
        f = self._fresh
        return f.ids if kinds is None else f.ids[kind_mask(kinds)[f.kinds]]

    def superseded(self) -> np.ndarray:
        """Sorted media ids whose rows in the build are not to be used: a newer vector, or no longer ok."""
        return self._fresh.masked

    def vectors(self, media_ids: Iterable[int], refresh: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """(space vectors, has) for the given items, in order; rows of items without one are zero."""
        if refresh:
            self.refresh()
        wanted = np.asarray(media_ids if isinstance(media_ids, np.ndarray) else list(media_ids), dtype=np.int64)
        dim = self._dim()
        if dim == 0 or len(wanted) == 0:
            return np.zeros((len(wanted), dim), dtype=np.float32), np.zeros(len(wanted), dtype=bool)
        fresh, rows, built = self._locate(wanted)
        if built.all():  # the common case: one gather, no masked copies (a list reads ~10 of these)
            return self._built.matrix[rows].astype(np.float32, copy=False), built  # float16 builds: as float32
        out = np.zeros((len(wanted), dim), dtype=np.float32)
        has = np.zeros(len(wanted), dtype=bool)
        if fresh.any():
            out[fresh], has[fresh] = self._fresh.matrix[rows[fresh]], True
        if built.any():
            out[built], has[built] = self._built.matrix[rows[built]], True
        return out, has

    def _locate(self, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Where each item's vector is: (in the fresh matrix, row there or in the build, in the build).
        A fresh vector wins; a built row superseded since the build is not used."""
        b = self._built
        if b is not None and len(self._fresh.ids) == 0 and len(self._fresh.masked) == 0:
            rows = b.rows_of(wanted)  # nothing analysed since the build: the common case, one lookup
            return np.zeros(len(wanted), dtype=bool), rows, rows >= 0
        f = sorted_lookup(self._fresh.ids, wanted)
        fresh = f >= 0
        rows = f
        if b is None:
            return fresh, rows, np.zeros(len(wanted), dtype=bool)
        built_rows = b.rows_of(wanted)
        built = ~fresh & (built_rows >= 0)
        if len(self._fresh.masked):
            built &= sorted_lookup(self._fresh.masked, wanted) < 0
        return fresh, np.where(fresh, f, built_rows), built

    def cosines(self, query: np.ndarray, media_ids: np.ndarray, refresh: bool = True) -> np.ndarray:
        """Cosine of each item's vector with `query` (NaN where the item has none), without copying
        the vectors out first: the fusion of spaces scores every candidate this way."""
        if refresh:
            self.refresh()
        wanted = np.asarray(media_ids, dtype=np.int64)
        out = np.full(len(wanted), np.nan, dtype=np.float32)
        if self._dim() == 0 or len(wanted) == 0:
            return out
        fresh, rows, built = self._locate(wanted)
        if fresh.any():
            out[fresh] = self._fresh.matrix[rows[fresh]] @ query
        if built.any():
            out[built] = self._built.matrix[rows[built]] @ query
        return out

    def vector(self, media_id: int, refresh: bool = True) -> np.ndarray | None:
        """One item's vector, or None (what vectors() does for many, looked up without arrays)."""
        if refresh:
            self.refresh()
        f, b = self._fresh, self._built
        i = sorted_find(f.ids, media_id)
        if i >= 0:
            return f.matrix[i].copy()
        if b is None or sorted_find(f.masked, media_id) >= 0:
            return None
        i = sorted_find(b.sorted_ids, media_id)
        return None if i < 0 else np.array(b.matrix[b.order[i]], dtype=np.float32)

    def _dim(self) -> int:
        if self._built is not None:
            return self._built.manifest.dim
        return self._fresh.matrix.shape[1] if self._fresh.matrix.ndim == 2 else 0

    def search(self, vector: np.ndarray, k: int, exclude: Iterable[int] = (), kinds: Iterable[str] | None = None,
               refresh: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """(media ids, cosines) of the k items nearest `vector`, best first, leaving out `exclude` and
        items not of `kinds`. Every result is scored exactly on the stored vectors."""
        if refresh:
            self.refresh()
        vector = np.asarray(vector, dtype=np.float32)
        drop = {int(i) for i in exclude}
        allowed = None if kinds is None else kind_mask(kinds)
        fresh = self._search_fresh(vector, k, drop, allowed)
        if self._built is None:
            return fresh
        built = self._search_built(vector, k, drop, allowed)
        if len(fresh[0]) == 0:  # nothing analysed since the build: already best first
            return built
        ids = np.concatenate([fresh[0], built[0]])
        scores = np.concatenate([fresh[1], built[1]])
        best = exact.top(scores, k)
        return ids[best], scores[best]

    def _search_fresh(self, vector, k, drop: set[int], allowed):
        f = self._fresh
        if len(f.ids) == 0:
            return EMPTY_IDS, np.zeros(0, np.float32)
        ok = ~np.isin(f.ids, list(drop)) if drop else np.ones(len(f.ids), dtype=bool)
        if allowed is not None:
            ok &= allowed[f.kinds]
        scores = f.matrix[ok] @ vector
        best = exact.top(scores, k)
        return f.ids[ok][best], scores[best]

    def _search_built(self, vector, k, drop: set[int], allowed):
        b = self._built
        n = b.manifest.items
        want = candidates_for(k) + len(drop)
        usable = self._usable(allowed)
        if usable is not None and len(usable.rows) * len(usable.rows) <= want * n // 2:
            # So few rows may be returned that the cells would have to be read far out to find `want` of
            # them: score those rows alone (reading r rows beats reading about want * n / r).
            rows = usable.rows
            scores = b.matrix[rows] @ vector if len(rows) else np.zeros(0, np.float32)
        elif n * b.manifest.dim <= self.scan_below or want * 4 >= n:
            # Small (a scan takes well under a millisecond), or so much is wanted that a scan is cheaper.
            rows, scores = np.arange(n), b.matrix @ vector
        else:
            widen = 1.0
            while True:
                rows, scores = b.candidates(vector, want, widen)
                found = len(rows) if usable is None else int(np.count_nonzero(usable.mask[rows]))
                if found >= want or len(rows) == n:
                    break
                # Small cells, or a filter left too few in them: read as many more cells as that suggests.
                widen *= max(2.0, 1.5 * want / max(found, 1))
        if usable is not None and len(rows) and rows is not usable.rows:
            keep = usable.mask[rows]
            rows, scores = rows[keep], scores[keep]
        best = exact.top(scores, want)
        ids = b.media_ids[rows[best]]
        ok = _not_in(ids, drop, EMPTY_IDS)
        return ids[ok][:k], scores[best][ok][:k]

    def _usable(self, allowed: np.ndarray | None) -> "_Usable | None":
        """The rows a search may return: of an allowed kind, and not superseded by the fresh search
        (re-analysed, or no longer ok). Kept per kind filter until the next refresh; None when all may."""
        key = None if allowed is None else allowed.tobytes()
        if key not in self._usable_rows:
            b = self._built
            mask = None if allowed is None else allowed[b.kind_codes]
            if len(self._fresh.masked):
                rows = b.rows_of(self._fresh.masked)
                rows = rows[rows >= 0]
                if len(rows):
                    mask = np.ones(b.manifest.items, dtype=bool) if mask is None else mask.copy()
                    mask[rows] = False
            self._usable_rows[key] = None if mask is None or mask.all() else _Usable(mask, np.flatnonzero(mask))
        return self._usable_rows[key]

    def close(self) -> None:
        if self._built is not None:
            self._built.ann.close()
            self._built = None


__all__ = ["SpaceIndex", "SCAN_BELOW", "KIND_CODES"]
