"""Up next's pacing from the listener's own record: when a finished item may come back, how much to explore.

Repeats. A fixed no-repeat window forbids every favourite for its whole length: once the unheard items a
listener likes run out, the list is filled from regions they keep skipping (issue 11: 0.15 skips over
picks 1-20, 0.50 over 41-60). Instead, an item heard in the window is:
- out (`hard`) when it was heard in the last MIN_GAP picks, or the listener skipped it (more often than
  they finished it, or last time in this session);
- otherwise (`soft`) a candidate again, its chance of a finish weighed by `freshness(gap)`: REPEAT_FLOOR
  just after MIN_GAP, rising to 1 at the window's end. A favourite (the scorer's P(finished) includes its
  record) comes back early only when it beats the fresh candidates: when they are likely skips.
Exploration. Each exploring pick the listener hears is a try (as the last list to offer the item offered it:
an exploring pick a later list offers as a regular one is not), a skipped try halves the share of exploring
picks, a finished one doubles it back (never above the setting, never below EXPLORE_MIN_SCALE of it).
Tries are paced, not drawn: every regular pick heard adds the share to a credit, a try is due when the
credit reaches 1 and empties it (share 0.1: about one pick in ten; after two skipped tries one in forty),
and an exploring pick is followed by at least EXPLORE_GAP - 1 regular picks. Random draws came three
in a row now and then, and a run of them reads to the listener as the recommender losing the thread.
Regions. Of the items heard lately, the REGION_K most like a candidate (cosine over the content spaces),
those at least NEAR_REGION alike, are its region (the nearest few, not all above a threshold: where a
library's embeddings are all alike, a threshold alone would make one region of everything), and the
listener's record there is evidence the scorer's global directions miss: the odds of a finish are
multiplied by (1 + finished) / (1 + skipped): three skips and no finish, a quarter; two finishes after
an exploring try, three times, so a try the listener liked is followed up.
A try never goes into a region skipped more often than finished: exploring means somewhere not heard
yet, not back where the listener left."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

import numpy as np

MIN_GAP = 5  # an item heard in the last MIN_GAP picks is never offered
REPEAT_FLOOR = 0.35  # weight of a finished item's P(finished) just after MIN_GAP (1 at the window's end)
EXPLORE_GAP = 3  # picks from one exploring pick to the next, at least (3: two regular ones between)
EXPLORE_MEMORY = 8  # tries remembered
EXPLORE_MIN_SCALE = 0.125  # exploration never shrinks below this share of the setting
OFFERED_KEEP = 200  # ids offered as exploring picks, remembered until heard
NEAR_REGION = 0.6  # cosine (how it sounds and looks) from which a heard item is in a candidate's region
REGION_HEARD = 100  # the last items heard that make the regions
REGION_K = 5  # the heard items nearest a candidate that make its region, at most
NOT_NOW = 0.1  # weight of a "not now" item's P(finished): offered only when little else is left


def split_recent(recent: list[int], window: int, at_most: int, finished, skipped_last: set[int]
                 ) -> tuple[set[int], dict[int, int]]:
    """(hard, soft) over the last `window` items heard, newest first, at most `at_most` of them (a library
    too small for the window keeps the rest free: heard longest ago, they come back first). `finished(mid)`:
    whether the listener finished an item more often than they skipped it; `soft` maps an item to its gap
    (1: the last one heard)."""
    hard: set[int] = set()
    soft: dict[int, int] = {}
    if window <= 0:
        window = MIN_GAP
    for gap, mid in enumerate(reversed(recent[-max(window, MIN_GAP):]), start=1):
        if mid in hard or mid in soft:
            continue
        if len(hard) + len(soft) >= at_most:
            break
        if gap <= MIN_GAP or mid in skipped_last or not finished(mid):
            hard.add(mid)
        elif gap <= window:
            soft[mid] = gap
    return hard, soft


def freshness(gap: int, window: int) -> float:
    """How much a finished item heard `gap` picks ago is worth again, relative to a fresh one."""
    span = max(1, window - MIN_GAP)
    return REPEAT_FLOOR + (1.0 - REPEAT_FLOOR) * min(1.0, max(0.0, (gap - MIN_GAP) / span))


def region_odds(similarity: np.ndarray, finished: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(odds factor, skipped more than finished) of each candidate, from its `similarity` (cosine) to each
    item heard lately and whether that one was `finished` (see the module docstring)."""
    if similarity.size == 0:
        return np.ones(len(similarity)), np.zeros(len(similarity), dtype=bool)
    near = similarity >= NEAR_REGION
    if similarity.shape[1] > REGION_K:  # only the REGION_K nearest of each candidate
        kth = np.partition(similarity, -REGION_K, axis=1)[:, -REGION_K][:, None]
        near &= similarity >= kth
    done = near @ finished.astype(np.float64)
    skipped = near.sum(axis=1) - done
    return (1.0 + done) / (1.0 + skipped), skipped > done


