"""Reasons are true: on a sample of projects of every preset of the bundled workbook, each
reason is checked against re-solves made here (not the reasons' own) of the model with the rule
it names relaxed by its step, or with the project forced in. The solves keep the scenario's
gap (a tighter one takes minutes on this workbook), so figures are compared within twice it."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import allocator
from allocator.analyse.explain import explain_projects, obstacles
from allocator.backends import SolveOptions, backend
from allocator.core.rules import rule
from allocator.formulate import Change
from allocator.solve import solve

BUNDLED = Path(__file__).resolve().parents[1] / "scenarios" / "territoires-industrie.xlsx"
PROBLEM = allocator.load(BUNDLED)


class Case:
    """One preset solved at a tight gap, and fresh solves of its model changed."""

    def __init__(self, preset: str):
        self.scenario = PROBLEM.scenario(preset)
        self.tol = 2 * self.scenario.gap
        self.model, self.solution = solve(PROBLEM, self.scenario)
        self.base = self.solution.objective
        self.names = self.model.row_names()
        self.select = self.model.select.toarray()
        self.resolver = backend(self.scenario.backend).resolver(
            self.model, SolveOptions.from_scenario(self.scenario))
        self.cache: dict = {}

    def optimum(self, *, row=None, force=None) -> float | None:
        """The optimum with row ``row`` relaxed by its step and/or project ``force`` in, by a
        re-solve from the optimum's allocation (the reasons' own re-solves
        are not reused: the change is made here from the rules registry)."""
        key = (row, force)
        if key not in self.cache:
            rows = None if row is None else (
                [row], [self.model.row_lo[row]], [self.model.row_hi[row] + self.step(row)])
            cols = None if force is None else (
                np.flatnonzero(self.select[force]), 1.0, 1.0)
            # forcing a project in only restricts: the optimum's bound holds
            bound = self.solution.bound if row is None else None
            out = self.resolver.solve(Change(cols=cols, rows=rows, start=self.solution.values,
                                             bound=bound))
            self.cache[key] = out.objective
        return self.cache[key]

    def family(self, row: int):
        return rule(self.names[row].split("[")[0])

    def step(self, row: int) -> float:
        step = self.family(row).step
        return step if step is not None else 0.01 * abs(self.model.row_hi[row])

    def stepped_rows(self, i: int) -> list[int]:
        """Rows of rules with a step that hold project ``i`` and are at their limit."""
        m = self.model
        activity = m.A @ self.solution.values
        rows = np.flatnonzero(np.abs(m.A[:, np.flatnonzero(self.select[i])].toarray()).sum(1))
        return [int(r) for r in rows
                if self.family(r).step is not None and self.family(r).block_rank is not None
                and activity[r] >= m.row_hi[r] - 1e-6 * max(1.0, abs(m.row_hi[r]))]

    def per_meur(self, i: int) -> float:
        p = PROBLEM.projects
        return sum(w * p[o].iloc[i] / p["requested"].iloc[i] * 1e6
                   for o, w in zip(self.model.outcomes, self.model.weights))


@pytest.mark.parametrize("preset", [s.name for s in PROBLEM.scenarios])
def test_sampled_reasons_hold_against_re_solves(preset):
    case = Case(preset)
    base, model = case.base, case.model
    assert base is not None
    _, funded = model.awards(case.solution.values)
    ids = PROBLEM.projects["project_id"].to_numpy(object)
    stops = obstacles(PROBLEM, model, case.solution.values, funded)
    rng = np.random.default_rng(14)
    # a bounded sample: projects a rule with a step may stop, the best unfunded ones (ties
    # and near misses), any unfunded one, and a funded one
    stepped = np.unique(stops.project[stops.over_budget[stops.project]])
    unfunded = np.flatnonzero(~funded & (stops.fixed == ""))
    best = unfunded[np.argsort([-case.per_meur(i) for i in unfunded], kind="stable")[:1]]
    sample = sorted({*rng.choice(stepped, 2, replace=False).tolist(), *best.tolist(),
                     *rng.choice(unfunded, 1, replace=False).tolist(),
                     int(rng.choice(np.flatnonzero(funded)))})
    why = explain_projects(PROBLEM, case.scenario, model, case.solution, list(ids[sample]),
                           SolveOptions.from_scenario(case.scenario)).projects
    assert why is not None
    why = why.set_index("project_id")
    for i in sample:
        reason = why.loc[ids[i], "reason"]
        if funded[i]:
            assert reason.startswith("funded")
            continue
        forced = case.optimum(force=i)
        assert forced is None or forced <= base * (1 + case.tol)  # nothing beats the optimum
        if "lets it in" in reason:  # the rule named: its step admits an optimum funding it
            row = case.names.index(why.loc[ids[i], "blocking_rule"])
            relaxed = case.optimum(row=row)
            assert relaxed is not None and relaxed > base
            with_it = case.optimum(row=row, force=i)
            assert with_it is not None and with_it >= relaxed * (1 - case.tol)
            continue
        assert why.loc[ids[i], "blocking_rule"] == "", reason
        for row in case.stepped_rows(i):  # no step of a rule holding it lets it in
            relaxed = case.optimum(row=row)
            if relaxed is not None and relaxed > base * (1 + case.tol):
                with_it = case.optimum(row=row, force=i)
                assert with_it is None or with_it < relaxed * (1 - case.tol), (reason, row)
        if reason.startswith("not funded: tied with"):
            assert forced is not None and forced >= base * (1 - case.tol)
        elif "within the solver's gap" in reason:
            assert forced is not None and forced >= base * (1 - case.tol)
        elif "outranked" in reason:
            found = re.search(r"set by (\S+) ", reason)
            assert found is not None, reason
            cut = int(np.flatnonzero(ids == found[1])[0])
            region = PROBLEM.projects["region"]
            assert funded[cut] and region.iloc[cut] == region.iloc[i]
            share = 1 - case.per_meur(i) / case.per_meur(cut)
            assert f"{share:.0%} below" in reason or f"{share:.1%} below" in reason
            assert forced is None or forced < base * (1 - 1e-9)  # not a tie
