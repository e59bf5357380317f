"""Paged library queries for the app's table: a page of rows for (kind, filter text, sort column, order,
offset, limit) and the total count, filtered and sorted in SQL so 100k items answer while the user types.

Filtering is a substring test of every word on `browse_facts.search_text` (migration v4: tags and path,
lower-cased) or the transcript (unless `Query.spoken` is off), with the trigram indexes (v4, v6) finding the
candidates first (library/search_text.py); mood and tempo come from the same table, plays, skips and last
played from item_stats (v3), so every sort column is an index walk that stops at the page's end."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable

from . import search_text

if TYPE_CHECKING:
    from .db import Library

COLUMNS = ("title", "artist", "album", "duration", "kind", "mood", "tempo", "added", "plays", "skips",
           "last_played")
_ORDER = {  # each an indexed expression (media_* and browse_facts_* indexes, migration v4)
    "title": "m.title COLLATE NOCASE",
    "artist": "m.artist COLLATE NOCASE",
    "album": "m.album COLLATE NOCASE",
    "duration": "m.duration",
    "kind": "m.kind",
    "mood": "f.mood",
    "tempo": "f.tempo",
    "added": "m.added_at",
    "plays": "s.plays",
    "skips": "s.skips",
    "last_played": "s.last_played",
}
_SELECT = ("m.id, m.path, m.kind, m.title, m.artist, m.album, m.duration, m.added_at AS added, f.mood, f.tempo, "
           "s.plays, s.skips, s.last_played")
_FROM = ("FROM media m JOIN browse_facts f ON f.media_id = m.id "
         "JOIN item_stats s ON s.media_id = m.id")  # item_stats (v3, appcore): a row per media row


@dataclass(frozen=True)
class Query:
    """What the table shows: which kind (None: everything), filter text, sort column and order."""
    kind: str | None = None
    text: str = ""
    sort: str = "title"
    descending: bool = False
    spoken: bool = True  # words may match what is said (transcripts), not only tags and path

    def words(self) -> list[str]:
        return self.text.lower().split()

    def order(self) -> str:
        if self.sort not in _ORDER:
            raise ValueError(f"cannot sort by {self.sort!r} (one of {', '.join(COLUMNS)})")
        direction = "DESC" if self.descending else "ASC"
        column = _ORDER[self.sort]
        tie = {"f": "f.media_id", "s": "s.media_id"}.get(column[0], "m.id")  # what that index carries: no extra sort
        return f"{column} {direction}, {tie} {direction}"


FEW = 2000
"""Up to this many matches, the query starts from them and sorts them; with more, it walks the sort column's
index and tests each row, stopping at the page's end (at >= 2% matching, within ~10k rows)."""


def plan(lib: "Library", q: Query, for_count: bool = False) -> tuple[str, str, list[Any]]:
    """(FROM clause, WHERE clause, parameters) for a query: every word of the text must occur in the item's tags,
    path or transcript (case-insensitive substrings, as LIKE tests them). For a page, status and kind are kept
    out of the index choice with a unary + so the sort column's index drives the walk."""
    plus = "" if for_count else "+"
    long_words, short_words = search_text.split(q.words())
    source, source_params, tested = search_text.candidates(long_words, short_words, q.spoken)
    matches = None
    if not for_count and (long_words or short_words):
        matches = search_text.matching_ids(lib, q.words(), q.spoken, limit=FEW)
    sql, params = [f"{plus}m.status = 'ok'"], []
    if matches is not None:  # the whole answer, fewer than FEW ids: sorting them beats any walk
        sql.append(f"m.id IN ({','.join('?' * len(matches))})")
        params.extend(matches)
    elif source is not None and (for_count or not search_text.common(lib, source, source_params)):
        # The candidates drive a count; a walk checks each index entry's id against them (made once) before
        # reading its row: "velvet" read 7,800 rows to fill a page, 35 ms, and now 8 ms. A common word's
        # candidates cost more to collect than the walk, which meets its rows early anyway.
        sql.append(f"{plus}m.id IN ({source})")
        params.extend(source_params)
    else:
        source = None
    if q.kind:
        indexed = for_count or (q.sort == "title" and matches is None)  # media_kind_title serves that walk
        sql.append("m.kind = ?" if indexed else "+m.kind = ?")
        params.append(q.kind)
    if matches is None:  # what the candidates leave open is tested; without them every word
        words = tested if source is not None else (*long_words, *short_words)
        test, test_params = search_text.tests(list(words), q.spoken)
        sql.append(test)
        params.extend(test_params)
    return _FROM, " AND ".join(sql), params


def count(lib: "Library", q: Query) -> int:
    source, where, params = plan(lib, q, for_count=True)
    if "f." not in where and "s." not in where:
        source = "FROM media m"  # the status/kind index answers alone
    return lib.conn.execute(f"SELECT count(*) {source} WHERE {where}", params).fetchone()[0]


def page(lib: "Library", q: Query, offset: int, limit: int) -> list[dict[str, Any]]:
    """Rows `offset`..`offset + limit` of the query, each a dict with the COLUMNS plus id and path."""
    source, where, params = plan(lib, q)
    sql = f"SELECT {_SELECT} {source} WHERE {where} ORDER BY {q.order()} LIMIT ? OFFSET ?"
    return [dict(r) for r in lib.conn.execute(sql, [*params, int(limit), int(offset)])]


def ids(lib: "Library", q: Query, offset: int = 0, limit: int = -1) -> list[int]:
    """The ids of the query's rows in order (what "play from this row" queues)."""
    source, where, params = plan(lib, q)
    sql = f"SELECT m.id {source} WHERE {where} ORDER BY {q.order()} LIMIT ? OFFSET ?"
    return [r[0] for r in lib.conn.execute(sql, [*params, int(limit), int(offset)])]


def rows_for_ids(lib: "Library", media_ids: Iterable[int]) -> list[dict[str, Any]]:
    """The same rows for given ids, in the given order (search results); ids no longer ok are left out."""
    wanted = [int(i) for i in media_ids]
    found: dict[int, dict[str, Any]] = {}
    for chunk in range(0, len(wanted), 500):
        part = wanted[chunk:chunk + 500]
        marks = ",".join("?" * len(part))
        for r in lib.conn.execute(f"SELECT {_SELECT} {_FROM} WHERE m.status = 'ok' AND m.id IN ({marks})", part):
            found[r["id"]] = dict(r)
    return [found[i] for i in wanted if i in found]
