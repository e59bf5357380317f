"""Numeric columns inside the JSON state documents: little-endian bytes in base64, with their dtype.

The up-next state holds thousands of numbers (every item's record, the co-occurrence pairs); written as
JSON numbers, formatting them took most of a refill. Raw bytes keep the documents plain data (no pickle:
loading one can only ever make an array of the named numeric type)."""
from __future__ import annotations

import base64
from typing import Any

import numpy as np

DTYPES = {"<i8", "<i4", "<f8", "<f4"}


def pack(values: Any, dtype: str) -> dict[str, str]:
    if dtype not in DTYPES:
        raise ValueError(f"unsupported dtype {dtype!r}")
    return {"dtype": dtype, "b64": base64.b64encode(np.ascontiguousarray(values, dtype=dtype).tobytes()).decode()}


def unpack(doc: dict[str, str] | list | None, dtype: str) -> np.ndarray:
    """An array from pack()'s document (or a plain JSON list), converted to `dtype`."""
    if doc is None:
        return np.zeros(0, dtype=dtype)
    if isinstance(doc, list):
        return np.asarray(doc, dtype=dtype)
    if doc.get("dtype") not in DTYPES:
        raise ValueError(f"unsupported dtype {doc.get('dtype')!r}")
    return np.frombuffer(base64.b64decode(doc["b64"]), dtype=doc["dtype"]).astype(dtype)


__all__ = ["pack", "unpack"]
