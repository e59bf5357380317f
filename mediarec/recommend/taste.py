"""The long-term taste: each item's play/skip record and the recency-decayed profile built from them.

Per item: plays, skips, likes and dislikes, when it was last heard, and two decayed affinities (positive
from plays and likes, negative from skips and dislikes) that lose half their weight every half-life.
The profile of a space is the affinity-weighted mean of the items' vectors in that space, computed
from the strongest items when it is asked for (see features.build_context; not stored as a vector:
after an index rebuild the same items give the profile in the new space). Records are kept in columns
(numpy arrays, one row per item), so the strongest items of a long history are found without a loop."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .packing import pack, unpack

PROFILE_ITEMS = 200  # the strongest items that make a profile: enough for a taste, cheap to fetch
EVENT_WEIGHTS = {"play": (1.0, 0.0), "like": (2.0, 0.0), "skip": (0.0, 1.0), "dislike": (0.0, 2.0)}
"""(positive, negative) affinity one event adds."""
COUNTS = ("plays", "skips", "likes", "dislikes")
COUNT_OF = {"play": 0, "skip": 1, "like": 2, "dislike": 3}
FLOATS = ("last_ts", "pos", "neg", "at")  # last play or skip; decayed affinities as of `at`


@dataclass
class ItemRecord:
    """One item's row, as callers read it."""

    plays: int
    skips: int
    likes: int
    dislikes: int
    last_ts: float

    @property
    def log_odds(self) -> float:
        """Log-odds of the Beta(1, 1) posterior mean of "played, not skipped" (likes count twice): 0 unknown."""
        return math.log((1 + self.plays + 2 * self.likes) / (1 + self.skips + 2 * self.dislikes))


class Taste:
    """Every item's record and the long-term profile. `half_life_days` sets the profile's memory."""

    def __init__(self, half_life_days: float = 30.0):
        self.half_life_s = half_life_days * 86400.0
        self.row: dict[int, int] = {}  # media id -> row
        self.ids = np.zeros(64, dtype=np.int64)
        self.counts = np.zeros((64, len(COUNTS)), dtype=np.int64)
        self.floats = np.zeros((64, len(FLOATS)), dtype=np.float64)
        self._changes = 0  # records changed (add, load): the decay factors below are kept until then
        self._decayed: tuple[tuple, np.ndarray] | None = None  # ((now, rows, changes), every row's decay)

    @property
    def items(self) -> "Taste":
        """Membership and records by media id (`mid in taste.items`, `taste.items.get(mid)`)."""
        return self

    def __contains__(self, media_id: object) -> bool:
        return media_id in self.row

    def __len__(self) -> int:
        return len(self.row)

    def __bool__(self) -> bool:
        return bool(self.row)

    def get(self, media_id: int) -> ItemRecord | None:
        r = self.row.get(media_id)
        if r is None:
            return None
        c = self.counts[r]
        return ItemRecord(int(c[0]), int(c[1]), int(c[2]), int(c[3]), float(self.floats[r, 0]))

    def disliked(self) -> np.ndarray:
        """Media ids disliked more often than liked: up next leaves them out (the user said so)."""
        n = len(self.row)
        return self.ids[:n][self.counts[:n, COUNT_OF["dislike"]] > self.counts[:n, COUNT_OF["like"]]]

    def _decay(self, rows, now: float) -> np.ndarray:
        if self.half_life_s <= 0:
            return np.ones(np.size(rows))
        return 0.5 ** (np.maximum(0.0, now - self.floats[rows, 3]) / self.half_life_s)

    def add(self, media_id: int, type: str, ts: float) -> None:
        if type not in EVENT_WEIGHTS:
            return
        r = self.row.get(media_id)
        if r is None:
            r = self._new_row(media_id, ts)
        f = float(self._decay(r, ts))
        dp, dn = EVENT_WEIGHTS[type]
        self.floats[r, 1] = self.floats[r, 1] * f + dp
        self.floats[r, 2] = self.floats[r, 2] * f + dn
        self.floats[r, 3] = max(self.floats[r, 3], ts)
        self.counts[r, COUNT_OF[type]] += 1
        if type in ("play", "skip"):
            self.floats[r, 0] = max(self.floats[r, 0], ts)
        self._changes += 1

    def _new_row(self, media_id: int, ts: float) -> int:
        r = len(self.row)
        if r == len(self.ids):
            self.ids = np.concatenate([self.ids, np.zeros_like(self.ids)])
            self.counts = np.vstack([self.counts, np.zeros_like(self.counts)])
            self.floats = np.vstack([self.floats, np.zeros_like(self.floats)])
        self.row[media_id] = r
        self.ids[r] = media_id
        self.counts[r] = 0
        self.floats[r] = (0.0, 0.0, 0.0, ts)
        return r

    def strongest(self, now: float, negative: bool = False, limit: int = PROFILE_ITEMS
                  ) -> tuple[np.ndarray, np.ndarray]:
        """(media ids, decayed weights) of the items with the most positive (or negative) affinity now."""
        n = len(self.row)
        key = (now, n, self._changes)
        if self._decayed is None or self._decayed[0] != key:  # a list asks three times at the same moment
            self._decayed = key, self._decay(slice(0, n), now)
        w = self.floats[:n, 2 if negative else 1] * self._decayed[1]
        keep = np.flatnonzero(w > 1e-6)
        if len(keep) > limit:
            keep = keep[np.argpartition(-w[keep], limit - 1)[:limit]]
        return self.ids[keep], w[keep].astype(np.float32)

    def to_json(self) -> dict[str, Any]:
        """Packed columns, not one object per item: a long history saves and loads in a few milliseconds."""
        n = len(self.row)
        return {"ids": pack(self.ids[:n], "<i4"), "counts": pack(self.counts[:n], "<i4"),
                "floats": pack(self.floats[:n], "<f8"), "columns": [*COUNTS, *FLOATS]}

    def load_json(self, doc: dict[str, Any]) -> None:
        ids = unpack(doc.get("ids"), "<i8")
        n = len(ids)
        cap = max(64, 1 << max(0, n - 1).bit_length())
        self.ids = np.zeros(cap, dtype=np.int64)
        self.counts = np.zeros((cap, len(COUNTS)), dtype=np.int64)
        self.floats = np.zeros((cap, len(FLOATS)), dtype=np.float64)
        self.ids[:n] = ids
        if n:
            self.counts[:n] = unpack(doc.get("counts"), "<i8").reshape(n, len(COUNTS))
            self.floats[:n] = unpack(doc.get("floats"), "<f8").reshape(n, len(FLOATS))
        self.row = {int(m): r for r, m in enumerate(ids.tolist())}
        self._changes += 1


__all__ = ["Taste", "ItemRecord", "EVENT_WEIGHTS", "PROFILE_ITEMS"]
