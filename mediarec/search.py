"""Search the library by what is said in it and what it is called: keywords and meaning, fused.

Three ranked lists are made for a query and fused by reciprocal rank (RRF, k=60): transcript segments
matching its words (SQLite FTS5, bm25; the best segment of each file gives the snippet and start time),
files whose title, artist, album, genre or path contain its words, and files whose text embedding
(text.embedding: transcript + metadata, MiniLM) is close in meaning to the query's. RRF needs no
calibration between bm25 and cosine scales, and a file found by several lists rises above one found
by a single list. Semantic hits below a cosine floor are left out, so a query about nothing in the
library returns little instead of everything."""
from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

import numpy as np

from .errors import MediarecError, UserError
from .library import Library
from .search_matrix import TextMatrix, text_matrix

log = logging.getLogger(__name__)

RRF_K = 60
MIN_COSINE = 0.25
"""Semantic hits below this cosine are not hits. all-MiniLM-L6-v2 puts unrelated short texts at about
-0.1..0.15 and paraphrases at 0.4 and above (tests/extract/test_text_embedding.py)."""
LIST_DEPTH = 200  # hits taken from each list before fusion
STOPWORDS = frozenset("a an and are as at be by for from has have i in is it its of on or that the this to was "
                      "were what when where which who will with about how".split())


@dataclass
class SearchHit:
    id: int
    path: str
    title: str | None
    kind: str
    score: float  # fused score in (0, 1]: 1 means first in every list
    snippet: str | None = None  # transcript hits: the matching words in [brackets]
    start: float | None = None  # transcript hits: where that segment starts, seconds
    cosine: float | None = None  # semantic similarity of the file's text to the query, if it was a hit
    matched: list[str] = field(default_factory=list)  # which lists found it: transcript, metadata, meaning

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def search(lib: Library, query: str, kind: str | None = None, limit: int = 20,
           embed: Callable[[str], np.ndarray] | None = None, text_version: int | None = None,
           exact: bool = False) -> list[SearchHit]:
    """Files matching `query`, best first. `embed` turns the query into a text-embedding vector
    (default: text.embedding's `embed_query` on the CPU); without stored embeddings only keywords count.
    `exact`: read every vector from the database and scan every row's tags (the reference the fast path,
    a cached matrix and the trigram index, must equal). Raises UserError when nothing in the library has
    been analysed for search yet."""
    query = query.strip()
    if not query:
        raise UserError("empty search query")
    version = text_version if text_version is not None else _text_version()
    if exact:
        ids, vectors = lib.features.matrix("text.embedding", version)
        matrix = None
    else:
        matrix = text_matrix(lib, "text.embedding", version)
        ids, vectors = matrix.ids, matrix.vectors
    if not len(ids) and not lib.conn.execute("SELECT 1 FROM transcripts LIMIT 1").fetchone():
        raise UserError("nothing is analysed for search yet: run 'mediarec analyze' first")
    terms = _terms(query)
    lists: dict[str, list[int]] = {}
    info: dict[int, dict[str, Any]] = {}
    lists["transcript"] = _transcript_hits(lib, terms, kind, info)
    lists["metadata"] = _metadata_hits(lib, terms, kind, info, exact)
    if len(ids):
        semantic = _semantic_hits if matrix is None else _semantic_hits_cached
        lists["meaning"] = semantic(lib, query, kind, ids, vectors, embed, info, matrix)
    return _fuse(lists, info)[:limit]


def _text_version() -> int:
    from .extract.extractors.text_embedding import TextEmbedding

    return TextEmbedding.spec.version


def _terms(query: str) -> list[str]:
    words = [w for w in re.findall(r"\w+", query.lower()) if len(w) > 1 or w.isdigit()]
    content = [w for w in words if w not in STOPWORDS]
    return list(dict.fromkeys(content or words))


def _transcript_hits(lib: Library, terms: list[str], kind: str | None, info: dict) -> list[int]:
    """Files ranked by their best-matching segment; any of the terms may match (bm25 favours more)."""
    if not terms:
        return []
    match = " OR ".join(f'"{t}"' for t in terms)
    order: list[int] = []
    for row in lib.transcripts.search_segments(match, kind=kind, limit=LIST_DEPTH):
        mid = row["media_id"]
        if mid in order:
            continue
        order.append(mid)
        hit = info.setdefault(mid, _base(row))
        hit.update(snippet=row["snippet"], start=round(float(row["start"]), 2))
    return order


