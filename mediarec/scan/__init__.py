"""Finding media: walking roots, probing files (mutagen, PyAV), incremental upserts, moves and masking."""
