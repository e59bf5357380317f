"""Space vectors from the stored features: read each block's extractor rows, transform, weight, join.

`compose` is used twice with the same code: at build time over the whole library (fitting the
statistics and fixing the layout), and between builds over the few items analysed since, with the
build's layout, so both land in the same space."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable

import numpy as np

from .origin import group_labels
from .exact import CHUNK_ROWS
from .spaces import Space, Stats

if TYPE_CHECKING:
    from ..library import Library

log = logging.getLogger(__name__)


@dataclass
class Layout:
    """What a build fixed: each extractor's version and vector length, and each block's statistics."""

    versions: dict[str, int]
    dims: dict[str, int]
    stats: dict[int, Stats] = field(default_factory=dict)  # by block index
    widths: dict[int, int] = field(default_factory=dict)  # each block's transformed length (0: no data)

    def stats_arrays(self) -> dict[str, np.ndarray]:
        return {f"b{i}.{k}": v for i, s in self.stats.items() for k, v in s.items()}

    @staticmethod
    def stats_from_arrays(arrays: dict[str, np.ndarray]) -> dict[int, Stats]:
        out: dict[int, Stats] = {}
        for key, value in arrays.items():
            block, name = key.split(".", 1)
            out.setdefault(int(block[1:]), {})[name] = value
        return out


def registered_versions() -> dict[str, int]:
    """Each registered extractor's current version; empty when the registry cannot be loaded."""
    try:
        from ..extract import registry  # noqa: PLC0415 - optional here: indexes work from stored rows alone
        from ..extract.base import REGISTRY  # noqa: PLC0415

        registry.names()
        return {name: cls.spec.version for name, cls in REGISTRY.items()}
    except Exception as exc:  # noqa: BLE001 - a broken extractor module must not disable search
        log.warning("extractor registry unavailable, using the newest stored versions: %s", exc)
        return {}


def resolve_versions(lib: "Library", extractors: Iterable[str], registered: dict[str, int] | None = None
                     ) -> dict[str, int]:
    """The version to read per extractor: the registered one, else the newest stored; absent if neither."""
    registered = registered_versions() if registered is None else registered
    out = {}
    for name in extractors:
        version = registered.get(name)
        if version is None:
            version = lib.index.newest_version(name)
        if version is not None:
            out[name] = int(version)
    return out


def _rows(lib: "Library", name: str, version: int, dim: int | None, media_ids, block):
    """(ids, matrix, attrs, dim) of one extractor's current rows, streamed into one matrix. Vectors must have
    the build's length (or, when building, the most common one: a stray row of another length is a bug
    elsewhere and is left out, with a log line). A transform that reads only attributes gets every row and
    an empty matrix. Rows whose attribute `block.leave_out` is true are not read."""
    transform = block.transform
    # Nothing asked; or the build found no vector of this source (emotion.speech in a music library: its
    # length 0), whose rows, read with no columns, made the block no wider than 0 for every item searched
    # as analysed since the build (the mood space lost its valence and arousal for them).
    if (media_ids is not None and not media_ids) or (transform.needs_vector and dim == 0):
        return np.zeros(0, dtype=np.int64), np.zeros((0, dim or 0), dtype=np.float32), [], dim
    ids, matrix, attrs, stray = lib.index.feature_matrix(
        name, version, media_ids, dim=dim if transform.needs_vector else 0, attrs=transform.needs_attrs,
        leave_out=block.leave_out)
    if stray:
        log.warning("%s v%d: %d row(s) with a vector length other than %d left out", name, version, stray,
                    matrix.shape[1])
    return ids, matrix, attrs, (matrix.shape[1] if transform.needs_vector else dim)


def compose(lib: "Library", space: Space, layout: Layout | None = None, media_ids: Iterable[int] | None = None,
            registered: dict[str, int] | None = None) -> tuple[np.ndarray, np.ndarray, Layout]:
    """(media ids, unit vectors, layout) of every item with at least one block of `space`.

    Without `layout` it is a build: versions resolved (`registered`, else the registry: importing it
    loads torch, seconds; searches pass {} and read the newest stored versions), statistics fitted. With
    it, vectors are placed in that build's space (and extractors the build did not know are ignored)."""
    fitting = layout is None
    if fitting:
        layout = Layout(resolve_versions(lib, space.extractors, registered), {})
    wanted = None if media_ids is None else list(media_ids)
    parts: list[tuple[np.ndarray, np.ndarray]] = []  # per block: (ids, weighted unit rows)
    for b, block in enumerate(space.blocks):
        part = _block(lib, block, b, layout, wanted, fitting) if fitting or layout.widths.get(b) else None
        if fitting:
            layout.widths[b] = 0 if part is None else part[1].shape[1]
        if part is None:  # no item has this block: zeros, as wide as the build made it
            part = (np.zeros(0, dtype=np.int64), np.zeros((0, layout.widths.get(b, 0)), dtype=np.float32))
        parts.append(part)
    ids, vectors = _join(parts)
    return ids, vectors, layout


