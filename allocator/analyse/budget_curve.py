"""The efficient curve: what the optimum achieves as the envelope varies.

The model is formulated once, at the scenario's budget, so that the normalisation of outcomes
(and thus the meaning of the objective) stays the same along the curve; each point only moves
the budget row's limit.

Two facts make the points cheap (with HiGHS, ``backends.highs.nearby``; every backend's
``Resolver`` follows the same path):

- an allocation stays feasible as the envelope grows, so each point starts from the one
  below it: the search runs near that allocation, and when it still meets the point's bound
  (a larger envelope's optimum bounds every smaller one) the point needs no search at all;
- the largest envelope is solved first: its bound caps every point, and its allocation holds
  at every envelope that covers what it awards, where it is then proven optimal at once.

The envelopes are cut into ``CHAINS`` runs of consecutive ones, each solved from its lowest
one up (the top run after its largest), in parallel where processes can be forked. The cut
does not depend on the number of workers, so neither does the curve.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from allocator.analyse.explain import spending_stopped_by
from allocator.backends import OUT_OF_TIME, Resolver, SolveOptions
from allocator.core.problem import Problem
from allocator.core.scenario import Scenario
from allocator.formulate import MEUR, Change, formulate
from allocator.runtime.resolves import Resolves

CHAINS = 2


@dataclass(frozen=True)
class Envelopes:
    """A run of the curve: ``budgets`` (ascending) on the budget row ``row``; ``top``: the run
    that holds the largest envelope, solved first."""
    budgets: tuple[float, ...]
    row: int
    top: bool


def budget_curve(problem: Problem, scenario: Scenario, budgets, workers: int = 2,
                 options: SolveOptions | None = None) -> pd.DataFrame:
    """One row per budget (ascending): budget, status, objective, awarded, projects_funded,
    each outcome, marginal_per_meur (objective gained per extra €M since the previous point),
    spending_stopped_by (when it is not the envelope: the rules that stop the projects that
    would fit in what it has left, see ``explain.spending_stopped_by``; "" otherwise),
    normalised_at (€: the envelope whose ideal normalises the objective at every point, the
    scenario's; NaN with ``normalise = none``), seconds (solver time of the point), backend
    (that solved it: ``options``', default the scenario's), note ("not solved in time" for a
    point the deadline of ``options`` left no time for; empty otherwise)."""
    options = options or SolveOptions.from_scenario(scenario)
    model = formulate(problem, scenario)
    budget = model.group("budget")
    assert budget is not None  # ``formulate`` gives every model its budget row
    row = budget.start
    budgets = sorted(float(b) for b in budgets)
    resolver = Resolves(model, options, workers)
    # the top run first in its list: it also solves the largest envelope, first
    runs = [list(c) for c in np.array_split(budgets, min(CHAINS, len(budgets)))][::-1]
    tasks = [Envelopes(tuple(run), row, k == 0) for k, run in enumerate(runs)]
    outs = []
    for run, got in zip(runs[::-1], resolver.map(tasks, _envelopes, max(map(len, runs)))[::-1]):
        outs.extend(got if isinstance(got, list) else [got] * len(run))
    records, below = [], None
    for budget, out in zip(budgets, outs):
        record = {"budget": budget, "status": out.status, "objective": out.objective}
        if out.values is not None:
            values = out.values.copy()
            values[model.integer] = np.round(values[model.integer])
            # the allocation of the envelope below holds here too: each point is solved to the
            # gap, so it may be a hair better, and then it is the one to show (the curve never
            # falls); both are valued from their allocations, not the solver's word, so a flat
            # stretch shows a marginal value of exactly 0
            if below is not None and model.c @ below > model.c @ values:
                values = below
            below = values
            record.update(model.totals(values))
            hi = model.row_hi.copy()
            hi[row] = budget / MEUR
            record["spending_stopped_by"] = spending_stopped_by(
                problem, replace(model, row_hi=hi), values)
        record["seconds"] = out.seconds
        record["backend"] = options.backend
        record["note"] = "not solved in time" if out.message == OUT_OF_TIME else ""
        records.append(record)
    frame = pd.DataFrame(records)
    frame["objective"] = frame["objective"].astype(float)  # None where no point was solved
    frame["marginal_per_meur"] = frame["objective"].diff() / (frame["budget"].diff() / MEUR)
    frame["normalised_at"] = scenario.ideal_budget if scenario.normalise == "ideal" else np.nan
    return frame


def _envelopes(resolver: Resolver, run: Envelopes) -> list:
    """Solve the run's budgets in order, each from the allocation of the one below; with
    ``top``, the largest first, and its bound caps the others."""
    def change(budget):
        return Change(rows=([run.row], [-np.inf], [budget / MEUR]))
    budgets = run.budgets
    if not run.top:
        return resolver.chain([change(b) for b in budgets])
    [last] = resolver.chain([change(budgets[-1])])
    known = () if last.values is None else (last.values,)
    return resolver.chain([change(b) for b in budgets[:-1]], bound=last.bound, known=known) \
        + [last]
