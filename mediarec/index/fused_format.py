"""The fused index on disk and its ranking steps, shared by the search (fused.py) and the build
(fused_build.py, neighbour_lists.py): each space's cells lined up by item, the sketch, the lists.

A build is `<fused>-<id>.npz` (ids, kinds, each item's cell code per space, each space's rows, cell
starts, centroids and projection), `<fused>-<id>.sketch.npy` (every item's sketch row, memory-mapped)
and, below LISTS_MAX items, `<fused>-<id>.lists.npz` (each item's LIST_K best rows)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .ids import EMPTY_IDS
from .manifest import Manifest

LIST_K = 30  # per item: enough for a list of 10-20 after duplicates and filters
CANDIDATES = 900
"""Items the cell estimates pass on to the sketch. At 100k items (independent synthetic spaces, 8 cells
per space) 300 held 0.982 of the sketch ranking's top 10, 450 0.992, 600 0.993. Spaces that agree
(bench/recommend.py --agree 0.5) put many items in the query's cell in every space, all with the same
estimate, and the cut among them is blind: more-like-this recall@10 was 0.937 with 450, 0.995 with 900
and with 1800 (independent spaces: 0.990 and 0.995), for +0.15 ms a search."""
LIST_CANDIDATES = 600  # what the lists' build passes on (neighbour_lists.py; 4/3 of the 450 it was measured with)


@dataclass
class SpacePart:
    """One space's share of the fused build."""

    build_id: str
    offset: int  # its columns in the sketch
    width: int
    proj: np.ndarray | None  # (width, dim) or None: the space as it is
    centroids: np.ndarray  # (cells, width): the space's cell centroids, projected like the sketch
    rows: np.ndarray  # fused rows of the space's items, cell by cell (the space build's row order)
    starts: list[int]  # cell c is rows[starts[c]:starts[c + 1]]
    codes: np.ndarray  # (spaces, len(rows)): each of those items' entries in the table of estimates (one
    # row per space: the estimate is then a sum of a few contiguous gathers, 8x faster than per item)
    table: int  # where this space's cells' entries start in that table (one table for all spaces)

    def to_sketch(self, v: np.ndarray) -> np.ndarray:
        return v if self.proj is None else self.proj @ v


@dataclass
class FusedBuild:
    manifest: Manifest
    ids: np.ndarray  # fused row -> media id, ascending
    kinds: np.ndarray  # fused row -> search.KIND_CODES
    sketch: np.ndarray  # (rows, dim), memory-mapped; float32, float16 when large (fused_build.SKETCH_HALF_BYTES)
    parts: dict[str, SpacePart]
    table_size: int  # every space's cells, and after them one entry for "no vector in this space"
    lists: np.ndarray | None = None  # neighbour_lists.py: each row's best rows, for the weights in the manifest


# --- searching --------------------------------------------------------------------------------------------
def no_filter(rows: np.ndarray) -> None:
    return None


def sketch_best(fused: FusedBuild, parts: dict[str, tuple[np.ndarray, float]], probe: int, want: int, keep,
                candidates: int = CANDIDATES) -> np.ndarray:
    """Fused rows of the `want` items the sketch ranks best among the candidates of steps 1-2, best first.
    `parts`: space -> (the query in the sketch's terms for that space, its weight); `keep(rows)` gives a
    mask of the rows that may be returned, or None for all."""
    cells, query = [], np.zeros(fused.sketch.shape[1], np.float32)
    table = np.zeros(fused.table_size, np.float32)  # a space the query lacks adds 0, as in the fused score
    for name, (q, w) in parts.items():
        p = fused.parts[name]
        cos = p.centroids @ q
        cells.append((p, top_cells(cos, probe)))
        table[p.table:p.table + len(cos)] = cos * np.float32(w)
        query[p.offset:p.offset + p.width] = q * np.float32(w)
    return rank(fused, cells, table, query, want, keep, candidates)


