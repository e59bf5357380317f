"""What the up-next scorer knows about a candidate: its features, given the listening context.

Per similarity space: cosine to the session's finished items (`session_*`), to the long-term profile
(`profile_*`), to what was skipped in this session (`skipped_*`) and to what is skipped over time
(`avoid_*`); 0 where the item or the context has no vector in that space. Then the item's own evidence:
its play/skip record (Beta posterior log-odds), how recently it was played (exp(-hours / 24)), how
often it is finished next to this session's items (log1p of the co-occurrence), whether it was never
played (novelty), and a bias."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..index.spaces import SPACES
from .cooccur import CoOccurrence
from .session import Entry, Session
from .taste import Taste
from .vectors import SpaceVectors, unit

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
    """The four directions of every space: each the unit-length weighted mean of some items' vectors (the
    session's finished and skipped ones, the items liked and skipped most over time); one read per space."""
    entries = session.active(now)
    s_ids, s_w = session.weighted(entries, session_half_life) if entries else (np.zeros(0, np.int64),
                                                                                np.zeros(0, np.float32))
    p_ids, p_w = taste.strongest(now)
    a_ids, a_w = taste.strongest(now, negative=True)
    parts = {"session": (0, np.maximum(s_w, 0)), "skipped": (0, np.maximum(-s_w, 0)),
             "profile": (len(s_ids), p_w), "avoid": (len(s_ids) + len(p_ids), a_w)}
    ids = np.concatenate([s_ids, p_ids, a_ids])
    directions: dict[str, dict[str, np.ndarray]] = {g: {} for g in parts}
    if len(ids):
        for s in spaces:
            rows, has = vectors.get(s, ids)
            if not has.any():
                continue
            for group, (start, w) in parts.items():
                block = rows[start:start + len(w)]
                v = unit((w * has[start:start + len(w)]) @ block) if len(w) and w.any() else None
                if v is not None:
                    directions[group][s] = v
    anchors = {e.media_id: float(w) for e, w in zip(entries, s_w) if w > 0}
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
    rows = np.array([taste.row.get(m, -1) for m in ids.tolist()], dtype=np.int64)
    known = rows >= 0
    x[:, COLUMN["novelty"]] = ~known
    if known.any():
        c = taste.counts[rows[known]]
        x[known, COLUMN["record"]] = np.log((1 + c[:, 0] + 2 * c[:, 2]) / (1 + c[:, 1] + 2 * c[:, 3]))
        last = taste.floats[rows[known], 0]
        x[known, COLUMN["recent"]] = np.where(
            last > 0, np.exp(-np.maximum(0.0, ctx.now - last) / RECENT_SCALE_S), 0.0)
    if ctx.cooc:
        x[:, COLUMN["cooc"]] = np.log1p([ctx.cooc.get(m, 0.0) for m in ids.tolist()])
    x[:, COLUMN["bias"]] = 1.0
    return x


__all__ = ["FEATURES", "GROUPS", "ITEM_FEATURES", "COLUMN", "Context", "build_context", "feature_matrix"]
