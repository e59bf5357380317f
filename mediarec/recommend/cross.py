"""Collaborative filtering across the listeners of one library: what the others finish, for up next.

Two signals, each in [0, 1] per candidate:
- user-based: the others who finished the item, each weighted by how much their history agrees with this
  listener's: the cosine of the two listeners' item verdicts (+1 per play or like, -1 per skip or
  dislike, summed per item), clipped at 0 and shrunk by common / (common + SHRINK) items, so two
  listeners with one song in common do not count as twins;
- item-based: what the others finished right after (within FOLLOW_WITHIN finished items of the same
  session) the items this listener just finished, as a share of everything they finished after them.
`CrossModel` learns from events one at a time (evaluation feeds it in time order); `CrossListeners`
keeps one up to date from the database for a live UpNext. A private listener's events are never read,
a guest's (listener NULL) neither. Up next uses the signal as one more candidate source (origin
"cross") and as a ranking factor (1 + CROSS_WEIGHT x (USER_SHARE x user + item)) on each candidate's worth, with a reason
("Sam, whose taste is close to yours, finishes this"). A fixed weight, not a learned scorer feature: the
scorer's features are shared state of every listener's stored model and of other work in progress."""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable

import numpy as np

if TYPE_CHECKING:
    from ..library import Library
    from .candidates import Candidates
    from .features import Context
    from .upnext import UpNextList

SHRINK = 3.0
FOLLOW_WITHIN = 3
RECENT_ANCHORS = 3  # this listener's last finished items the item-based signal starts from
CROSS_WEIGHT = 2.0
USER_SHARE = 0.5
CROSS_CANDIDATES = 20
MIN_SIGNAL = 0.05  # below this, an item is not a cross candidate and gets no reason
CLOSE = 0.2  # agreement above which a listener is called "close to yours"
SIGN = {"play": 1.0, "like": 1.0, "skip": -1.0, "dislike": -1.0}


@dataclass
class CrossSignal:
    ids: np.ndarray
    user: np.ndarray
    item: np.ndarray
    reasons: dict[int, str] = field(default_factory=dict)

    @property
    def value(self) -> np.ndarray:
        """The two together: the user-based signal marks the others' whole shared region alike, the
        item-based one tells which of it comes next, so it counts on top (up to 1.5)."""
        return USER_SHARE * self.user + self.item


class CrossModel:
    """The others' verdicts and sequences, and this listener's own, for one listener (`me`)."""

    def __init__(self, me: int, names: dict[int, str] | None = None):
        self.me, self.names = me, dict(names or {})
        self.verdicts: dict[int, dict[int, float]] = defaultdict(dict)  # listener -> item -> summed sign
        self.follows: dict[int, dict[int, dict[int, float]]] = defaultdict(lambda: defaultdict(dict))
        self._last: dict[int, tuple[str | None, list[int]]] = {}  # listener -> (session, finished so far)
        self.recent: list[int] = []  # my last finished items

    def observe(self, event: dict) -> None:
        who, kind = event.get("listener_id"), event["type"]
        if who is None or kind not in SIGN:
            return
        who, mid = int(who), int(event["media_id"])
        v = self.verdicts[who]
        v[mid] = v.get(mid, 0.0) + SIGN[kind]
        if kind != "play":
            return
        session, done = self._last.get(who, (None, []))
        if session != event.get("session_id"):
            done = []
        for back in done[-FOLLOW_WITHIN:]:
            f = self.follows[who][back]
            f[mid] = f.get(mid, 0.0) + 1.0
        self._last[who] = (event.get("session_id"), [*done[-FOLLOW_WITHIN:], mid])
        if who == self.me:
            self.recent = [*self.recent[-(RECENT_ANCHORS - 1):], mid]

    def others(self) -> list[int]:
        return [u for u in self.verdicts if u != self.me]

    def agreement(self, other: int) -> float:
        """How much `other`'s history agrees with mine: shrunk cosine of the verdicts, >= 0."""
        a, b = self.verdicts.get(self.me, {}), self.verdicts.get(other, {})
        common = a.keys() & b.keys()
        if not common:
            return 0.0
        dot = sum(a[m] * b[m] for m in common)
        na = math.sqrt(sum(x * x for x in a.values()))
        nb = math.sqrt(sum(x * x for x in b.values()))
        if dot <= 0 or na == 0 or nb == 0:
            return 0.0
        return dot / (na * nb) * len(common) / (len(common) + SHRINK)

    def signal(self, ids: Iterable[int], anchors: Iterable[int] | None = None, explain: bool = True) -> CrossSignal:
        """Both signals for `ids`, from the others' histories and my last finished items (`anchors`)."""
        ids = np.asarray(list(ids), dtype=np.int64)
        user, item = np.zeros(len(ids)), np.zeros(len(ids))
        reasons: dict[int, str] = {}
        others = self.others()
        if not others or not len(ids):
            return CrossSignal(ids, user, item, reasons)
        weights = {u: self.agreement(u) for u in others}
        total = sum(weights.values())
        anchors = list(self.recent if anchors is None else anchors)[-RECENT_ANCHORS:]
        index = {m: j for j, m in enumerate(ids.tolist())}
        best_user: dict[int, tuple[float, int]] = {}
        if total > 0:
            for u, w in weights.items():
                if w <= 0:
                    continue
                for m, verdict in self.verdicts[u].items():
                    j = index.get(m)
                    if j is not None and verdict > 0:
                        user[j] += w / total * min(1.0, w / CLOSE)  # a far listener's share counts less
                        if w > best_user.get(m, (0.0, 0))[0]:
                            best_user[m] = (w, u)
        best_item: dict[int, tuple[float, int, int]] = {}
        for u in others:
            for a in anchors:
                after = self.follows[u].get(a)
                if not after:
                    continue
                norm = sum(after.values())
                for m, c in after.items():
                    j = index.get(m)
                    if j is not None:
                        share = c / norm / len(anchors)
                        item[j] += share
                        if share > best_item.get(m, (0.0, 0, 0))[0]:
                            best_item[m] = (share, u, a)
        np.clip(item, 0.0, 1.0, out=item)
        if explain:
            for j, m in enumerate(ids.tolist()):
                if max(user[j], item[j]) < MIN_SIGNAL:
                    continue
                if item[j] >= user[j] and m in best_item:
                    reasons[m] = f"{self._name(best_item[m][1])} often plays this next after what you just heard"
                elif m in best_user:
                    w, u = best_user[m]
                    close = "is close to yours" if w >= CLOSE else "overlaps with yours"
                    reasons[m] = f"{self._name(u)}, whose taste {close}, finishes this"
        return CrossSignal(ids, user, item, reasons)

    def candidates(self, exclude: set[int], allowed: set[int] | None, n: int = CROSS_CANDIDATES) -> list[int]:
        """The items with the strongest signal that are neither excluded nor outside `allowed`."""
        pool = {m for u in self.others() for m, v in self.verdicts[u].items() if v > 0}
        pool -= exclude
        if allowed is not None:
            pool &= allowed
        if not pool:
            return []
        found = self.signal(sorted(pool), explain=False)
        order = np.argsort(-found.value, kind="stable")
        return [int(found.ids[j]) for j in order[:n] if found.value[j] >= MIN_SIGNAL]

    def _name(self, listener: int) -> str:
        return self.names.get(listener, f"listener {listener}")


