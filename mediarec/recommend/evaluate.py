"""Offline evaluation: replay the user's history in time order and score the up-next recommender against
simple baselines on it, each trained only on what happened before the event it is asked about.

Before every play the recommender and each baseline give their top k (k = 10); metrics:
- hit rate@k: the share of plays whose item was in the list; NDCG@k: 1 / log2(rank + 2) when it was;
- skip AUC: before every play or skip, the system's score for that item; the AUC of play (positive)
  against skip (negative): 0.5 is chance, 1.0 always right;
- coverage: the share of the catalogue that appeared in any list;
- diversity: mean pairwise fused distance (1 - cosine) within a list;
- novelty: the share of a list the user had never played or skipped before.
Baselines: random (from the catalogue), most played (so far), content (more-like-this of the last
finished item: content similarity alone). With `listener` (a listener's history replayed among everybody's)
and another listener who is not private, one more row: "recommender + others", the same model with the
cross-listener signal (cross.py) fed the others' events as they happened. With `split`, every metric is also kept separately for the
events before and after that position: `tune` chooses on the first part and reports on the second."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Protocol

import numpy as np

from ..settings import RecommendSettings
from .cross import CrossModel
from .params import Params
from .similar import WEIGHTS, MoreLikeThis
from .upnext import UpNext
from .vectors import SpaceVectors

if TYPE_CHECKING:
    from ..library import Library

K = 10
JUDGED = ("play", "skip")
METRICS = ("hit_rate", "ndcg", "skip_auc", "coverage", "diversity", "novelty")


class System(Protocol):
    name: str

    def recommend(self, k: int, now: float) -> list[int]: ...

    def score(self, media_ids: list[int], now: float) -> np.ndarray: ...

    def observe(self, event: dict) -> None: ...


class Recommender:
    name = "recommender"

    def __init__(self, lib, vectors: SpaceVectors, params: Params | None, settings: RecommendSettings | None,
                 listener: int | None = 1, cross: CrossModel | None = None):
        # (cross=False: a live model reading the others' events from the database would see the future)
        self.model = UpNext(lib, vectors=vectors, params=params or Params.load(lib, listener), settings=settings,
                            persist=False, listener=listener, cross=cross if cross is not None else False)
        self.model._refresh()

    def recommend(self, k, now):
        return self.model.recommend(k, now=now, explain=False, refresh=False).ids.tolist()

    def score(self, media_ids, now):
        return self.model.predict(media_ids, now)

    def observe(self, event):
        self.model.observe(event)


class WithOthers(Recommender):
    """The recommender with the cross-listener signal, its CrossModel fed everybody's events in time order."""

    name = "recommender + others"

    def __init__(self, lib, vectors, params, settings, listener: int, names: dict[int, str]):
        self.cross = CrossModel(listener, names)
        super().__init__(lib, vectors, params, settings, listener, self.cross)

    def observe_other(self, event):
        self.cross.observe(event)

    def observe(self, event):
        self.cross.observe(event)
        self.model.observe(event)


class RandomBaseline:
    name = "random"

    def __init__(self, catalogue: np.ndarray, seed: int = 0):
        self.catalogue, self.rng = catalogue, np.random.default_rng(seed)

    def recommend(self, k, now):
        return self.rng.choice(self.catalogue, size=min(k, len(self.catalogue)), replace=False).tolist()

    def score(self, media_ids, now):
        return self.rng.random(len(media_ids))

    def observe(self, event):
        pass


class MostPlayed:
    name = "most played"

    def __init__(self, catalogue: np.ndarray):
        self.catalogue = catalogue.tolist()
        self.plays: dict[int, int] = {}

    def recommend(self, k, now):
        top = sorted(self.plays, key=lambda m: (-self.plays[m], m))[:k]
        return top + [m for m in self.catalogue if m not in self.plays][: k - len(top)]

    def score(self, media_ids, now):
        return np.array([self.plays.get(int(m), 0) for m in media_ids], dtype=np.float64)

    def observe(self, event):
        if event["type"] == "play":
            self.plays[event["media_id"]] = self.plays.get(event["media_id"], 0) + 1


