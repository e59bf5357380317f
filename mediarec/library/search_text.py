"""Which items hold every word of a filter in their tags and path or in what is said in them, as SQL pieces.

Words of 3 characters or more find their candidates in the trigram full-text indexes (browse_fts over tags and
path, migration v4; spoken_fts over transcripts, v6), so a rare word never scans the library. Shorter words have
no trigram. Every word is then tested with LIKE on the candidates (or on the rows a sorted walk meets), so the
answer is exactly the one a LIKE over every row gives: the trigram index also folds non-ASCII case ("über"
would find "Über"), which LIKE and so the filter do not."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .db import Library

TRIGRAM = 3


def split(words: list[str]) -> tuple[list[str], list[str]]:
    """(words the trigram indexes answer, shorter words tested with LIKE), each once, in the given order."""
    unique = list(dict.fromkeys(words))
    return [w for w in unique if len(w) >= TRIGRAM], [w for w in unique if len(w) < TRIGRAM]


def phrase(word: str) -> str:
    """An FTS5 string that matches `word` as it is: quotes doubled, so FTS syntax in it is just text."""
    return '"' + word.replace('"', '""') + '"'


def like(word: str) -> str:
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


COMMON = 30_000
"""A word in more items (or transcripts) than this is not listed (reading its list costs more than testing rows for it: a
common word's rows are met early in any walk); it is tested with LIKE like a short word."""


def candidates(lib: "Library", long_words: list[str], short_words: list[str], spoken: bool
               ) -> tuple[set[int] | None, list[str]]:
    """(ids that may match: the intersection of the long words' trigram lists, None when no list narrows it,
    the words still to be tested on them with LIKE). ASCII words a list answered need no test (trigram and LIKE
    fold the same case there); short words, common words and words with other letters do."""
    listed: set[int] | None = None
    tested = []
    for word in long_words:
        ids = None if listed is not None and not listed else word_ids(lib, word, spoken)
        if ids is None:
            tested.append(word)
            continue
        listed = ids if listed is None else listed & ids
        if not word.isascii():
            tested.append(word)
    return listed, [*short_words, *tested]  # a common word last: the rarer test rejects most rows first


def matching_ids(lib: "Library", words: list[str], spoken: bool = False) -> list[int]:
    """Every id whose search text (or transcript, if `spoken`) holds every word, any status and kind: the
    trigram lists narrowed by LIKE, or one LIKE scan of the search texts when no list narrows them."""
    long_words, short_words = split(words)
    listed, tested = candidates(lib, long_words, short_words, spoken)
    if listed is not None and not tested:
        return sorted(listed)
    where, params = [], []
    if listed is not None:
        where.append("f.media_id IN (SELECT value FROM json_each(?))")
        params.append(json.dumps(sorted(listed)))
    for word in tested:
        test, test_params = word_test(word, spoken, ident="f.media_id")
        where.append(test)
        params.extend(test_params)
    return [r[0] for r in lib.conn.execute(
        f"SELECT f.media_id FROM browse_facts f WHERE {' AND '.join(where) or '1'} ORDER BY f.media_id", params)]


def word_ids(lib: "Library", word: str, spoken: bool) -> set[int] | None:
    """The ids whose tags or path (or transcript, if `spoken`) may hold a long word; None above COMMON."""
    found: set[int] = set()
    for table in ("browse_fts", "spoken_fts") if spoken else ("browse_fts",):
        rows = lib.conn.execute(f"SELECT rowid FROM {table} WHERE {table} MATCH ? LIMIT ?",
                                (phrase(word), COMMON + 1)).fetchall()
        if len(rows) > COMMON:
            return None
        found.update(r[0] for r in rows)
    return found


def word_test(word: str, spoken: bool, facts: str = "f", ident: str = "m.id") -> tuple[str, list[Any]]:
    """A WHERE term, the truth for every word: it is in the item's search text (browse_facts alias `facts`) or
    in its transcript (`ident`: the item's id expression). The trigram answer only narrows what is tested."""
    sql = f"{facts}.search_text LIKE ? ESCAPE '\\'"
    if not spoken:
        return sql, [like(word)]
    spoken_sql = f"EXISTS (SELECT 1 FROM transcripts t WHERE t.media_id = {ident} AND t.text LIKE ? ESCAPE '\\')"
    return f"({sql} OR {spoken_sql})", [like(word), like(word)]
