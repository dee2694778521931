"""One answer per scenario: solve, budget-curve, compare and sweep give the same allocation for
the same scenario and envelope (at a tight gap, so that "optimal" leaves no room for two
answers), with one normalisation along a curve or a sweep; and when a rule other than the
envelope stops spending, the curve and the sweep name it."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import allocator
from allocator import api
from allocator.analyse.budget_curve import budget_curve
from allocator.solve import solve

BUNDLED = Path(__file__).resolve().parents[1] / "scenarios" / "territoires-industrie.xlsx"
GAP = 1e-7
PROBLEM = allocator.load(BUNDLED)
KEYS = ("awarded", "projects_funded", "jobs", "skills", "innovation")


def test_every_command_gives_the_solve_s_allocation():
    scenario = replace(PROBLEM.scenario("balanced"), gap=GAP)
    solved = api.optimise(PROBLEM, scenario, explain=False)
    want = solved.totals
    curve = budget_curve(PROBLEM, scenario, [scenario.budget], workers=1).iloc[0]
    sweep = api.sweep(PROBLEM, scenario, [f"budget={scenario.budget}"], workers=1)
    compared = api.compare([BUNDLED], ["balanced"], gap=GAP, greedy="none", workers=1)
    for key in KEYS:
        assert curve[key] == pytest.approx(want[key], rel=1e-9), key
        assert sweep.table[key][0] == pytest.approx(want[key], rel=1e-9), key
        assert compared.runs[0].totals[key] == pytest.approx(want[key], rel=1e-9), key
    assert curve["objective"] == pytest.approx(solved.solution.objective, rel=1e-6)
    assert sweep.table["objective"][0] == pytest.approx(solved.solution.objective, rel=1e-6)
    # sweep and compare solve as solve does: the same award for every project
    awards = solved.allocation.set_index("project_id")["award"]
    for other in (sweep.results[0].allocation, compared.runs[0].allocation):
        other = other.set_index("project_id")["award"]
        assert np.array_equal(awards.to_numpy(), other.loc[awards.index].to_numpy())


def test_a_sweep_holds_one_normalisation_as_the_curve_does_and_says_which():
    scenario = PROBLEM.scenario("balanced")
    budgets = (100e6, 120e6)
    curve = api.budget_curve(PROBLEM, scenario, *budgets, 2, workers=1)
    sweep = api.sweep(PROBLEM, scenario, ["budget=100e6,120e6"], workers=1).table
    # what solve gives with the normalisation the two outputs name
    held = api.optimise(PROBLEM, replace(scenario, budget=120e6, normalise_budget=100e6),
                        explain=False).solution.objective
    own = api.optimise(PROBLEM, replace(scenario, budget=120e6),
                       explain=False).solution.objective
    assert list(curve["normalised_at"]) == list(sweep["normalised_at"]) == [100e6, 100e6]
    for frame in (curve, sweep):
        assert frame["objective"][1] == pytest.approx(held, rel=2 * scenario.gap)
        assert frame["objective"][1] >= frame["objective"][0]  # more money never buys less
    assert own < held * (1 - 1e-3)  # re-normalised at €120M, the unit would change


def test_a_curve_and_a_sweep_name_the_rules_that_stop_spending():
    scenario = PROBLEM.scenario("balanced")
    curve = api.budget_curve(PROBLEM, scenario, 100e6, 140e6, 2, workers=1).set_index("budget")
    assert curve.loc[100e6, "spending_stopped_by"] == ""  # the envelope is spent
    assert curve.loc[140e6, "awarded"] < 140e6 - 10e6
    named = curve.loc[140e6, "spending_stopped_by"]
    assert "spend_" in named and "ceiling" in named
    # the rules named do stop it: with every payment ceiling lifted, €140M buys more
    model, _ = solve(PROBLEM, replace(scenario, budget=140e6))
    hi = model.row_hi.copy()
    resources = model.group("resource")
    assert resources is not None
    hi[resources.start:resources.stop] = np.inf
    _, lifted = solve(PROBLEM, replace(scenario, budget=140e6), model=replace(model, row_hi=hi))
    assert model.totals(lifted.values)["awarded"] > curve.loc[140e6, "awarded"] + 10e6
    sweep = api.sweep(PROBLEM, scenario, ["budget=140e6"], workers=1)
    assert "spend_" in sweep.table["spending_stopped_by"][0]
