"""Turning scored candidates into a list: diversity by MMR, artist and album spacing, exploring slots.

Greedy maximal marginal relevance: each slot takes the candidate with the best
    lambda * p - (1 - lambda) * max cosine to the items already in the list - spacing
where p is the scorer's probability of a finish (a finished item heard lately: weighed by its freshness,
see pacing.py; a "not now" item: lowered), the cosine is in the fused space, and `spacing` is a
penalty for the artist or album of one of the last ARTIST_GAP items before it (the list continues what
was just played, so those count too). The slots `due` to explore (pacing.ExploreRecord.due: never
several in a row) are filled from the exploration pool by the same rule."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ARTIST_GAP = 3
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
        before: list[tuple[str | None, str | None]], n: int, lam: float, due: list[bool] | None = None) -> list[Slot]:
    """Choose n rows (see the module docstring). `who[i]` is row i's (artist, album); `before` the people of
    the items played just before the list, oldest first."""
    chosen: list[Slot] = []
    taken = np.zeros(len(probs), dtype=bool)
    max_sim = np.zeros(len(probs), dtype=np.float32)
    sequence = list(before[-ARTIST_GAP:])
    for slot in range(min(n, len(probs))):
        want_explore = bool(due and slot < len(due) and due[slot])
        pool = ~taken & (explore if want_explore and (explore & ~taken).any() else ~explore)
        if not pool.any():
            pool = ~taken
            if not pool.any():
                break
        value = lam * probs - (1.0 - lam) * max_sim - SPACING_PENALTY * _spacing(who, sequence[-ARTIST_GAP:])
        value = np.where(pool, value, -np.inf)
        best = int(np.argmax(value))
        chosen.append(Slot(best, bool(explore[best])))
        taken[best] = True
        if fused.shape[1]:
            max_sim = np.maximum(max_sim, fused @ fused[best])
        sequence.append(who[best])
    return chosen


def _spacing(who: list[tuple[str | None, str | None]], recent: list[tuple[str | None, str | None]]) -> np.ndarray:
    artists = {a for a, _ in recent if a}
    albums = {b for _, b in recent if b}
    if not artists and not albums:
        return np.zeros(len(who), dtype=np.float32)
    return np.array([1.0 if (a and a in artists) or (b and b in albums) else 0.0 for a, b in who], dtype=np.float32)


__all__ = ["mmr", "shortlist", "people", "PEOPLE_COLUMNS", "Slot", "ARTIST_GAP", "SPACING_PENALTY"]
