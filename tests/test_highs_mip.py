"""Re-solves near a known allocation (allocator/backends/highs/nearby.py ``Nearby``) against cold
solves of the changed model: the same optimum to the gap asked, and results that do not
depend on which re-solves came before (so not on how many workers share them)."""
from __future__ import annotations

import itertools
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import allocator
from allocator.analyse.uncertainty import Ranges, share_map
from allocator.backends import SolveOptions, SolverOutput, Status
from allocator.backends.highs import mip as M
from allocator.backends.highs import rival as R
from allocator.backends.highs.nearby import Nearby
from allocator.formulate import Change, formulate

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "scenarios" / "territoires-industrie.xlsx"
GAP = 1e-6  # the default: "optimal" means proven within it


@pytest.fixture(scope="module")
def bundled():
    problem = allocator.load(BUNDLED)
    scenario = problem.scenario("balanced")
    model = formulate(problem, scenario)
    options = SolveOptions(time_limit=60, gap=GAP)
    return problem, model, options, M.solve(model, options)


def _draw_costs(problem, model, draws, seed=7):
    ranges, share = Ranges.of(problem, model.outcomes), share_map(problem, model)
    return [(model.weights @ ranges.draw(seed, k)) @ share for k in draws]


def _agrees(out, cold):
    assert out.status == cold.status == "optimal"
    # each is within the gap of the optimum, so of each other
    assert abs(out.objective - cold.objective) <= 2 * GAP * abs(cold.objective)
    assert out.objective <= cold.bound * (1 + 1e-9) and cold.objective <= out.bound * (1 + 1e-9)


def test_a_new_objective_gives_the_cold_optimum(bundled):
    problem, model, options, central = bundled
    nearby = Nearby(model, options)
    for cost in _draw_costs(problem, model, range(4)):
        out = nearby.solve(Change(cost=cost, start=central.values))
        _agrees(out, M.solve(model.with_objective(cost), options))
        assert model.holds(out.values)
        assert out.objective == pytest.approx(float(cost @ out.values), rel=1e-12)


@pytest.mark.parametrize("seed, draws", [(7, (3, 11)), (1, (3, 110))])
def test_a_re_solve_does_not_depend_on_those_before_it(bundled, seed, draws):
    # seed 1, draw 110 after draw 3: a HiGHS instance that re-solved before landed on
    # another optimal vertex of the LP, even from the same basis (a worker-dependent result)
    problem, model, options, central = bundled
    first, second = _draw_costs(problem, model, draws, seed)
    alone = Nearby(model, options).solve(Change(cost=second, start=central.values))
    nearby = Nearby(model, options)
    nearby.solve(Change(cost=first, start=central.values))
    after = nearby.solve(Change(cost=second, start=central.values))
    assert np.array_equal(alone.values, after.values) and alone.objective == after.objective


def test_a_path_of_envelopes_gives_each_cold_optimum(bundled):
    _, model, options, _ = bundled
    row = model.group("budget").start
    budgets = (70.0, 75.0, 120.0)
    nearby = Nearby(model, options)
    outs = nearby.chain([Change(rows=([row], [-np.inf], [b])) for b in budgets])
    for budget, out in zip(budgets, outs):
        cold = M.solve(model.changed(Change(rows=([row], [-np.inf], [budget]))), options)
        _agrees(out, cold)
        assert float((model.award @ out.values).sum()) <= budget * (1 + 1e-9)


def test_a_larger_envelopes_allocation_that_still_holds_is_taken_without_search(bundled):
    # the bundled workbook's rules stop the money at about €110M: the allocation of €250M
    # holds at €200M, and the bound of €250M caps €200M's optimum, so it is proven at once
    _, model, options, _ = bundled
    row = model.group("budget").start
    nearby = Nearby(model, options)
    [top] = nearby.chain([Change(rows=([row], [-np.inf], [250.0]))])
    [below] = nearby.chain([Change(rows=([row], [-np.inf], [200.0]))], bound=top.bound,
                           known=(top.values,))
    assert below.status == "optimal" and np.array_equal(below.values, top.values)
    assert "no search" in below.log
    # where it does not hold (it awards more than €90M), the point is solved
    [lower] = nearby.chain([Change(rows=([row], [-np.inf], [90.0]))], bound=top.bound,
                           known=(top.values,))
    assert lower.status == "optimal" and lower.objective < top.objective
    assert float((model.award @ lower.values).sum()) <= 90.0 * (1 + 1e-9)


