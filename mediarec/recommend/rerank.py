"""Turning scored candidates into a list: diversity by MMR, artist and album spacing, exploring slots.

Greedy maximal marginal relevance: each slot takes the candidate with the best
    lambda * p - (1 - lambda) * max cosine to the items already in the list - spacing
where p is the scorer's probability of a finish (a finished item heard lately: weighed by its freshness,
see pacing.py; a "not now" item: lowered), the cosine is in the fused space, and `spacing` is a
penalty for the album of one of the last ALBUM_GAP items before it. The artist of one of the last
`artist_spacing` items (the setting; the list continues what was just played, so those count too) is
left out of the slot whenever a candidate by someone else is there to take it. The slots `due` to
explore (pacing.ExploreRecord.due: never several in a row) are filled from the exploration pool by the
same rule."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ARTIST_GAP = 3  # the default of RecommendSettings.artist_spacing
ALBUM_GAP = 3
SPACING_PENALTY = 0.15  # in probability units: breaks near-ties, never overrules a clearly better pick
POOL_PER_SLOT = 5  # MMR looks at the best POOL_PER_SLOT * n candidates (and the whole exploration pool)


@dataclass
class Slot:
    position: int  # row in the candidate arrays
    explored: bool


PEOPLE_COLUMNS = ("artist", "album", "album_artist")


def people(row: dict | None) -> tuple[str | None, str | None]:
    """(artist, album key) of a media row; None where unknown."""
    if not row:
        return None, None
    artist = (row.get("artist") or row.get("album_artist") or "").strip().lower() or None
    album = (row.get("album") or "").strip().lower() or None
    return artist, (f"{row.get('album_artist') or artist}|{album}" if album else None)


def shortlist(probs: np.ndarray, explore: np.ndarray, n: int) -> np.ndarray:
    """Positions MMR considers: the best regular candidates and every exploring one."""
    regular = np.flatnonzero(~explore)
    best = regular[np.argsort(-probs[regular], kind="stable")[:POOL_PER_SLOT * n + 10]]
    return np.concatenate([best, np.flatnonzero(explore)])


def mmr(probs: np.ndarray, fused: np.ndarray, explore: np.ndarray, who: list[tuple[str | None, str | None]],
        before: list[tuple[str | None, str | None]], n: int, lam: float, due: list[bool] | None = None,
        artist_spacing: int = ARTIST_GAP) -> list[Slot]:
    """Choose n rows (see the module docstring). `who[i]` is row i's (artist, album); `before` the people of
    the items played just before the list, oldest first; `artist_spacing`: picks between two by one artist
    (0: no rule)."""
    chosen: list[Slot] = []
    taken = np.zeros(len(probs), dtype=bool)
    max_sim = np.zeros(len(probs), dtype=np.float32)
    sequence = list(before[-recent_needed(artist_spacing):])
    for slot in range(min(n, len(probs))):
        want_explore = bool(due and slot < len(due) and due[slot])
        clash = _clash(who, sequence[-artist_spacing:] if artist_spacing > 0 else [])
        pool = _pool(~taken, explore, clash, want_explore)
        if pool is None:
            break
        value = lam * probs - (1.0 - lam) * max_sim - SPACING_PENALTY * _spacing(who, sequence[-ALBUM_GAP:])
        value = np.where(pool, value, -np.inf)
        best = int(np.argmax(value))
        chosen.append(Slot(best, bool(explore[best])))
        taken[best] = True
        if fused.shape[1]:
            max_sim = np.maximum(max_sim, fused @ fused[best])
        sequence.append(who[best])
    return chosen


def recent_needed(artist_spacing: int) -> int:
    """How many of the items played just before a list the rules look at."""
    return max(artist_spacing, ALBUM_GAP)


def _pool(free: np.ndarray, explore: np.ndarray, clash: np.ndarray, want_explore: bool) -> np.ndarray | None:
    """The rows a slot may take: its pool (exploring when due and any is left, else regular, else any) without
    the artists just heard; else a regular row, then any row, without them; only when every free row clashes,
    its pool as it is. None: all taken."""
    if not free.any():
        return None
    pool = free & (explore if want_explore and (explore & free).any() else ~explore)
    if not pool.any():
        pool = free
    for choice in (pool & ~clash, free & ~explore & ~clash, free & ~clash):
        if choice.any():
            return choice
    return pool


def _clash(who: list[tuple[str | None, str | None]], recent: list[tuple[str | None, str | None]]) -> np.ndarray:
    artists = {a for a, _ in recent if a}
    return np.array([bool(a and a in artists) for a, _ in who], dtype=bool)


def _spacing(who: list[tuple[str | None, str | None]], recent: list[tuple[str | None, str | None]]) -> np.ndarray:
    albums = {b for _, b in recent if b}
    if not albums:
        return np.zeros(len(who), dtype=np.float32)
    return np.array([1.0 if b and b in albums else 0.0 for _, b in who], dtype=np.float32)


__all__ = ["mmr", "shortlist", "people", "recent_needed", "PEOPLE_COLUMNS", "Slot", "ARTIST_GAP", "ALBUM_GAP",
           "SPACING_PENALTY"]