def top_cells(cos: np.ndarray, probe: int) -> list[int]:
    return np.argpartition(-cos, probe - 1)[:probe].tolist() if probe < len(cos) else list(range(len(cos)))


def rank(fused: FusedBuild, cells: list[tuple[SpacePart, list[int]]], table: np.ndarray, query: np.ndarray,
         want: int, keep, candidates: int) -> np.ndarray:
    """Steps 2 and 3 of a search whose cells were chosen (per space) and whose table of estimates and
    weighted sketch query were made: fused rows, best first on the sketch."""
    rows, codes = [], []
    for p, chosen in cells:
        for c in chosen:
            a, b = p.starts[c], p.starts[c + 1]
            rows.append(p.rows[a:b])
            codes.append(p.codes[:, a:b])
    if not rows:
        return EMPTY_IDS
    cand, codes = np.concatenate(rows), np.concatenate(codes, axis=1)
    ok = keep(cand)
    if ok is not None:
        cand, codes = cand[ok], codes[:, ok]
    if len(cand) > candidates:
        est = np.take(table, codes).sum(axis=0)
        top = np.argpartition(-est, candidates - 1)[:candidates]  # an item in two spaces' cells: twice
        cand = cand[top]
    cand = _distinct(cand)
    scores = fused.sketch[cand] @ query
    best = np.argsort(-scores, kind="stable")[:want] if len(cand) <= 4 * want else \
        np.argpartition(-scores, want - 1)[:want]
    return cand[best[np.argsort(-scores[best], kind="stable")]]


def _distinct(rows: np.ndarray) -> np.ndarray:
    """The distinct values, sorted (np.unique hashes first: 3x slower on a few hundred ints)."""
    rows = np.sort(rows)
    return rows[np.concatenate(([True], rows[1:] != rows[:-1]))] if len(rows) else rows


# --- reading -------------------------------------------------------------------------------------------
def load(index_dir: Path, m: Manifest) -> FusedBuild:
    sketch = np.load(index_dir / m.files["sketch"], mmap_mode="r").view(np.ndarray)
    _touch(sketch)
    with np.load(index_dir / m.files["arrays"], allow_pickle=False) as z:
        ids, kinds, codes = z["ids"], z["kinds"], z["codes"]
        parts = {}
        for name, rec in m.extractors.items():
            proj = z[f"{name}.proj"]
            parts[name] = SpacePart(rec["build_id"], rec["offset"], rec["width"], proj if len(proj) else None,
                                    np.ascontiguousarray(z[f"{name}.centroids"], dtype=np.float32),
                                    z[f"{name}.rows"], z[f"{name}.starts"].tolist(),
                                    np.ascontiguousarray(codes[z[f"{name}.rows"]].T), rec["table"])  # read in list order: no seeks
    if sketch.shape != (m.items, m.dim) or len(ids) != m.items or codes.shape != (m.items, len(parts)):
        raise ValueError(f"{m.files['sketch']}: shape {sketch.shape}, manifest ({m.items}, {m.dim})")
    lists = None
    if "lists" in m.files:
        with np.load(index_dir / m.files["lists"], allow_pickle=False) as z:
            lists = z["rows"]
    return FusedBuild(m, ids, kinds, sketch, parts, sum(r["cells"] + 1 for r in m.extractors.values()), lists)


def _touch(matrix: np.ndarray) -> None:
    """Read one number of every page of a mapped matrix, so searches do not stop on first touches: each
    reads a few hundred scattered rows, and at 100k items page faults were half its time until every
    page had been read once (~40 ms for the 160 MB of a 100k-item sketch)."""
    flat = matrix.reshape(-1)
    flat[::1024].sum()  # 1024 float32: one 4 KB page


__all__ = ["FusedBuild", "SpacePart", "load", "rank", "sketch_best", "top_cells", "no_filter", "LIST_K",
           "CANDIDATES", "LIST_CANDIDATES"]
