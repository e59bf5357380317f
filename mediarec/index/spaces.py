"""The similarity spaces as data: which extractors feed each space, with what weight and transform.

A space's vector is the concatenation of its blocks. Each block is transformed (see TRANSFORMS), scaled
to unit length and multiplied by sqrt(weight); the whole vector is then scaled to unit length. For two
items that have every block, the cosine of their space vectors is therefore the weighted mean of the
blocks' cosines (sum w_b cos_b / sum w_b); a block an item lacks counts as zero, so an item known only by
part of its blocks is found, just ranked lower. Unit vectors also make spaces fusable: every space's
similarity is a cosine in [-1, 1].

Transforms that need library statistics (a mean to subtract, a label vocabulary, how well each
component separates the library's albums or folders) fit them when the index is built; the statistics
are saved with the build, so items analysed later are placed with the same ones.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, Sequence

import numpy as np

Stats = dict[str, np.ndarray]


class Transform(Protocol):
    """A block's transform. One whose `needs_groups` is true is fitted with `groups` as well: one label per
    row saying which album (else folder) the item is in (index/origin.py)."""

    name: str
    needs_vector: bool
    needs_attrs: bool

    def fit(self, rows: np.ndarray, attrs: Sequence[dict] | None) -> Stats: ...

    def apply(self, rows: np.ndarray, attrs: Sequence[dict] | None, stats: Stats) -> np.ndarray: ...


@dataclass(frozen=True)
class Unit:
    """The vector as it is (already centred and scaled by its extractor, like audio.dsp)."""

    name: str = "unit"
    needs_vector: bool = True
    needs_attrs: bool = False

    def fit(self, rows, attrs) -> Stats:
        return {}

    def apply(self, rows, attrs, stats) -> np.ndarray:
        return rows


@dataclass(frozen=True)
class Center:
    """Subtract the library's mean vector. Learned embeddings (musicnn after a ReLU, EfficientNet pooling,
    MiniLM) share a large common direction that makes every pair look alike; without it cosines bunch up
    near 1. Below `min_items` the mean is mostly the items themselves, so nothing is subtracted."""

    min_items: int = 50
    name: str = "center"
    needs_vector: bool = True
    needs_attrs: bool = False

    def fit(self, rows, attrs) -> Stats:
        if len(rows) < self.min_items:
            return {"mean": np.zeros(rows.shape[1], dtype=np.float32)}
        return {"mean": rows.mean(axis=0, dtype=np.float64).astype(np.float32)}

    def apply(self, rows, attrs, stats) -> np.ndarray:
        return rows - stats["mean"]


MIN_GROUPS = 3  # groups of two or more items needed before their separation is worth learning from
SEPARATION_SHRINK = 0.5
"""How far each component's weight moves from uniform toward its separation score. On the album corpus
(7 albums, 58 tracks; bench/album_similarity.py), against equal weights: full weighting raised the
audio space's same-album precision@5 by 0.045 in the library it was fitted on and lost 0.014 on albums
it had not seen (fitted on half the albums, 8 splits); halfway, +0.035 and -0.004 (noise). What it
learns is which components tell this library's albums apart: it hears the user's library better, not
music in general."""


def separation_stats(rows: np.ndarray, groups: Sequence[str] | None, min_items: int, centre: bool = True) -> Stats:
    """Per component: the library mean, and a scale of sqrt(weight) / std, where the weight says how well the
    component separates the library's groups (albums, else folders): the Fisher ratio of its total to its
    within-group variance, less one, normalised to mean 1 and shrunk toward 1. Below `min_items` rows the
    mean is mostly the items themselves: nothing is subtracted or scaled. With fewer than MIN_GROUPS groups
    of two or more items there is nothing to learn from: the mean is subtracted (`centre`) and nothing
    scaled, as before there was any weighting (standardising would blow a component's noise up to the
    size of its signal, with nothing to say which is which)."""
    dim = rows.shape[1]
    identity = {"mean": np.zeros(dim, np.float32), "scale": np.ones(dim, np.float32)}
    if len(rows) < min_items or dim == 0:
        return identity
    mean, var = _moments(rows, np.arange(len(rows)))
    std = np.sqrt(var)
    live = std > 1e-6 * max(float(std.max()), 1e-12)  # a constant component says nothing
    labels = np.asarray(groups if groups is not None else [], dtype=object)
    _, inverse, counts = np.unique(labels.astype(str), return_inverse=True, return_counts=True)
    if len(labels) != len(rows) or (counts >= 2).sum() < MIN_GROUPS:
        return {**identity, "mean": mean.astype(np.float32)} if centre else identity
    shared = np.flatnonzero(counts[inverse] >= 2)
    shared = shared[np.argsort(inverse[shared], kind="stable")]  # each group's rows together
    shared_var, within = _group_spread(rows, shared, inverse[shared])
    score = np.maximum(np.where(live, shared_var / np.maximum(within, 1e-12), 1.0) - 1.0, 0.0)
    weight = SEPARATION_SHRINK * score / score.mean() + (1 - SEPARATION_SHRINK) if score.mean() > 0 else np.ones(dim)
    scale = np.where(live, np.sqrt(weight) / np.maximum(std, 1e-12), 0.0)
    return {"mean": mean.astype(np.float32), "scale": scale.astype(np.float32)}


FIT_CHUNK = 65_536
"""Rows converted to float64 at a time when fitting: at a million items a float64 copy of the musicnn
block alone is 1.6 GB, and the group statistics needed four of them."""


def _moments(rows: np.ndarray, which: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per component, the mean and the variance of rows `which`, in float64, a chunk at a time."""
    total = np.zeros(rows.shape[1])
    for s in range(0, len(which), FIT_CHUNK):
        total += np.asarray(rows[which[s:s + FIT_CHUNK]], dtype=np.float64).sum(axis=0)
    mean = total / max(len(which), 1)
    squares = np.zeros(rows.shape[1])
    for s in range(0, len(which), FIT_CHUNK):
        squares += ((np.asarray(rows[which[s:s + FIT_CHUNK]], dtype=np.float64) - mean) ** 2).sum(axis=0)
    return mean, squares / max(len(which), 1)