class ContentLast:
    """More like the last finished item (the app's more-like-this), without any learning."""

    name = "content"

    def __init__(self, mlt: MoreLikeThis, vectors: SpaceVectors, weights: dict[str, float]):
        self.mlt, self.vectors, self.weights = mlt, vectors, weights
        self.last: int | None = None

    def recommend(self, k, now):
        return [] if self.last is None else self.mlt.similar_items(self.last, k)[0].tolist()

    def score(self, media_ids, now):
        if self.last is None:
            return np.zeros(len(media_ids))
        fused = self.vectors.fused([self.last, *media_ids], self.weights)
        return fused[1:] @ fused[0] if fused.shape[1] else np.zeros(len(media_ids))

    def observe(self, event):
        if event["type"] == "play":
            self.last = event["media_id"]


@dataclass
class Tally:
    """One system's running metrics over one part of the replay."""

    plays: int = 0
    hits: int = 0
    ndcg: float = 0.0
    positives: list[float] = field(default_factory=list)
    negatives: list[float] = field(default_factory=list)
    shown: set[int] = field(default_factory=set)
    diversity: list[float] = field(default_factory=list)
    novelty: list[float] = field(default_factory=list)

    def row(self, catalogue_size: int) -> dict[str, Any]:
        return {"hit_rate": self.hits / self.plays if self.plays else None,
                "ndcg": self.ndcg / self.plays if self.plays else None,
                "skip_auc": auc(self.positives, self.negatives),
                "coverage": len(self.shown) / catalogue_size if catalogue_size else None,
                "diversity": float(np.mean(self.diversity)) if self.diversity else None,
                "novelty": float(np.mean(self.novelty)) if self.novelty else None,
                "plays": self.plays, "judged": len(self.positives) + len(self.negatives)}


@dataclass
class EvalReport:
    k: int
    events: int
    plays: int
    skips: int
    catalogue: int
    systems: dict[str, dict[str, Any]]  # name -> metrics over the whole replay
    parts: list[dict[str, dict[str, Any]]] = field(default_factory=list)  # with a split: before, after

    def to_json(self) -> dict[str, Any]:
        return {"k": self.k, "events": self.events, "plays": self.plays, "skips": self.skips,
                "catalogue": self.catalogue, "systems": self.systems, "parts": self.parts}


