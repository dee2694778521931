"""Cover cuts (allocator/backends/cuts.py): valid for every allocation, and they do close the gap.

Validity is checked against the independent reference (``_reference``): on random small
instances mixing every rule family, every selection that some awards complete into an
allocation keeping every rule (enumerated, one LP each) satisfies every cut separated from
random fractional points, so no cut ever removes an allocation.
"""
from __future__ import annotations

import itertools
from dataclasses import replace
from pathlib import Path

import _reference as ref
import numpy as np
import pandas as pd
import pytest
from _instances import NumpySource, make_case

import allocator
from allocator.backends import SolveOptions
from allocator.backends.highs import instance as H
from allocator.backends.highs import mip as highs_mip
from allocator.backends.highs.cuts import knapsacks, separate
from allocator.formulate import formulate

BUNDLED = Path(__file__).resolve().parents[1] / "scenarios" / "territoires-industrie.xlsx"


def _selection_columns(model) -> np.ndarray:
    return np.asarray(model.select.argmax(axis=1)).ravel()


def _feasible_case(seed: int):
    """The first instance from ``seed`` on that has an allocation: with rules this dense most
    have none (34 of 40), and an empty set of allocations would check no cut."""
    for k in itertools.count():
        src = NumpySource(1000 * seed + k)
        case = make_case(src, src.int(3, 10), rules=0.6)
        inst = ref.build(case.projects, case.territories, case.regions, case.resources,
                         case.scenario)
        feasible = ref.feasible_selections(inst)
        if len(feasible):
            return case, feasible


@pytest.mark.parametrize("seed", range(40))
def test_no_cut_removes_an_allocation(seed):
    case, feasible = _feasible_case(seed)
    model = formulate(case.problem(), case.scenario)
    columns = _selection_columns(model)
    ks = knapsacks(model)
    rng = np.random.default_rng(seed)
    points = [rng.uniform(0, 1, model.shape[1]) for _ in range(30)]
    points += [np.clip(p.round() + rng.uniform(-0.5, 0.5, len(p)) * (rng.random(len(p)) < 0.3),
                       0, 1) for p in points]
    v = np.zeros((len(feasible), model.shape[1]))
    v[:, columns] = feasible
    checked = 0  # (cut, allocation) pairs
    for x in points:
        cuts = separate(ks, x)
        if not len(cuts):
            continue
        checked += len(cuts) * len(feasible)
        # a cut is over selections only, and x breaks it
        assert set(cuts.A.indices) <= set(columns)
        assert np.all(cuts.A @ x > cuts.hi + 1e-5)
        assert np.all(v @ cuts.A.T <= cuts.hi + 1e-9), "a cut removes a feasible selection"
    assert checked


def _territory(costs, cap, *, floor=None, min_award=None):
    """One territory's projects (€), all worth the same per euro."""
    n = len(costs)
    frame = pd.DataFrame({"project_id": [f"P{i}" for i in range(n)], "territory_id": "T",
                          "title": "p", "theme": "innovation", "total_cost": costs,
                          "requested": costs, "jobs": np.asarray(costs) / 1e5})
    if min_award is not None:
        frame["min_award"] = min_award
    territories = pd.DataFrame({"territory_id": ["T"], "name": ["t"], "region": ["R"],
                                "cap": [cap], "floor": [floor]})
    return allocator.from_tables(frame, territories)


def _bounds(problem, budget):
    model = formulate(problem, allocator.Scenario(budget=budget, normalise="none"))
    options = SolveOptions(time_limit=10, gap=0.0)
    h = H.build(model, relax=True)
    lp = H.run(h, model, replace(options, relax=True))
    before = lp.objective
    lp, _ = highs_mip.tighten(h, model, lp, knapsacks(model), options)
    return before, lp.objective, _plain_optimum(model, options)


def test_a_cap_three_projects_cannot_share_is_cut_to_its_integer_optimum():
    # three projects of €4M under a €10M cap: the LP funds 2.5 of them, any allocation 2
    before, after, optimum = _bounds(_territory([4e6, 4e6, 4e6], 10e6), 20e6)
    assert before == pytest.approx(optimum * 1.25)
    assert after == pytest.approx(optimum, rel=1e-9)


