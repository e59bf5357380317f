"""The up-next recommender's tunable knobs: their defaults, the scorer's prior weights, and their kv record.

`mediarec tune` searches these on the user's own history and stores the best under PARAMS_KEY; every
recommender (up next, eval, the GUI) starts from what is stored there, else from the defaults here.
Stored as plain JSON (no pickle): a field this version does not know is ignored, one it misses keeps
its default."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..index.spaces import SPACES
from .similar import WEIGHTS

if TYPE_CHECKING:
    from ..library import Library

PARAMS_KEY = "recommend.params"

GROUP_PRIORS = {"session": 3.0, "profile": 1.5, "skipped": -2.5, "avoid": -1.0}
"""Prior weight of each per-space similarity group, times the space's weight: what the scorer believes
before it has seen a single event. Similar to what was just finished is the strongest cue, then the
long-term taste; similar to what was skipped in this session pushes hardest away (skip-prediction
studies find in-session behaviour the strongest signal), similar to what is skipped over months less."""
ITEM_PRIORS = {"record": 1.0, "recent": -1.0, "cooc": 1.0, "novelty": 0.0, "bias": -2.0}
"""Prior weights of the item's own evidence: its play/skip record (Beta posterior log-odds), how
recently it was played, how often the user plays it next to this session's items, whether it is new.
The bias keeps an item unlike anything heard near p = 0.2, and a close one below certainty, so the
scores say something and the first skips still move the weights."""


@dataclass
class Params:
    space_weights: dict[str, float] = field(default_factory=lambda: dict(WEIGHTS))
    """How much each similarity space counts (scales the priors of its features and the fused space)."""
    profile_half_life_days: float = 30.0
    """A play counts half as much in the long-term taste after this many days."""
    session_half_life: float = 3.0
    """An item this many steps back in the session counts half as much as the last one."""
    learning_rate: float = 0.05
    """SGD step of the scorer after each event."""
    l2: float = 0.01
    """Pull of the scorer's weights back towards the prior (keeps a few events from overturning it)."""
    mmr_lambda: float = 0.8
    """Relevance vs diversity in the re-ranking (1: relevance only)."""
    neighbours: int = 40
    """Nearest neighbours asked of each space for each query vector."""
    group_priors: dict[str, float] = field(default_factory=lambda: dict(GROUP_PRIORS))
    item_priors: dict[str, float] = field(default_factory=lambda: dict(ITEM_PRIORS))

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, doc: dict[str, Any] | None) -> "Params":
        out = cls()
        for f in dataclasses.fields(cls):
            if doc and f.name in doc:
                value = doc[f.name]
                if isinstance(getattr(out, f.name), dict) and isinstance(value, dict):
                    value = {**getattr(out, f.name), **{k: float(v) for k, v in value.items()}}
                elif isinstance(getattr(out, f.name), (int, float)):
                    value = type(getattr(out, f.name))(value)
                setattr(out, f.name, value)
        return out

    @classmethod
    def load(cls, lib: "Library", listener: int | None = 1) -> "Params":
        """A listener's tuned knobs (`mediarec tune --listener`), else the shared ones (listener 1's key)."""
        from ..library.listeners import state_key

        return cls.from_json(lib.kv.get(state_key(PARAMS_KEY, listener)) or lib.kv.get(PARAMS_KEY))

    def save(self, lib: "Library", listener: int | None = 1) -> None:
        from ..library.listeners import state_key

        lib.kv.set(state_key(PARAMS_KEY, listener), self.to_json())

    def prior(self, names: list[str]) -> list[float]:
        """The prior weight of each named feature (see features.FEATURES)."""
        out = []
        for name in names:
            group, _, space = name.partition("_")
            if space in SPACES:
                out.append(self.group_priors.get(group, 0.0) * self.space_weights.get(space, 0.0))
            else:
                out.append(self.item_priors.get(name, 0.0))
        return out


__all__ = ["Params", "PARAMS_KEY", "GROUP_PRIORS", "ITEM_PRIORS"]
