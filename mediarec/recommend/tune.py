"""Tuning: search the up-next parameters (space weights, decays, learning rate, diversity) on the user's
own history, with a time split so nothing is chosen by looking at the future.

Every trial replays the whole history once (evaluate.replay) with its parameters. A trial's objective
is NDCG@10 plus a tenth of its skip AUC's lift over chance, measured only on the first `split` share of
events; the best trial is then reported on the held-out rest next to the parameters in use. It is
saved (kv `recommend.params`, read by every recommender) when it does at least as well as them on the
held-out part too; the stored up-next state is dropped so the next list refits with it."""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from ..errors import UserError
from ..settings import RecommendSettings
from .evaluate import replay
from .params import Params
from .upnext import forget_state
from .vectors import SpaceVectors

if TYPE_CHECKING:
    from ..library import Library

MIN_PLAYS = 20
HALF_LIVES = (3.0, 7.0, 14.0, 30.0, 90.0, 365.0)
SESSION_HALF_LIVES = (1.0, 2.0, 3.0, 5.0, 8.0)
LEARNING_RATES = (0.01, 0.03, 0.05, 0.1, 0.3)
MMR_LAMBDAS = (0.6, 0.7, 0.8, 0.9, 1.0)


@dataclass
class Trial:
    params: Params
    label: str
    tune: dict[str, Any] = field(default_factory=dict)  # recommender metrics on the first part
    held_out: dict[str, Any] = field(default_factory=dict)

    @property
    def objective(self) -> float:
        return objective(self.tune)


@dataclass
class TuneReport:
    trials: list[Trial]
    best: Trial
    current: Trial
    split_at: int
    events: int
    saved: bool

    def to_json(self) -> dict[str, Any]:
        return {"events": self.events, "split_at": self.split_at, "saved": self.saved,
                "best": {"label": self.best.label, "params": self.best.params.to_json(), "tune": self.best.tune,
                         "held_out": self.best.held_out},
                "current": {"label": self.current.label, "tune": self.current.tune, "held_out": self.current.held_out},
                "trials": [{"label": t.label, "objective": round(t.objective, 4), "tune": t.tune} for t in self.trials]}


def objective(metrics: dict[str, Any]) -> float:
    ndcg = metrics.get("ndcg") or 0.0
    auc = metrics.get("skip_auc")
    return ndcg + 0.1 * ((auc - 0.5) if auc is not None else 0.0)


def perturb(base: Params, rng: np.random.Generator) -> Params:
    """A random neighbour of `base`: each space weight scaled by up to 4x either way, the rest from grids."""
    p = copy.deepcopy(base)
    p.space_weights = {s: float(w * np.exp(rng.uniform(-np.log(4), np.log(4)))) for s, w in base.space_weights.items()}
    p.profile_half_life_days = float(rng.choice(HALF_LIVES))
    p.session_half_life = float(rng.choice(SESSION_HALF_LIVES))
    p.learning_rate = float(rng.choice(LEARNING_RATES))
    p.mmr_lambda = float(rng.choice(MMR_LAMBDAS))
    return p


def tune(lib: "Library", index_dir: Path, trials: int = 12, split: float = 0.7, seed: int = 0,
         settings: RecommendSettings | None = None, save: bool = True,
         progress: Callable[[int, int], None] | None = None, listener: int | None = 1) -> TuneReport:
    """Tune on `listener`'s history; the winner is saved as that listener's parameters."""
    events = lib.events.list(listener=listener)
    plays = sum(e["type"] == "play" for e in events)
    if plays < MIN_PLAYS:
        raise UserError(f"tuning needs at least {MIN_PLAYS} plays in the history (there are {plays})")
    split_at = int(len(events) * split)
    rng = np.random.default_rng(seed)
    current = Params.load(lib, listener)
    candidates = [(current, "current"), (Params(), "defaults")]
    candidates += [(perturb(current, rng), f"trial {i + 1}") for i in range(max(0, trials - 2))]
    vectors = SpaceVectors(lib, index_dir)
    done: list[Trial] = []
    try:
        for i, (params, label) in enumerate(candidates[:max(trials, 1)]):
            report = replay(lib, events=events, vectors=vectors, params=params, settings=settings, baselines=False,
                            split=split_at)
            done.append(Trial(params, label, report.parts[0]["recommender"], report.parts[1]["recommender"]))
            if progress is not None:
                progress(i + 1, min(len(candidates), max(trials, 1)))
    finally:
        vectors.close()
    best = max(done, key=lambda t: t.objective)
    now = done[0]
    saved = False
    if save and best is not now and objective(best.held_out) >= objective(now.held_out):
        best.params.save(lib, listener)
        forget_state(lib)
        saved = True
    return TuneReport(done, best, now, split_at, len(events), saved)


__all__ = ["tune", "TuneReport", "Trial", "perturb", "objective", "MIN_PLAYS"]
