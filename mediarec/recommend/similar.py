"""More like this: an item's neighbours in each similarity space, fused with weights, explained.

`MoreLikeThis.similar_items(media_id, n, space, kind)` returns `(ids, scores)` arrays, like implicit's
`similar_items`; `similar()` adds each result's per-space similarities, reasons and the duplicates that
were left out.

Fusion: the candidates are what the fused index ranks best (index/fused.py: every space's cells and a
sketch of every space, weighted at query time), or, where it does not match the spaces' builds, the
union of each space's nearest neighbours; every candidate is then scored in every space the query item
has (exactly, on the stored vectors) and
    score = sum_s w_s * cos_s / sum_s w_s
over those spaces, a space the candidate lacks counting as 0. With one space it is that space's
cosine; with weights (1, 0) it is the first space's ranking. Only spaces that the wanted kind can have
take part (no "visual" when asking for songs). Weights default to WEIGHTS and can be replaced, per
library, under the kv key `similar.weights` (a learned model writes them there).

Where items come from (album, artist, folder: provenance.py) is a signal of its own: said in the reasons
always, counted in the score with its own weight (default 0: ranked by sound and feel), and with
`beyond=True` the query's album and artist are left out of the list."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import UserError
from ..index.fused import WEIGHTS, WEIGHTS_KEY, FusedSearch, library_weights
from ..index.origin import Origin, origins
from ..index.search import SCAN_BELOW, SpaceIndex
from ..index.spaces import SPACES
from . import provenance
from .provenance import METADATA, METADATA_WEIGHT
from .reasons import FactsCache, reasons

if TYPE_CHECKING:
    from ..library import Library

KINDS = {"any": ("audio", "video"), "audio": ("audio",), "video": ("video",)}
DUPLICATE_COSINE = 0.995
"""Cosine from which two items are the same recording (a re-encode, a copy): in every content space
(audio, visual) both have. Mood and text are left out: many different items share a mood or a title."""
CONTENT_SPACES = ("audio", "visual")


@dataclass
class Similar:
    """A more-like-this list: ids and fused scores, best first, with the evidence for each."""

    query: int
    ids: np.ndarray
    scores: np.ndarray
    per_space: list[dict[str, float]] = field(default_factory=list)  # cosine per space, per result
    duplicates: list[dict[str, Any]] = field(default_factory=list)  # {id, why}
    spaces: dict[str, float] = field(default_factory=dict)  # the spaces used and their weights


class MoreLikeThis:
    """More-like-this over one library's indexes. Keep one per thread and reuse it: indexes load once.
    `weights`: per space, and "metadata" for the provenance signal."""

    def __init__(self, lib: "Library", index_dir: Path, weights: dict[str, float] | None = None,
                 scan_below: int = SCAN_BELOW):
        self.lib = lib
        self.indexes = {name: SpaceIndex(lib, index_dir, name, scan_below) for name in SPACES}
        self.fused = FusedSearch(index_dir, self.indexes)
        given = dict(weights or {})
        stored = lib.kv.get(WEIGHTS_KEY) or {}
        self.metadata_weight = float(given.pop(METADATA, stored.get(METADATA, METADATA_WEIGHT)))
        self.weights = {**library_weights(lib), **given}

    def similar_items(self, media_id: int, n: int = 10, space: str = "all", kind: str = "any",
                      beyond: bool = False) -> tuple[np.ndarray, np.ndarray]:
        found = self.similar(media_id, n, space, kind, beyond)
        return found.ids, found.scores

    def similar(self, media_id: int, n: int = 10, space: str = "all", kind: str = "any",
                beyond: bool = False) -> Similar:
        """The `n` items most like `media_id`; `beyond`: none from its album or by its artist (an untagged
        item: none from its folder)."""
        if space != "all" and space not in SPACES:
            raise UserError(f"unknown space {space!r} (known: all, {', '.join(SPACES)})")
        if kind not in KINDS:
            raise UserError(f"unknown kind {kind!r} (known: {', '.join(KINDS)})")
        kinds = KINDS[kind]
        weights = self._weights_for(space, kinds)
        token = self.lib.index.change_token()
        for s in set(weights) | set(CONTENT_SPACES):  # once per list: what changed since the last one
            self.indexes[s].refresh(token)
        queries = {s: v for s in weights if (v := self.indexes[s].vector(media_id, refresh=False)) is not None}
        if not queries:
            return Similar(media_id, np.zeros(0, np.int64), np.zeros(0, np.float32), spaces={})
        same_file = set(self.lib.index.same_fingerprint(media_id))
        exclude = same_file | {media_id}
        meta_w = self.metadata_weight if space == "all" else 0.0
        depth = n
        while True:
            cand = self._candidates(media_id, queries, weights, kinds, exclude, depth, space)
            origin, cand = self._origins(media_id, cand, beyond or meta_w > 0)
            if beyond:
                cand = cand[[provenance.beyond(origin[media_id], origin[c]) for c in cand.tolist()]]
            if not beyond or len(cand) >= n or depth >= self._library_size():
                break
            depth *= 4  # the query's album ate the candidates: look further
        sims = {s: self.indexes[s].cosines(v, cand, refresh=False) for s, v in queries.items()}
        used = {s: weights[s] for s in queries}
        if meta_w > 0:
            sims[METADATA] = np.array([provenance.closeness(origin[media_id], origin[c]) for c in cand.tolist()],
                                      dtype=np.float32)
            used[METADATA] = meta_w
        total = sum(used.values()) or 1.0
        fused = sum(np.where(np.isnan(sims[s]), 0.0, sims[s]) * w for s, w in used.items()) / total
        dup = self._near_duplicates(media_id, cand, sims)
        duplicates = [{"id": int(i), "why": "same file content (fingerprint)"} for i in sorted(same_file)]
        duplicates += [{"id": int(i), "why": "near-identical (cosine >= %.3f)" % DUPLICATE_COSINE}
                       for i in cand[dup]]
        fused[dup] = -np.inf
        order = np.lexsort((cand, -fused))[:min(n, len(cand) - int(dup.sum()))]
        picked = {s: sims[s][order].tolist() for s in used}
        per_space = [{s: (None if c[i] != c[i] else round(c[i], 4)) for s, c in picked.items()} for i in range(len(order))]
        return Similar(media_id, cand[order], fused[order].astype(np.float32), per_space, duplicates, used)

    def _candidates(self, media_id: int, queries: dict[str, np.ndarray], weights: dict[str, float],
                    kinds: tuple[str, ...], exclude: set[int], n: int, space: str) -> np.ndarray:
        """Media ids to score exactly: what the fused index ranks best for `n` results, else the union of
        each space's nearest."""
        pool = 2 * n + 10
        if space == "all" and len(queries) > 1 and self.fused.usable(refresh=False):
            cand = self.fused.listed(media_id, queries, weights, n + 5, exclude, kinds)  # worked out at the build
            if cand is None:  # twice as deep: its order is the sketch's (recall@10 at 100k 0.97 with pool, 0.99 so)
                cand = self.fused.candidates(queries, weights, 2 * pool, exclude, kinds, media_id)
            return cand
        candidates: set[int] = set()
        for s, v in queries.items():
            ids, _ = self.indexes[s].search(v, pool, exclude=exclude, kinds=kinds, refresh=False)
            candidates.update(ids.tolist())
        return np.array(sorted(candidates), dtype=np.int64)

    def _origins(self, media_id: int, cand: np.ndarray, wanted: bool) -> tuple[dict[int, Origin], np.ndarray]:
        """Where the query and the candidates come from (when the list needs it), and the candidates that
        still exist."""
        if not wanted:
            return {}, cand
        found = origins(self.lib, [media_id, *cand.tolist()])
        if media_id not in found:
            raise UserError(f"no item {media_id} in the library")
        return found, cand[[c in found for c in cand.tolist()]] if len(cand) else cand

    def _library_size(self) -> int:
        return len(self.lib.media.ids())

    def _weights_for(self, space: str, kinds: tuple[str, ...]) -> dict[str, float]:
        names = SPACES if space == "all" else [space]
        return {s: self.weights.get(s, 0.0) for s in names
                if (space != "all" or self.weights.get(s, 0.0) > 0) and SPACES[s].kinds.intersection(kinds)}

    def _near_duplicates(self, media_id: int, cand: np.ndarray, sims: dict[str, np.ndarray]) -> np.ndarray:
        """Candidates whose every shared content-space vector is near-identical to the query's."""
        dup = np.zeros(len(cand), dtype=bool)
        seen = np.zeros(len(cand), dtype=bool)
        for s in CONTENT_SPACES:
            cos = sims.get(s)
            if cos is None:
                q = self.indexes[s].vector(media_id, refresh=False)
                if q is None or len(cand) == 0:
                    continue
                cos = self.indexes[s].cosines(q, cand, refresh=False)
            has = ~np.isnan(cos)
            close = has & (cos >= DUPLICATE_COSINE)
            dup = np.where(seen & has, dup & close, np.where(has, close, dup))
            seen |= has
        return dup & seen

    def explain(self, found: Similar, limit: int = 3) -> list[list[str]]:
        """Reasons for each result of a list, from the attributes of the query item and the result. Where
        they come from is said once: a shared album or artist first, a shared folder (weaker: a flat
        library shares one) first where it counted in the score, else only where there is room."""
        facts = FactsCache(self.lib)
        a = facts.get(found.query)
        where = origins(self.lib, [found.query, *found.ids.tolist()])
        out = []
        for mid, sims in zip(found.ids.tolist(), found.per_space):
            b = facts.get(mid)
            said = reasons(a, b, sims, limit) if a and b else []
            tie = provenance.phrase(where[found.query], where[mid]) if found.query in where and mid in where else None
            if tie:  # the one tie, in our words (reasons() may name the album and the artist both)
                said = [p for p in said if not p.startswith(("same album (", "same artist ("))]
                weak = tie.startswith("same folder") and METADATA not in found.spaces  # it did not rank it
                said = (said + [tie] if len(said) < limit else said) if weak else [tie] + said
            out.append(said[:limit])
        return out

    def close(self) -> None:
        self.fused.close()
        for index in self.indexes.values():
            index.close()


__all__ = ["MoreLikeThis", "Similar", "WEIGHTS", "WEIGHTS_KEY", "KINDS", "DUPLICATE_COSINE", "METADATA",
           "METADATA_WEIGHT"]
