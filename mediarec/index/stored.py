"""A build's rows on disk: float32, or float16 at half the size, written in blocks and memory-mapped.

float16 keeps about 3 significant digits: cosines of unit vectors move by under 1e-3, which reorders
only near-ties (bench/scale.py measures recall@10 of each type against exact float32 scoring). numpy
converts float16 slowly (about 1.7 ns a number here, against 0.06 for a float32 product), so only rows
read a few at a time are stored this way: the spaces' vectors, which a search reads for its probed
cells and its candidates. The fused sketch, scanned for hundreds of candidates per query, stays float32
unless it would be over 1 GB (fused_build.SKETCH_HALF_BYTES: a million items)."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

DTYPES = ("float32", "float16")
DEFAULT_DTYPE = "float16"
BLOCK_ROWS = 65_536


def check_dtype(name: str) -> np.dtype:
    if name not in DTYPES:
        raise ValueError(f"index vector type {name!r}: expected one of {', '.join(DTYPES)}")
    return np.dtype(name)


def write_rows(path: Path, vectors: np.ndarray, order: np.ndarray, dtype: str = DEFAULT_DTYPE) -> None:
    """Rows `order` of `vectors`, in that order, as `dtype`, written in blocks (the input may be
    memory-mapped) to a temp file renamed over `path` when complete."""
    tmp = path.with_name(path.name + ".tmp")
    out = np.lib.format.open_memmap(tmp, mode="w+", dtype=check_dtype(dtype), shape=(len(order), vectors.shape[1]))
    try:
        for s in range(0, len(order), BLOCK_ROWS):
            block = np.asarray(vectors[order[s:s + BLOCK_ROWS]], dtype=np.float32)
            if not np.isfinite(block).all():
                raise ValueError(f"{path.name}: vectors contain NaN or infinity")
            out[s:s + len(block)] = block
        out.flush()
    except BaseException:
        del out
        tmp.unlink(missing_ok=True)
        raise
    del out
    os.replace(tmp, path)


def open_rows(path: Path) -> np.ndarray:
    """The stored rows, memory-mapped read-only, as a plain ndarray (numpy's memmap subclass adds
    overhead to every row lookup)."""
    return np.load(path, mmap_mode="r").view(np.ndarray)


__all__ = ["DTYPES", "DEFAULT_DTYPE", "check_dtype", "write_rows", "open_rows"]
