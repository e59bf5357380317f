"""Item-to-item collaborative filtering over the user's own sessions: which items they finish near each other.

Two items co-occur when both are finished (or liked) within WINDOW positive steps of each other in one
session. Counts are symmetric and kept per item for its strongest partners only (MAX_PARTNERS), so the
table stays small however long the history grows. Pairs live in columns (a, b, count) so that saving
the table after every event costs no more than copying three arrays."""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from .packing import pack, unpack

WINDOW = 3
MAX_PARTNERS = 50


class CoOccurrence:
    def __init__(self) -> None:
        self.a = np.zeros(256, dtype=np.int64)
        self.b = np.zeros(256, dtype=np.int64)
        self.n = np.zeros(256, dtype=np.float32)  # 0: a free row
        self.used = 0
        self.pair: dict[tuple[int, int], int] = {}  # (a, b) -> row
        self.rows_of: dict[int, list[int]] = {}  # a -> its rows

    def __len__(self) -> int:
        return len(self.pair)

    def count(self, a: int, b: int) -> float:
        r = self.pair.get((a, b))
        return 0.0 if r is None else float(self.n[r])

    def add(self, media_id: int, session_positives: Iterable[int]) -> None:
        """`media_id` was just finished; `session_positives` are the session's earlier finished items, oldest first."""
        recent = [m for m in session_positives if m != media_id][-WINDOW:]
        for other in recent:
            for a, b in ((media_id, other), (other, media_id)):
                self._bump(a, b, 1.0)

    def _bump(self, a: int, b: int, by: float) -> None:
        r = self.pair.get((a, b))
        if r is None:
            r = self._new_row(a, b)
        self.n[r] += by
        if len(self.rows_of[a]) > 2 * MAX_PARTNERS:
            self._prune(a)

    def _new_row(self, a: int, b: int) -> int:
        if self.used == len(self.a):
            self.a, self.b, self.n = (np.concatenate([x, np.zeros_like(x)]) for x in (self.a, self.b, self.n))
        r = self.used
        self.used += 1
        self.a[r], self.b[r], self.n[r] = a, b, 0.0
        self.pair[(a, b)] = r
        self.rows_of.setdefault(a, []).append(r)
        return r

    def _prune(self, a: int) -> None:
        """Keep `a`'s MAX_PARTNERS strongest partners; the others' rows are freed (count 0, left out on save)."""
        rows = sorted(self.rows_of[a], key=lambda r: -self.n[r])
        for r in rows[MAX_PARTNERS:]:
            del self.pair[(a, int(self.b[r]))]
            self.n[r] = 0.0
        self.rows_of[a] = rows[:MAX_PARTNERS]

    def partners(self, anchors: dict[int, float]) -> dict[int, float]:
        """Weighted co-occurrence of every partner of the `anchors` (media id -> weight)."""
        out: dict[int, float] = {}
        for anchor, w in anchors.items():
            rows = self.rows_of.get(anchor)
            if rows:
                for b, n in zip(self.b[rows].tolist(), self.n[rows].tolist()):
                    out[b] = out.get(b, 0.0) + w * n
        return out

    def to_json(self) -> dict[str, Any]:
        live = np.flatnonzero(self.n[:self.used] > 0)
        return {"a": pack(self.a[live], "<i4"), "b": pack(self.b[live], "<i4"), "n": pack(self.n[live], "<f4")}

    def load_json(self, doc: dict[str, Any]) -> None:
        self.__init__()
        a, b, n = (unpack(doc.get(k), t) for k, t in (("a", "<i8"), ("b", "<i8"), ("n", "<f4")))
        for x, y, c in zip(a.tolist(), b.tolist(), n.tolist()):
            self._bump(x, y, c)


__all__ = ["CoOccurrence", "WINDOW", "MAX_PARTNERS"]
