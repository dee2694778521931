"""The efficient curve: what the optimum achieves as the envelope varies.

The model is formulated once, at the scenario's budget, so that the normalisation of outcomes
(and thus the meaning of the objective) stays the same along the curve; each point only moves
the budget row's limit and starts from the previous point's allocation, which stays feasible
as the envelope grows.
"""
from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pandas as pd

from .analyse import awards
from .backends import SolveOptions
from .backends.highs import Session
from .formulate import MEUR, formulate
from .problem import Problem
from .scenario import Scenario


def budget_curve(problem: Problem, scenario: Scenario, budgets) -> pd.DataFrame:
    """One row per budget (ascending): budget, status, objective, awarded, projects_funded,
    each outcome, marginal_per_meur (objective gained per extra €M since the previous point),
    seconds."""
    model = formulate(problem, scenario)
    row = model.group("budget").start
    session = Session(model)
    options = SolveOptions(time_limit=scenario.time_limit, gap=scenario.gap)
    start = None
    records = []
    for budget in sorted(float(b) for b in budgets):
        t0 = time.perf_counter()
        out = session.solve(replace(options, start=start),
                            rows=([row], [-np.inf], [budget / MEUR]))
        record = {"budget": budget, "status": out.status, "objective": out.objective}
        if out.values is not None:
            values = out.values.copy()
            values[model.integer] = np.round(values[model.integer])
            start = values
            award, funded = awards(model, values)
            record.update(awarded=float(award.sum()), projects_funded=int(funded.sum()),
                          **dict(zip(model.outcomes, np.asarray(model.outcome @ values).ravel())))
        record["seconds"] = time.perf_counter() - t0
        records.append(record)
    frame = pd.DataFrame(records)
    frame["marginal_per_meur"] = frame["objective"].diff() / (frame["budget"].diff() / MEUR)
    return frame