def _block(lib: "Library", block, b: int, layout: Layout, wanted, fitting: bool):
    sources = [s for s in block.sources if s in layout.versions]
    got = [_rows(lib, s, layout.versions[s], layout.dims.get(s), wanted, block) for s in sources]
    if block.transform.needs_vector:
        for s, (_, _, _, dim) in zip(sources, got):
            layout.dims.setdefault(s, dim)
    got = [g for g in got if len(g[0])]
    if not got:
        return None
    width = min(g[1].shape[1] for g in got)  # sources of one block share their leading components
    if fitting:
        # one source (every block but mood's): its matrix as it is, not a copy
        rows = got[0][1][:, :width] if len(got) == 1 else np.vstack([g[1][:, :width] for g in got])
        attrs = [a for g in got for a in (g[2] or [])] if block.transform.needs_attrs else None
        if getattr(block.transform, "needs_groups", False):
            groups = group_labels(lib, np.concatenate([g[0] for g in got]))
            layout.stats[b] = block.transform.fit(rows, attrs, groups)
        else:
            layout.stats[b] = block.transform.fit(rows, attrs)
        del rows
    transformed = []
    while got:  # each source's rows dropped once transformed: one source's matrix alive at a time, not two
        g = got.pop(0)
        transformed.append((g[0], block.transform.apply(g[1][:, :width], g[2], layout.stats.get(b, {}))))
        del g
    if not fitting and transformed[0][1].shape[1] != layout.widths[b]:
        return None
    return _mean_by_id(transformed, block.weight)


def _mean_by_id(transformed: list[tuple[np.ndarray, np.ndarray]], weight: float) -> tuple[np.ndarray, np.ndarray]:
    """One row per item: the mean of its sources' rows, scaled to unit length times sqrt(weight)."""
    if len(transformed) == 1:  # one source: its rows are the mean, scaled in place
        ids, rows = transformed[0]
        return ids, _scale_rows(rows, weight)
    ids = np.unique(np.concatenate([t[0] for t in transformed]))
    total = np.zeros((len(ids), transformed[0][1].shape[1]), dtype=np.float32)
    count = np.zeros(len(ids), dtype=np.float32)
    for t_ids, rows in transformed:
        pos = np.searchsorted(ids, t_ids)
        total[pos] += rows
        count[pos] += 1
    total /= np.maximum(count, 1)[:, None]
    return ids, _scale_rows(total, weight)


def _scale_rows(rows: np.ndarray, weight: float) -> np.ndarray:
    """`rows` (float32, owned here) scaled in place to unit length times sqrt(weight); zero rows stay zero.
    In place: at a million items a copy of the text block is 1.5 GB."""
    rows = np.asarray(rows, dtype=np.float32)
    if not rows.flags.writeable or not rows.flags.c_contiguous:
        rows = np.ascontiguousarray(rows)
    for s in range(0, len(rows), CHUNK_ROWS):
        block = rows[s:s + CHUNK_ROWS]
        norms = np.linalg.norm(block, axis=1, keepdims=True)
        np.divide(block, norms / np.float32(np.sqrt(weight)), out=block, where=norms > 1e-12)
        block[norms[:, 0] <= 1e-12] = 0.0  # as block_unit: a row without this block is zero
    return rows


def _join(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Blocks side by side for every item that has any (zeros where it lacks one), unit length."""
    non_empty = [p for p in parts if len(p[0])]
    width = sum(p[1].shape[1] for p in parts)
    if not non_empty:
        return np.zeros(0, dtype=np.int64), np.zeros((0, width), dtype=np.float32)
    ids = np.unique(np.concatenate([p[0] for p in non_empty]))
    if len(non_empty) == 1 and non_empty[0][1].shape[1] == width and np.array_equal(non_empty[0][0], ids):
        out = non_empty[0][1]  # one block holds the whole width (text, visual): joined as it is
    else:
        out = np.zeros((len(ids), width), dtype=np.float32)
        col = 0
        for p_ids, rows in parts:
            if len(p_ids):
                out[np.searchsorted(ids, p_ids), col:col + rows.shape[1]] = rows
            col += rows.shape[1]
    non_empty.clear()
    parts.clear()  # the blocks' rows are in `out` now: let them go before scaling
    out = _scale_rows(out, 1.0)
    keep = np.linalg.norm(out, axis=1) > 0.5
    if keep.all():
        return ids, out
    return ids[keep], out[keep]
