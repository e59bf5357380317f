"""Why a pick is in the up-next list, in short phrases, strongest first.

The scorer says which evidence carried a pick (each feature group's share of its logit); each kind of
evidence has its phrase, naming the item it points to: "because you finished X" (and what the two share,
from reasons.py: "similar tempo (124 vs 121 BPM)"), "you often play it with X", "like X, one of your
favourites", "you finished it 3 times before", "exploring: not played yet". When this session's skips
share a trait the pick does not have, it says so: "you skip fast tracks tonight"."""
from __future__ import annotations

import time
from statistics import median
from typing import TYPE_CHECKING

import numpy as np

from ..index.spaces import SPACES
from .cooccur import CoOccurrence
from .features import COLUMN, Context
from .reasons import PLAIN_MOODS, FactsCache, reasons
from .taste import Taste
from .vectors import SpaceVectors

if TYPE_CHECKING:
    from ..library import Library

ANCHORS = 5  # the session's last finished items a pick is compared with
FAVOURITES = 20
FAST_BPM, SLOW_BPM = 125.0, 95.0
FAR_FROM_SKIPS = 0.3  # the pick's cosine to the skipped direction below which it "steers away"
GROUP_COLUMNS = {g: [COLUMN[f"{g}_{s}"] for s in SPACES] for g in ("session", "profile", "skipped")}


def part_of_day(ts: float) -> str:
    hour = time.localtime(ts).tm_hour
    return "this morning" if 5 <= hour < 12 else "this afternoon" if 12 <= hour < 18 else "tonight"


class Explainer:
    """Reasons for the picks of one list (the facts of the items it mentions are read once)."""

    def __init__(self, lib: "Library", vectors: SpaceVectors, weights: dict[str, float], ctx: Context,
                 taste: Taste, cooc: CoOccurrence):
        self.lib, self.vectors, self.weights, self.ctx, self.taste, self.cooc = lib, vectors, weights, ctx, taste, cooc
        self.facts = FactsCache(lib)
        self.anchors = ctx.finished[-ANCHORS:]
        fav_ids, fav_w = taste.strongest(ctx.now, limit=FAVOURITES)
        self.favourites = [int(i) for i in fav_ids[np.argsort(-fav_w)]] if len(fav_ids) else []
        self._skip_trait = _skip_trait(self.facts, ctx)

    def _title(self, media_id: int) -> str:
        f = self.facts.get(media_id)
        if f is None:
            return f"#{media_id}"
        return f.item.get("title") or f.item.get("path", "").rsplit("/", 1)[-1] or f"#{media_id}"

    def _nearest(self, pick: int, among: list[int]) -> tuple[int | None, float, dict[str, float]]:
        """The item of `among` most like `pick` in the fused space, that similarity, and the per-space cosines."""
        if not among:
            return None, 0.0, {}
        fused = self.vectors.fused([pick, *among], self.weights)
        if fused.shape[1] == 0:
            return None, 0.0, {}
        sims = fused[1:] @ fused[0]
        best = int(np.argmax(sims))
        anchor = among[best]
        per_space = {}
        for s, w in self.weights.items():
            if w > 0:
                rows, has = self.vectors.get(s, [pick, anchor])
                if has.all():
                    per_space[s] = float(rows[0] @ rows[1])
        return anchor, float(sims[best]), per_space

    def _shared(self, anchor: int, pick: int, per_space: dict[str, float], limit: int) -> list[str]:
        a, b = self.facts.get(anchor), self.facts.get(pick)
        return reasons(a, b, per_space, limit) if a and b else []

    def explain(self, pick: int, x: np.ndarray, contributions: np.ndarray, origin: str, explored: bool,
                limit: int = 3) -> list[str]:
        found: list[tuple[float, list[str]]] = []
        if explored:
            profile_cos = max((x[COLUMN[f"profile_{s}"]] for s in SPACES), default=0.0)
            away = self.ctx.has_taste and profile_cos < 0.2
            found.append((99.0, ["exploring: " + ("unlike what you usually play" if away else "not played yet")]))
        if origin == "varied":
            found.append((98.0, ["a varied start: a different corner of your library"]))
        session = float(contributions[GROUP_COLUMNS["session"]].sum())
        if session > 0.1 and self.anchors:
            anchor, _, per_space = self._nearest(pick, self.anchors)
            if anchor is not None:
                found.append((session, [f"because you finished {self._title(anchor)}",
                                        *self._shared(anchor, pick, per_space, 1)]))
        cooc = float(contributions[COLUMN["cooc"]])
        if cooc > 0.1:
            partner = max(self.anchors, key=lambda a: self.cooc.counts.get(a, {}).get(pick, 0.0), default=None)
            if partner is not None and self.cooc.counts.get(partner, {}).get(pick):
                found.append((cooc, [f"you often play it with {self._title(partner)}"]))
        profile = float(contributions[GROUP_COLUMNS["profile"]].sum())
        if profile > 0.1:
            anchor, sim, per_space = self._nearest(pick, [f for f in self.favourites if f != pick])
            if anchor in self.anchors:
                pass  # already named as what was just finished
            elif anchor is not None and sim >= 0.5:
                found.append((profile, [f"like {self._title(anchor)}, one of your favourites",
                                        *self._shared(anchor, pick, per_space, 1)]))
            else:
                found.append((profile, ["fits your long-term taste"]))
        rec = self.taste.items.get(pick)
        if rec is not None and rec.plays and float(contributions[COLUMN["record"]]) > 0.1:
            times = "once" if rec.plays == 1 else f"{rec.plays} times"
            found.append((float(contributions[COLUMN["record"]]), [f"you finished it {times} before"]))
        skipped_cos = max((x[c] for c in GROUP_COLUMNS["skipped"]), default=0.0)
        if self.ctx.skipped and skipped_cos < FAR_FROM_SKIPS:
            trait = self._skip_trait(self.facts.get(pick)) if self._skip_trait else None
            found.append((0.2, [trait or "away from what you just skipped"]))
        if not found and rec is None:
            found.append((0.0, ["new to you"]))
        out: list[str] = []
        for _, phrases in sorted(found, key=lambda f: -f[0]):
            out.extend(p for p in phrases if p not in out)
        return out[:limit]


