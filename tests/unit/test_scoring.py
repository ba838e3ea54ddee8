"""The fitted answering models: logistic fit with sign constraints, JSON round trip, and the
packaged models keeping the directions the fit is told to keep."""

from __future__ import annotations

import random

from assistant.extractive import ABSTAINER_FEATURES, ABSTAINER_SIGNS
from assistant.scoring import AnsweringModels, fit_logistic, packaged_models


def _rows(n: int = 200, seed: int = 7) -> tuple[list[dict[str, float]], list[bool]]:
    """Answerable when coverage is high; "noise" is higher on answerable rows by construction
    of this sample, a spurious pattern a sign constraint must refuse to learn."""
    rnd = random.Random(seed)
    rows, labels = [], []
    for _ in range(n):
        yes = rnd.random() < 0.5
        cov = rnd.uniform(0.5, 1.0) if yes else rnd.uniform(0.0, 0.6)
        rows.append({"coverage": cov, "noise": rnd.uniform(0.4, 1.0) if yes else rnd.uniform(0.0, 0.6)})
        labels.append(yes)
    return rows, labels


def test_logistic_learns_the_direction_of_the_evidence() -> None:
    rows, labels = _rows()
    lm = fit_logistic(rows, labels, ["coverage"])
    assert lm.weights["coverage"] > 0.5
    assert lm.logit({"coverage": 0.9}) > 0 > lm.logit({"coverage": 0.1})


def test_sign_constraint_keeps_a_weight_from_turning() -> None:
    rows, labels = _rows()
    free = fit_logistic(rows, labels, ["coverage", "noise"])
    assert free.weights["noise"] > 0.1  # the sample does reward it
    fixed = fit_logistic(rows, labels, ["coverage", "noise"], signs={"noise": -1})
    assert fixed.weights["noise"] == 0.0
    assert fixed.weights["coverage"] > free.weights["coverage"]  # coverage takes the load


def test_models_round_trip_and_old_files_read_one_list_of_sets() -> None:
    m = packaged_models()
    d = m.to_json()
    again = AnsweringModels.from_json(d)
    assert again.to_json() == d
    assert list(again.ranker_fitted_on) == d["ranker_fitted_on"]
    old = {k: v for k, v in d.items() if k != "ranker_fitted_on"}
    assert AnsweringModels.from_json(old).ranker_fitted_on == tuple(d["fitted_on"])


def test_packaged_abstainers_keep_the_signs_they_were_fit_with() -> None:
    for name, a in packaged_models().abstainers.items():
        assert set(a.model.weights) <= set(ABSTAINER_FEATURES), name
        for feature, sign in ABSTAINER_SIGNS.items():
            if feature in a.model.weights:
                assert a.model.weights[feature] * sign >= 0, (name, feature, a.model.weights[feature])
