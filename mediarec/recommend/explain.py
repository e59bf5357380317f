"""Why a pick is in the up-next list, in short phrases, strongest first.

The scorer says which evidence carried a pick (each feature group's share of its logit); each kind of
evidence has its phrase, naming the item it points to: "because you finished X" (and what the two share,
from reasons.py: "similar tempo (124 vs 121 BPM)"), "you often play it with X", "like X, one of your
favourites", "you finished it 3 times before", "exploring: not played yet", "again: you finished it 3 times"
(a favourite back sooner than the no-repeat window, see pacing.py), "exploring: you skipped the last two
tries", "radio from X", and the fallbacks' "radio from X: same artist, nothing closer is known". When
this session's skips share a trait the pick does not have, it says so: "you skip fast tracks tonight"."""
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
ALIKE = 0.3  # fused cosine to a finished item from which "because you finished X" is said
FITS = 0.4  # cosine to the long-term profile (in some space) from which "fits your long-term taste" is
LONG_SHOT = 0.15  # a pick the scorer gives less than this chance of a finish says so
CARRIES = 0.1  # a feature group's share of the logit from which it is worth a phrase
ALWAYS, STEERED = 99.0, 0.2  # strengths of the phrases that do not come from the scorer's contributions
FALLBACKS = ("artist", "folder", "rest")  # origins of the items that fill a list nothing else could
GROUP_COLUMNS = {g: [COLUMN[f"{g}_{s}"] for s in SPACES] for g in ("session", "profile", "skipped")}


def part_of_day(ts: float) -> str:
    hour = time.localtime(ts).tm_hour
    return "this morning" if 5 <= hour < 12 else "this afternoon" if 12 <= hour < 18 else "tonight"


