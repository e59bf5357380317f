"""What the up-next scorer knows about a candidate: its features, given the listening context.

Per similarity space: cosine to the session's finished items (`session_*`), to the long-term profile
(`profile_*`), to what was skipped in this session (`skipped_*`) and to what is skipped over time
(`avoid_*`); 0 where the item or the context has no vector in that space. Then the item's own evidence:
its play/skip record (Beta posterior log-odds), how recently it was played (exp(-hours / 24)), how
often it is finished next to this session's items (log1p of the co-occurrence), whether it was never
played (novelty), and a bias."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..index.spaces import SPACES
from .cooccur import CoOccurrence
from .session import Entry, Session
from .taste import Taste
from .vectors import SpaceVectors

GROUPS = ("session", "profile", "skipped", "avoid")
ITEM_FEATURES = ("record", "recent", "cooc", "novelty", "bias")
FEATURES = [f"{g}_{s}" for g in GROUPS for s in SPACES] + list(ITEM_FEATURES)
COLUMN = {name: i for i, name in enumerate(FEATURES)}
RECENT_SCALE_S = 86400.0


@dataclass
class Context:
    """The listening context at `now`: the directions each space's features compare with."""

    now: float
    session: list[Entry] = field(default_factory=list)  # the active session, oldest first
    directions: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)  # group -> space -> unit vector
    cooc: dict[int, float] = field(default_factory=dict)  # partner id -> weighted co-occurrence

    @property
    def finished(self) -> list[int]:
        return [e.media_id for e in self.session if e.sign > 0]

    @property
    def skipped(self) -> list[int]:
        return [e.media_id for e in self.session if e.sign < 0]

    @property
    def has_taste(self) -> bool:
        return bool(self.directions.get("session") or self.directions.get("profile"))


def build_context(vectors: SpaceVectors, spaces: list[str], taste: Taste, session: Session, cooc: CoOccurrence,
                  now: float, session_half_life: float) -> Context:
    entries = session.active(now)
    pos, neg = session.directions(vectors, spaces, entries, session_half_life)
    directions = {"session": pos, "skipped": neg, "profile": taste.profile(vectors, spaces, now),
                  "avoid": taste.profile(vectors, spaces, now, negative=True)}
    weights = session.weights(entries, session_half_life) if entries else []
    anchors = {e.media_id: float(w) for e, w in zip(entries, weights) if e.sign > 0}
    return Context(now, entries, directions, cooc.partners(anchors))


def feature_matrix(ctx: Context, vectors: SpaceVectors, taste: Taste, media_ids: np.ndarray) -> np.ndarray:
    """One row of FEATURES per item."""
    ids = np.asarray(media_ids, dtype=np.int64)
    x = np.zeros((len(ids), len(FEATURES)), dtype=np.float32)
    if len(ids) == 0:
        return x
    spaces = {s for group in ctx.directions.values() for s in group}
    for s in spaces:
        rows, has = vectors.get(s, ids)
        if not has.any():
            continue
        groups = [g for g in GROUPS if s in ctx.directions.get(g, {})]
        q = np.stack([ctx.directions[g][s] for g in groups], axis=1)
        cos = rows @ q
        for j, g in enumerate(groups):
            x[:, COLUMN[f"{g}_{s}"]] = cos[:, j]
    for r, mid in enumerate(ids.tolist()):
        rec = taste.items.get(mid)
        if rec is None:
            x[r, COLUMN["novelty"]] = 1.0
        else:
            x[r, COLUMN["record"]] = rec.log_odds
            if rec.last_ts > 0:
                x[r, COLUMN["recent"]] = math.exp(-max(0.0, ctx.now - rec.last_ts) / RECENT_SCALE_S)
        n = ctx.cooc.get(mid)
        if n:
            x[r, COLUMN["cooc"]] = math.log1p(n)
    x[:, COLUMN["bias"]] = 1.0
    return x


__all__ = ["FEATURES", "GROUPS", "ITEM_FEATURES", "COLUMN", "Context", "build_context", "feature_matrix"]
