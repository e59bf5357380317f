"""Qt-free requests for the results page: More like this, a journey and a search as one ResultList each.

Each function runs on the results service thread (`fn(ctx)` of a ServiceBridge): it calls the core
recommenders with the thread's Library and keeps the warm ones in `ctx.cache`. An empty list always
carries the reason it is empty, so the page never shows a blank pane."""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...errors import UserError

SPACE_LABELS = {"all": "All", "audio": "Sounds alike", "visual": "Looks alike", "text": "Talks alike",
                "mood": "Feels alike"}
KIND_LABELS = {"any": "Music and videos", "audio": "Music only", "video": "Videos only"}
ROW_COLUMNS = ("id", "title", "artist", "album", "kind", "duration", "path")
MIN_SCORE = 0.05
"""More-like-this rows below this fused cosine are left out: near 0 the two items have nothing in common
(in the tests' synthetic library, items of another cluster score -0.01..0.03 against 0.59-0.95 within),
and a list that ends there says "nothing more alike" better than rows of strangers."""


@dataclass
class ResultRow:
    """One listed item: what the row shows, its score and why it is there."""
    id: int
    title: str
    artist: str = ""
    kind: str = ""
    duration: float | None = None
    path: str = ""
    score: float | None = None
    reasons: list[str] = field(default_factory=list)


@dataclass
class ResultList:
    """What the page shows: a heading, rows in order, and the reason when there are none."""
    mode: str  # "similar" | "journey" | "search"
    title: str
    rows: list[ResultRow] = field(default_factory=list)
    empty_reason: str = ""
    query: dict[str, Any] = field(default_factory=dict)

    @property
    def ids(self) -> list[int]:
        return [r.id for r in self.rows]


def beyond_supported() -> bool:
    """Whether the core's More like this can leave the query's album and artist out (similar(beyond=))."""
    from ...recommend.similar import MoreLikeThis

    return "beyond" in inspect.signature(MoreLikeThis.similar).parameters


def _name(row: dict[str, Any] | None) -> str:
    if row is None:
        return "this item"
    return row.get("title") or Path(row.get("path") or "").name or f"item {row.get('id')}"


def _rows(lib, ids: list[int], scores: list[float | None], reasons: list[list[str]]) -> list[ResultRow]:
    """The library's rows for ids, in order (an id gone from the library since is left out)."""
    found = lib.media.get_many(ids, ROW_COLUMNS)
    out = []
    for mid, score, why in zip(ids, scores, reasons):
        row = found.get(int(mid))
        if row is not None:
            out.append(ResultRow(int(mid), _name(row), row.get("artist") or "", row.get("kind") or "",
                                 row.get("duration"), row.get("path") or "", score, list(why)))
    return out


def _similar_engine(ctx, index_dir: Path, weights: dict[str, float] | None):
    """The thread's MoreLikeThis (indexes load once; each call refreshes what changed since), made again
    only when the user's weights change."""
    from ...recommend.similar import MoreLikeThis

    key = tuple(sorted((weights or {}).items()))
    held = ctx.cache.get("similar")
    if held is None or held[0] != key:
        if held is not None:
            held[1].close()
        held = ctx.cache["similar"] = (key, MoreLikeThis(ctx.lib, index_dir, weights=weights or None))
    return held[1]


