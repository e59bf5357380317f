"""The up-next scoring model: logistic regression over the candidate features, trained online by SGD.

A finished item is a positive example, an early skip a negative one, likes and dislikes count double.
Each event is one SGD step on the features the item had just before it happened. The weights start at a
prior (params.py) and L2 pulls them back towards it, not towards zero, so a handful of events adjust
the defaults instead of overturning them. The state is plain JSON: weights by feature name."""
from __future__ import annotations

from typing import Any

import numpy as np

LABELS = {"play": (1.0, 1.0), "like": (1.0, 2.0), "skip": (0.0, 1.0), "dislike": (0.0, 2.0)}
"""Event type -> (label, weight)."""
MAX_STEP = 1.0  # bounds one update, so a single odd event cannot throw a weight far


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


class Scorer:
    def __init__(self, names: list[str], prior: list[float], learning_rate: float = 0.05, l2: float = 0.01):
        self.names = list(names)
        self.prior = np.asarray(prior, dtype=np.float64)
        self.w = self.prior.copy()
        self.learning_rate, self.l2 = learning_rate, l2
        self.updates = 0

    def logits(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(x, dtype=np.float64) @ self.w

    def predict(self, x: np.ndarray) -> np.ndarray:
        """P(finished) for each row of features."""
        return sigmoid(self.logits(x))

    def contributions(self, x: np.ndarray) -> np.ndarray:
        """Each feature's share of the logit (what explains a pick)."""
        return np.asarray(x, dtype=np.float64) * self.w

    def update(self, x: np.ndarray, event_type: str) -> None:
        """One SGD step of the log loss on one example."""
        if event_type not in LABELS:
            return
        y, weight = LABELS[event_type]
        x = np.asarray(x, dtype=np.float64).ravel()
        p = float(sigmoid(np.array([x @ self.w]))[0])
        grad = weight * (p - y) * x + self.l2 * (self.w - self.prior)
        step = self.learning_rate * grad
        norm = float(np.linalg.norm(step))
        if norm > MAX_STEP:
            step *= MAX_STEP / norm
        self.w -= step
        self.updates += 1

    def weights(self) -> dict[str, float]:
        return {n: float(w) for n, w in zip(self.names, self.w)}

    def to_json(self) -> dict[str, Any]:
        return {"weights": {n: round(float(w), 6) for n, w in zip(self.names, self.w)}, "updates": self.updates}

    def load_json(self, doc: dict[str, Any]) -> None:
        """Weights by name; a feature this version added keeps its prior."""
        stored = doc.get("weights", {})
        self.w = np.array([float(stored.get(n, p)) for n, p in zip(self.names, self.prior)])
        self.updates = int(doc.get("updates", 0))


__all__ = ["Scorer", "LABELS", "sigmoid"]
