"""Every analysis gives the same figures on every exact backend (HiGHS, SCIP, CBC).

Each analysis now runs on the backend the user chose (``allocator.backends.backend(name)``:
``solve``, ``resolver`` for re-solves with a ``Change``, ``feasibility`` for diagnosis);
HiGHS re-solves near the optimum (``backends.highs.nearby``), the others cold
(``backends.base.ColdResolver``). On small instances, solved to a relative gap of 1e-6, the
figures each backend gives must agree with HiGHS's, the reference, within what that gap
allows: the objective and funded projects, the shadow prices (the re-solve per binding rule,
the LP dual), each near miss's price of inclusion, the budget curve per envelope, the
Monte Carlo objective per draw, and the rules an infeasibility diagnosis names (and what
relaxing each would take). Each figure also says the backend that made it.

CP-SAT is left out: it rounds float coefficients to integers, so it is not exact here.
"""
from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd
import pytest
from _instances import NumpySource, make_case
from test_diagnose import base
from test_uncertainty import make_problem

import allocator
from allocator.analyse.budget_curve import budget_curve
from allocator.analyse.diagnose import diagnose
from allocator.backends import SolveOptions, available
from allocator.formulate import formulate
from allocator.solve import solve

REFERENCE = "highs"
OTHERS = ("scip", "cbc")
GAP = 1e-6
M = 1e6
# PuLP 3.x announces its 4.0 API on every variable; not this suite's concern
pytestmark = pytest.mark.filterwarnings("ignore:.*PuLP 4.0:DeprecationWarning")


def close(a: float, b: float, *scale: float) -> bool:
    """a and b agree within what two solves to GAP allow: 2·GAP per objective involved
    (``scale``: the objectives a figure is the difference of; default a and b)."""
    scale = scale or (a, b)
    return abs(a - b) <= 2 * GAP * sum(abs(s) for s in scale) + 1e-9


def _need(name: str) -> str:
    here = available()
    if REFERENCE not in here:
        pytest.skip(f"the reference backend {REFERENCE} is not installed here "
                    f"(available: {', '.join(here)})")
    if name not in here:
        pytest.skip(f"backend {name} is not installed here (available: {', '.join(here)})")
    return name


@pytest.fixture(params=OTHERS)
def other(request):
    """A backend compared with HiGHS (skipped when it is not installed here)."""
    return _need(request.param)


@pytest.fixture(params=(REFERENCE, *OTHERS))
def any_backend(request):
    return _need(request.param)


def on(scenario, name: str):
    return scenario.with_values(backend=name, gap=GAP, time_limit=30.0)


# ---------------------------------------------------------------------------------------------
# instances

def ranged_problem(n: int, seed: int):
    """n projects in 3 territories of 2 regions, every outcome with a range around its
    estimate, some partial (tests/test_uncertainty.make_problem); the budget 40% of what is
    requested, each territory to be covered."""
    problem, budget = make_problem(n, seed)
    return problem, allocator.Scenario(budget=budget, coverage=1)


def mixed_problem(seed: int):
    """25 projects under many rule families (tests/_instances.make_case)."""
    case = make_case(NumpySource(seed), 25, n_territories=(3, 4), n_regions=(2, 2),
                     lock_rate=0.05, rules=0.5, sites=(2, 5), groups=4)
    return case.problem(), case.scenario


# name → (problem, scenario). mixed-4: regional caps bind (re-solved) and a territory cap
# (priced by its LP dual), seven near misses, some displacing several projects; mixed-0: a
# regional cap, a fairness maximum and the net artificialisation limit bind; ranged-1: the
# budget binds, partial projects, coverage.
INSTANCES = {"mixed-4": lambda: mixed_problem(4), "mixed-0": lambda: mixed_problem(0),
             "ranged-1": lambda: ranged_problem(20, 1)}


@functools.lru_cache(maxsize=None)
def instance(name: str):
    return INSTANCES[name]()


@functools.lru_cache(maxsize=None)
def explained(name: str, backend: str):
    problem, scenario = instance(name)
    return allocator.optimise(problem, on(scenario, REFERENCE), backend=backend, near_misses=8)


# ---------------------------------------------------------------------------------------------
# 1. explanations

def test_reference_explanations_are_informative():
    """HiGHS's explanations of the instances have what the comparisons below compare:
    re-solved shadow prices, an LP-dual-only one, and priced near misses (else they could
    pass on empty tables)."""
    _need(REFERENCE)
    results = {n: explained(n, REFERENCE) for n in INSTANCES}
    for n, r in results.items():
        assert r.solution.status == "optimal", (n, r.solution.message)
        assert r.solution.backend == REFERENCE
        assert r.shadow_prices is not None and not r.shadow_prices.empty, n
        assert r.allocation["price_of_inclusion"].notna().any(), n
    shadow = pd.concat([r.shadow_prices for r in results.values()])
    assert shadow["resolve_per_step"].notna().sum() >= 4
    assert shadow["resolve_per_step"].isna().any()  # a territory rule: the LP dual only
    assert {"budget", "region_cap"} <= set(shadow["rule"])
    assert (shadow["lp_dual_per_step"].abs() > 1e-6).sum() >= 4