def _metadata_hits(lib: Library, terms: list[str], kind: str | None, info: dict, exact: bool) -> list[int]:
    order = []
    for row in lib.transcripts.match_media(terms, kind=kind, limit=LIST_DEPTH, trigram=not exact):
        info.setdefault(row["media_id"], _base(row))
        order.append(row["media_id"])
    return order


def _query_vector(query: str, embed: Callable[[str], np.ndarray] | None) -> np.ndarray | None:
    try:
        return np.asarray((embed or _default_embed)(query), dtype=np.float32)
    except MediarecError as exc:  # the model is missing: keywords still work
        log.warning("search by meaning unavailable: %s", exc)
        return None


def _semantic_hits(lib: Library, query: str, kind: str | None, ids: np.ndarray, vectors: np.ndarray,
                   embed: Callable[[str], np.ndarray] | None, info: dict, matrix: None = None) -> list[int]:
    """The reference: every current vector read from the database, every similarity sorted."""
    q = _query_vector(query, embed)
    if q is None:
        return []
    sims = vectors @ q
    order = []
    for i in np.argsort(-sims, kind="stable"):
        if sims[i] < MIN_COSINE or len(order) >= LIST_DEPTH:
            break
        mid = int(ids[i])
        if mid not in info:
            item = lib.media.get(mid)
            if item is None:
                continue
            info[mid] = _base({"media_id": mid, **item})
        if kind and info[mid]["kind"] != kind:
            continue
        info[mid]["cosine"] = round(float(sims[i]), 4)
        order.append(mid)
    return order


def _semantic_hits_cached(lib: Library, query: str, kind: str | None, ids: np.ndarray, vectors: np.ndarray,
                          embed: Callable[[str], np.ndarray] | None, info: dict, matrix: TextMatrix) -> list[int]:
    """The same list from the cached matrix: only the best few rows above the floor are sorted, and only
    they are checked against the database (still ok, vector still current, of `kind`)."""
    q = _query_vector(query, embed)
    if q is None:
        return []
    sims = vectors @ q
    above = np.flatnonzero(sims >= MIN_COSINE)
    order: list[int] = []
    depth = 2 * LIST_DEPTH
    while len(order) < LIST_DEPTH and above.size:
        take = above if above.size <= depth else above[np.argpartition(-sims[above], depth)[:depth]]
        take = take[np.lexsort((take, -sims[take]))]  # as the stable full sort: by similarity, then position
        order += _current_hits(lib, take, sims, kind, info, matrix, LIST_DEPTH - len(order))
        above = np.setdiff1d(above, take, assume_unique=True)
        depth *= 4
    return order


def _current_hits(lib: Library, rows: np.ndarray, sims: np.ndarray, kind: str | None, info: dict,
                  matrix: TextMatrix, room: int) -> list[int]:
    """Of these matrix rows (best first), up to `room` media ids that are ok, current and of `kind`."""
    wanted = [int(matrix.ids[i]) for i in rows]
    marks = ",".join("?" * len(wanted))
    media = {r["id"]: dict(r) for r in lib.conn.execute(
        f"SELECT id, path, title, kind, fingerprint FROM media WHERE status = 'ok' AND id IN ({marks})", wanted)}
    order = []
    for i, mid in zip(rows, wanted):
        item = media.get(mid)
        if item is None or item["fingerprint"] != matrix.fingerprints[i]:
            continue
        info.setdefault(mid, _base({"media_id": mid, **item}))
        if kind and info[mid]["kind"] != kind:
            continue
        info[mid]["cosine"] = round(float(sims[i]), 4)
        order.append(mid)
        if len(order) >= room:
            break
    return order


def _default_embed(query: str) -> np.ndarray:
    from .extract.extractors.text_embedding import embed_query

    return embed_query(query)


def _base(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": int(row["media_id"]), "path": row["path"], "title": row.get("title"), "kind": row["kind"]}


def _fuse(lists: dict[str, list[int]], info: dict[int, dict[str, Any]]) -> list[SearchHit]:
    scores: dict[int, float] = {}
    matched: dict[int, list[str]] = {}
    for name, order in lists.items():
        for rank, mid in enumerate(order):
            scores[mid] = scores.get(mid, 0.0) + 1.0 / (RRF_K + rank + 1)
            matched.setdefault(mid, []).append(name)
    best = len(lists) / (RRF_K + 1)
    hits = [SearchHit(score=round(s / best, 4), matched=matched[mid], **info[mid]) for mid, s in scores.items()]
    hits.sort(key=lambda h: (-h.score, h.id))
    return hits
