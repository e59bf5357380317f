"""transcripts and their timed segments; the FTS5 index follows the segments through triggers."""
from __future__ import annotations

import bisect
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

from . import search_text
from .codec import now

if TYPE_CHECKING:
    from .db import Library


@dataclass(frozen=True)
class Segment:
    """A timed piece of a transcript: seconds from the start of the file, and what is said."""

    start: float
    end: float
    text: str


@dataclass(frozen=True)
class TimedTranscript:
    """What is said in one file. `segments` in time order (empty: analysed, no speech found); `language`:
    an ISO code such as "en", or None; `version`: the transcript extractor's version that made it."""

    media_id: int
    language: str | None
    version: int
    segments: tuple[Segment, ...]

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments)

    def index_at(self, seconds: float) -> int | None:
        """The segment playing at `seconds` (the last one started by then), None before the first."""
        i = bisect.bisect_right([s.start for s in self.segments], seconds) - 1
        return i if i >= 0 else None


RANK_AT_ONCE = 5000
"""match_media ranks up to this many candidate files in one query; more are ranked a chunk at a time."""


class TranscriptStore:
    def __init__(self, lib: "Library"):
        self.lib = lib

    def timed(self, media_id: int) -> TimedTranscript | None:
        """The file's transcript with its timed segments; None when it has not been transcribed yet."""
        row = self.lib.conn.execute("SELECT language, version FROM transcripts WHERE media_id = ?",
                                    (int(media_id),)).fetchone()
        if row is None:
            return None
        segs = self.lib.query("SELECT start, end, text FROM transcript_segments WHERE media_id = ? ORDER BY start, id",
                              (int(media_id),))
        return TimedTranscript(int(media_id), row["language"], row["version"],
                               tuple(Segment(float(r["start"]), float(r["end"]), r["text"]) for r in segs))

    def put(self, media_id: int, version: int, language: str | None, segments: Sequence[tuple[float, float, str]]) -> None:
        """Replace a file's transcript. An empty `segments` stores "no speech" (so it is not redone)."""
        text = " ".join(s[2].strip() for s in segments).strip()
        with self.lib.transaction() as c:
            c.execute("DELETE FROM transcript_segments WHERE media_id = ?", (media_id,))
            c.execute("DELETE FROM transcripts WHERE media_id = ?", (media_id,))
            c.execute("INSERT INTO transcripts (media_id, version, language, text, created_at) VALUES (?, ?, ?, ?, ?)",
                      (media_id, version, language, text, now()))
            c.executemany("INSERT INTO transcript_segments (media_id, start, end, text) VALUES (?, ?, ?, ?)",
                          ((media_id, float(s), float(e), t.strip()) for s, e, t in segments if t.strip()))

    def get(self, media_id: int) -> dict[str, Any] | None:
        row = self.lib.conn.execute("SELECT * FROM transcripts WHERE media_id = ?", (media_id,)).fetchone()
        if row is None:
            return None
        d = dict(row)
        d["segments"] = [dict(r) for r in self.lib.query(
            "SELECT start, end, text FROM transcript_segments WHERE media_id = ? ORDER BY start", (media_id,))]
        return d

    def search(self, match: str, limit: int = 50) -> list[dict[str, Any]]:
        """Segments matching an FTS5 query, best first, with a highlighted snippet."""
        rows = self.lib.query(
            """SELECT s.media_id, s.start, s.end, s.text,
                      snippet(transcript_fts, 0, '[', ']', '…', 12) AS snippet, bm25(transcript_fts) AS rank
               FROM transcript_fts JOIN transcript_segments s ON s.id = transcript_fts.rowid
               WHERE transcript_fts MATCH ? ORDER BY rank LIMIT ?""", (match, limit))
        return [dict(r) for r in rows]

    # --- for `mediarec search` (mediarec/search.py) --------------------------------------------------
    def search_segments(self, match: str, kind: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
        """Like `search`, only in files that are ok (and of `kind`), with each file's path, title and kind."""
        rows = self.lib.query(
            """SELECT s.media_id, s.start, s.end, s.text, m.path, m.title, m.kind,
                      snippet(transcript_fts, 0, '[', ']', '…', 12) AS snippet, bm25(transcript_fts) AS rank
               FROM transcript_fts JOIN transcript_segments s ON s.id = transcript_fts.rowid
               JOIN media m ON m.id = s.media_id
               WHERE transcript_fts MATCH ? AND m.status = 'ok' AND (? IS NULL OR m.kind = ?)
               ORDER BY rank LIMIT ?""", (match, kind, kind, limit))
        return [dict(r) for r in rows]

    def match_media(self, terms: Sequence[str], kind: str | None = None, limit: int = 200,
                    trigram: bool = True) -> list[dict[str, Any]]:
        """Files that are ok (and of `kind`) whose title, artist, album, genre or path contains every term
        (case-insensitive), those with a term in the title first. `trigram`: only the files whose search text
        holds every term (library/search_text.py: trigram lists) are tested, instead of every file; the answer
        is the same."""
        if not terms:
            return []
        fields = ("m.title", "m.artist", "m.album", "m.genre", "m.path")
        where, params, title_hits = [], [], []
        for term in terms:
            like = search_text.like(term)
            where.append("(" + " OR ".join(f"{f} LIKE ? ESCAPE '\\'" for f in fields) + ")")
            params += [like] * len(fields)
            title_hits.append(like)
        in_title = " + ".join("(m.title LIKE ? ESCAPE '\\')" for _ in title_hits)
        test = f"m.status = 'ok' AND (? IS NULL OR m.kind = ?) AND {' AND '.join(where)}"
        if not trigram:
            return [dict(r) for r in self.lib.query(
                f"""SELECT m.id AS media_id, m.path, m.title, m.artist, m.kind FROM media m WHERE {test}
                    ORDER BY {in_title} DESC, m.id LIMIT ?""", (kind, kind, *params, *title_hits, limit))]
        # a superset: the search text holds these fields (lower-cased); the LIKEs above then decide
        found = sorted(search_text.matching_ids(self.lib, list(terms)) or [])
        source = "json_each(?) c CROSS JOIN media m ON m.id = c.value"
        if len(found) <= RANK_AT_ONCE:
            return [dict(r) for r in self.lib.query(
                f"""SELECT m.id AS media_id, m.path, m.title, m.artist, m.kind FROM {source} WHERE {test}
                    ORDER BY {in_title} DESC, m.id LIMIT ?""",
                (json.dumps(found), kind, kind, *params, *title_hits, limit))]
        # Many: rank level by level (all terms in the title, then one fewer...), ids ascending a chunk at a time,
        # so a common query stops at `limit` rows instead of testing and sorting every match.
        out: list[dict[str, Any]] = []
        for level in range(len(terms), -1, -1):
            for start in range(0, len(found), RANK_AT_ONCE):
                chunk = json.dumps(found[start:start + RANK_AT_ONCE])
                out += [dict(r) for r in self.lib.query(
                    f"""SELECT m.id AS media_id, m.path, m.title, m.artist, m.kind FROM {source}
                        WHERE {in_title} = ? AND {test} ORDER BY m.id LIMIT ?""",
                    (chunk, *title_hits, level, kind, kind, *params, limit - len(out)))]
                if len(out) >= limit:
                    return out
        return out

    def count(self) -> int:
        """Files with a stored transcript (including those stored as "no speech")."""
        return self.lib.conn.execute("SELECT count(*) FROM transcripts").fetchone()[0]