def test_loosening_a_row_a_cut_came_from_drops_that_cut(bundled):
    # the central cover cuts come from territory caps and the land row; loosening the cap a
    # cut was read from must take the cut away, or it would keep allocations out that are
    # now allowed: each such re-solve must agree with a cold solve of the loosened model
    _, model, options, central = bundled
    nearby = Nearby(model, options)
    nearby.solve(Change(cost=model.c, start=central.values))  # reads the central cuts
    caps = model.group("territory_cap")
    sources = [int(r) for r in np.unique(nearby._cuts.source) if caps.start <= r < caps.stop]
    assert sources
    for r in sources:
        change = Change(rows=([r], [model.row_lo[r]], [model.row_hi[r] * 1.5]))
        _agrees(nearby.solve(replace(change, start=central.values)),
                M.solve(model.changed(change), options))


# ----------------------------------------------------------------------------- CBC racing

def _multi_knapsack(n=18, m=5, seed=3, spread=None, floor=False):
    """A random 0-1 multi-knapsack as allocator tables (profit as jobs, raw units), its
    profits, weights and capacities. With ``spread`` (m = 1), profits follow the weights
    within it, as Pisinger's correlated types: ``weight + k`` for k drawn in ``spread``.
    With ``floor``, a floor of one job that every allocation but the empty one meets: the
    same optimum, but not a pure packing model (``rival.packing``), so HiGHS leads."""
    rng = np.random.default_rng(seed)
    profit = rng.integers(10, 100, n).astype(float)
    weights = rng.integers(5, 60, (m, n)).astype(float)
    if spread is not None:
        profit = np.maximum(1.0, weights[0] + rng.integers(spread[0], spread[1] + 1, n))
    capacity = weights.sum(axis=1) * 0.4
    projects = pd.DataFrame({
        "project_id": [f"p{j}" for j in range(n)], "territory_id": "T1", "title": "item",
        "theme": "innovation", "total_cost": 1e6, "requested": 1e6, "jobs": profit,
        **{f"use:r{i}": weights[i] for i in range(m)}})
    resources = pd.DataFrame({"resource": [f"r{i}" for i in range(m)], "capacity": capacity})
    scenarios = pd.DataFrame({"parameter": ["budget", "weight.jobs", "weight.skills",
                                            "weight.innovation", "normalise"]
                              + (["min.jobs"] if floor else []),
                              "k": [2e6 * n + 1e6, 1, 0, 0, "none"] + ([1] if floor else [])})
    problem = allocator.from_tables(projects, resources=resources, scenarios=scenarios)
    return problem, problem.scenario("k"), profit, weights, capacity


def _enumerated(profit, weights, capacity):
    X = np.array(list(itertools.product([0.0, 1.0], repeat=len(profit))))
    return (X[(X @ weights.T <= capacity + 1e-9).all(axis=1)] @ profit).max()


@pytest.mark.parametrize("race", ["0", "1"])
@pytest.mark.parametrize("seed", range(4))
def test_a_small_model_goes_straight_to_one_milp_at_the_enumerated_optimum(
        seed, race, monkeypatch):
    """Below ``DIRECT_COLUMNS`` the model is one MILP, HiGHS alone or CBC racing it from the
    start: the whole-number optimum enumeration finds, proven, in an allocation that keeps
    every rule."""
    problem, scenario, profit, weights, capacity = _multi_knapsack(n=14, m=4, seed=seed)
    monkeypatch.setenv("ALLOCATOR_RACE", race)
    monkeypatch.setattr(M, "RACE_AFTER", 0.0)
    model = formulate(problem, scenario)
    assert M.direct(model)
    out = M.solve(model, SolveOptions(time_limit=30))
    assert "one MILP on the whole model" in out.log
    assert model.holds(out.values) and out.status == "optimal"
    funded = out.values[:len(profit)] > 0.5
    assert profit[funded].sum() == _enumerated(profit, weights, capacity) == out.objective


def _by_dynamic_programming(profit, weight, capacity) -> float:
    """The 0-1 knapsack's optimum over whole weights (best profit per capacity used)."""
    best = np.zeros(int(capacity) + 1)
    for p, w in zip(profit, weight.astype(int)):
        best[w:] = np.maximum(best[w:], best[:len(best) - w] + p)
    return float(best.max())