def with_odds(p: np.ndarray, factor: np.ndarray) -> np.ndarray:
    """Probabilities `p` with their odds multiplied by `factor`."""
    odds = p / np.maximum(1e-9, 1.0 - p) * factor
    return odds / (1.0 + odds)


@dataclass
class ExploreRecord:
    """The listener's answers to exploring picks: which were offered, how the tries they heard ended."""

    offered: list[int] = field(default_factory=list)
    outcomes: list[int] = field(default_factory=list)  # 1 finished, 0 skipped; oldest first
    heard: int = 0  # plays and skips so far
    last_at: int = -10**9  # `heard` when the last exploring pick was heard
    credit: float = 0.0  # a try is due at 1

    def offer(self, ids: list[int], regular: Iterable[int] = ()) -> bool:
        """Remember the exploring picks `ids` of a list and forget its `regular` picks: how a list last offered
        an item is what counts (an exploring pick left unheard that a later list offers as a regular one, its
        region liked by then, is no try when heard). True when that changed the record."""
        drop = set(regular)
        kept = [m for m in self.offered if m not in drop]
        new = [m for m in ids if m not in kept]
        changed = bool(new) or len(kept) < len(self.offered)
        self.offered = (kept + new)[-OFFERED_KEEP:]
        return changed

    def hear(self, media_id: int, finished: bool, share: float) -> None:
        """A play or skip; `share`: the exploration setting (the credit grows by it times scale())."""
        self.heard += 1
        if media_id in self.offered:
            self.offered.remove(media_id)
            self.outcomes = (self.outcomes + [int(finished)])[-EXPLORE_MEMORY:]
            self.last_at = self.heard
            self.credit = 0.0
        else:
            self.credit = min(1.0, self.credit + share * self.scale())

    def due(self, n: int, share: float) -> list[bool]:
        """Which of the next `n` slots explore, if each is heard in turn (see the module docstring)."""
        out, credit = [], self.credit
        rate = share * self.scale()
        for slot in range(n):
            now = rate > 0 and credit >= 1.0 - 1e-9 and slot >= self.first_slot() and \
                not any(out[max(0, slot - EXPLORE_GAP + 1):slot])
            out.append(now)
            credit = 0.0 if now else min(1.0, credit + rate)
        return out

    def scale(self) -> float:
        """The share of the exploration setting to use now: halved by each skipped try, doubled back by a
        finished one (so two skips in a row leave a quarter, and one finish after them half)."""
        s = 1.0
        for o in self.outcomes:
            s = min(1.0, 2.0 * s) if o else max(EXPLORE_MIN_SCALE, 0.5 * s)
        return s

    def first_slot(self) -> int:
        """The first slot of the next list that may explore (the picks right after a try stay regular)."""
        return max(0, EXPLORE_GAP - 1 - (self.heard - self.last_at))

    def phrase(self) -> str | None:
        """What the recent tries were, for the reasons ("you skipped the last two tries"), or None."""
        if not self.outcomes:
            return None
        last = self.outcomes[-3:]
        if len(last) >= 2 and not last[-1] and not last[-2]:
            return f"you skipped the last {'three' if len(last) == 3 and not last[0] else 'two'} tries"
        if len(last) >= 2 and last[-1] and last[-2]:
            return f"you finished the last {'three' if len(last) == 3 and last[0] else 'two'} tries"
        return "you finished the last try" if last[-1] else "you skipped the last try"

    def to_json(self) -> dict[str, Any]:
        return {"offered": self.offered, "outcomes": self.outcomes, "heard": self.heard, "last_at": self.last_at,
                "credit": round(self.credit, 6)}

    @classmethod
    def from_json(cls, doc: dict[str, Any] | None) -> "ExploreRecord":
        if not doc:
            return cls()
        return cls([int(m) for m in doc.get("offered", [])], [int(o) for o in doc.get("outcomes", [])],
                    int(doc.get("heard", 0)), int(doc.get("last_at", -10**9)), float(doc.get("credit", 0.0)))


__all__ = ["split_recent", "region_odds", "with_odds", "freshness", "ExploreRecord", "MIN_GAP", "REPEAT_FLOOR",
           "EXPLORE_GAP", "NOT_NOW"]
