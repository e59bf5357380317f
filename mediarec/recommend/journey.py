"""Journeys: a list that moves smoothly from item A through waypoints to item B (Plexamp's Sonic Adventure).

Each leg (A to the first waypoint, ..., the last waypoint to B) gets a share of the steps in proportion
to how far apart its ends are. For step j of m on a leg from p to q, the target in every space both ends
have is the normalised interpolation (1 - t) p + t q, t = j / (m + 1); the step is the unused item
that best fits
    fused cosine to the target + SMOOTHNESS * fused cosine to the previous step,
searched in each space's index around the target, so the list advances towards q while every step
stays close to the one before. Spaces are those both ends of a leg have, so a song and a video meet in
how they sound, what they say and how they feel. No item appears twice."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

import numpy as np

from ..errors import UserError
from ..index.spaces import SPACES
from .similar import KINDS, WEIGHTS
from .vectors import SpaceVectors, unit

if TYPE_CHECKING:
    from ..library import Library

SMOOTHNESS = 0.5
NEIGHBOURS = 30  # items asked of each space around each target
DEFAULT_STEPS = 12


@dataclass
class Step:
    id: int
    similarity: float  # fused cosine to the previous step (1.0 for the first)
    waypoint: bool  # A, a --via item, or B
    leg: int
    spaces: dict[str, float] = field(default_factory=dict)  # per-space cosine to the previous step


@dataclass
class Journey:
    ids: np.ndarray
    scores: np.ndarray  # each step's similarity to the one before
    steps: list[Step] = field(default_factory=list)
    weights: dict[str, float] = field(default_factory=dict)  # the spaces used and their weights


class Journeys:
    """Plans journeys over one library's indexes (one per thread)."""

    def __init__(self, lib: "Library", index_dir: Path | None = None, *, vectors: SpaceVectors | None = None,
                 weights: dict[str, float] | None = None):
        if vectors is None and index_dir is None:
            raise ValueError("Journeys needs index_dir or vectors")
        self.lib = lib
        self.vectors = vectors or SpaceVectors(lib, index_dir)
        self._own_vectors = vectors is None
        self.weights = dict(weights or WEIGHTS)

    def plan(self, a: int, b: int, via: Sequence[int] = (), n: int = DEFAULT_STEPS, kind: str = "any") -> Journey:
        if kind not in KINDS:
            raise UserError(f"unknown kind {kind!r} (known: {', '.join(KINDS)})")
        stops = [int(a), *(int(v) for v in via), int(b)]
        if len(set(stops)) != len(stops):
            raise UserError("a journey passes each item once: A, B and the waypoints must all differ")
        if n < len(stops):
            raise UserError(f"-n {n} is too short for {len(stops)} stops (A, B and the waypoints)")
        kinds = KINDS[kind]
        self.vectors.refresh()
        legs = [self._leg_spaces(p, q, kinds) for p, q in zip(stops, stops[1:])]
        points = {m: {s: self.vectors.one(s, m) for s in SPACES} for m in stops}
        lengths = [max(1e-3, 1.0 - self._fused_cos(points[p], points[q], w))
                   for (p, q), w in zip(zip(stops, stops[1:]), legs)]
        counts = _share(n - len(stops), lengths)
        used = set(stops)
        steps = [Step(stops[0], 1.0, True, 0)]
        for leg, ((p, q), w, m) in enumerate(zip(zip(stops, stops[1:]), legs, counts)):
            prev = points[p]
            for j in range(1, m + 1):
                t = j / (m + 1)
                target = {s: _towards(points[p][s], points[q][s], t) for s in w}
                pick, vecs = self._best(target, prev, w, used, kinds)
                if pick is None:
                    break  # the library ran out of items this leg can use: go straight to the stop
                steps.append(Step(pick, self._fused_cos(prev, vecs, w), False, leg, _per_space(prev, vecs, w)))
                used.add(pick)
                prev = vecs
            steps.append(Step(q, self._fused_cos(prev, points[q], w), True, leg, _per_space(prev, points[q], w)))
        used_spaces = {s: self.weights[s] for w in legs for s in w}
        return Journey(np.array([s.id for s in steps], dtype=np.int64),
                       np.array([s.similarity for s in steps], dtype=np.float32), steps, used_spaces)

    def _leg_spaces(self, p: int, q: int, kinds: tuple[str, ...]) -> dict[str, float]:
        """Spaces (with weights) both ends have and the items in between can have."""
        out = {}
        for s, w in self.weights.items():
            if w > 0 and SPACES[s].kinds & set(kinds) and self.vectors.one(s, p) is not None \
                    and self.vectors.one(s, q) is not None:
                out[s] = w
        if not out:
            raise UserError(f"items {p} and {q} have no analysed aspect in common (run 'mediarec analyze')")
        return out

    def _fused_cos(self, x: dict, y: dict, weights: dict[str, float]) -> float:
        total = sum(weights.values()) or 1.0
        return float(sum(w * float(x[s] @ y[s]) for s, w in weights.items()
                         if x.get(s) is not None and y.get(s) is not None) / total)

    def _best(self, target: dict[str, np.ndarray], prev: dict, weights: dict[str, float], used: set[int],
              kinds: tuple[str, ...]) -> tuple[int | None, dict]:
        found: set[int] = set()
        for s, v in target.items():
            ids, _ = self.vectors.search(s, v, NEIGHBOURS, exclude=used, kinds=kinds)
            found.update(ids.tolist())
        if not found:
            return None, {}
        cand = np.array(sorted(found), dtype=np.int64)
        total = sum(weights.values()) or 1.0
        score = np.zeros(len(cand), dtype=np.float64)
        rows = {}
        for s, w in weights.items():
            rows[s], has = self.vectors.get(s, cand)
            score += w * (rows[s] @ target[s]) / total
            if prev.get(s) is not None:
                score += SMOOTHNESS * w * (rows[s] @ prev[s]) / total
        best = int(np.argmax(score))
        mid = int(cand[best])
        return mid, {s: self.vectors.one(s, mid) for s in SPACES}

    def close(self) -> None:
        if self._own_vectors:
            self.vectors.close()


def _per_space(x: dict, y: dict, weights: dict[str, float]) -> dict[str, float]:
    return {s: round(float(x[s] @ y[s]), 4) for s in weights if x.get(s) is not None and y.get(s) is not None}


def _towards(p: np.ndarray, q: np.ndarray, t: float) -> np.ndarray:
    """The unit vector a share t of the way from p to q (normalised interpolation; p if they cancel)."""
    v = unit((1.0 - t) * p + t * q)
    return p if v is None else v


def _share(total: int, lengths: list[float]) -> list[int]:
    """`total` steps split over legs in proportion to their lengths (largest remainders)."""
    raw = np.asarray(lengths) / sum(lengths) * total
    counts = np.floor(raw).astype(int)
    for i in np.argsort(-(raw - counts))[: total - counts.sum()]:
        counts[i] += 1
    return counts.tolist()


def path(lib: "Library", index_dir: Path, a: int, b: int, n: int = DEFAULT_STEPS, via: Iterable[int] = (),
         kind: str = "any") -> Journey:
    """One journey from `a` to `b` (media ids) through `via`; `ids` and `scores` like implicit's lists."""
    journeys = Journeys(lib, index_dir)
    try:
        return journeys.plan(a, b, list(via), n, kind)
    finally:
        journeys.close()


__all__ = ["Journeys", "Journey", "Step", "path", "DEFAULT_STEPS", "SMOOTHNESS"]
