"""The long-term taste: each item's play/skip record and the recency-decayed profile built from them.

Per item: plays, skips, likes and dislikes, when it was last heard, and two decayed affinities (positive
from plays and likes, negative from skips and dislikes) that lose half their weight every half-life.
The profile of a space is the affinity-weighted mean of the items' vectors in that space, computed
from the strongest items when it is asked for (not stored as a vector: after an index rebuild the same
items give the profile in the new space)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .vectors import SpaceVectors, unit

PROFILE_ITEMS = 200  # the strongest items that make a profile: enough for a taste, cheap to fetch
EVENT_WEIGHTS = {"play": (1.0, 0.0), "like": (2.0, 0.0), "skip": (0.0, 1.0), "dislike": (0.0, 2.0)}
"""(positive, negative) affinity one event adds."""


@dataclass
class ItemRecord:
    plays: int = 0
    skips: int = 0
    likes: int = 0
    dislikes: int = 0
    last_ts: float = 0.0  # last play or skip
    pos: float = 0.0  # decayed positive affinity, as of `at`
    neg: float = 0.0
    at: float = 0.0

    def decayed(self, now: float, half_life_s: float) -> tuple[float, float]:
        f = 0.5 ** (max(0.0, now - self.at) / half_life_s) if half_life_s > 0 else 1.0
        return self.pos * f, self.neg * f

    @property
    def log_odds(self) -> float:
        """Log-odds of the Beta(1, 1) posterior mean of "played, not skipped" (likes count twice): 0 unknown."""
        return math.log((1 + self.plays + 2 * self.likes) / (1 + self.skips + 2 * self.dislikes))

    def to_json(self) -> list:
        return [self.plays, self.skips, self.likes, self.dislikes, round(self.last_ts, 3), round(self.pos, 6),
                round(self.neg, 6), round(self.at, 3)]

    @classmethod
    def from_json(cls, row: list) -> "ItemRecord":
        return cls(int(row[0]), int(row[1]), int(row[2]), int(row[3]), *map(float, row[4:8]))


class Taste:
    """Every item's record and the long-term profile. `half_life_days` sets the profile's memory."""

    def __init__(self, half_life_days: float = 30.0):
        self.half_life_s = half_life_days * 86400.0
        self.items: dict[int, ItemRecord] = {}

    def add(self, media_id: int, type: str, ts: float) -> None:
        if type not in EVENT_WEIGHTS:
            return
        rec = self.items.setdefault(media_id, ItemRecord(at=ts))
        rec.pos, rec.neg = rec.decayed(ts, self.half_life_s)
        rec.at = max(rec.at, ts)
        dp, dn = EVENT_WEIGHTS[type]
        rec.pos += dp
        rec.neg += dn
        if type == "play":
            rec.plays += 1
        elif type == "skip":
            rec.skips += 1
        elif type == "like":
            rec.likes += 1
        else:
            rec.dislikes += 1
        if type in ("play", "skip"):
            rec.last_ts = max(rec.last_ts, ts)

    def strongest(self, now: float, negative: bool = False, limit: int = PROFILE_ITEMS) -> tuple[np.ndarray, np.ndarray]:
        """(media ids, decayed weights) of the items with the most positive (or negative) affinity now."""
        ids, weights = [], []
        for mid, rec in self.items.items():
            pos, neg = rec.decayed(now, self.half_life_s)
            w = neg if negative else pos
            if w > 1e-6:
                ids.append(mid)
                weights.append(w)
        ids_a, w_a = np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float32)
        if len(ids_a) > limit:
            keep = np.argpartition(-w_a, limit - 1)[:limit]
            ids_a, w_a = ids_a[keep], w_a[keep]
        return ids_a, w_a

    def profile(self, vectors: SpaceVectors, spaces: list[str], now: float, negative: bool = False
                ) -> dict[str, np.ndarray]:
        """Per space, the unit-length weighted mean of the strongest items' vectors (spaces with none left out)."""
        ids, weights = self.strongest(now, negative)
        out: dict[str, np.ndarray] = {}
        if len(ids) == 0:
            return out
        for s in spaces:
            rows, has = vectors.get(s, ids)
            if has.any():
                v = unit(weights[has] @ rows[has])
                if v is not None:
                    out[s] = v
        return out

    def played(self, media_id: int) -> bool:
        return media_id in self.items

    def to_json(self) -> dict[str, Any]:
        return {str(k): v.to_json() for k, v in self.items.items()}

    def load_json(self, doc: dict[str, Any]) -> None:
        self.items = {int(k): ItemRecord.from_json(v) for k, v in doc.items()}


__all__ = ["Taste", "ItemRecord", "EVENT_WEIGHTS", "PROFILE_ITEMS"]
