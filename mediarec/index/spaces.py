"""The similarity spaces as data: which extractors feed each space, with what weight and transform.

A space's vector is the concatenation of its blocks. Each block is transformed (see TRANSFORMS), scaled
to unit length and multiplied by sqrt(weight); the whole vector is then scaled to unit length. For two
items that have every block, the cosine of their space vectors is therefore the weighted mean of the
blocks' cosines (sum w_b cos_b / sum w_b); a block an item lacks counts as zero, so an item known only by
part of its blocks is found, just ranked lower. Unit vectors also make spaces fusable: every space's
similarity is a cosine in [-1, 1].

Transforms that need library statistics (a mean to subtract, a label vocabulary) fit them when the
index is built; the statistics are saved with the build, so items analysed later are placed with the
same ones.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, Sequence

import numpy as np

Stats = dict[str, np.ndarray]


class Transform(Protocol):
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
    """One part of a space. With several `sources`, an item that has more than one gets their mean."""

    sources: tuple[str, ...]
    weight: float
    transform: Any = field(default_factory=Unit)

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
    Space("audio", (Block(("audio.musicnn",), 0.7, Center()), Block(("audio.dsp",), 0.3, Unit())),
          frozenset({"audio", "video"}), "how it sounds: the musicnn embedding and the DSP description"),
    Space("visual", (Block(("video.frames",), 1.0, Center()),), frozenset({"video"}),
          "how it looks: the mean frame embedding"),
    Space("text", (Block(("text.embedding",), 1.0, Center()),), frozenset({"audio", "video"}),
          "what it says and what it is called: transcript and metadata embeddings"),
    # Music and speech emotion share one shape, so a calm song and a calm talk meet here.
    Space("mood", (Block(EMOTION, 1.0, ValenceArousal()), Block(EMOTION, 0.5, Labels("mood"))),
          frozenset({"audio", "video"}), "how it feels: valence, arousal and the mood label"),
)}


def block_unit(rows: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length; all-zero rows (an item without this block) stay zero."""
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return np.divide(rows, norms, out=np.zeros_like(rows), where=norms > 1e-12)


__all__ = ["Block", "Space", "SPACES", "Center", "Unit", "ValenceArousal", "Labels", "Transform", "block_unit"]