def test_an_lp_the_cuts_make_infeasible_means_no_allocation(monkeypatch):
    # three €4M projects, a €10M cap and a €9M floor: the LP funds 2.25 of them, no
    # allocation funds 9 to 10 with €4M pieces; the cover cut x0 + x1 + x2 ≤ 2 leaves the LP
    # no point, which says the rules cannot all hold (on the LP-first path, which a model
    # this small would otherwise skip)
    monkeypatch.setattr(highs_mip, "DIRECT_COLUMNS", 0)
    model = formulate(_territory([4e6, 4e6, 4e6], 10e6, floor=9e6),
                      allocator.Scenario(budget=20e6, normalise="none"))
    out = highs_mip.solve(model, SolveOptions(time_limit=10, gap=1e-4))
    assert out.status == "infeasible" and out.values is None
    assert out.message == "Infeasible (LP relaxation with cover cuts)"


def test_a_floor_is_read_with_its_selections_complemented():
    # a €7M floor over projects of €4M, €4M, €4M and a budget of €8M: two must be funded, the
    # LP funds 1.75 for a floor of 7; no cut on the cap side exists, only x̄ covers of the floor
    problem = _territory([4e6, 4e6, 4e6], None, floor=7e6)
    ks = knapsacks(formulate(problem, allocator.Scenario(budget=8e6, normalise="none")))
    x = np.array([0.75, 1.0, 0.0])
    cuts = separate(ks, x)
    assert len(cuts) == 1
    row = cuts.A.toarray()[0]
    # "at least two of three": −x0 − x1 − x2 ≤ −2
    assert list(row) == [-1, -1, -1] and cuts.hi[0] == -2


def test_a_partial_project_counts_at_its_minimum_in_a_cap():
    # €6M cap; a €4M project and two partial ones of €5M that may take from €3M: the €4M one
    # and either partial one overflow the cap at their least (4 + 3 > 6), so not both. Were
    # the partial awards not read at their minimum, the cap would hold one selection only
    # and give no knapsack, so no cut.
    problem = _territory([4e6, 5e6, 5e6], 6e6, min_award=[np.nan, 3e6, 3e6])
    model = formulate(problem, allocator.Scenario(budget=20e6, normalise="none"))
    x = np.zeros(model.shape[1])
    x[:3] = [1.0, 0.5, 0.0]
    cuts = separate(knapsacks(model), x)
    assert len(cuts) == 1
    assert list(cuts.A.toarray()[0][:3]) == [1, 1, 0] and cuts.hi[0] == 1
    assert not cuts.A.toarray()[0][3:].any()  # over selections, not awards


def _precedence_case():
    """A €10M cap over A and B (€4M, 40 jobs each), Q (€2M, no jobs) and P (€2M, 30 jobs),
    P requires Q. Any allocation funds A and B, or one of them with P and Q: 80 jobs at best.
    The LP funds A, B and half of P and of Q (95 jobs). No cover of single weights is broken
    there: the only one that overflows the cap, {A, B, P, Q}, is exactly full, Σ (1 − y) = 1.
    Funding P funds Q, so {A, B, P} weighs 12 with its closure: A + B + P ≤ 2, which the LP
    breaks by 0.5."""
    frame = pd.DataFrame({"project_id": ["A", "B", "Q", "P"], "territory_id": "T",
                          "title": "p", "theme": "innovation",
                          "total_cost": [4e6, 4e6, 2e6, 2e6], "requested": [4e6, 4e6, 2e6, 2e6],
                          "jobs": [40.0, 40.0, 0.0, 30.0], "requires": ["", "", "", "Q"]})
    territories = pd.DataFrame({"territory_id": ["T"], "name": ["t"], "region": ["R"],
                                "cap": [10e6], "floor": [None]})
    return allocator.from_tables(frame, territories)


