"""Up next: what to play after what was just played, learned from the user's own plays and skips.

`UpNext` follows implicit's recommender API:
  fit(events)               replay a history from scratch (evaluation; a refit after `forget`)
  observe(event)            one event: an SGD step of the scorer on the features the item had just before
                            it, then the taste, the session, the co-occurrences and the no-repeat window
                            move on (so the next list reflects it at once)
  catch_up()                apply the events recorded since the stored state; refit when any were
                            forgotten or the parameters changed (`mediarec tune`)
  recommend(n, kind, now, exclude=, not_now=, seed=)
                            -> UpNextList: ids and scores (P(finished)) best first, with reasons; `exclude`
                            never offered (the user's blocklist), `not_now` lowered for now, `seed` radio
  save()                    the state as plain JSON in kv (STATE_KEY); __init__ loads it
A list is: candidates (candidates.py), features (features.py), scores (scorer.py), re-ranking
(rerank.py), reasons (explain.py); what was heard lately and how much to explore, from the listener's own
record (pacing.py). Items disliked more than liked are never offered (while the library has other items
to offer); a list is never empty while the library has an item it may offer.
`upnext(lib, index_dir, ...)` does one catch-up and one list.
Each listener (library/listeners.py) has their own: `UpNext(listener=id)` learns from that listener's events
only and keeps its state under their key (a guest's, listener None, from the guests' events, drawing on
nobody); with other listeners who are not private, what they finish is one more candidate source and a
ranking factor with its reason (cross.py)."""
from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

import numpy as np

from ..errors import UserError
from ..index.spaces import SPACES
from ..library.listeners import DEFAULT_LISTENER, state_key
from ..settings import RecommendSettings
from .candidates import Catalogue, gather, kin
from .cooccur import CoOccurrence
from .cross import CrossListeners, CrossModel, add_reasons, cross_worth, with_cross
from .explain import Explainer
from .features import FEATURES, Context, build_context, feature_matrix
from .neighbours import NeighbourCache
from .pacing import NOT_NOW, REGION_HEARD, ExploreRecord, freshness, region_odds, split_recent, with_odds
from .params import Params
from .reasons import FactsCache
from .rerank import PEOPLE_COLUMNS, mmr, people, recent_needed, shortlist
from .scorer import LABELS, Scorer
from .session import Entry, Session
from .similar import KINDS
from .taste import Taste
from .vectors import SpaceVectors

if TYPE_CHECKING:
    from ..library import Library

STATE_KEY = "recommend.upnext"
STATE_VERSION = 3
REUSE_CONTEXT_S = 600.0
FACTS_KEEP_S = 60.0
PLAYING_KEEP_S = 4 * 3600.0  # a play_start older than this, never ended (the player went away), is not playing
FIT_SAVE_S = 5.0  # a long replay saves its state this often (see _checkpoints)
TIE_BREAK = 1e-6
RECENT_KEEP = 500  # item ids of the last events kept for the no-repeat window (the setting is capped here)
KIND_SEED = {"any": 0, "audio": 1, "video": 2}
OFF_RADIO = 0.3  # weight of a radio list's candidates from outside the seed's neighbourhood and the session
REGION_SPACES = ("audio", "visual")  # the regions of what was heard: how it sounds and looks


@dataclass
class Pick:
    id: int
    score: float  # the scorer's probability that the user finishes it
    reasons: list[str]
    origin: str  # session, profile, cooc, again, radio, varied, explore; artist, folder, rest (fallbacks)
    explored: bool = False


@dataclass
class UpNextList:
    ids: np.ndarray
    scores: np.ndarray
    picks: list[Pick] = field(default_factory=list)


