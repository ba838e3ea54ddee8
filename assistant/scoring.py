"""Fitted linear models of the answerer: which candidate answers best, and whether to answer.

Both are weighted sums of named features (``features`` dicts of floats) whose weights were fit
on labelled questions of three differently shaped corpora (the sample reports, the
policies2020 notices and the first blind set of short local texts; ``benchmarks/fit_answering.py``),
and checked leave-one-corpus-out: fit on the others, measure on the one held out. No weight is
set by hand.

- :class:`Ranker`: a conditional-logit ranking model over the candidate answers of one question
  (the softmax over candidates gives each one's share of belief); fit so that candidates holding
  the annotated answer rank first.
- :class:`Abstainer`: a logistic model of "the corpus answers this question", from the best
  candidate and the question's coverage; the answerer abstains below ``threshold``. Its dense
  feature is the raw cosine of the embedding model, whose range differs between models, so an
  abstainer is stored per embedding model; a model without one gets the abstainer fit without
  that feature.

The fitted weights ship in ``assistant/data/answering.json``; a store may carry its own
(``<store>/answering.json``, written by the fitting script for another embedding model).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from common.errors import ConfigError

DATA_FILE = "data/answering.json"
FALLBACK_MODEL = "*"  # the abstainer for an embedding model nobody fit one for


@dataclass(frozen=True)
class LinearModel:
    """``bias + sum(weights[f] * x[f])`` over named features (missing features count 0)."""

    weights: Mapping[str, float]
    bias: float = 0.0
    # Feature scaling from the fit (x - mean) / scale, so weights are comparable.
    means: Mapping[str, float] = field(default_factory=dict)
    scales: Mapping[str, float] = field(default_factory=dict)

    def logit(self, x: Mapping[str, float]) -> float:
        total = self.bias
        for name, w in self.weights.items():
            v = float(x.get(name, 0.0))
            total += w * (v - self.means.get(name, 0.0)) / (self.scales.get(name, 1.0) or 1.0)
        return total

    def to_json(self) -> dict[str, Any]:
        return {"weights": dict(self.weights), "bias": self.bias, "means": dict(self.means),
                "scales": dict(self.scales)}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "LinearModel":
        return cls(dict(d["weights"]), float(d.get("bias", 0.0)), dict(d.get("means") or {}),
                   dict(d.get("scales") or {}))


@dataclass(frozen=True)
class Ranker:
    model: LinearModel

    def score(self, x: Mapping[str, float]) -> float:
        return self.model.logit(x)


@dataclass(frozen=True)
class Abstainer:
    model: LinearModel
    threshold: float = 0.5  # probability of "answerable" under which the answerer abstains
    embedding_model: str = FALLBACK_MODEL

    def probability(self, x: Mapping[str, float]) -> float:
        z = self.model.logit(x)
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


@dataclass(frozen=True)
class AnsweringModels:
    ranker: Ranker
    abstainers: Mapping[str, Abstainer]
    fitted_on: Sequence[str] = ()  # the dev sets the abstainers were fit on
    ranker_fitted_on: Sequence[str] = ()  # … and the ranker (the same when not given)

    def abstainer_for(self, embedding_model: str | None) -> Abstainer:
        """The abstainer fit for this embedding model, else the one without the dense feature."""
        if embedding_model and embedding_model in self.abstainers:
            return self.abstainers[embedding_model]
        return self.abstainers[FALLBACK_MODEL]

    def to_json(self) -> dict[str, Any]:
        return {
            "fitted_on": list(self.fitted_on),
            "ranker_fitted_on": list(self.ranker_fitted_on or self.fitted_on),
            "ranker": self.ranker.model.to_json(),
            "abstainers": {
                name: {**a.model.to_json(), "threshold": a.threshold} for name, a in self.abstainers.items()
            },
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "AnsweringModels":
        abstainers = {
            name: Abstainer(LinearModel.from_json(a), float(a.get("threshold", 0.5)), name)
            for name, a in (d.get("abstainers") or {}).items()
        }
        if FALLBACK_MODEL not in abstainers:
            raise ConfigError("the answering models have no fallback abstainer ('*')",
                              "refit them with benchmarks/fit_answering.py")
        fitted_on = tuple(d.get("fitted_on") or ())
        return cls(Ranker(LinearModel.from_json(d["ranker"])), abstainers, fitted_on,
                   tuple(d.get("ranker_fitted_on") or fitted_on))


@lru_cache(maxsize=1)
def packaged_models() -> AnsweringModels:
    text = resources.files("assistant").joinpath(DATA_FILE).read_text(encoding="utf-8")
    return AnsweringModels.from_json(json.loads(text))


def load_models(store_home: str | Path | None = None) -> AnsweringModels:
    """The store's own fitted models when it has them (``<store>/answering.json``), else the
    packaged ones."""
    if store_home is not None:
        path = Path(store_home) / "answering.json"
        if path.is_file():
            try:
                return AnsweringModels.from_json(json.loads(path.read_text(encoding="utf-8")))
            except (ValueError, KeyError) as exc:
                raise ConfigError(
                    f"cannot read the answering models in {path}: {exc}",
                    "delete the file to use the packaged models, or refit it with "
                    "benchmarks/fit_answering.py",
                ) from exc
    return packaged_models()


# --- fitting (numpy; used by benchmarks/fit_answering.py and tests) --------------------------


def _standardise(rows: Sequence[Mapping[str, float]], names: Sequence[str]) -> tuple[Any, dict, dict]:
    import numpy as np

    x = np.array([[float(r.get(n, 0.0)) for n in names] for r in rows], dtype=float)
    means = x.mean(axis=0) if len(x) else np.zeros(len(names))
    scales = x.std(axis=0) if len(x) else np.ones(len(names))
    scales[scales < 1e-9] = 1.0
    return (x - means) / scales, dict(zip(names, means.tolist())), dict(zip(names, scales.tolist()))


def fit_ranker(
    groups: Sequence[Sequence[tuple[Mapping[str, float], float]]], names: Sequence[str],
    *, l2: float = 1.0, steps: int = 3000, lr: float = 0.1,
) -> Ranker:
    """Conditional logit with graded targets: per group (one question's candidates) the model's
    softmax is pulled towards the targets (a candidate's share of how right it is: 0 wrong, 1
    wholly right). Groups without a right candidate are skipped."""
    import numpy as np

    groups = [g for g in groups if any(y > 0 for _, y in g) and len(g) > 1]
    flat = [x for g in groups for x, _ in g]
    xs, means, scales = _standardise(flat, names)
    bounds, targets = [], []
    i = 0
    for g in groups:
        bounds.append((i, i + len(g)))
        t = np.array([float(y) for _, y in g])
        targets.append(t / t.sum())
        i += len(g)
    w = np.zeros(len(names))
    n = max(1, len(groups))
    for _ in range(steps):
        grad = l2 * w / n
        s = xs @ w
        for (a, b), t in zip(bounds, targets):
            z = s[a:b] - s[a:b].max()
            e = np.exp(z)
            prob = e / e.sum()
            grad += (prob - t) @ xs[a:b] / n
        w -= lr * grad
    return Ranker(LinearModel(dict(zip(names, w.tolist())), 0.0, means, scales))


def fit_logistic(
    rows: Sequence[Mapping[str, float]], labels: Sequence[bool], names: Sequence[str],
    *, groups: Sequence[str] | None = None, l2: float = 1.0, steps: int = 4000, lr: float = 0.1,
    signs: Mapping[str, int] | None = None,
) -> LinearModel:
    """L2-regularised logistic regression in which every (group, class) cell weighs the same:
    each corpus counts as much as the other, and unanswerable questions (the fewer) as much as
    answerable ones. ``signs`` fixes the direction of named features (+1: never lowers the
    probability, -1: never raises it; projected gradient descent): a few dozen questions of
    one corpus must not teach that a term missing from the corpus is evidence of an answer."""
    import numpy as np

    xs, means, scales = _standardise(rows, names)
    y = np.array(labels, dtype=float)
    g = list(groups) if groups is not None else ["all"] * len(y)
    cells: dict[tuple[str, bool], int] = {}
    for gi, yi in zip(g, y):
        cells[(gi, bool(yi))] = cells.get((gi, bool(yi)), 0) + 1
    weight = np.array([1.0 / (len(cells) * cells[(gi, bool(yi))]) for gi, yi in zip(g, y)])
    sign = np.array([float((signs or {}).get(n, 0)) for n in names])
    w = np.zeros(len(names))
    b = 0.0
    for _ in range(steps):
        z = xs @ w + b
        p = 1 / (1 + np.exp(-np.clip(z, -60, 60)))
        err = (p - y) * weight
        w -= lr * (xs.T @ err + l2 * w / len(y))
        w = np.where(sign * w < 0, 0.0, w)
        b -= lr * err.sum()
    return LinearModel(dict(zip(names, w.tolist())), float(b), means, scales)