class Explainer:
    """Reasons for the picks of one list (the facts of the items it mentions are read once)."""

    def __init__(self, lib: "Library", vectors: SpaceVectors, weights: dict[str, float], ctx: Context,
                 taste: Taste, cooc: CoOccurrence, picks: list[int], facts: FactsCache | None = None, *,
                 seed: int | None = None, tries: str | None = None, playing: bool = False):
        """`seed`: the item of a radio list, or (`playing`) the item playing now that the session's first list
        starts from; `tries`: how the recent exploring picks went ("you skipped the last two tries"), said of
        an exploring pick."""
        self.lib, self.vectors, self.weights, self.ctx, self.taste, self.cooc = lib, vectors, weights, ctx, taste, cooc
        self.facts = facts or FactsCache(lib)
        self.seed, self.tries, self.playing = seed, tries, playing
        self.anchors = [m for m in ctx.finished[-ANCHORS:] if m != seed]  # (the seed was not finished: see radio)
        fav_ids, fav_w = taste.strongest(ctx.now, limit=FAVOURITES)
        self.favourites = [int(i) for i in fav_ids[np.argsort(-fav_w)]] if len(fav_ids) else []
        self._skip_trait = _skip_trait(self.facts, ctx)
        # Every vector the reasons compare, read once per list: picks, anchors, favourites.
        seeds = [seed] if seed is not None else []
        everyone = list(dict.fromkeys([*picks, *self.anchors, *self.favourites, *seeds]))
        self._pos = {m: i for i, m in enumerate(everyone)}
        used = {sp: w for sp, w in weights.items() if w > 0 and vectors.dim(sp) > 0}
        self._rows = {sp: vectors.get(sp, everyone) for sp in used}
        total = sum(used.values()) or 1.0
        self._fused = (np.hstack([self._rows[sp][0] * np.float32(np.sqrt(w / total)) for sp, w in used.items()])
                       if used else np.zeros((len(everyone), 0), np.float32))

    def _title(self, media_id: int) -> str:
        f = self.facts.get(media_id)
        if f is None:
            return f"#{media_id}"
        return f.item.get("title") or f.item.get("path", "").rsplit("/", 1)[-1] or f"#{media_id}"

    def _nearest(self, pick: int, among: list[int]) -> tuple[int | None, float, dict[str, float]]:
        """The item of `among` most like `pick` in the fused space, that similarity, and the per-space cosines."""
        if not among or self._fused.shape[1] == 0 or pick not in self._pos:
            return None, 0.0, {}
        p, rows = self._pos[pick], [self._pos[m] for m in among]
        sims = self._fused[rows] @ self._fused[p]
        best = int(np.argmax(sims))
        anchor, a = among[best], rows[best]
        per_space = {sp: float(vecs[p] @ vecs[a]) for sp, (vecs, has) in self._rows.items() if has[p] and has[a]}
        return anchor, float(sims[best]), per_space

    def _shared(self, anchor: int, pick: int, per_space: dict[str, float], limit: int) -> list[str]:
        a, b = self.facts.get(anchor), self.facts.get(pick)
        return reasons(a, b, per_space, limit) if a and b else []

    def explain(self, pick: int, x: np.ndarray, contributions: np.ndarray, origin: str, explored: bool,
                probability: float = 1.0, limit: int = 3) -> list[str]:
        """Up to `limit` phrases for `pick`, given its features `x` and their `contributions` to its logit."""
        long_shot = probability < LONG_SHOT and not explored and origin not in ("varied", "again", *FALLBACKS)
        found: list[tuple[float, list[str]]] = []
        if explored:
            away = self.ctx.has_taste and self._profile_cos(x) < 0.2
            what = "unlike what you usually play" if away else "not played yet"
            found.append((ALWAYS, [f"exploring: {self.tries}", what] if self.tries else [f"exploring: {what}"]))
        said = self._origin(pick, origin)
        if said:
            found.append(said)
        if origin == "varied":
            found.append((ALWAYS, ["a varied start: a different corner of your library" if self._fused.shape[1]
                                   else "at random: nothing is analysed yet ('mediarec analyze')"]))
        if long_shot:
            found.append((ALWAYS, ["a long shot: little that you have not heard lately is closer"]))
        else:  # no praise for a long shot
            for rule in (self._finished, self._together, self._favourite, self._record):
                if rule == self._record and origin == "again":
                    continue  # already said
                said = rule(pick, x, contributions)
                if said:
                    found.append(said)
        said = self._steered(pick, x)
        if said:
            found.append(said)
        if not found and pick not in self.taste.items:
            found.append((0.0, ["new to you"]))
        out: list[str] = []
        for _, phrases in sorted(found, key=lambda f: -f[0]):
            out.extend(p for p in phrases if p not in out)
        return out[:limit]

    def _origin(self, pick: int, origin: str) -> tuple[float, list[str]] | None:
        """The phrase of a pick's source when the source itself is the reason: again, radio, a fallback."""
        if origin == "again":
            rec = self.taste.items.get(pick)
            times = "once" if rec is None or rec.plays <= 1 else f"{rec.plays} times"
            return ALWAYS, [f"again: you finished it {times}"]
        if origin == "radio" and self.seed is not None:
            anchor, _, per_space = self._nearest(pick, [self.seed])
            return ALWAYS, [self._from(self._title(self.seed)),
                            *(self._shared(self.seed, pick, per_space, 1) if anchor is not None else [])]
        if origin in FALLBACKS:
            anchor = self.seed if self.seed is not None else (self.ctx.session[-1].media_id if self.ctx.session
                                                              else None)
            name = self._title(anchor) if anchor is not None else ""
            lead = f"{self._from(name)}: " if self.seed is not None else ""
            if origin == "artist":
                return ALWAYS, [f"{lead}same artist" + ("" if lead else f" as {name}") + ", nothing closer is known"]
            if origin == "folder":
                return ALWAYS, [f"{lead}same folder" + ("" if lead else f" as {name}") + ", nothing closer is known"]
            return ALWAYS, [f"{lead}nothing closer is known: from elsewhere in your library"]
        return None

    def _from(self, title: str) -> str:
        return f"after {title}, playing now" if self.playing else f"radio from {title}"

    def _profile_cos(self, x: np.ndarray) -> float:
        """The pick's weighted cosine to the long-term profile over the list's spaces."""
        total = sum(self.weights.values()) or 1.0
        return sum(w * float(x[COLUMN[f"profile_{sp}"]]) for sp, w in self.weights.items()) / total

    def _finished(self, pick, x, contributions) -> tuple[float, list[str]] | None:
        """"because you finished X" (and what they share), X the most alike of the last finished items."""
        strength = float(contributions[GROUP_COLUMNS["session"]].sum())
        if strength <= CARRIES or not self.anchors:
            return None
        anchor, sim, per_space = self._nearest(pick, [a for a in self.anchors if a != pick])
        if anchor is None or sim < ALIKE:  # (a pick heard earlier in the session is not like itself)
            return None
        return strength, [f"because you finished {self._title(anchor)}", *self._shared(anchor, pick, per_space, 1)]

    def _together(self, pick, x, contributions) -> tuple[float, list[str]] | None:
        strength = float(contributions[COLUMN["cooc"]])
        if strength <= CARRIES:
            return None
        partner = max(self.anchors, key=lambda a: self.cooc.count(a, pick), default=None)
        if partner is None or not self.cooc.count(partner, pick):
            return None
        return strength, [f"you often play it with {self._title(partner)}"]

    def _favourite(self, pick, x, contributions) -> tuple[float, list[str]] | None:
        strength = float(contributions[GROUP_COLUMNS["profile"]].sum())
        if strength <= CARRIES:
            return None
        anchor, sim, per_space = self._nearest(pick, [f for f in self.favourites if f != pick])
        if anchor in self.anchors:
            return None  # already named as what was just finished
        if anchor is not None and sim >= 0.5:
            return strength, [f"like {self._title(anchor)}, one of your favourites",
                              *self._shared(anchor, pick, per_space, 1)]
        return (strength, ["fits your long-term taste"]) if self._profile_cos(x) >= FITS else None

    def _record(self, pick, x, contributions) -> tuple[float, list[str]] | None:
        rec = self.taste.items.get(pick)
        strength = float(contributions[COLUMN["record"]])
        if rec is None or not rec.plays or strength <= CARRIES:
            return None
        return strength, [f"you finished it {'once' if rec.plays == 1 else f'{rec.plays} times'} before"]

    def _steered(self, pick, x) -> tuple[float, list[str]] | None:
        """Said of a pick far from what this session skipped: the skipped trait, if there is one."""
        if not self.ctx.skipped or max((x[c] for c in GROUP_COLUMNS["skipped"]), default=0.0) >= FAR_FROM_SKIPS:
            return None
        trait = self._skip_trait(self.facts.get(pick)) if self._skip_trait else None
        return STEERED, [trait or "away from what you just skipped"]


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