def similar_list(ctx, index_dir: Path, media_id: int, space: str = "all", kind: str = "any",
                 beyond: bool = False, n: int = 50, weights: dict[str, float] | None = None) -> ResultList:
    """More like `media_id`: scores and reasons per row, or why there is nothing. `weights`: the user's
    own weights for "all" (None: the library's, learned or default)."""
    lib = ctx.lib
    item = lib.media.get(int(media_id))
    query = {"id": int(media_id), "space": space, "kind": kind, "beyond": beyond}
    if item is None:
        return ResultList("similar", "More like this", empty_reason="That item is no longer in the library.",
                          query=query)
    title = f"More like {_name(item)}"
    mlt = _similar_engine(ctx, index_dir, weights)
    extra = {"beyond": True} if beyond and beyond_supported() else {}
    found = mlt.similar(int(media_id), n, space, kind, **extra)
    result = ResultList("similar", title, query=query)
    if not found.spaces:
        analysed = any(index.vector(int(media_id), refresh=False) is not None for index in mlt.indexes.values())
        result.empty_reason = (
            f"“{_name(item)}” has nothing to compare by “{SPACE_LABELS[space]}” (a song has no looks, "
            "a silent clip no talk). Try “All”." if analysed else
            f"“{_name(item)}” is not analysed yet. Its More like this appears once analysis reaches it.")
        return result
    why = [phrases or _closest_space(sims) for phrases, sims in zip(mlt.explain(found), found.per_space)]
    keep = [i for i, score in enumerate(found.scores.tolist()) if score >= MIN_SCORE]
    result.rows = _rows(lib, [int(found.ids[i]) for i in keep], [float(found.scores[i]) for i in keep],
                        [why[i] for i in keep])
    if not result.rows:
        filtered = " of that kind" if kind != "any" else ""
        result.empty_reason = f"Nothing similar{filtered} found yet: the library may hold too few analysed items."
    return result


SPACE_NOUNS = {"audio": "sound", "visual": "look", "text": "what is said", "mood": "feel"}


def _closest_space(per_space: dict[str, float | None]) -> list[str]:
    """A reason for a row the core gave none: the space it is closest in (never a blank Why)."""
    known = {s: c for s, c in per_space.items() if c is not None and c > 0}
    if not known:
        return []
    best = max(known, key=known.get)
    return [f"loosely alike in {SPACE_NOUNS.get(best, best)} ({known[best]:.2f})"]


def journey_list(ctx, index_dir: Path, a: int, b: int, via: list[int], n: int, kind: str = "any") -> ResultList:
    """A journey from a to b through `via`, in order; the score is each step's closeness to the one before."""
    from ...recommend.journey import path

    lib = ctx.lib
    stops = [int(a), *(int(v) for v in via), int(b)]
    names = {i: _name(r) for i, r in lib.media.get_many(stops, ("id", "title", "path")).items()}
    title = f"Journey {names.get(stops[0], 'this item')} → {names.get(stops[-1], 'this item')}"
    query = {"a": a, "b": b, "via": list(via), "n": n, "kind": kind}
    try:
        found = path(lib, index_dir, a, b, n=n, via=via, kind=kind)
    except UserError as exc:
        return ResultList("journey", title, empty_reason=str(exc), query=query)
    reasons = [["waypoint" if s.waypoint else f"on the way to {names.get(stops[s.leg + 1], 'the next stop')}"]
               for s in found.steps]
    rows = _rows(lib, found.ids.tolist(), found.scores.tolist(), reasons)
    if rows:
        rows[0].reasons, rows[-1].reasons = ["start"], ["destination"]
    empty = "" if rows else "No journey: the two ends are not analysed yet."
    return ResultList("journey", title, rows, empty, query)


def search_list(ctx, text: str, kind: str | None = None, limit: int = 100) -> ResultList:
    """Search results (tags, transcripts, meaning); a transcript hit says where the words are."""
    from ...search import search

    title = f"Search: {text.strip()}"
    try:
        hits = search(ctx.lib, text, kind=kind, limit=limit)
    except UserError as exc:
        return ResultList("search", title, empty_reason=f"{str(exc)[:1].upper()}{str(exc)[1:]}.",
                          query={"text": text, "kind": kind})
    why = [[f"at {int(h.start // 60)}:{int(h.start % 60):02d}: {h.snippet}" if h.snippet and h.start is not None
             else "", "found by " + ", ".join(h.matched)] for h in hits]
    rows = _rows(ctx.lib, [h.id for h in hits], [h.score for h in hits], [[w for w in r if w] for r in why])
    empty = "" if rows else f"Nothing in the library matches “{text.strip()}”."
    return ResultList("search", title, rows, empty, {"text": text, "kind": kind})