class CrossListeners:
    """A CrossModel kept up to date from the database for a live UpNext of listener `me`: re-read when an
    event was added or forgotten, or a listener was renamed or made private."""

    def __init__(self, lib: "Library", me: int):
        self.lib, self.me = lib, int(me)
        self.model = CrossModel(self.me)
        self._key: tuple | None = None

    def refresh(self) -> CrossModel:
        """The model as of now. Alone (no other listener who is not private): nothing is read. New events only
        are applied; a forget, a rename or a privacy change re-reads the history (an event's
        listener_id/type/media_id/session_id: no JSON parsed)."""
        people = tuple(tuple(r) for r in self.lib.query("SELECT id, name, private FROM listeners ORDER BY id"))
        private = {r[0] for r in people if r[2] and r[0] != self.me}
        if not [r for r in people if r[0] != self.me and r[0] not in private]:
            self.model, self._key = CrossModel(self.me), None
            return self.model
        count, newest = self.lib.conn.execute("SELECT count(*), coalesce(max(id), 0) FROM events").fetchone()
        key = self._key
        if key is not None and key[2] == people and key[:2] == (count, newest):
            return self.model
        fresh = key is None or key[2] != people
        since = 0 if fresh else key[1]
        rows = self.lib.query("SELECT id, media_id, type, session_id, listener_id FROM events WHERE id > ? "
                              "ORDER BY ts, id", (since,))
        if not fresh and key[0] + len(rows) != count:  # something was forgotten: read it all again
            fresh, rows = True, self.lib.query("SELECT id, media_id, type, session_id, listener_id FROM events "
                                               "ORDER BY ts, id")
        model = CrossModel(self.me, {r[0]: r[1] for r in people}) if fresh else self.model
        for r in rows:
            if r["listener_id"] is not None and r["listener_id"] not in private:
                model.observe(dict(r))
        self.model, self._key = model, (count, newest, people)
        return model

    def active(self) -> bool:
        return bool(self.refresh().others())


def with_cross(model: CrossModel, cands: "Candidates", exclude: set[int], catalogue: np.ndarray,
               n: int = CROSS_CANDIDATES) -> "Candidates":
    """`cands` with the cross candidates not already among them added at the end (origin "cross")."""
    from .candidates import Candidates

    known = set(cands.ids.tolist()) | set(cands.explore.tolist())
    extra = [m for m in model.candidates(exclude | known, set(catalogue.tolist()), n)]
    if not extra:
        return cands
    origin = dict(cands.origin)
    for m in extra:
        origin.setdefault(m, "cross")
    return Candidates(np.concatenate([cands.ids, np.asarray(extra, dtype=np.int64)]), origin, cands.explore)


def cross_worth(model: CrossModel, ids: np.ndarray, ctx: "Context") -> tuple[np.ndarray, CrossSignal]:
    """The factor on each candidate's worth (1 + CROSS_WEIGHT x (USER_SHARE x user + item)) and the signal (for reasons)."""
    anchors = ctx.finished[-RECENT_ANCHORS:] or None
    found = model.signal(ids, anchors)
    return 1.0 + CROSS_WEIGHT * found.value, found


def add_reasons(out: "UpNextList", found: CrossSignal) -> None:
    """Put the cross reason first on the picks it helped."""
    for pick in out.picks:
        why = found.reasons.get(pick.id)
        if why and why not in pick.reasons:
            pick.reasons.insert(0, why)


__all__ = ["CrossModel", "CrossListeners", "CrossSignal", "with_cross", "cross_worth", "add_reasons",
           "CROSS_WEIGHT"]