@pytest.mark.parametrize("spread", [None, (-5, 5), (10, 10)])
def test_a_knapsack_of_few_rows_takes_the_lp_first_path_to_its_optimum(spread):
    """Above ``DIRECT_COLUMNS``, a knapsack (columns ``FEW_ROWS`` times its rows): its LP by
    the primal simplex, RENS over its core (the items cheapest to move): the optimum that
    dynamic programming finds, proven; uncorrelated, weakly and strongly correlated."""
    problem, scenario, profit, weights, capacity = _multi_knapsack(n=600, m=1, seed=5,
                                                                   spread=spread)
    weight = weights[0]
    model = formulate(problem, scenario)
    assert not M.direct(model) and M.few_rows(model)
    out = M.solve(model, SolveOptions(time_limit=60))
    assert "cheapest to move" in out.log
    assert model.holds(out.values) and out.status == "optimal"
    funded = out.values[:len(profit)] > 0.5
    optimum = _by_dynamic_programming(profit, weight, capacity[0])
    assert profit[funded].sum() == pytest.approx(optimum, abs=1e-9)
    assert out.objective == pytest.approx(optimum, abs=1e-6)
    assert out.bound < optimum + 1  # the whole-number optimum: a step above it is excluded


@pytest.mark.parametrize("spread", [None, (10, 10)])
def test_every_highs_solve_of_the_lp_first_path_asks_for_one_thread(spread, monkeypatch):
    """The LP, RENS and the final MILP (reached here: reduced-cost fixing) all ask HiGHS for
    one thread: HiGHS keeps one thread pool per process, sized by the first solve, and a solve
    at another count restarts it (``instance.run``), ~20 ms of a knapPI_3 solve in the
    watchdog's fresh process when the LP ran at HiGHS's default and the final MILP at one. The
    answer is the optimum dynamic programming finds."""
    asked = []
    run = M.H.run

    def counted(h, model, options):
        asked.append(options.threads)
        return run(h, model, options)

    monkeypatch.setattr(M.H, "run", counted)
    problem, scenario, profit, weights, capacity = _multi_knapsack(n=600, m=1, seed=7,
                                                                   spread=spread)
    model = formulate(problem, scenario)
    out = M.solve(model, SolveOptions(time_limit=60))
    assert "cheapest to move" in out.log and "reduced-cost fixing" in out.log
    assert len(asked) >= 3 and set(asked) == {M.ONE_THREAD}
    assert out.status == "optimal" and model.holds(out.values)
    assert out.objective == pytest.approx(
        _by_dynamic_programming(profit, weights[0], capacity[0]), abs=1e-6)


class _Told:
    """A rival whose answer is given: CBC as read back from its solution file."""

    def __init__(self, model, values, proven):
        self.model, self.values, self.proven = model, values, proven

    def result(self, wait):
        return self.values, self.proven


def test_a_cbc_allocation_is_taken_only_when_it_keeps_every_rule():
    """HiGHS stopped with an allocation it did not prove; CBC claims to have proven another.
    One that breaks a knapsack row is refused, whatever CBC says; the enumerated optimum is
    taken, valued from its own values, and called optimal."""
    problem, scenario, profit, weights, capacity = _multi_knapsack()
    model = formulate(problem, scenario)
    mine = np.zeros(model.shape[1])
    stopped = SolverOutput(Status.FEASIBLE, mine, 0.0, 1e9, 1.0, "HiGHS", "", "", None,
                           "Time limit reached")
    options = SolveOptions()
    everything = np.ones(model.shape[1])
    assert not model.holds(everything)
    assert M._better(stopped, _Told(model, everything, True), model, options) is stopped
    best = M.solve(model, options)
    taken = M._better(stopped, _Told(model, best.values, True), model, options)
    assert taken.message == "CBC proved the optimum first" and taken.status == "optimal"
    assert taken.objective == _enumerated(profit, weights, capacity) == best.objective


