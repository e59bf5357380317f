"""Nearest-neighbour indexes, one per similarity space (Annoy, memory-mapped, dense ids)."""
