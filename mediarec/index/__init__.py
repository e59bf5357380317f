"""Nearest-neighbour indexes, one per similarity space (Annoy, memory-mapped, dense ids, atomic rebuild-and-swap).

spaces.py   the spaces as data (blocks of extractors, weights, transforms)
compose.py  space vectors from the stored features
annoy_file  the Annoy boundary, validated        exact.py   numpy cosine search
cells.py    k-means cells, Annoy over centroids  build.py   build, calibrate probe and search_k, swap
search.py   built index + exact search of what is newer
fused.py    "more like this" over all spaces: the spaces' cells lined up, a sketch, each item's list
fused_format.py  the fused build on disk and its ranking steps (search and build both use them)
fused_build.py, neighbour_lists.py  building it
files.py    whole-file writes, old builds removed, the build lock   ids.py  sorted media-id lookups
maintain.py staleness, rebuild (the spaces, then the fused index), the debounced background rebuilder
"""
from .build import BuildInProgress, BuildOptions, build_space
from .maintain import RebuildScheduler, rebuild, space_status, status
from .search import SpaceIndex
from .spaces import SPACES

__all__ = ["SPACES", "SpaceIndex", "BuildOptions", "BuildInProgress", "build_space", "rebuild", "status",
           "space_status", "RebuildScheduler"]
