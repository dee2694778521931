"""Reasons, prices of inclusion, shadow prices and the budget curve, on cases whose answer is
known."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import allocator
from allocator.analyse.allocation import analyse
from allocator.analyse.budget_curve import budget_curve
from allocator.solve import solve

M = 1e6
BUNDLED = Path(__file__).resolve().parents[1] / "scenarios" / "territoires-industrie.xlsx"


def problem(rows, territories=None, regions=None, resources=None):
    """Projects given as dicts over a default of one territory; requested €1M unless said."""
    base = {"territory_id": "ta", "title": "t", "theme": "innovation", "total_cost": 10 * M,
            "requested": 1 * M, "jobs": 1.0}
    projects = pd.DataFrame([{**base, **r} for r in rows])
    territories = territories if territories is not None else pd.DataFrame(
        {"territory_id": ["ta", "tb"], "name": ["A", "B"], "region": ["North", "South"]})
    regions = regions if regions is not None else pd.DataFrame({"region": ["North", "South"]})
    return allocator.from_tables(projects, territories, regions, resources)


def reasons(p, **scenario):
    s = allocator.Scenario(**{"budget": 10 * M, "weights": {"jobs": 1.0}, "normalise": "none",
                              **scenario})
    model, solution = solve(p, s)
    result = analyse(p, s, model, solution, near_misses=5)
    return result.allocation.set_index("project_id")


def test_territory_cap_names_the_territory_and_the_cap():
    terr = pd.DataFrame({"territory_id": ["ta", "tb"], "name": ["A", "B"],
                         "region": ["North", "South"], "cap": [1.5 * M, None]})
    a = reasons(problem([{"project_id": "P1", "jobs": 10}, {"project_id": "P2", "jobs": 5}],
                        territories=terr))
    assert a.loc["P1", "funded"] and not a.loc["P2", "funded"]
    assert "territory cap of ta reached" in a.loc["P2", "reason"]
    assert "€1 500 000" in a.loc["P2", "reason"]


def test_exclusive_group_names_the_rival():
    a = reasons(problem([{"project_id": "P1", "jobs": 10, "exclusive_group": "G"},
                         {"project_id": "P2", "jobs": 5, "exclusive_group": "G"}]))
    assert a.loc["P2", "reason"] == "not funded: excluded by P1 in the same group G"
    # forcing P2 in displaces exactly P1 and costs 10 - 5 jobs
    assert a.loc["P2", "price_of_inclusion"] == pytest.approx(5.0)
    assert a.loc["P2", "displaces"] == "P1"


def test_requires_an_unfunded_project():
    a = reasons(problem([{"project_id": "P1", "jobs": 1, "requires": "P3", "requested": 2 * M},
                         {"project_id": "P2", "jobs": 9, "requested": 2 * M},
                         {"project_id": "P3", "jobs": 0.1, "requested": 2 * M}]), budget=2 * M)
    assert a.loc["P1", "reason"] == "not funded: requires P3, which is unfunded"


def test_required_by_a_funded_project():
    a = reasons(problem([{"project_id": "P1", "jobs": 10, "requires": "P2"},
                         {"project_id": "P2", "jobs": 0.1},
                         {"project_id": "P3", "jobs": 1}]), budget=2 * M)
    assert a.loc["P2", "funded"] and a.loc["P2", "reason"] == "funded: required by P1"


def test_site_limit():
    a = reasons(problem([{"project_id": "P1", "jobs": 10, "is_site": "oui"},
                         {"project_id": "P2", "jobs": 5, "is_site": "oui"}]), sites_max=1)
    assert "site limit reached (1 of 1 sites funded)" in a.loc["P2", "reason"]


def test_net_artificialisation():
    a = reasons(problem([{"project_id": "P1", "jobs": 10, "net_artificialised_ha": 3.0},
                         {"project_id": "P2", "jobs": 5, "net_artificialised_ha": -3.0},
                         {"project_id": "P3", "jobs": 8, "net_artificialised_ha": 2.0}]))
    assert "net artificialisation" in a.loc["P3", "reason"] and "2 ha" in a.loc["P3", "reason"]


def test_locked_out_and_locked_in():
    a = reasons(problem([{"project_id": "P1", "jobs": 10, "lock": "out"},
                         {"project_id": "P2", "jobs": 0.1, "lock": "in"}]))
    assert a.loc["P1", "reason"] == "not funded: locked out"
    assert a.loc["P2", "reason"] == "funded: locked in"


def test_regional_cap():
    regions = pd.DataFrame({"region": ["North", "South"], "cap": [1 * M, None]})
    a = reasons(problem([{"project_id": "P1", "jobs": 10}, {"project_id": "P2", "jobs": 5}],
                        regions=regions))
    assert "regional cap of North reached" in a.loc["P2", "reason"]


def test_resource_ceiling():
    resources = pd.DataFrame({"resource": ["spend_2025"], "capacity": [1 * M]})
    a = reasons(problem([{"project_id": "P1", "jobs": 10, "spend_2025": 1 * M},
                         {"project_id": "P2", "jobs": 5, "spend_2025": 0.5 * M}],
                        resources=resources))
    assert "spend_2025 ceiling reached" in a.loc["P2", "reason"]


def test_below_the_cut_off_of_its_region():
    a = reasons(problem([{"project_id": "P1", "jobs": 10, "requested": 2 * M},
                         {"project_id": "P2", "jobs": 2, "requested": 2 * M}]), budget=3 * M)
    assert a.loc["P2", "reason"] == (
        "not funded: outranked — its jobs per €M are 80% below the cut-off of North, set by P1 "
        "(it offers 1 job per €M, €1 000 000 per job; P1 offers 5 jobs per €M, €200 000 per job)")


def test_budget_shadow_price_matches_a_re_solve_on_the_bundled_workbook():
    p = allocator.load(BUNDLED)
    s = p.scenario("balanced")
    model, solution = solve(p, s, gap=1e-6)
    result = analyse(p, s, model, solution, near_misses=0)
    budget = result.shadow_prices.set_index("rule").loc["budget"]
    assert budget["lp_dual_per_step"] > 0
    assert budget["resolve_per_step"] == pytest.approx(budget["lp_dual_per_step"], rel=0.10)
    # and the re-solve is what an independent solve with the budget moved says
    row_hi = model.row_hi.copy()
    row_hi[model.group("budget").start] += 1.0  # +€1M, in the model's M€
    moved, again = solve(p, s, model=replace(model, row_hi=row_hi), gap=1e-6)
    assert again.objective - solution.objective == pytest.approx(budget["resolve_per_step"],
                                                                 rel=0.02)


def test_budget_curve_is_monotone_and_meets_the_single_solve():
    p = allocator.load(BUNDLED)
    s = p.scenario("jobs_first")
    curve = budget_curve(p, s, [60e6, 100e6, 140e6])
    assert (curve["status"] == "optimal").all()
    assert (curve["awarded"] <= curve["budget"] + 0.01).all()
    gaps = curve["objective"].diff().dropna()
    assert (gaps >= -1e-4 * curve["objective"].max()).all()
    _, single = solve(p, s)
    at_scenario = curve.set_index("budget").loc[100e6, "objective"]
    assert at_scenario == pytest.approx(single.objective, rel=2e-4)


def test_budget_curve_is_the_same_on_one_worker_or_two():
    p = allocator.load(BUNDLED)
    s = p.scenario("balanced")
    budgets = np.linspace(50e6, 150e6, 6)
    one, two = (budget_curve(p, s, budgets, workers=w).drop(columns="seconds") for w in (1, 2))
    pd.testing.assert_frame_equal(one, two, check_exact=True)
    assert (one["objective"].diff().dropna() >= 0).all()  # more money never buys less
    # each point is the optimum at its envelope: an independent solve of the model with its
    # budget row moved (the curve keeps the scenario's normalisation, so does this)
    model, _ = solve(p, s)
    for k in (0, 3, 5):
        row_hi = model.row_hi.copy()
        row_hi[model.group("budget").start] = budgets[k] / 1e6
        _, single = solve(p, s, model=replace(model, row_hi=row_hi), gap=1e-6)
        assert one["objective"][k] == pytest.approx(single.objective, rel=2e-4)
        assert one["objective"][k] <= single.objective * (1 + 1e-6)


# ------------------------------------------------------------------ reasons within the limit

def _bundled_solution():
    p = allocator.load(BUNDLED)
    s = p.scenario("balanced")
    model, solution = solve(p, s)
    return p, s, model, solution


def test_reasons_the_deadline_leaves_no_time_for_say_so(monkeypatch):
    """A clock that moves one second each time the reasons read it, a deadline 3 s ahead and
    blocks of 100 projects: the first 300 funded projects (in order) get their reason, every
    other project says it was not explained, and the reasons given are those without a
    deadline."""
    import allocator.analyse.explain as explain
    from allocator.backends import SolveOptions
    from allocator.runtime.resolves import Resolves
    p, s, model, solution = _bundled_solution()
    award, funded = model.awards(solution.values)
    options = SolveOptions.from_scenario(s)
    full, _ = explain.explanations(p, s, model, solution, award, funded, near_misses=0,
                                   resolver=Resolves(model, options, 1))
    assert not (full["reason"] == explain.NOT_EXPLAINED).any()
    clock = iter(range(10**6))
    monkeypatch.setattr(explain.time, "monotonic", lambda: float(next(clock)))
    monkeypatch.setattr(explain, "BLOCK", 100)
    cut, _ = explain.explanations(p, s, model, solution, award, funded, near_misses=0,
                                  resolver=Resolves(model, options, 1), deadline=3.5)
    said = cut["reason"] == explain.NOT_EXPLAINED
    assert funded.sum() > 300 and said.sum() == len(funded) - 300, said.sum()
    given = np.flatnonzero(~said.to_numpy())
    assert np.array_equal(given, np.flatnonzero(funded)[:300])
    assert cut["reason"].iloc[given].equals(full["reason"].iloc[given])


def test_a_result_analysed_after_the_deadline_says_what_it_left_out():
    """The deadline passed before the analysis: no re-solve runs (none forked), every reason
    and price says the limit was reached, and the summary counts them; the allocation and its
    totals are there whole."""
    import time

    from allocator.analyse.explain import NOT_EXPLAINED, NOT_PRICED
    from allocator.backends import SolveOptions
    from allocator.core import format as fmt
    from allocator.report.text import result_summary
    p, s, model, solution = _bundled_solution()
    late = replace(SolveOptions.from_scenario(s), deadline=time.monotonic() - 1)
    t0 = time.perf_counter()
    result = analyse(p, s, model, solution, near_misses=5, options=late)
    assert time.perf_counter() - t0 < 5  # nothing was solved again
    assert (result.allocation["reason"] == NOT_EXPLAINED).all()
    assert (result.shadow_prices["note"] == NOT_PRICED).all()
    assert result.totals["projects_funded"] == int(result.allocation["funded"].sum()) > 0
    n = fmt.show(len(p.projects), fmt.COUNT)
    assert f"not explained {n} of {n} projects: the time limit was reached" in \
        result_summary(result)
    fr = result_summary(replace(result, scenario=replace(s, lang="fr")))
    assert "non expliqués" in fr and "limite de temps" in fr, fr