def _skip_trait(facts: FactsCache, ctx: Context):
    """A test saying "you skip X tonight" for a pick without trait X, when at least two of this session's
    skips share X (fast or slow tempo, a mood) and what was finished mostly does not; else None."""
    if len(ctx.skipped) < 2:
        return None
    when = part_of_day(ctx.now)
    skipped = [f for f in (facts.get(m) for m in ctx.skipped[-6:]) if f]
    finished = [f for f in (facts.get(m) for m in ctx.finished[-6:]) if f]

    def tempos(fs):
        return [float(f.dsp["tempo_bpm"]) for f in fs if isinstance(f.dsp.get("tempo_bpm"), (int, float))]

    st, ft = tempos(skipped), tempos(finished)
    if len(st) >= 2:
        if median(st) >= FAST_BPM and (not ft or median(ft) < 0.85 * median(st)):
            limit = min(st)
            return lambda f: (f"you skip fast tracks {when}" if f and isinstance(f.dsp.get("tempo_bpm"), (int, float))
                              and f.dsp["tempo_bpm"] < limit else None)
        if median(st) <= SLOW_BPM and (not ft or median(ft) > median(st) / 0.85):
            limit = max(st)
            return lambda f: (f"you skip slow tracks {when}" if f and isinstance(f.dsp.get("tempo_bpm"), (int, float))
                              and f.dsp["tempo_bpm"] > limit else None)
    moods = [f.emotion.get("mood") for f in skipped if f.emotion.get("mood") not in (None, *PLAIN_MOODS)]
    if len(moods) >= 2:
        mood = max(set(moods), key=moods.count)
        if moods.count(mood) >= 2 and sum(f.emotion.get("mood") == mood for f in finished) <= len(finished) / 3:
            return lambda f: (f"you skip {mood} tracks {when}" if f and f.emotion.get("mood")
                              and f.emotion.get("mood") != mood else None)
    return None


__all__ = ["Explainer", "part_of_day"]
