"""Nearest-neighbour indexes, one per similarity space (Annoy, memory-mapped, dense ids, atomic rebuild-and-swap).

spaces.py   the spaces as data (blocks of extractors, weights, transforms)
compose.py  space vectors from the stored features
annoy_file  the Annoy boundary, validated        exact.py   numpy cosine search
cells.py    k-means cells, Annoy over centroids  build.py   build, calibrate probe and search_k, swap
search.py   built index + exact search of what is newer
weights.py  the default weights of the spaces in "all" (no numpy: settings read them)
fused.py    "more like this" over all spaces: the spaces' cells lined up, a sketch, each item's list
fused_format.py  the fused build on disk and its ranking steps (search and build both use them)
fused_build.py, neighbour_lists.py  building it
files.py    whole-file writes, old builds removed, the build lock   ids.py  sorted media-id lookups
maintain.py staleness, rebuild (the spaces, then the fused index), the debounced background rebuilder
"""
from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {"BuildInProgress": "build", "BuildOptions": "build", "build_space": "build", "RebuildScheduler": "maintain",
            "rebuild": "maintain", "space_status": "maintain", "status": "maintain", "SpaceIndex": "search",
            "SPACES": "spaces"}
"""Name -> the module defining it, imported on first use: numpy and Annoy cost ~0.2 s, and settings (the
weights in weights.py), `status` and the app's first paint import this package without needing them."""

__all__ = ["SPACES", "SpaceIndex", "BuildOptions", "BuildInProgress", "build_space", "rebuild", "status",
           "space_status", "RebuildScheduler"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
