"""The objective's levels under a scenario: one weighted objective, or lexicographic
priorities (``priority.<outcome>``) solved level by level, each with its tolerance."""
from __future__ import annotations

import numpy as np

from allocator.core.scenario import Scenario
from allocator.formulate.model import Model


def levels(model: Model, scenario: Scenario) -> list[tuple[np.ndarray, float, str]]:
    """Objective levels as (column objective, tolerance, label), first priority first."""
    outcomes = list(model.outcomes)
    norm = model.normalisers
    if not scenario.priorities:
        return [(model.c, 0.0, "weighted")]
    out = []
    for level in sorted(set(scenario.priorities.values())):
        members = [o for o, p in scenario.priorities.items() if p == level]
        w = np.zeros(len(outcomes))
        for o in members:
            w[outcomes.index(o)] = (scenario.weights.get(o) or 1.0) / norm[outcomes.index(o)]
        tol = max(scenario.tolerances.get(o, 0.0) for o in members)
        out.append((np.asarray(model.outcome.T @ w).ravel(), tol, "+".join(members)))
    rest = [o for o in outcomes if o not in scenario.priorities and scenario.weights.get(o)]
    if rest:
        w = np.array([scenario.weights.get(o, 0.0) if o in rest else 0.0 for o in outcomes]) / norm
        out.append((np.asarray(model.outcome.T @ w).ravel(), 0.0, "+".join(rest)))
    return out