def _group_spread(rows: np.ndarray, which: np.ndarray, group: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(variance over rows `which`, mean squared distance of each to its group's mean), per component, a chunk
    at a time: `which` is sorted by `group`, so a chunk holds whole groups but for its first and last."""
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    sizes = np.diff(np.r_[starts, len(which)])
    _, var = _moments(rows, which)
    sums = np.zeros((len(starts), rows.shape[1]))
    for s in range(0, len(which), FIT_CHUNK):
        x = np.asarray(rows[which[s:s + FIT_CHUNK]], dtype=np.float64)
        first = np.searchsorted(starts, s, side="right") - 1  # the group the chunk starts in
        local = np.r_[0, starts[(starts > s) & (starts < s + len(x))] - s]
        sums[first:first + len(local)] += np.add.reduceat(x, local, axis=0)
    means = sums / sizes[:, None]
    within = np.zeros(rows.shape[1])
    for s in range(0, len(which), FIT_CHUNK):
        x = np.asarray(rows[which[s:s + FIT_CHUNK]], dtype=np.float64)
        owner = np.searchsorted(starts, np.arange(s, s + len(x)), side="right") - 1
        within += ((x - means[owner]) ** 2).sum(axis=0)
    return var, within / len(which)


@dataclass(frozen=True)
class Separated:
    """Centre, standardise and weigh each component by how well it separates albums (or folders) in this
    library (`separation_stats`): which of a model's dimensions tell this user's music apart is a
    property of the library, learned at each build from the structure the user gave it."""

    min_items: int = 50
    centre: bool = True  # without groups to learn from: subtract the mean (as Center) or not (as Unit)
    name: str = "separated"
    needs_vector: bool = True
    needs_attrs: bool = False
    needs_groups: bool = True

    def fit(self, rows, attrs, groups=None) -> Stats:
        return separation_stats(rows, groups, self.min_items, self.centre)

    def apply(self, rows, attrs, stats) -> np.ndarray:
        return (rows - stats["mean"]) * stats["scale"]


@dataclass(frozen=True)
class TagProbabilities:
    """audio.musicnn's tag probabilities (both models' 50 tags: genres, moods, instruments) as a vector over
    the tags seen at build time, then `Separated`. The tags are what the models were trained to say,
    the embedding is what they compute on the way: on the album corpus the two found the same album
    about equally often alone and more often together. A silent item has none."""

    keys: tuple[str, ...] = ("msd", "mtt")
    min_items: int = 50
    name: str = "tag_probabilities"
    needs_vector: bool = False
    needs_attrs: bool = True
    needs_groups: bool = True

    def _matrix(self, attrs, vocab: dict[str, int]) -> np.ndarray:
        out = np.zeros((len(attrs or ()), len(vocab)), dtype=np.float32)
        for r, a in enumerate(attrs or ()):
            if a.get("silent"):
                continue
            for key in self.keys:
                for tag, p in (a.get(key) or {}).items():
                    col = vocab.get(f"{key}:{tag}")
                    if col is not None and isinstance(p, (int, float)):
                        out[r, col] = p
        return out

    def fit(self, rows, attrs, groups=None) -> Stats:
        seen = sorted({f"{k}:{t}" for a in attrs or () if not a.get("silent") for k in self.keys
                       for t in (a.get(k) or {})})
        vocab = {t: i for i, t in enumerate(seen)}
        matrix = self._matrix(attrs, vocab)
        has = matrix.any(axis=1)
        stats = separation_stats(matrix[has], None if groups is None else [g for g, h in zip(groups, has) if h],
                                 self.min_items)
        return {**stats, "vocabulary": np.array(seen, dtype=np.str_)}

    def apply(self, rows, attrs, stats) -> np.ndarray:
        vocab = {str(t): i for i, t in enumerate(stats["vocabulary"].tolist())}
        matrix = self._matrix(attrs, vocab)
        if not vocab:  # no item had tags at the build: no block (width 0), as if the extractor were missing
            return matrix
        out = (matrix - stats["mean"]) * stats["scale"]
        out[~matrix.any(axis=1)] = 0.0  # no tags: no row (a zero row drops out of the block)
        return out


@dataclass(frozen=True)
class ValenceArousal:
    """Valence and arousal in [0, 1] (the first two components) as a point on a sphere: (2v-1, 2a-1, 1).

    The constant third axis keeps a neutral item (0.5, 0.5) a proper vector, and makes the angle between
    two items grow with their distance on the valence/arousal plane instead of only with its direction."""

    name: str = "valence_arousal"
    needs_vector: bool = True
    needs_attrs: bool = False

    def fit(self, rows, attrs) -> Stats:
        return {}

    def apply(self, rows, attrs, stats) -> np.ndarray:
        va = np.clip(rows[:, :2], 0.0, 1.0) * 2.0 - 1.0
        return np.hstack([va, np.ones((len(rows), 1), dtype=np.float32)]).astype(np.float32)


@dataclass(frozen=True)
class Labels:
    """A label attribute (a string or a list of strings) as a multi-hot vector over the labels seen at build
    time; a label first seen later is ignored until the next build."""

    key: str = "mood"
    name: str = "labels"
    needs_vector: bool = False
    needs_attrs: bool = True

    def _values(self, attrs: dict) -> list[str]:
        value = attrs.get(self.key)
        if isinstance(value, str):
            return [value]
        if isinstance(value, (list, tuple)):
            return [v for v in value if isinstance(v, str)]
        return []

    def fit(self, rows, attrs) -> Stats:
        seen = sorted({v for a in attrs or () for v in self._values(a)})
        return {"vocabulary": np.array(seen, dtype=np.str_)}

    def apply(self, rows, attrs, stats) -> np.ndarray:
        vocab = {str(v): i for i, v in enumerate(stats["vocabulary"].tolist())}
        out = np.zeros((len(attrs or ()), max(1, len(vocab))), dtype=np.float32)
        for r, a in enumerate(attrs or ()):
            for v in self._values(a):
                if v in vocab:
                    out[r, vocab[v]] = 1.0
        return out


@dataclass(frozen=True)
class Block:
    """One part of a space. With several `sources`, an item that has more than one gets their mean.
    `leave_out`: an attribute that, when true, keeps a row out of the block (text.embedding's
    "wordless": a vector of the file's names is no "talks alike")."""

    sources: tuple[str, ...]
    weight: float
    transform: Any = field(default_factory=Unit)
    leave_out: str | None = None

    @property
    def key(self) -> str:
        return f"{'+'.join(self.sources)}:{self.transform.name}"


@dataclass(frozen=True)
class Space:
    name: str
    blocks: tuple[Block, ...]
    kinds: frozenset[str]  # media kinds that can have it (only videos have frames)
    description: str = ""

    @property
    def extractors(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s for b in self.blocks for s in b.sources))


EMOTION = ("emotion.music", "emotion.speech")

SPACES: dict[str, Space] = {s.name: s for s in (
    # Each part weighed per library by how well it tells albums apart (Separated); on the album corpus
    # this raised same-album precision@5 from 0.59 (embedding 0.7, DSP 0.3, centred only) to 0.63.
    Space("audio", (Block(("audio.musicnn",), 0.5, Separated()), Block(("audio.dsp",), 0.25, Separated(centre=False)),
                    Block(("audio.musicnn",), 0.25, TagProbabilities())),
          frozenset({"audio", "video"}), "how it sounds: the musicnn embedding and tags, and the DSP description"),
    Space("visual", (Block(("video.frames",), 1.0, Center()),), frozenset({"video"}),
          "how it looks: the mean frame embedding"),
    Space("text", (Block(("text.embedding",), 1.0, Center(), leave_out="wordless"),), frozenset({"audio", "video"}),
          "what it says: transcript embeddings (items without words have none)"),
    # Music and speech emotion share one shape, so a calm song and a calm talk meet here.
    Space("mood", (Block(EMOTION, 1.0, ValenceArousal()), Block(EMOTION, 0.5, Labels("mood"))),
          frozenset({"audio", "video"}), "how it feels: valence, arousal and the mood label"),
)}


def block_unit(rows: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length; all-zero rows (an item without this block) stay zero."""
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return np.divide(rows, norms, out=np.zeros_like(rows), where=norms > 1e-12)


__all__ = ["Block", "Space", "SPACES", "Center", "Unit", "ValenceArousal", "Labels", "Separated", "TagProbabilities",
           "Transform", "block_unit", "separation_stats"]
