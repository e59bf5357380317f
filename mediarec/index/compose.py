"""Space vectors from the stored features: read each block's extractor rows, transform, weight, join.

`compose` is used twice with the same code: at build time over the whole library (fitting the
statistics and fixing the layout), and between builds over the few items analysed since, with the
build's layout, so both land in the same space."""
from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable

import numpy as np

from .origin import group_labels
from .spaces import Space, Stats, block_unit

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
    """(ids, matrix, attrs, dim) of one extractor's current rows. Vectors must have the build's length (or,
    when building, the most common one: a stray row of another length is a bug elsewhere and is left out,
    with a log line). A transform that reads only attributes gets every row and an empty matrix. Rows
    whose attribute `block.leave_out` is true are not read."""
    transform = block.transform
    ids, vectors, attr_list = lib.index.feature_rows(name, version, media_ids,
                                                     attrs=transform.needs_attrs or bool(block.leave_out))
    if block.leave_out:
        kept = [i for i, a in enumerate(attr_list or ()) if not (a or {}).get(block.leave_out)]
        ids, vectors = ids[kept], [vectors[i] for i in kept]
        attr_list = [attr_list[i] for i in kept] if transform.needs_attrs else None
    if not transform.needs_vector:
        return ids, np.zeros((len(ids), 0), dtype=np.float32), attr_list, dim
    lengths = [0 if v is None else v.size for v in vectors]
    if dim is None:
        dim = Counter(n for n in lengths if n).most_common(1)[0][0] if any(lengths) else 0
    keep = [i for i, n in enumerate(lengths) if n == dim and n > 0]
    stray = sum(1 for n in lengths if n and n != dim)
    if stray:
        log.warning("%s v%d: %d row(s) with a vector length other than %d left out", name, version, stray, dim)
    matrix = (np.stack([vectors[i] for i in keep]).astype(np.float32, copy=False) if keep
              else np.zeros((0, dim), dtype=np.float32))
    attrs = [attr_list[i] for i in keep] if attr_list is not None else None
    return ids[keep], matrix, attrs, dim


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
        rows = np.vstack([g[1][:, :width] for g in got])
        attrs = [a for g in got for a in (g[2] or [])] if block.transform.needs_attrs else None
        if getattr(block.transform, "needs_groups", False):
            groups = group_labels(lib, np.concatenate([g[0] for g in got]))
            layout.stats[b] = block.transform.fit(rows, attrs, groups)
        else:
            layout.stats[b] = block.transform.fit(rows, attrs)
    transformed = [(g[0], block.transform.apply(g[1][:, :width], g[2], layout.stats.get(b, {}))) for g in got]
    if not fitting and transformed[0][1].shape[1] != layout.widths[b]:
        return None
    return _mean_by_id(transformed, block.weight)


def _mean_by_id(transformed: list[tuple[np.ndarray, np.ndarray]], weight: float) -> tuple[np.ndarray, np.ndarray]:
    """One row per item: the mean of its sources' rows, scaled to unit length times sqrt(weight)."""
    ids = np.unique(np.concatenate([t[0] for t in transformed]))
    total = np.zeros((len(ids), transformed[0][1].shape[1]), dtype=np.float32)
    count = np.zeros(len(ids), dtype=np.float32)
    for t_ids, rows in transformed:
        pos = np.searchsorted(ids, t_ids)
        total[pos] += rows
        count[pos] += 1
    total /= np.maximum(count, 1)[:, None]
    return ids, block_unit(total) * np.float32(np.sqrt(weight))


def _join(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Blocks side by side for every item that has any (zeros where it lacks one), unit length."""
    non_empty = [p for p in parts if len(p[0])]
    width = sum(p[1].shape[1] for p in parts)
    if not non_empty:
        return np.zeros(0, dtype=np.int64), np.zeros((0, width), dtype=np.float32)
    ids = np.unique(np.concatenate([p[0] for p in non_empty]))
    out = np.zeros((len(ids), width), dtype=np.float32)
    col = 0
    for p_ids, rows in parts:
        if len(p_ids):
            out[np.searchsorted(ids, p_ids), col:col + rows.shape[1]] = rows
        col += rows.shape[1]
    out = block_unit(out)
    keep = np.linalg.norm(out, axis=1) > 0.5
    return ids[keep], out[keep]