@pytest.mark.parametrize("name", INSTANCES)
def test_explanations_name_the_backend_that_made_them(name, any_backend):
    r = explained(name, any_backend)
    assert r.solution.backend == any_backend
    assert r.run["backend"] == any_backend


@pytest.mark.parametrize("name", INSTANCES)
def test_optimum_and_funded_projects_agree(name, other):
    ref, got = explained(name, REFERENCE), explained(name, other)
    assert got.solution.status == ref.solution.status == "optimal", got.solution.message
    assert close(got.solution.objective, ref.solution.objective), \
        (other, got.solution.objective, ref.solution.objective)
    funded = {b: set(r.allocation.loc[r.allocation["funded"], "project_id"])
              for b, r in ((REFERENCE, ref), (other, got))}
    assert funded[other] == funded[REFERENCE], (other, funded[other] ^ funded[REFERENCE])


def _shadow(result) -> pd.DataFrame:
    return result.shadow_prices.set_index(["rule", "subject"])


@pytest.mark.parametrize("name", INSTANCES)
def test_shadow_price_re_solves_agree(name, other):
    """resolve_per_step: the objective gained by re-solving with one binding rule moved by a
    step, the difference of two objectives each solved to the gap."""
    ref, got = explained(name, REFERENCE), explained(name, other)
    a, b = _shadow(ref), _shadow(got)
    assert list(b.index) == list(a.index), (other, list(b.index), list(a.index))
    base = ref.solution.objective
    for key in a.index:
        want, have = a.loc[key, "resolve_per_step"], b.loc[key, "resolve_per_step"]
        if np.isnan(want):  # priced by its LP dual alone, on every backend
            assert np.isnan(have), (other, key, have)
            continue
        assert not np.isnan(have), (other, key, b.loc[key, "note"])
        assert close(have, want, base, base + want), (other, key, have, want)


@pytest.mark.parametrize("name", INSTANCES)
def test_shadow_price_lp_duals_agree(name, other):
    """lp_dual_per_step (the LP with every selection fixed at the optimum, its row duals ×
    step) and the trust verdict drawn from it: on these instances the LP has one dual
    solution, so every backend must report it (a backend that cannot must not report 0)."""
    ref, got = explained(name, REFERENCE), explained(name, other)
    a, b = _shadow(ref), _shadow(got)
    assert list(b.index) == list(a.index)
    for key in a.index:
        want, have = a.loc[key, "lp_dual_per_step"], b.loc[key, "lp_dual_per_step"]
        assert abs(have - want) <= 1e-6 * max(1.0, abs(want)), (other, key, have, want)
        assert b.loc[key, "trust"] == a.loc[key, "trust"], (other, key)


@pytest.mark.parametrize("name", INSTANCES)
def test_prices_of_inclusion_agree(name, other):
    """Each near miss's price of inclusion: the objective lost when it is forced in."""
    ref, got = explained(name, REFERENCE), explained(name, other)
    price = {b: r.allocation.set_index("project_id")["price_of_inclusion"]
             for b, r in ((REFERENCE, ref), (other, got))}
    priced = {b: set(p.index[p.notna()]) for b, p in price.items()}
    assert priced[other] == priced[REFERENCE], other
    base = ref.solution.objective
    for pid in sorted(priced[REFERENCE]):
        want, have = price[REFERENCE][pid], price[other][pid]
        assert close(have, want, base, base - want), (other, pid, have, want)


# ---------------------------------------------------------------------------------------------
# 2. budget curve

@functools.lru_cache(maxsize=None)
def curve(backend: str) -> pd.DataFrame:
    problem, scenario = instance("ranged-1")
    scenario = on(scenario, backend)
    requested = problem.projects["requested"].sum()
    # the lowest envelope cannot cover the three territories: a point without an allocation
    budgets = np.array([0.01, 0.15, 0.3, 0.4, 0.55, 0.8]) * requested
    return budget_curve(problem, scenario, budgets, workers=1,
                        options=SolveOptions.from_scenario(scenario))


def test_reference_curve_is_informative():
    _need(REFERENCE)
    c = curve(REFERENCE)
    assert list(c["status"]) == ["infeasible"] + ["optimal"] * 5
    assert (c["objective"].diff().dropna() > 0).all()  # every point says something new


def test_budget_curve_names_its_backend(any_backend):
    assert (curve(any_backend)["backend"] == any_backend).all()


def test_budget_curve_agrees(other):
    ref, got = curve(REFERENCE), curve(other)
    assert list(got["budget"]) == list(ref["budget"])
    assert list(got["status"]) == list(ref["status"]), other
    for budget, want, have in zip(ref["budget"], ref["objective"], got["objective"]):
        if want is None or (isinstance(want, float) and math.isnan(want)):
            assert have is None or math.isnan(have), (other, budget, have)
            continue
        assert close(have, want), (other, budget, have, want)


