"""The listening session going on: its recent items, what was finished and what was skipped, and the
weights from which features.build_context makes the session's finished and skipped directions.

A session is the run of events the history rules (events.py) put under one session id; it ends after
SESSION_GAP of silence. The newest entry counts most: an entry `k` steps back weighs 0.5 ** (k / h),
h the session half-life. A skip moves the negative direction at once, which is how an up-next list
steers away from the region the user just skipped."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .events import SESSION_GAP

MAX_ENTRIES = 30  # older entries weigh less than 1/1000 at the default half-life
SIGNS = {"play": 1, "like": 1, "skip": -1, "dislike": -1}


@dataclass
class Entry:
    media_id: int
    sign: int  # +1 finished or liked, -1 skipped or disliked
    ts: float


@dataclass
class Session:
    session_id: str | None = None
    entries: list[Entry] = field(default_factory=list)  # oldest first
    last_ts: float = 0.0

    def add(self, media_id: int, type: str, ts: float, session_id: str | None) -> None:
        if type not in SIGNS:
            return
        if (session_id and session_id != self.session_id) or (self.entries and ts - self.last_ts > SESSION_GAP):
            self.entries = []
        self.session_id = session_id or self.session_id
        self.last_ts = max(self.last_ts, ts)
        sign = SIGNS[type]
        if type in ("like", "dislike") and self.entries and self.entries[-1].media_id == media_id:
            self.entries[-1].sign = sign  # a verdict on what was just heard: the same entry, now sure
            return
        self.entries.append(Entry(media_id, sign, ts))
        del self.entries[:-MAX_ENTRIES]

    def active(self, now: float) -> list[Entry]:
        """The entries of the session still going on at `now` (none after SESSION_GAP of silence)."""
        if not self.entries or now - self.last_ts > SESSION_GAP:
            return []
        return [e for e in self.entries if e.ts <= now]

    def weights(self, entries: list[Entry], half_life: float) -> np.ndarray:
        ages = np.arange(len(entries) - 1, -1, -1, dtype=np.float32)
        return (0.5 ** (ages / max(half_life, 1e-3))).astype(np.float32)

    def weighted(self, entries: list[Entry], half_life: float) -> tuple[np.ndarray, np.ndarray]:
        """(media ids, signed weights) of the entries: + finished, - skipped, the newest weighing most.
        The session's direction in a space is the unit mean of the vectors by the positive weights, the
        skipped direction by the negative ones (see features.build_context)."""
        ids = np.array([e.media_id for e in entries], dtype=np.int64)
        signs = np.array([e.sign for e in entries], dtype=np.float32)
        return ids, self.weights(entries, half_life) * signs

    def to_json(self) -> dict[str, Any]:
        return {"id": self.session_id, "last_ts": self.last_ts,
                "entries": [[e.media_id, e.sign, round(e.ts, 3)] for e in self.entries]}

    @classmethod
    def from_json(cls, doc: dict[str, Any] | None) -> "Session":
        if not doc:
            return cls()
        return cls(doc.get("id"), [Entry(int(m), int(s), float(t)) for m, s, t in doc.get("entries", [])],
                   float(doc.get("last_ts", 0.0)))


__all__ = ["Session", "Entry", "SIGNS", "MAX_ENTRIES"]
