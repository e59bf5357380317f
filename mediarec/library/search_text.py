"""Which items hold every word of a filter in their tags and path or in what is said in them, as SQL pieces.

Words of 3 characters or more find their candidates in the trigram full-text indexes (browse_fts over tags and
path, migration v4; spoken_fts over transcripts, v6), so a rare word never scans the library. Shorter words have
no trigram. Every word is then tested with LIKE on the candidates (or on the rows a sorted walk meets), so the
answer is exactly the one a LIKE over every row gives: the trigram index also folds non-ASCII case ("über"
would find "Über"), which LIKE and so the filter do not."""
from __future__ import annotations

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


def candidates(long_words: list[str], short_words: list[str], spoken: bool) -> tuple[str | None, list[Any], list[str]]:
    """(a SELECT of ids that may match, its parameters, the words to test on them with LIKE). The ids are those
    whose tags or path hold every long word (one FTS query: the index intersects them), and with `spoken` also
    those whose transcript holds any of them (a word may be in the title, another in what is said), so each
    candidate is then tested for every word. ASCII words the tags' query answered alone need no test (trigram
    and LIKE fold ASCII case alike); short words and words with other letters always do. None: no long word."""
    if not long_words:
        return None, [], list(short_words)
    sql = "SELECT rowid AS id FROM browse_fts WHERE browse_fts MATCH ?"
    params: list[Any] = [" AND ".join(phrase(w) for w in long_words)]
    if not spoken:
        return sql, params, [*short_words, *(w for w in long_words if not w.isascii())]
    # UNION ALL streams (a duplicate id only repeats a test); UNION would collect every id before the first row
    sql += " UNION ALL SELECT rowid FROM spoken_fts WHERE spoken_fts MATCH ?"
    params.append(" OR ".join(phrase(w) for w in long_words))
    if len(long_words) == 1:  # either query alone vouches for its one word
        return sql, params, [*short_words, *(w for w in long_words if not w.isascii())]
    return sql, params, [*short_words, *long_words]


def matching_ids(lib: "Library", words: list[str], spoken: bool = False, limit: int = -1) -> list[int] | None:
    """Ids whose search text (or transcript, if `spoken`) holds every word, any status and kind: the candidates
    tested, or one LIKE scan of the search texts when no word is long. None when there are `limit` or more
    (-1: no limit)."""
    long_words, short_words = split(words)
    source, params, tested = candidates(long_words, short_words, spoken)
    if source is not None and short_words and common(lib, source, params):
        source, params, tested = None, [], [*short_words, *long_words]  # the short words are the rarer test
    where, test_params = tests(tested, spoken, ident="f.media_id")
    if source is not None and not tested:
        sql = f"SELECT id FROM ({source}) LIMIT ?"
    elif source is not None:
        sql = f"SELECT c.id FROM ({source}) c JOIN browse_facts f ON f.media_id = c.id WHERE {where} LIMIT ?"
    else:
        sql = f"SELECT f.media_id FROM browse_facts f WHERE {where} LIMIT ?"
    rows = lib.conn.execute(sql, [*params, *test_params, limit]).fetchall()
    if 0 <= limit <= len(rows):  # counted with the repeats UNION ALL may bring: the answer may go on
        return None
    return list(dict.fromkeys(r[0] for r in rows))


COMMON_SHARE = 0.25
"""Candidates of more than this share of the library cost more to stream and test than one scan of the search
texts that tests the short words first (a common word with a number: "artist 37")."""


def common(lib: "Library", source: str, params: list[Any]) -> bool:
    """Whether the candidates are more than COMMON_SHARE of the library (counted only that far)."""
    size = lib.conn.execute("SELECT max(id) FROM media").fetchone()[0] or 0  # the rowid's end: no count
    cap = max(1000, int(size * COMMON_SHARE))
    return lib.conn.execute(f"SELECT count(*) FROM (SELECT 1 FROM ({source}) LIMIT ?)",
                            [*params, cap]).fetchone()[0] >= cap


def tests(words: list[str], spoken: bool, facts: str = "f", ident: str = "m.id") -> tuple[str, list[Any]]:
    """The AND of word_test for each word ('1' for none)."""
    sql, params = [], []
    for word in words:
        test, test_params = word_test(word, spoken, facts, ident)
        sql.append(test)
        params.extend(test_params)
    return " AND ".join(sql) or "1", params


def word_test(word: str, spoken: bool, facts: str = "f", ident: str = "m.id") -> tuple[str, list[Any]]:
    """A WHERE term, the truth for every word: it is in the item's search text (browse_facts alias `facts`) or
    in its transcript (`ident`: the item's id expression). The trigram answer only narrows what is tested."""
    sql = f"{facts}.search_text LIKE ? ESCAPE '\\'"
    if not spoken:
        return sql, [like(word)]
    spoken_sql = f"EXISTS (SELECT 1 FROM transcripts t WHERE t.media_id = {ident} AND t.text LIKE ? ESCAPE '\\')"
    return f"({sql} OR {spoken_sql})", [like(word), like(word)]