# ---------------------------------------------------------------------------------------------
# 3. uncertainty

@functools.lru_cache(maxsize=None)
def draws(backend: str):
    problem, scenario = ranged_problem(16, 5)
    return allocator.monte_carlo(problem, on(scenario.with_values(coverage=0), backend),
                                 samples=4, seed=1, workers=1, progress=False)


def test_reference_draws_are_informative():
    _need(REFERENCE)
    u = draws(REFERENCE)
    assert list(u.draws["draw"]) == [0, 1, 2, 3]
    assert (u.draws["status"] == "optimal").all()
    assert u.draws["objective"].nunique() == 4


def test_monte_carlo_runs_on_its_backend(any_backend):
    u = draws(any_backend)
    assert u.nominal.solution.backend == any_backend
    assert u.scenario.backend == any_backend


def test_monte_carlo_draws_agree(other):
    ref, got = draws(REFERENCE), draws(other)
    assert close(got.nominal.solution.objective, ref.nominal.solution.objective)
    assert list(got.draws["draw"]) == list(ref.draws["draw"])
    assert list(got.draws["status"]) == list(ref.draws["status"]), other
    for k, want, have in zip(ref.draws["draw"], ref.draws["objective"], got.draws["objective"]):
        assert close(have, want), (other, k, have, want)


# ---------------------------------------------------------------------------------------------
# 4. diagnosis

def _floors(r):
    r["floor"] = [6 * M, 2 * M]


def _locks(p):
    p["lock"] = ["in", None, "in", None, "in", None]


def _cap(t):
    t["cap"] = [None, 0.5 * M, None]


# name → (problem, scenario, the conflict HiGHS names)
CONFLICTS = {
    "floors over the budget": (
        lambda: base(regions=_floors), allocator.Scenario(budget=7 * M),
        {("budget", "envelope"), ("region_floor", "North"), ("region_floor", "South")}),
    "coverage over the budget": (
        lambda: base(), allocator.Scenario(budget=2.5 * M, coverage=1),
        {("budget", "envelope"), ("coverage", "ta"), ("coverage", "tb"), ("coverage", "tc")}),
    "locks in over the budget": (
        lambda: base(projects=_locks), allocator.Scenario(budget=5 * M),
        {("budget", "envelope"), ("lock_in", "A1"), ("lock_in", "B1"), ("lock_in", "C1")}),
    "coverage under a territory cap": (
        lambda: base(territories=_cap), allocator.Scenario(budget=20 * M, coverage=1),
        {("coverage", "tb"), ("territory_cap", "tb")}),
}


@functools.lru_cache(maxsize=None)
def diagnosed(case: str, backend: str) -> pd.DataFrame:
    make, scenario, _ = CONFLICTS[case]
    problem, scenario = make(), on(scenario, backend)
    model = formulate(problem, scenario)
    return diagnose(problem, scenario, model, SolveOptions.from_scenario(scenario))


def named(frame: pd.DataFrame) -> set:
    return {(r.rule, r.subject) for r in frame.itertuples()}


@pytest.mark.parametrize("case", CONFLICTS)
def test_reference_diagnosis(case):
    """The scenarios are infeasible on HiGHS, which names the conflict we expect (so that
    the parity below compares conflicts, not empty frames)."""
    _need(REFERENCE)
    make, scenario, conflict = CONFLICTS[case]
    _, solution = solve(make(), on(scenario, REFERENCE))
    assert solution.status == "infeasible"
    assert named(diagnosed(case, REFERENCE)) == conflict


@pytest.mark.parametrize("case", CONFLICTS)
def test_diagnosis_names_the_same_rules(case, other):
    make, scenario, _ = CONFLICTS[case]
    _, solution = solve(make(), on(scenario, other))
    assert solution.status == "infeasible", (other, solution.status)
    ref, got = diagnosed(case, REFERENCE), diagnosed(case, other)
    assert got.attrs["backend"] == other
    assert named(got) == named(ref), other
    # what relaxing each rule alone would take: a solve on the backend too
    assert got.set_index(["rule", "subject"])["to_relax"].sort_index().to_dict() == \
        ref.set_index(["rule", "subject"])["to_relax"].sort_index().to_dict(), other
    assert got.attrs["summary"] == ref.attrs["summary"]


def test_optimise_diagnoses_on_the_chosen_backend(any_backend):
    """``optimise`` on an infeasible scenario diagnoses it on the backend it solved on."""
    make, scenario, conflict = CONFLICTS["floors over the budget"]
    result = allocator.optimise(make(), on(scenario, REFERENCE), backend=any_backend)
    assert result.solution.status == "infeasible"
    assert result.solution.backend == any_backend
    assert result.diagnosis.attrs["backend"] == any_backend
    assert named(result.diagnosis) == conflict