class UpNext:
    """The up-next recommender of one library (one per thread; keep it: its indexes load once)."""

    def __init__(self, lib: "Library", index_dir: Path | None = None, *, vectors: SpaceVectors | None = None,
                 params: Params | None = None, settings: RecommendSettings | None = None, persist: bool = True,
                 save_every: float = 0.0, listener: int | None = DEFAULT_LISTENER,
                 cross: "bool | CrossModel" = True):
        """`listener`: whose history it learns from and whose state it keeps (None: the guests'). `persist`: load the stored state and save it back. `save_every`: at most one save per that many
        seconds (a long-lived player's recommender; `close()` saves what is left). Saving less often loses
        nothing: the events are in the database and the next catch_up applies those the state missed."""
        if vectors is None and index_dir is None:
            raise ValueError("UpNext needs index_dir or vectors")
        self.lib = lib
        self.listener = listener
        # What the other listeners finish (cross.py): read from the database, or a model fed by the caller
        # (evaluation); never for a guest, who has no taste for theirs to agree with.
        self.cross = cross if isinstance(cross, CrossModel) else \
            CrossListeners(lib, listener) if cross and listener is not None else None
        self._cross_now: CrossModel | None = None
        self.vectors = vectors or SpaceVectors(lib, index_dir)
        self._own_vectors = vectors is None
        self.params = params or Params.load(lib, listener)
        self.settings = settings or RecommendSettings()
        self.persist, self.save_every = persist, save_every
        self._saved_at = -1e18
        self._dirty = False
        self.catalogue = Catalogue(lib)
        self.neighbours = NeighbourCache(self.vectors)
        self._forgets_seen: int | None = None  # events.forgets() at the last catch-up
        self.reset()
        if persist:
            self._load_state()

    # --- state ---------------------------------------------------------------------------------------
    def reset(self) -> None:
        p = self.params
        self.taste = Taste(p.profile_half_life_days)
        self.session = Session()
        self.cooc = CoOccurrence()
        self.scorer = Scorer(FEATURES, p.prior(FEATURES), p.learning_rate, p.l2)
        self.recent: list[int] = []
        self.explore = ExploreRecord()
        self.cursor = {"id": 0, "ts": 0.0, "count": 0}
        self._spaces: list[str] | None = None
        self._ctx: Context | None = None
        self._ctx_key: tuple | None = None
        self._facts: tuple[FactsCache, tuple, float] | None = None  # (cache, vectors' stamp, made at)
        self.playing: tuple[int, float] | None = None  # (media id, ts) of a play_start not ended yet

    def _params_digest(self) -> str:
        return hashlib.sha1(json.dumps(self.params.to_json(), sort_keys=True).encode()).hexdigest()[:12]

    def to_json(self) -> dict[str, Any]:
        return {"version": STATE_VERSION, "params": self._params_digest(), "cursor": self.cursor,
                "scorer": self.scorer.to_json(), "taste": self.taste.to_json(), "session": self.session.to_json(),
                "cooc": self.cooc.to_json(), "recent": self.recent[-RECENT_KEEP:], "explore": self.explore.to_json()}

    def save(self) -> None:
        self.lib.kv.set(state_key(STATE_KEY, self.listener), self.to_json())
        self._saved_at, self._dirty = time.monotonic(), False

    def _load_state(self) -> None:
        doc = self.lib.kv.get(state_key(STATE_KEY, self.listener))
        if not doc or doc.get("version") != STATE_VERSION or doc.get("params") != self._params_digest():
            return  # catch_up() refits from the events
        self.cursor = {"id": int(doc["cursor"]["id"]), "ts": float(doc["cursor"]["ts"]),
                       "count": int(doc["cursor"]["count"])}
        self.scorer.load_json(doc.get("scorer", {}))
        self.taste.load_json(doc.get("taste", {}))
        self.session = Session.from_json(doc.get("session"))
        self.cooc.load_json(doc.get("cooc", {}))
        self.recent = [int(i) for i in doc.get("recent", [])]
        self.explore = ExploreRecord.from_json(doc.get("explore"))

    # --- learning ------------------------------------------------------------------------------------
    def fit(self, events: Iterable[dict], progress: Callable[[int], None] | None = None) -> None:
        """Forget the state and replay `events` in time order."""
        self.reset()
        self._refresh()
        for i, e in enumerate(sorted(events, key=lambda e: (e["ts"], e.get("id", 0)))):
            self.observe(e)
            if progress is not None:
                progress(i + 1)

    def observe(self, event: dict) -> None:
        """Learn from one event, in time order (vectors must be fresh: see catch_up)."""
        kind, mid, ts = event["type"], int(event["media_id"]), float(event["ts"])
        if kind in LABELS:
            if self._spaces is None:
                self._refresh()
            ctx = self.context(ts)
            self.scorer.update(feature_matrix(ctx, self.vectors, self.taste, np.array([mid]))[0], kind)
            if kind in ("play", "like"):
                same = event.get("session_id") in (None, self.session.session_id)
                earlier = [e.media_id for e in ctx.session if e.sign > 0] if same else []
                self.cooc.add(mid, earlier)
            self.taste.add(mid, kind, ts)
            self.session.add(mid, kind, ts, event.get("session_id"))
            if kind in ("play", "skip"):
                self.recent.append(mid)
                del self.recent[:-RECENT_KEEP]
                self.explore.hear(mid, kind == "play", self.settings.exploration)
        if kind == "play_start":
            self.playing = (mid, ts)
        elif kind in ("play", "skip", "play_end") and self.playing is not None and self.playing[0] == mid:
            self.playing = None
        self.cursor = {"id": max(self.cursor["id"], int(event.get("id") or 0)), "ts": max(self.cursor["ts"], ts),
                       "count": self.cursor["count"] + 1}

    def catch_up(self) -> int:
        """Apply the events recorded since the state was saved; returns how many. A history that shrank
        (`forget`) is replayed from scratch, so nothing forgotten survives in the model."""
        self._refresh()
        c = self.cursor
        who = self.listener
        # By id, not by time: an event stamped before the last one applied (a clock set back, an imported
        # history) is still new, and missing it made every catch-up refit the whole history.
        new = self.lib.events.list(after_id=c["id"], listener=who) if c["count"] else \
            self.lib.events.list(listener=who)
        # Events are only ever deleted by a forget, which counts itself: the count of every event (0.5 ms at
        # 20,000) is checked on this object's first catch-up (a restored database) and after a forget.
        forgets = self.lib.events.forgets()
        total = self.lib.events.count(listener=who) if forgets != self._forgets_seen else c["count"] + len(new)
        self._forgets_seen = forgets
        refit = total != c["count"] + len(new)
        if refit:
            history = self.lib.events.list(listener=who)
            self.fit(history, progress=self._checkpoints(history) if self.persist else None)
            applied = total
        else:
            saving = self._checkpoints(new) if self.persist and len(new) > 1 else None
            for i, e in enumerate(new):
                self.observe(e)
                if saving is not None:
                    saving(i + 1)
            applied = len(new)
        if self.persist and (applied or refit):
            self._dirty = True
            if refit or time.monotonic() - self._saved_at >= self.save_every:
                self.save()
        return applied

    def _checkpoints(self, history: list[dict]) -> Callable[[int], None]:
        """A progress callback for applying `history` (a replay, or the new events), one call per event applied:
        the state is saved every FIT_SAVE_S while what was applied is exactly the oldest of them by id, so an
        app closed during a long first catch-up (20,000 events: ~40 s) keeps what was done, and the next
        catch-up goes on from there."""
        ids = sorted(int(e["id"]) for e in history)
        last = time.monotonic()

        def progress(done: int) -> None:
            nonlocal last
            if time.monotonic() - last >= FIT_SAVE_S and self.cursor["id"] == ids[done - 1]:
                self.save()
                last = time.monotonic()
        return progress

    def _facts_cache(self) -> FactsCache:
        """What the reasons read about items (tags, tempo, mood...), kept from list to list: eight queries
        an item, ~15 items a list, were a sixth of a refill at 100k items. Read again after analysis (the
        vectors' stamp) and at least every FACTS_KEEP_S (a tag edited by a rescan)."""
        stamp, now = self.vectors.stamp(), time.monotonic()
        if self._facts is None or self._facts[1] != stamp or now - self._facts[2] > FACTS_KEEP_S:
            self._facts = (FactsCache(self.lib), stamp, now)
        return self._facts[0]

    def _refresh(self) -> None:
        self.vectors.refresh()
        self._spaces = self.vectors.spaces_for(("audio", "video"))

    def context(self, now: float) -> Context:
        """The listening context at `now`. The last one is reused, with its clock moved on, while no event
        came since and less than REUSE_CONTEXT_S passed (the profile's decay over minutes is negligible):
        the list made after an event and the learning step at the next event share it."""
        c = self._ctx
        if (c is not None and self._ctx_key == (self.cursor["count"], self.vectors.stamp())
                and 0.0 <= now - c.now < REUSE_CONTEXT_S and len(self.session.active(now)) == len(c.session)):
            return dataclasses.replace(c, now=now)
        self._ctx = build_context(self.vectors, self._spaces or [], self.taste, self.session, self.cooc, now,
                                  self.params.session_half_life)
        self._ctx_key = (self.cursor["count"], self.vectors.stamp())
        return self._ctx

    # --- recommending --------------------------------------------------------------------------------
    def predict(self, media_ids: Iterable[int], now: float) -> np.ndarray:
        """P(finished) of each item if it were played at `now`."""
        ids = np.asarray(list(media_ids), dtype=np.int64)
        return self.scorer.predict(feature_matrix(self.context(now), self.vectors, self.taste, ids))

    def recommend(self, n: int = 10, kind: str = "any", now: float | None = None, explain: bool = True,
                  refresh: bool = True, *, exclude: Iterable[int] = (), not_now: Iterable[int] = (),
                  seed: int | None = None) -> UpNextList:
        """The next `n` picks. `exclude`: ids never offered (the user's "never recommend" list, resolved to ids
        by the caller). `not_now`: ids lowered strongly (offered only when little else is left). `seed`: radio
        from that item: the list starts from its neighbourhood (the caller plays the seed itself), and from its
        artist, then its folder, when the indexes know nothing near it. Without a seed, an item started
        (play_start) while this session has heard nothing else is taken as one: the first list of a session
        follows what the user put on."""
        if kind not in KINDS:
            raise UserError(f"unknown kind {kind!r} (known: {', '.join(KINDS)})")
        now = time.time() if now is None else now
        if refresh or self._spaces is None:
            self._refresh()
        kinds = KINDS[kind]
        spaces = [s for s in self._spaces or [] if SPACES[s].kinds & set(kinds)]
        weights = {s: self.params.space_weights.get(s, 0.0) for s in spaces}
        playing = self._playing_start(now) if seed is None else None
        anchor = seed if seed is not None else playing
        ctx = self.context(now) if anchor is None else self._radio_context(now, int(anchor))
        catalogue = self.catalogue.ids(kinds)
        rng = np.random.default_rng([self.cursor["count"], KIND_SEED[kind]])
        self._cross_now = self._cross_model() if seed is None else None
        ids, origin, explore, ranked, lead, again = self._candidates(ctx, spaces, kinds, weights, catalogue, n, rng,
                                                                     exclude, anchor)
        x = feature_matrix(ctx, self.vectors, self.taste, ids)
        probs = self.scorer.predict(x) + TIE_BREAK * rng.random(len(ids))  # equal scores: not by id order
        worth, found = self._worth(ids, again, not_now), None
        if self._cross_now is not None:
            factor, found = cross_worth(self._cross_now, ids, ctx)
            worth = worth * factor
        chosen = self._rank(ids, origin, explore, ranked, lead, probs, worth, ctx, weights, n, anchor)
        explored = [bool(explore[c]) for c in chosen]
        picked = [int(ids[c]) for c in chosen]
        if self.explore.offer([m for m, e in zip(picked, explored) if e],
                              [m for m, e in zip(picked, explored) if not e]):
            self._dirty = True
        out = self._picks(ids, x, probs, chosen, explored, origin, ctx, weights, explain, anchor, playing is not None)
        if found is not None and explain:
            add_reasons(out, found)
        return out

    def _cross_model(self) -> CrossModel | None:
        """The cross-listener model when there is another listener to draw on, else None."""
        if self.cross is None:
            return None
        model = self.cross.refresh() if isinstance(self.cross, CrossListeners) else self.cross
        return model if model.others() else None

    def _candidates(self, ctx, spaces, kinds, weights, catalogue, n, rng, exclude, seed):
        """(ids, origin by id, exploring mask, how many rows are ranked, how many lead the list, the finished
        items that may come again with their gaps): the gathered candidates and exploration pool (ranked),
        the radio fallbacks that lead the list, then what fills a list the candidates cannot, in that order."""
        blocked = {int(m) for m in exclude} | ({int(seed)} if seed is not None else set())
        # What the user disliked stays out first (they said so), then what was heard lately (it comes back).
        disliked = set(self.taste.disliked()[:max(0, len(catalogue) - n)].tolist())
        hard, again = self._recent(ctx.now, max(0, len(catalogue) - len(disliked | blocked)
                                                - max(n, len(catalogue) // 3)))
        hard |= disliked | blocked
        again = {m: g for m, g in again.items() if m not in hard}
        cands = gather(self.vectors, self.neighbours, ctx, spaces, kinds, hard, self.taste.items, catalogue,
                       self.params.neighbours, n, rng, weights, self.cursor["count"], seed=seed, again=sorted(again))
        if self._cross_now is not None:  # what the others finish: one more source
            cands = with_cross(self._cross_now, cands, hard, catalogue)
        origin = dict(cands.origin)
        ranked = len(cands.ids) + len(cands.explore)
        # Radio whose seed the indexes know nothing near: its artist, then its folder, lead the list.
        lead = [] if seed is None or "radio" in origin.values() else kin(self.lib, int(seed), kinds, hard, n)
        # Too few candidates (everything near was heard lately): the last item's artist, folder, the rest.
        tail = self._fill(seed, ctx, hard | set(origin) | set(cands.explore.tolist()) | {m for m, _ in lead}, kinds,
                          catalogue, n - len(lead) - ranked, rng)
        ids = np.concatenate([cands.ids, cands.explore, np.array([m for m, _ in [*lead, *tail]], dtype=np.int64)])
        origin.update(lead)
        origin.update(tail)
        explore = np.zeros(len(ids), dtype=bool)
        explore[len(cands.ids):ranked] = True
        return ids, origin, explore, ranked, len(lead), again

    def _rank(self, ids, origin, explore, ranked, lead, probs, worth, ctx, weights, n, seed) -> list[int]:
        """Rows of the list in order: the `lead` rows (after the ranked ones), MMR's picks among the ranked
        candidates by P(finished) x worth (x the region's odds), then the rows that fill what is left."""
        if seed is not None and lead == 0:  # radio: the seed's neighbourhood (and where it led) first
            worth = worth * np.array([1.0 if origin.get(m) in ("radio", "session") else OFF_RADIO
                                      for m in ids.tolist()])
        value = probs * worth
        short = shortlist(value[:ranked], explore[:ranked], n - lead)
        fused = self.vectors.fused(ids[short], weights)
        if seed is None:  # (radio goes where the user asked, even a region they skipped before)
            short, fused, value = self._regions(ids, short, fused, explore, probs, worth, weights)
        else:
            value = value[short]
        spacing = max(0, int(self.settings.artist_spacing))
        recent = [e.media_id for e in ctx.session[-recent_needed(spacing):]]
        rows = self._facts_cache().rows([*ids[short].tolist(), *recent], PEOPLE_COLUMNS)
        due = self.explore.due(n - lead, self.settings.exploration) if ctx.has_taste else None
        slots = mmr(value, fused, explore[short], [people(rows.get(int(i))) for i in ids[short]],
                    [people(rows.get(m)) for m in recent], n - lead, self.params.mmr_lambda, due, spacing)
        return [*range(ranked, ranked + lead), *(int(short[s.position]) for s in slots),
                *range(ranked + lead, len(ids))][:n]

    def _picks(self, ids, x, probs, chosen, explored, origin, ctx, weights, explain, seed, playing=False
               ) -> UpNextList:
        out = UpNextList(ids[chosen], probs[chosen].astype(np.float32))
        explainer = Explainer(self.lib, self.vectors, weights, ctx, self.taste, self.cooc, ids[chosen].tolist(),
                              self._facts_cache(), seed=seed, tries=self.explore.phrase(),
                              playing=playing) if explain else None
        contributions = self.scorer.contributions(x[chosen])
        for j, (pos, was_explored) in enumerate(zip(chosen, explored)):
            mid = int(ids[pos])
            where = "explore" if was_explored else origin.get(mid, "explore")
            why = (explainer.explain(mid, x[pos], contributions[j], where, was_explored, float(probs[pos]))
                   if explainer else [])
            out.picks.append(Pick(mid, float(probs[pos]), why, where, was_explored))
        return out

    def _regions(self, ids, short, fused, explore, probs, worth, weights):
        """The shortlist's worth with the odds of each candidate's region of what was heard lately (pacing.py),
        less the exploring candidates from regions skipped more than finished: (positions, fused, worth)."""
        heard = np.array(list(dict.fromkeys(reversed(self.recent[-REGION_HEARD:]))), dtype=np.int64)
        if len(heard) == 0 or len(short) == 0:
            return short, fused, (probs * worth)[short]
        rows = np.array([self.taste.row.get(m, -1) for m in heard.tolist()])
        counts = self.taste.counts[np.maximum(rows, 0)]
        finished = (rows >= 0) & (counts[:, 0] + 2 * counts[:, 2] > counts[:, 1] + 2 * counts[:, 3])
        content = {sp: w for sp, w in weights.items() if sp in REGION_SPACES and w > 0} or weights
        odds, skipped = region_odds(self._similarity(ids[short], heard, content), finished)
        keep = ~(explore[short] & skipped)
        return short[keep], fused[keep], (with_odds(probs[short], odds) * worth[short])[keep]

    def _similarity(self, a: np.ndarray, b: np.ndarray, weights: dict[str, float]) -> np.ndarray:
        """Cosines of items `a` to items `b` over the spaces both have (weighted; 0 where they share none),
        one space at a time on the rows that have it: a song has no 1280-d look to multiply."""
        num = np.zeros((len(a), len(b)), dtype=np.float32)
        den = np.zeros((len(a), len(b)), dtype=np.float32)
        for sp, w in weights.items():
            ra, ha = self.vectors.get(sp, a)
            rb, hb = self.vectors.get(sp, b)
            if ha.all() and hb.all():  # (the usual case: songs in a sound space)
                num += w * (ra @ rb.T)
                den += w
                continue
            ia, ib = np.flatnonzero(ha), np.flatnonzero(hb)
            if len(ia) and len(ib):
                num[np.ix_(ia, ib)] += w * (ra[ia] @ rb[ib].T)
                den[np.ix_(ia, ib)] += w
        return np.divide(num, den, out=np.zeros_like(num), where=den > 0)

    def _playing_start(self, now: float) -> int | None:
        """The item playing now (its play_start not ended yet) while this session has heard nothing else:
        the list starts from it, as radio from it would, instead of a varied start that ignores it."""
        if self.playing is None or self.session.active(now):
            return None
        mid, ts = self.playing
        return mid if 0.0 <= now - ts <= PLAYING_KEEP_S else None

    def _radio_context(self, now: float, seed: int) -> Context:
        """The context of radio from `seed`: what this session heard since the seed (nothing before it counts:
        radio is about the seed, not what played before it), then the seed as the item just finished."""
        entries = self.session.active(now)
        since = max((i for i, e in enumerate(entries) if e.media_id == seed), default=len(entries))
        entries = [*entries[since:], Entry(seed, 1, now)]
        radio = Session(self.session.session_id, entries, now)
        return build_context(self.vectors, self._spaces or [], self.taste, radio, self.cooc, now,
                             self.params.session_half_life)

    def _recent(self, now: float, at_most: int) -> tuple[set[int], dict[int, int]]:
        """(kept out, may come again with their gaps) among what was heard lately: see pacing.split_recent."""
        last: dict[int, int] = {e.media_id: e.sign for e in self.session.active(now)}
        skipped_last = {m for m, sign in last.items() if sign < 0}
        window = min(self.settings.no_repeat_window, RECENT_KEEP)
        row, counts = self.taste.row, self.taste.counts

        def finished(mid: int) -> bool:
            r = row.get(mid)
            return r is not None and bool(counts[r, 0] > counts[r, 1])
        return split_recent(self.recent, window, at_most, finished, skipped_last)

    def _worth(self, ids: np.ndarray, again: dict[int, int], not_now: Iterable[int]) -> np.ndarray:
        """Each candidate's weight on its P(finished) in the ranking: a finished item heard lately counts less
        the sooner it would come back, a "not now" item much less."""
        w = np.ones(len(ids), dtype=np.float64)
        lowered = np.fromiter((int(m) for m in not_now), dtype=np.int64)
        window = min(self.settings.no_repeat_window, RECENT_KEEP)
        if again:
            back = np.fromiter(again, dtype=np.int64, count=len(again))
            fresh = np.array([freshness(g, window) for g in again.values()])
            order = np.argsort(back)
            pos = np.minimum(np.searchsorted(back[order], ids), len(back) - 1)
            hit = back[order][pos] == ids
            w[hit] = fresh[order][pos[hit]]
        if len(lowered):
            w[np.isin(ids, lowered)] *= NOT_NOW
        return w

    def _fill(self, seed: int | None, ctx: Context, taken: set[int], kinds: tuple[str, ...], catalogue: np.ndarray,
              need: int, rng: np.random.Generator) -> list[tuple[int, str]]:
        """`need` more items when the candidates run short: the seed's (else the last item's) artist and folder,
        then the rest of the library at random: never an empty list while the library has an item to offer."""
        if need <= 0:
            return []
        anchor = seed if seed is not None else ctx.session[-1].media_id if ctx.session else \
            self.recent[-1] if self.recent else None
        out = kin(self.lib, anchor, kinds, taken, need) if anchor is not None else []
        if len(out) < need and len(catalogue):
            seen = taken | {m for m, _ in out}
            sample = catalogue if len(catalogue) <= 4 * need + len(seen) else \
                rng.choice(catalogue, size=4 * need + len(seen), replace=False)
            out += [(int(m), "rest") for m in rng.permutation(sample) if int(m) not in seen][:need - len(out)]
        return out

    def refill(self, n: int = 10, kind: str = "any", now: float | None = None, explain: bool = True, *,
               exclude: Iterable[int] = (), not_now: Iterable[int] = (), seed: int | None = None) -> UpNextList:
        """What a player does after each event: catch up with the history, then make the list."""
        self.catch_up()
        return self.recommend(n, kind, now=now, explain=explain, refresh=False, exclude=exclude, not_now=not_now,
                              seed=seed)

    def close(self) -> None:
        if self.persist and self._dirty:
            self.save()
        if self._own_vectors:
            self.vectors.close()


def upnext(lib: "Library", index_dir: Path, n: int = 10, kind: str = "any",
           settings: RecommendSettings | None = None, explain: bool = True, now: float | None = None, *,
           exclude: Iterable[int] = (), not_now: Iterable[int] = (), seed: int | None = None,
           listener: int | None = DEFAULT_LISTENER) -> UpNextList:
    """Catch up with the history and make one list (what `mediarec upnext` and `export --upnext` do)."""
    rec = UpNext(lib, index_dir, settings=settings, listener=listener)
    try:
        return rec.refill(n, kind, now=now, explain=explain, exclude=exclude, not_now=not_now, seed=seed)
    finally:
        rec.close()


def forget_state(lib: "Library") -> None:
    """Drop the stored models, every listener's (after `forget --all`, or new parameters): the next list refits
    from the events."""
    with lib.transaction() as c:
        c.execute("DELETE FROM kv WHERE key = ? OR key LIKE ?", (STATE_KEY, STATE_KEY + ".%"))


__all__ = ["UpNext", "UpNextList", "Pick", "upnext", "forget_state", "STATE_KEY"]
