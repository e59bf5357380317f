"""Item-to-item collaborative filtering over the user's own sessions: which items they finish near each other.

Two items co-occur when both are finished (or liked) within WINDOW positive steps of each other in one
session. Counts are symmetric and kept per item for its strongest partners only (MAX_PARTNERS), so the
table stays small however long the history grows."""
from __future__ import annotations

from typing import Any, Iterable

WINDOW = 3
MAX_PARTNERS = 50


class CoOccurrence:
    def __init__(self) -> None:
        self.counts: dict[int, dict[int, float]] = {}

    def add(self, media_id: int, session_positives: Iterable[int]) -> None:
        """`media_id` was just finished; `session_positives` are the session's earlier finished items, oldest first."""
        recent = [m for m in session_positives if m != media_id][-WINDOW:]
        for other in recent:
            for a, b in ((media_id, other), (other, media_id)):
                row = self.counts.setdefault(a, {})
                row[b] = row.get(b, 0.0) + 1.0
                if len(row) > 2 * MAX_PARTNERS:
                    self._prune(a)

    def _prune(self, media_id: int) -> None:
        row = self.counts[media_id]
        self.counts[media_id] = dict(sorted(row.items(), key=lambda kv: -kv[1])[:MAX_PARTNERS])

    def partners(self, anchors: dict[int, float]) -> dict[int, float]:
        """Weighted co-occurrence of every partner of the `anchors` (media id -> weight)."""
        out: dict[int, float] = {}
        for anchor, w in anchors.items():
            for partner, n in self.counts.get(anchor, {}).items():
                out[partner] = out.get(partner, 0.0) + w * n
        return out

    def to_json(self) -> dict[str, Any]:
        for a in list(self.counts):
            if len(self.counts[a]) > MAX_PARTNERS:
                self._prune(a)
        return {str(a): {str(b): n for b, n in row.items()} for a, row in self.counts.items()}

    def load_json(self, doc: dict[str, Any]) -> None:
        self.counts = {int(a): {int(b): float(n) for b, n in row.items()} for a, row in doc.items()}


__all__ = ["CoOccurrence", "WINDOW", "MAX_PARTNERS"]