@pytest.mark.skipif(R.cbc_program() is None, reason="CBC (shipped with PuLP) not installed")
def test_the_cbc_found_without_importing_pulp_is_the_one_pulp_runs():
    # found in PuLP's folder by ``shipped_cbc`` (a race in a watched child then does not
    # import PuLP), it is the program PuLP itself would run
    code = ("import sys, os; from allocator.backends.highs import rival as R; "
            "found = R.shipped_cbc(); print('pulp' in sys.modules, os.path.realpath(found))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    imported, found = out.stdout.split()
    import pulp
    assert imported == "False"
    assert found == os.path.realpath(pulp.apis.PULP_CBC_CMD().path)


@pytest.mark.skipif(R.cbc_program() is None, reason="CBC (shipped with PuLP) not installed")
@pytest.mark.parametrize("path", ["one MILP", "LP first"])
def test_cbc_proving_first_gives_the_enumerated_optimum(path, monkeypatch):
    """HiGHS held to its root (so it cannot prove anything) and CBC racing it, on the whole
    model from the start (a small model) or on the final MILP of the LP-first path: CBC's
    allocation, read back from its solution file, is the optimum enumeration finds, and
    proven: the whole-number optimum of an objective in whole jobs. (A floor keeps HiGHS
    leading: on a pure packing model CBC runs alone.)"""
    problem, scenario, profit, weights, capacity = _multi_knapsack(floor=True)
    optimum = _enumerated(profit, weights, capacity)
    monkeypatch.setattr(R, "RACE_GAP", -1.0)  # race whatever the gap
    monkeypatch.setattr(M, "RACE_AFTER", 0.0)
    if path == "LP first":
        monkeypatch.setattr(M, "DIRECT_COLUMNS", 0)
        monkeypatch.setattr(M, "MILP_OPTIONS", {"mip_max_nodes": 0})
    else:
        monkeypatch.setattr(M, "SUB_OPTIONS", {**M.SUB_OPTIONS, "mip_max_nodes": 0})
    monkeypatch.delenv("ALLOCATOR_RACE", raising=False)
    if not R.racing(SolveOptions()):
        pytest.skip("fewer than two cores: no race")
    model = formulate(problem, scenario)
    assert not R.packing(model)
    out = M.solve(model, SolveOptions(time_limit=30))
    assert out.message == "CBC proved the optimum first"
    funded = out.values[:len(profit)] > 0.5
    assert (weights @ funded <= capacity + 1e-9).all()
    assert profit[funded].sum() == optimum == out.objective
    assert out.status == "optimal"


# ----------------------------------------------------------------------------- no start

def _no_rens_allocation(monkeypatch):
    """The LP-first path with every RENS finding no allocation (as on the bundled
    `regional_equity`, whose fairness band the LP's rounding breaks)."""
    monkeypatch.setattr(M, "DIRECT_COLUMNS", 0)
    monkeypatch.setattr(M, "run_rens", lambda *args, **kwargs: SolverOutput(
        Status.INFEASIBLE, None, None, None, 0.0, "HiGHS", "", "", None, "Infeasible"))


@pytest.mark.parametrize("seed", range(3))
def test_with_no_allocation_to_start_from_the_milp_reaches_the_enumerated_optimum(
        seed, monkeypatch):
    """Without an allocation from RENS, HiGHS's own MILP on the whole model (at its own
    feasibility tolerance): the whole-number optimum enumeration finds, proven, in an
    allocation that keeps every rule, as is every allocation reported on the way, under a
    bound of the whole model."""
    problem, scenario, profit, weights, capacity = _multi_knapsack(seed=seed)
    _no_rens_allocation(monkeypatch)
    optimum = _enumerated(profit, weights, capacity)
    model = formulate(problem, scenario)
    reported: list = []
    out = M.solve(model, SolveOptions(time_limit=30, on_solution=lambda *r: reported.append(r)))
    assert "no allocation to start from" in out.log
    assert model.holds(out.values) and out.status == "optimal"
    assert profit[out.values[:len(profit)] > 0.5].sum() == optimum == out.objective
    assert reported and all(model.holds(v) and b >= optimum - 1e-9 for v, _, b in reported)


def test_an_allocation_breaking_a_row_beyond_1e_7_is_solved_again_at_that_tolerance(
        monkeypatch):
    """HiGHS's own MILP keeps rows to 1e-6: when its allocation is not one ``holds`` accepts
    (1e-7), the MILP runs again at allocator's tolerance, and that answer stands."""
    problem, scenario, profit, weights, capacity = _multi_knapsack()
    _no_rens_allocation(monkeypatch)
    tolerances: list = []
    plain = M.plain_milp

    def told(*args, highs_options=None, **kwargs):
        tolerances.append(M.SUB_OPTIONS if highs_options is None else highs_options)
        return plain(*args, highs_options=highs_options, **kwargs)
    monkeypatch.setattr(M, "plain_milp", told)
    model = formulate(problem, scenario)
    held = type(model).holds
    # the first MILP's allocation taken as breaking a row
    monkeypatch.setattr(type(model), "holds",
                        lambda self, v, tol=1e-7: len(tolerances) > 1 and held(self, v, tol))
    out = M.solve(model, SolveOptions(time_limit=30))
    assert tolerances == [{}, M.SUB_OPTIONS]
    assert "solved again at that tolerance" in out.log and out.status == "optimal"
    assert out.objective == _enumerated(profit, weights, capacity)


@pytest.mark.skipif(R.cbc_program() is None, reason="CBC (shipped with PuLP) not installed")
@pytest.mark.parametrize("seed", range(3))
def test_cbc_leads_alone_on_a_packing_model_to_the_enumerated_optimum(seed, monkeypatch):
    """A small pure 0-1 packing model (every column a selection, every row an upper limit):
    CBC alone, its allocation the optimum enumeration finds, proven, under every rule; with
    a floor the same model is HiGHS's, to the same optimum."""
    monkeypatch.delenv("ALLOCATOR_RACE", raising=False)
    if not R.racing(SolveOptions()):
        pytest.skip("fewer than two cores: HiGHS alone")
    for floor in (False, True):
        problem, scenario, profit, weights, capacity = _multi_knapsack(n=16, m=4, seed=seed,
                                                                       floor=floor)
        model = formulate(problem, scenario)
        assert R.packing(model) is not floor
        out = M.solve(model, SolveOptions(time_limit=30))
        assert out.solver.startswith("CBC") is not floor, out.solver
        assert model.holds(out.values) and out.status == "optimal"
        funded = out.values[:len(profit)] > 0.5
        assert profit[funded].sum() == _enumerated(profit, weights, capacity) == out.objective


@pytest.mark.skipif(R.cbc_program() is None, reason="CBC (shipped with PuLP) not installed")
def test_a_knapsack_cbc_ends_without_an_allocation_is_left_to_highs(monkeypatch):
    """CBC, leading on a knapsack, ends with nothing (or with an allocation that breaks a
    row): HiGHS alone solves it, to the optimum enumeration finds, and no CBC races it."""
    monkeypatch.delenv("ALLOCATOR_RACE", raising=False)
    if not R.racing(SolveOptions()):
        pytest.skip("fewer than two cores: HiGHS alone")
    monkeypatch.setattr(M, "RACE_AFTER", 0.0)  # a race would start CBC again at once
    problem, scenario, profit, weights, capacity = _multi_knapsack(n=16, m=4, seed=1)
    model = formulate(problem, scenario)
    for told in (None, np.ones(model.shape[1])):  # nothing; every item, over the limits
        monkeypatch.setattr(R.Rival, "result", lambda self, wait, told=told: (told, True))
        started = []
        monkeypatch.setattr(R.Race, "_start", lambda self, now: started.append(now))
        out = M.solve(model, SolveOptions(time_limit=30))
        assert "CBC ended without an allocation" in out.log and out.solver == "HiGHS"
        assert started == [] and model.holds(out.values) and out.status == "optimal"
        assert out.objective == _enumerated(profit, weights, capacity)


def test_the_bound_cbc_prints_is_read_from_its_own_figures():
    printed = ("Result - Stopped on time limit\n\nObjective value:                24204.00000000\n"
               "Upper bound:                    24426.266\nGap:                            -0.01\n")
    # CBC's distance to its bound, added to the worth allocator computes (whatever offset)
    assert R.cbc_bound(printed, 1024.0) == pytest.approx(1024.0 + 222.266)
    assert R.cbc_bound("Result - Optimal solution found\n", 5.0) is None
    assert R.cbc_version("Welcome to the CBC MILP Solver \nVersion: 2.10.3 \n") == "2.10.3"


# ----------------------------------------------------------------------------- out of time

@pytest.fixture(scope="module")
def hard_knapsack_model(tmp_path_factory):
    from _instances import hard_knapsack, knapsack_workbook
    book = knapsack_workbook(tmp_path_factory.mktemp("hard") / "hard.xlsx", hard_knapsack())
    problem = allocator.load(book)
    scenario = problem.scenario("knapsack")
    return problem, scenario, formulate(problem, scenario)


def test_the_budget_bound_is_the_lp_of_its_best_knapsack_row(hard_knapsack_model):
    from scipy.optimize import linprog

    from allocator.backends import budget_bound
    _, _, model = hard_knapsack_model
    A = model.A.toarray()
    # independently: scipy's LP with each knapsack row alone, the least of them
    alone = [-linprog(-model.c, A_ub=A[[r]], b_ub=model.row_hi[[r]],
                      bounds=list(zip(model.col_lo, model.col_hi))).fun
             for r in range(A.shape[0]) if np.isinf(model.row_lo[r]) and (A[r] >= 0).all()]
    assert budget_bound(model) == pytest.approx(min(alone), rel=1e-9)
    lp = M.H.run(M.H.build(model, relax=True), model, SolveOptions(relax=True))
    assert budget_bound(model) >= lp.objective - 1e-9  # a relaxation of the LP: looser


@pytest.mark.skipif(R.cbc_program() is None, reason="CBC (shipped with PuLP) not installed")
def test_cbc_stopped_by_its_limit_gives_its_allocation_under_a_bound_that_holds(
        hard_knapsack_model, monkeypatch):
    """CBC leading on a packing model no solver proves in seconds, stopped at 0.5 s: its
    allocation keeps every rule, "feasible", under a bound that is no looser than the LP
    relaxation's and that the better allocation CBC finds in 5 s does not pass."""
    monkeypatch.delenv("ALLOCATOR_RACE", raising=False)
    if not R.racing(SolveOptions()):
        pytest.skip("fewer than two cores: HiGHS alone")
    _, _, model = hard_knapsack_model
    assert R.packing(model) and M.direct(model)
    seen = []
    out = M.solve(model, SolveOptions(time_limit=0.5, gap=0.0,
                                      on_solution=lambda v, o, b: seen.append((o, b))))
    assert out.solver == "CBC" and out.status == "feasible" and model.holds(out.values)
    assert out.objective == pytest.approx(float(model.c @ out.values + model.offset))
    assert seen == [(out.objective, out.bound)]  # reported, for the watchdog
    lp = M.H.run(M.H.build(model, relax=True), model, SolveOptions(relax=True))
    later = M.solve(model, SolveOptions(time_limit=5, gap=0.0))
    assert out.objective <= later.objective <= out.bound <= lp.objective + 1e-6


@pytest.mark.skipif(R.cbc_program() is None, reason="CBC (shipped with PuLP) not installed")
def test_highs_joins_cbc_on_a_knapsack_it_has_not_ended_and_the_better_answer_stands(
        hard_knapsack_model, monkeypatch):
    """On a knapsack CBC has not ended within ``JOIN_AFTER`` (here at once), HiGHS joins
    it; with a limit shorter than that, CBC ends alone. Either answer keeps every rule, under
    a bound no looser than the LP's."""
    monkeypatch.delenv("ALLOCATOR_RACE", raising=False)
    if not R.racing(SolveOptions()):
        pytest.skip("fewer than two cores: HiGHS alone")
    _, _, model = hard_knapsack_model
    alone = M.solve(model, SolveOptions(time_limit=0.8 * R.JOIN_AFTER, gap=0.0))
    monkeypatch.setattr(R, "JOIN_AFTER", 0.0)
    both = M.solve(model, SolveOptions(time_limit=1.5, gap=0.0))
    assert "then HiGHS beside it" in both.log and both.solver.startswith("HiGHS")
    assert alone.solver == "CBC" and "then HiGHS beside it" not in alone.log
    lp = M.H.run(M.H.build(model, relax=True), model, SolveOptions(relax=True))
    for out in (alone, both):
        assert model.holds(out.values) and out.status == "feasible"
        assert out.objective <= out.bound <= lp.objective + 1e-6


@pytest.mark.skipif(R.cbc_program() is None, reason="CBC (shipped with PuLP) not installed")
def test_a_knapsack_cbc_proves_alone_is_watched_without_a_child(monkeypatch):
    """CBC runs as a program of its own: the watchdog waits for it itself and forks no
    child when it proves the optimum alone (the enumerated one, every rule kept); a model
    HiGHS leads (with a floor) is solved in the watched child."""
    from allocator.solve import watchdog as W
    monkeypatch.delenv("ALLOCATOR_RACE", raising=False)
    if not R.racing(SolveOptions()):
        pytest.skip("fewer than two cores: HiGHS alone")
    forks = []

    def counted(*args, **kwargs):
        forks.append(args)
        return workers(*args, **kwargs)
    workers = W.Workers
    monkeypatch.setattr(W, "Workers", counted)
    for floor in (False, True):
        problem, scenario, profit, weights, capacity = _multi_knapsack(n=16, m=4, seed=2,
                                                                       floor=floor)
        model = formulate(problem, scenario)
        out = W.watch(model, SolveOptions(time_limit=30))
        assert len(forks) == floor and out.solver.startswith("CBC") is not floor
        assert model.holds(out.values) and out.status == "optimal"
        funded = out.values[:len(profit)] > 0.5
        assert profit[funded].sum() == _enumerated(profit, weights, capacity) == out.objective


@pytest.mark.skipif(R.cbc_program() is None, reason="CBC (shipped with PuLP) not installed")
def test_where_a_cbc_could_not_be_followed_from_the_child_the_child_leads(monkeypatch):
    """Without process descriptors a child could not tell when a CBC its parent started has
    ended: the watchdog then makes no lead of its own, and its child leads, to the enumerated
    optimum."""
    from allocator.solve import watchdog as W
    monkeypatch.delenv("ALLOCATOR_RACE", raising=False)
    if not R.racing(SolveOptions()):
        pytest.skip("fewer than two cores: HiGHS alone")
    monkeypatch.setattr(R, "followable", lambda: False)
    forks = []
    workers = W.Workers
    monkeypatch.setattr(W, "Workers", lambda *a, **k: forks.append(a) or workers(*a, **k))
    problem, scenario, profit, weights, capacity = _multi_knapsack(n=16, m=4, seed=2)
    model = formulate(problem, scenario)
    out = W.watch(model, SolveOptions(time_limit=30))
    assert len(forks) == 1 and out.solver.startswith("CBC") and out.status == "optimal"
    assert model.holds(out.values) and out.objective == _enumerated(profit, weights, capacity)


def _cbc_children(names: tuple[str, ...] = ("cbc",)) -> list[int]:
    """The pids of this process's CBC children (programs of those ``names``), ended or not
    (not yet reaped)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # ended since the listing
            continue
        name, rest = text.split("(", 1)[1].rsplit(")", 1)
        fields = rest.split()
        if int(fields[1]) == os.getpid() and name.startswith(names):
            found.append(int(stat.parent.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="no /proc")
def test_a_cbc_leading_past_its_own_limit_is_stopped_within_the_grace(monkeypatch, tmp_path):
    """A CBC that runs on past its own time limit (here one that never ends) is stopped
    ``OVERRUN_SECONDS`` after it by the process that started it: the solve ends within the
    limit and that grace, says why, and leaves nothing of CBC's behind."""
    import tempfile
    import time

    from allocator.runtime.workers import GRACE_SECONDS
    from allocator.solve import watchdog as W
    monkeypatch.delenv("ALLOCATOR_RACE", raising=False)
    if not R.racing(SolveOptions()):
        pytest.skip("fewer than two cores: HiGHS alone")
    hang = tmp_path / "bin" / "cbc"
    hang.parent.mkdir()
    hang.write_text("#!/bin/sh\nexec sleep 60\n")
    hang.chmod(0o755)
    monkeypatch.setattr(R, "cbc_program", lambda: str(hang))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    problem, scenario, *_ = _multi_knapsack(n=16, m=4, seed=2)
    model = formulate(problem, scenario)
    t0 = time.perf_counter()
    out = W.watch(model, SolveOptions(time_limit=0.5))
    assert time.perf_counter() - t0 < 0.5 + R.OVERRUN_SECONDS + 0.5
    assert R.OVERRUN_SECONDS <= GRACE_SECONDS  # the watchdog's promise
    assert "CBC was stopped 1 s after its time limit" in out.log
    assert out.values is None or model.holds(out.values)
    assert _cbc_children(("cbc", "sleep")) == []
    assert list(tmp_path.glob("allocator-cbc-*")) == []


@pytest.mark.skipif(R.cbc_program() is None or not Path("/proc/self/stat").exists(),
                    reason="CBC (shipped with PuLP) not installed, or no /proc")
def test_highs_in_the_watched_child_joins_the_cbc_its_parent_started(
        hard_knapsack_model, monkeypatch, tmp_path):
    """A knapsack CBC has not ended within ``JOIN_AFTER`` (here at once): HiGHS joins it
    from the watchdog's child, which reads CBC's end and answer though it cannot wait for
    it. The answer keeps every rule under a bound no looser than the LP's, and CBC, its
    files and its process are gone when the watchdog returns."""
    import tempfile

    from allocator.solve import watchdog as W
    monkeypatch.delenv("ALLOCATOR_RACE", raising=False)
    if not R.racing(SolveOptions()):
        pytest.skip("fewer than two cores: HiGHS alone")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(R, "JOIN_AFTER", 0.0)
    _, _, model = hard_knapsack_model
    out = W.watch(model, SolveOptions(time_limit=1.5, gap=0.0))
    assert "then HiGHS beside it" in out.log and out.solver.startswith("HiGHS")
    lp = M.H.run(M.H.build(model, relax=True), model, SolveOptions(relax=True))
    assert model.holds(out.values) and out.status == "feasible"
    assert out.objective <= out.bound <= lp.objective + 1e-6
    assert _cbc_children() == [] and list(tmp_path.glob("allocator-cbc-*")) == []


@pytest.mark.skipif(R.cbc_program() is None, reason="CBC (shipped with PuLP) not installed")
def test_a_cbc_started_here_is_waited_for_read_and_stopped_from_a_forked_child(
        hard_knapsack_model):
    """What the watchdog's child does with the CBC its parent started, which it cannot wait
    for: it waits for its end (CBC stopped by its 0.5 s limit) and reads its allocation; it
    kills one still at work (told 60 s), whose end the parent then sees at once."""
    import multiprocessing
    _, _, model = hard_knapsack_model
    fork = multiprocessing.get_context("fork")

    def in_child(rival, task):
        mine, theirs = fork.Pipe()
        child = fork.Process(target=lambda: theirs.send(task(rival)))
        child.start()
        answer = mine.recv()
        child.join()
        return answer

    def allocation(rival):
        values, proven = rival.result(wait=10.0)
        return None if values is None else (float(model.c @ values + model.offset),
                                            model.holds(values), proven)
    rival = R.Rival(model, SolveOptions(time_limit=0.5, gap=0.0))
    try:
        worth, holds, proven = in_child(rival, allocation)
        assert holds and not proven and worth > 0 and rival.ended(0.0)
    finally:
        rival.stop()
    rival = R.Rival(model, SolveOptions(time_limit=60, gap=0.0))
    try:
        assert in_child(rival, lambda r: (r.ended(0.2), r.stop())) == (False, None)
        assert rival.ended(2.0) and rival.proc.poll() == -9
    finally:
        rival.stop()
    assert not os.path.exists(rival.folder)


def test_out_of_time_before_the_lp_the_opening_allocation_stands_with_its_gap(
        hard_knapsack_model, monkeypatch):
    # the LP-first path's, which a model this small would otherwise skip (``run.fall_back``
    # keeps the opening allocation on every path: tests/test_reliability.py)
    monkeypatch.setattr(M, "DIRECT_COLUMNS", 0)
    from allocator.backends import budget_bound
    from allocator.solve.greedy import opening, unmet
    problem, scenario, model = hard_knapsack_model
    start = opening(problem, scenario, model, deadline=np.inf)
    assert start is not None and not unmet(model, start)
    seen = []
    out = M.solve(model, SolveOptions(time_limit=0.0, gap=0.0, opening=start,
                                      on_solution=lambda v, o, b: seen.append((o, b))))
    worth = float(model.c @ start + model.offset)
    assert out.status == "feasible" and np.array_equal(out.values, start)
    assert out.objective == pytest.approx(worth) and out.bound == budget_bound(model)
    assert seen == [(pytest.approx(worth), out.bound)]  # reported first, for the watchdog
    # with time, the LP-first path starts from it and ends no worse
    later = M.solve(model, SolveOptions(time_limit=2.0, gap=0.0, opening=start))
    assert later.objective >= worth and model.holds(later.values)