def auc(positives: list[float], negatives: list[float]) -> float | None:
    """Probability that a random positive scores above a random negative (ties count half)."""
    if not positives or not negatives:
        return None
    scores = np.concatenate([positives, negatives])
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores), dtype=np.float64)
    sorted_scores = scores[order]
    i = 0
    while i < len(scores):  # average ranks over ties
        j = i
        while j + 1 < len(scores) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    n_pos, n_neg = len(positives), len(negatives)
    return float((ranks[:n_pos].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def replay(lib: "Library", index_dir: Path | None = None, events: Iterable[dict] | None = None, *,
           vectors: SpaceVectors | None = None, params: Params | None = None,
           settings: RecommendSettings | None = None, k: int = K, baselines: bool = True,
           split: int | None = None, progress: Callable[[int, int], None] | None = None,
           listener: int | None = None) -> EvalReport:
    """Replay `events` (default: the whole history; with `listener`, everybody's, that listener's scored) and
    score every system; see the module docstring."""
    own = vectors is None
    vectors = vectors or SpaceVectors(lib, index_dir)
    vectors.refresh()
    history = sorted(events if events is not None else lib.events.list(), key=lambda e: (e["ts"], e.get("id", 0)))
    others: list[dict] = []
    if listener is not None:
        people = lib.query("SELECT id, name, private FROM listeners")
        private = {r[0] for r in people if r[2] and r[0] != listener}
        mine = [e for e in history if e.get("listener_id", 1) == listener]
        others = [e for e in history if e.get("listener_id", 1) not in (listener, None, *private)]
        history = sorted(mine + others, key=lambda e: (e["ts"], e.get("id", 0)))
    catalogue = np.asarray(lib.media.ids(), dtype=np.int64)
    weights = {s: w for s, w in WEIGHTS.items() if s in vectors.spaces_for(("audio", "video"))}
    systems: list[System] = [Recommender(lib, vectors, params, settings, 1 if listener is None else listener)]
    if others:
        names = {r[0]: r[1] for r in lib.query("SELECT id, name FROM listeners")}
        systems.append(WithOthers(lib, vectors, params, settings, listener, names))
    mlt = None
    if baselines:
        mlt = MoreLikeThis(lib, index_dir) if index_dir is not None else None
        systems += [RandomBaseline(catalogue), MostPlayed(catalogue)]
        if mlt is not None:
            systems.append(ContentLast(mlt, vectors, weights))
    n_parts = 1 if split is None else 2
    tallies = [[Tally() for _ in range(n_parts + 1)] for _ in systems]  # [whole, before, after]
    seen: set[int] = set()
    in_catalogue = set(catalogue.tolist())
    try:
        for i, e in enumerate(history):
            if listener is not None and e.get("listener_id", 1) != listener:
                for system in systems:
                    if isinstance(system, WithOthers):
                        system.observe_other(e)
                continue
            parts = [0] if split is None else [0, 1 if i < split else 2]
            mid, now = int(e["media_id"]), float(e["ts"])
            judged = e["type"] in JUDGED and mid in in_catalogue
            for system, tally in zip(systems, tallies):
                if e["type"] == "play" and mid in in_catalogue:
                    _score_list(system.recommend(k, now), mid, seen, vectors, weights, [tally[p] for p in parts])
                if judged:
                    s = float(system.score([mid], now)[0])
                    for p in parts:
                        (tally[p].positives if e["type"] == "play" else tally[p].negatives).append(s)
                system.observe(e)
            if e["type"] in JUDGED:
                seen.add(mid)
            if progress is not None:
                progress(i + 1, len(history))
    finally:
        if mlt is not None:
            mlt.close()
        if own:
            vectors.close()
    size = len(catalogue)
    whole = {s.name: t[0].row(size) for s, t in zip(systems, tallies)}
    parts_out = [] if split is None else [{s.name: t[p].row(size) for s, t in zip(systems, tallies)} for p in (1, 2)]
    scored = [e for e in history if listener is None or e.get("listener_id", 1) == listener]
    return EvalReport(k, len(scored), sum(e["type"] == "play" for e in scored),
                      sum(e["type"] == "skip" for e in scored), size, whole, parts_out)


def _score_list(ids: list[int], target: int, seen: set[int], vectors: SpaceVectors, weights: dict[str, float],
                tallies: list[Tally]) -> None:
    rank = ids.index(target) if target in ids else None
    diversity = None
    if len(ids) > 1:
        fused = vectors.fused(ids, weights)
        if fused.shape[1]:
            sims = fused @ fused.T
            iu = np.triu_indices(len(ids), 1)
            diversity = float(np.mean(1.0 - sims[iu]))
    novelty = sum(m not in seen for m in ids) / len(ids) if ids else None
    for t in tallies:
        t.plays += 1
        if rank is not None:
            t.hits += 1
            t.ndcg += 1.0 / math.log2(rank + 2)
        t.shown.update(ids)
        if diversity is not None:
            t.diversity.append(diversity)
        if novelty is not None:
            t.novelty.append(novelty)


__all__ = ["replay", "EvalReport", "auc", "METRICS", "K", "RandomBaseline", "MostPlayed", "ContentLast",
           "Recommender", "WithOthers"]
