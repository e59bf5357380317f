"""Per-item play statistics for the library's columns (plays, skips, likes, dislikes, last played).

Table `item_stats` (schema v3), one row per media row, kept current by triggers, never by callers:

    item_stats(
        media_id    INTEGER PRIMARY KEY  -> media(id), ON DELETE CASCADE
        plays       INTEGER NOT NULL     events of type 'play' (a counted play, recommend/events.py rules)
        skips       INTEGER NOT NULL     events of type 'skip'
        likes       INTEGER NOT NULL     events of type 'like'
        dislikes    INTEGER NOT NULL     events of type 'dislike'
        last_played REAL                 unix time of the newest play_start/play/skip/play_end; NULL: never
    )
    indexes: item_stats_plays (plays, media_id), item_stats_skips (skips, media_id),
             item_stats_last_played (last_played, media_id)

Triggers: `item_stats_media` adds a zero row for each new media row; `item_stats_event` adds each new
event; `item_stats_forget` takes a forgotten event back out. The migration fills it from the events.

A paged browse joins it one to one (every media row has its row, so an inner join loses nothing):

    SELECT m.id, m.title, s.plays, s.skips, s.last_played
    FROM media m JOIN item_stats s ON s.media_id = m.id
    WHERE m.status = 'ok' ORDER BY s.plays DESC, m.id LIMIT ? OFFSET ?
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .schema import fill_item_stats

if TYPE_CHECKING:
    from .db import Library

TABLE = "item_stats"
COLUMNS = ("plays", "skips", "likes", "dislikes", "last_played")
"""The statistics columns, besides `media_id`; each may be sorted on (plays, skips and last_played
have an index)."""


@dataclass(frozen=True)
class ItemStats:
    """One item's statistics. `last_played`: unix time, None when never played."""

    media_id: int
    plays: int = 0
    skips: int = 0
    likes: int = 0
    dislikes: int = 0
    last_played: float | None = None


def get(lib: "Library", media_id: int) -> ItemStats:
    """The item's statistics (zeros for an item without a row, e.g. an unknown id)."""
    row = lib.conn.execute(f"SELECT media_id, {', '.join(COLUMNS)} FROM item_stats WHERE media_id = ?",
                           (int(media_id),)).fetchone()
    return ItemStats(int(media_id)) if row is None else ItemStats(**dict(row))


def get_many(lib: "Library", media_ids: list[int]) -> dict[int, ItemStats]:
    """media id -> ItemStats for the ids that have a row (a page of a view)."""
    out: dict[int, ItemStats] = {}
    for start in range(0, len(media_ids), 900):  # below SQLite's bound-parameter limit
        part = [int(i) for i in media_ids[start:start + 900]]
        rows = lib.query(f"SELECT media_id, {', '.join(COLUMNS)} FROM item_stats WHERE media_id IN "
                         f"({','.join('?' * len(part))})", part)
        out.update({r["media_id"]: ItemStats(**dict(r)) for r in rows})
    return out


def recompute(lib: "Library") -> None:
    """Rebuild every row from the events (a repair; the triggers keep it current otherwise)."""
    with lib.transaction() as c:
        fill_item_stats(c)


__all__ = ["TABLE", "COLUMNS", "ItemStats", "get", "get_many", "recompute"]