def test_a_precedence_inside_a_cap_gives_an_induced_cover():
    model = formulate(_precedence_case(), allocator.Scenario(budget=20e6, normalise="none"))
    cuts = separate(knapsacks(model), np.array([1.0, 1.0, 0.5, 0.5]))
    assert len(cuts) == 1
    assert list(cuts.A.toarray()[0]) == [1, 1, 0, 1] and cuts.hi[0] == 2  # A + B + P ≤ 2


def test_induced_covers_close_a_precedence_gap_to_the_integer_optimum():
    before, after, optimum = _bounds(_precedence_case(), 20e6)
    assert optimum == pytest.approx(80)
    assert before == pytest.approx(95)
    assert after == pytest.approx(optimum, rel=1e-9)


def test_a_precedence_between_complemented_selections_runs_the_other_way():
    # a floor reads as a knapsack over the projects left out (ȳ = 1 − x): leaving Q out
    # leaves out P, which requires it, and not the other way round
    frame = pd.DataFrame({"project_id": ["A", "Q", "P"], "territory_id": "T", "title": "p",
                          "theme": "innovation", "total_cost": [4e6, 2e6, 2e6],
                          "requested": [4e6, 2e6, 2e6], "jobs": [4.0, 2.0, 2.0],
                          "requires": ["", "", "Q"]})
    territories = pd.DataFrame({"territory_id": ["T"], "name": ["t"], "region": ["R"],
                                "cap": [None], "floor": [5e6]})
    model = formulate(allocator.from_tables(frame, territories),
                      allocator.Scenario(budget=20e6, normalise="none"))
    ks = knapsacks(model)
    floor = [k for k, c in enumerate(ks.closure) if c is not None]
    assert len(floor) == 1
    items = ks.W.indices[ks.W.indptr[floor[0]]:ks.W.indptr[floor[0] + 1]]
    closure = ks.closure[floor[0]].toarray()
    q, p = list(items).index(1), list(items).index(2)
    assert closure[q, p] and not closure[p, q]  # Q̄ funds P̄ (leaving Q out leaves P out)


def _plain_optimum(model, options):
    """HiGHS's own MILP, without allocator's cuts: the reference the cuts are checked on."""
    return H.run(H.build(model), model, options).objective


@pytest.fixture(scope="module")
def bundled():
    problem = allocator.load(BUNDLED)
    return problem, problem.scenario("balanced")


def test_on_the_bundled_workbook_cuts_close_the_lp_gap(bundled):
    problem, scenario = bundled
    model = formulate(problem, scenario)
    options = SolveOptions(time_limit=60, gap=1e-6)
    h = H.build(model, relax=True)
    lp = H.run(h, model, replace(options, relax=True))
    tight, cuts = highs_mip.tighten(h, model, lp, knapsacks(model), options)
    optimum = _plain_optimum(model, options)
    assert (lp.objective - optimum) / optimum > 1e-3  # HiGHS's own LP bound: 1.8e-3 above
    assert 0 <= (tight.objective - optimum) / optimum < 1e-4
    assert 0 < len(cuts) < 20


def test_on_a_bundled_monte_carlo_draw_induced_covers_close_the_gap():
    # draw 24 of seed 1: the LP funds a quarter of P-1932 and of P-1920, which it requires,
    # in the same territory; covers of single weights left the bound 9.4e-4 above the optimum
    from allocator.analyse.uncertainty import Ranges, share_map
    problem = allocator.load(BUNDLED)
    model = formulate(problem, problem.scenario())
    values = Ranges.of(problem, model.outcomes).draw(1, 24)
    model = model.with_objective((model.weights @ values) @ share_map(problem, model))
    options = SolveOptions(time_limit=60, gap=1e-7)
    h = H.build(model, relax=True)
    lp = H.run(h, model, replace(options, relax=True))
    tight, _ = highs_mip.tighten(h, model, lp, knapsacks(model), options)
    optimum = _plain_optimum(model, options)
    assert (lp.objective - optimum) / optimum > 1e-3
    assert 0 <= (tight.objective - optimum) / optimum < 1e-4
