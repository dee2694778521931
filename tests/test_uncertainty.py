"""Monte Carlo over outcome ranges and the robust (budgeted-uncertainty) allocation.

Seeded runs must give the same numbers, bit for bit, in this process, on two local processes
and on a real Dask cluster (a LocalCluster of two worker processes started here). The robust
allocation is checked against exhaustive enumeration: every affordable selection, and for
each outcome every set of at most Γ selected projects falling to their low value.
"""
from __future__ import annotations

import itertools
import json

import numpy as np
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

import allocator
from allocator.analyse.uncertainty import Ranges, monte_carlo, worst_case
from allocator.cli import main

OUTCOMES = ("jobs", "skills", "innovation")


def make_problem(n: int, seed: int, *, partial: bool = True):
    """n projects in 3 territories, every outcome with a range around its estimate."""
    rng = np.random.default_rng(seed)
    cost = rng.integers(2, 30, n) * 100_000.0
    frame = {"project_id": [f"P{i}" for i in range(n)],
             "territory_id": [f"T{i % 3}" for i in range(n)],
             "title": [f"project {i}" for i in range(n)], "theme": "innovation",
             "total_cost": cost, "requested": cost}
    if partial:  # some projects may be funded from half of their request
        frame["min_award"] = np.where(rng.random(n) < 0.3, cost / 2, np.nan)
    for o in OUTCOMES:
        central = rng.integers(0, 60, n).astype(float)
        frame[o] = central
        frame[f"{o}_low"] = central * rng.uniform(0.2, 1.0, n)
        frame[f"{o}_high"] = central * rng.uniform(1.0, 1.8, n)
    territories = pd.DataFrame({"territory_id": ["T0", "T1", "T2"], "name": ["a", "b", "c"],
                                "region": ["R1", "R1", "R2"]})
    problem = allocator.from_tables(pd.DataFrame(frame), territories)
    return problem, float(cost.sum() * 0.4)


RANGED = ["project_id", "territory_id", "title", "theme", "total_cost", "requested",
          *[c for o in OUTCOMES for c in (o, f"{o}_low", f"{o}_high")]]


def write_workbook(problem, path, columns):
    """The problem's projects (``columns``) and territories as an input workbook."""
    with pd.ExcelWriter(path) as writer:
        problem.projects[list(columns)].to_excel(writer, sheet_name="projects", index=False)
        problem.territories[["territory_id", "name", "region"]].to_excel(
            writer, sheet_name="territories", index=False)
    return path


@pytest.fixture(scope="module")
def medium():
    problem, budget = make_problem(40, seed=3)
    return problem, allocator.Scenario(budget=budget, time_limit=30.0)


def frames(u):
    return u.frequency, u.distribution, u.draws.drop(columns="seconds")


def assert_same(a, b):
    for x, y in zip(frames(a), frames(b)):
        pd.testing.assert_frame_equal(x, y, check_exact=True)


# ----------------------------------------------------------------------------- draws

def test_triangular_quantiles_mean_and_degenerate_ranges():
    ranges = Ranges(low=np.array([[0.0, 5.0]]), central=np.array([[3.0, 5.0]]),
                    high=np.array([[6.0, 5.0]]), outcomes=("jobs",))
    u = (np.arange(200_000) + 0.5) / 200_000
    values = ranges.triangular(u[:, None, None])[:, 0, :]
    # values[:, j] is project j at every quantile
    assert values.shape == (len(u), 2)
    assert values[:, 0].min() >= 0 and values[:, 0].max() <= 6
    assert values[:, 0].mean() == pytest.approx((0 + 3 + 6) / 3, abs=1e-3)
    assert (values[:, 0] <= 3).mean() == pytest.approx(0.5, abs=1e-3)  # F(mode) = 3/6
    assert np.all(values[:, 1] == 5.0)  # a range of zero width gives the estimate


def test_a_draw_depends_only_on_seed_and_index(medium):
    problem, scenario = medium
    ranges = Ranges.of(problem, OUTCOMES)
    first = [ranges.draw(11, i) for i in range(5)]
    again = [ranges.draw(11, i) for i in reversed(range(5))][::-1]
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not np.array_equal(first[0], first[1])
    assert np.all((first[0] >= ranges.low) & (first[0] <= ranges.high))


# ----------------------------------------------------------------------------- Monte Carlo

def test_seeded_runs_identical_on_one_and_two_workers(medium):
    problem, scenario = medium
    one = monte_carlo(problem, scenario, samples=16, seed=5, workers=1, progress=False)
    two = monte_carlo(problem, scenario, samples=16, seed=5, workers=2, progress=False)
    assert one.batch.executor == "this process" and two.batch.executor == "2 local processes"
    assert len(one.draws) == 16 and list(one.draws["draw"]) == list(range(16))
    assert_same(one, two)
    other = monte_carlo(problem, scenario, samples=16, seed=6, workers=1, progress=False)
    assert not other.draws["objective"].equals(one.draws["objective"])


def test_frequencies_and_distribution_are_what_the_draws_say(medium):
    problem, scenario = medium
    u = monte_carlo(problem, scenario, samples=12, seed=2, workers=1, progress=False)
    f = u.frequency["selection_frequency"].to_numpy()
    assert np.all((f >= 0) & (f <= 1))
    assert set(u.frequency["funded_in"]) <= {"every draw", "no draw", "some draws"}
    assert (u.frequency["funded_in"] == "every draw").sum() == (f == 1).sum()
    assert u.summary["projects funded in some draws"] == int(((f > 0) & (f < 1)).sum())
    # the allocation of the estimate, held fixed, under each draw: recompute draw 3 by hand
    ranges = Ranges.of(problem, OUTCOMES)
    share = (u.nominal.allocation["award"] / problem.projects["requested"]).to_numpy()
    expected = ranges.draw(2, 3) @ share
    row = u.draws.set_index("draw").loc[3]
    assert np.allclose([row[f"estimate:{o}"] for o in OUTCOMES], expected, rtol=1e-12)
    d = u.distribution.set_index(["allocation", "outcome"])
    for o in OUTCOMES:
        values = u.draws[f"estimate:{o}"]
        assert d.loc[("estimate", o), "mean"] == pytest.approx(values.mean())
        assert d.loc[("estimate", o), "p5"] == pytest.approx(np.percentile(values, 5))
        assert d.loc[("estimate", o), "at_estimate"] == pytest.approx(u.nominal.totals[o])


def test_same_results_on_a_real_dask_cluster(medium):
    distributed = pytest.importorskip("distributed")
    problem, scenario = medium
    local = monte_carlo(problem, scenario, samples=12, seed=9, gamma=1.0, workers=2,
                        progress=False)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=40) as cluster:
        remote = monte_carlo(problem, scenario, samples=12, seed=9, gamma=1.0, workers=2,
                             scheduler=cluster.scheduler_address, progress=False)
    assert remote.batch.executor.startswith("dask tcp://")
    assert_same(local, remote)


# ----------------------------------------------------------------------------- robust

def worst_by_enumeration(problem, chosen, weights, gamma: int) -> float:
    """The weighted outcome of the projects ``chosen`` when, for each outcome, the set of at
    most Γ of them falling to their low value that hurts most does, found by trying them all."""
    p = problem.projects
    value = 0.0
    for o in OUTCOMES:
        if not weights.get(o):
            continue
        central = p[o].to_numpy()
        fall = central - p[f"{o}_low"].to_numpy()
        value += weights[o] * min(central[chosen].sum() - fall[list(s)].sum()
                                  for r in range(min(gamma, len(chosen)) + 1)
                                  for s in itertools.combinations(chosen, r))
    return value


def brute_force_robust(problem, budget, weights, gamma: int):
    """The best worst case over every affordable selection (all-or-nothing projects)."""
    cost = problem.projects["requested"].to_numpy()
    best, best_sel = -np.inf, None
    for mask in itertools.product((0, 1), repeat=problem.n):
        chosen = np.flatnonzero(mask)
        if cost[chosen].sum() > budget + 1e-6:
            continue
        value = worst_by_enumeration(problem, chosen, weights, gamma)
        if value > best + 1e-9:
            best, best_sel = value, set(chosen)
    return best, best_sel


def robust_of(problem, scenario, gamma):
    u = monte_carlo(problem, scenario, samples=2, seed=0, gamma=gamma, workers=1,
                    progress=False)
    assert u.robust.solution.status == "optimal"
    return u


def test_robust_allocation_on_a_hand_made_case():
    # six €1M projects, €3M: the three best estimates (A, B, C: 285 jobs) lose 90 when one
    # falls (A to 10); the stable C, D, E keep 235 of 240 whatever single project falls
    projects = pd.DataFrame({
        "project_id": list("ABCDEF"), "territory_id": "T1", "title": list("abcdef"),
        "theme": "innovation", "total_cost": 1e6, "requested": 1e6,
        "jobs": [100, 95, 90, 80, 70, 60.], "jobs_low": [10, 20, 85, 78, 69, 60.],
        "jobs_high": [120, 100, 95, 85, 75, 61.]})
    problem = allocator.from_tables(projects, pd.DataFrame(
        {"territory_id": ["T1"], "name": ["t"], "region": ["R"]}))
    scenario = allocator.Scenario(budget=3e6, weights={"jobs": 1.0}, normalise="none", gap=0.0)
    u = robust_of(problem, scenario, 1)
    nominal = set(u.nominal.allocation.query("funded")["project_id"])
    robust = set(u.robust.allocation.query("funded")["project_id"])
    assert nominal == {"A", "B", "C"} and robust == {"C", "D", "E"}
    assert u.robust.solution.objective == pytest.approx(235.0)
    best, chosen = brute_force_robust(problem, 3e6, {"jobs": 1.0}, 1)
    assert best == pytest.approx(235.0) and chosen == {2, 3, 4}
    cmp = u.distribution.set_index(["allocation", "outcome"])["worst_case"]
    assert cmp[("estimate", "jobs")] == pytest.approx(195.0)
    assert cmp[("robust", "jobs")] == pytest.approx(235.0)
    # Γ = 0 is the nominal problem
    assert set(robust_of(problem, scenario, 0).robust.allocation.query("funded")[
        "project_id"]) == {"A", "B", "C"}


@pytest.mark.parametrize("seed,gamma", [(1, 1), (2, 2), (3, 1), (4, 3)])
def test_robust_allocation_matches_brute_force(seed, gamma):
    problem, budget = make_problem(8, seed=seed, partial=False)
    weights = {"jobs": 1.0, "skills": 0.5, "innovation": 2.0}
    scenario = allocator.Scenario(budget=budget, weights=weights, normalise="none", gap=0.0)
    u = robust_of(problem, scenario, gamma)
    best, chosen = brute_force_robust(problem, budget, weights, gamma)
    assert u.robust.solution.objective == pytest.approx(best, rel=1e-7, abs=1e-7)
    # the allocation returned reaches that optimum in its own worst case, by enumeration,
    # and the closed form (Γ largest falls) agrees
    funded = u.robust.allocation["funded"].to_numpy()
    assert worst_by_enumeration(problem, np.flatnonzero(funded), weights, gamma) == \
        pytest.approx(best, rel=1e-7)
    w = np.array([weights[o] for o in OUTCOMES])
    closed = worst_case(Ranges.of(problem, OUTCOMES), funded.astype(float), gamma)[0] @ w
    assert closed == pytest.approx(best, rel=1e-7)


# ----------------------------------------------------------------------------- command line

def test_cli_writes_workbook_plot_and_json(tmp_path):
    problem, budget = make_problem(30, seed=8)
    book = write_workbook(problem, tmp_path / "in.xlsx", RANGED)
    out = tmp_path / "mc.xlsx"
    r = CliRunner().invoke(main, ["uncertainty", str(book), "--samples", "6", "--seed", "4",
                                  "--robust-gamma", "2", "--workers", "1", "--set",
                                  f"budget={budget}", "-o", str(out), "--json", "-q"])
    assert r.exit_code == 0, r.output
    result = json.loads(r.stdout)
    assert result["summary"]["samples_done"] == 6 and result["summary"]["seed"] == 4
    assert len(result["selection_frequency"]) == 30 and len(result["robust"]) == 2
    assert openpyxl.load_workbook(out, read_only=True).sheetnames == [
        "summary", "selection_frequency", "outcome_distribution", "robust", "draws", "run",
        "scenario"]
    summary = openpyxl.load_workbook(out)["summary"]
    assert len(summary._charts) == 1
    cells = [r for r in summary.iter_rows(values_only=True) if r[0] is not None]
    hist = {r[0]: r[1] for r in cells[[r[0] for r in cells].index("funded in") + 1:]}
    frequency = np.array([p["selection_frequency"] for p in result["selection_frequency"]])
    assert hist["never"] == (frequency == 0).sum() == result["summary"][
        "projects_funded_in_no_draw"]
    assert hist["always"] == (frequency == 1).sum()
    assert sum(v for v in hist.values() if v is not None) == 30
    assert (tmp_path / "mc.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    help_text = CliRunner().invoke(main, ["uncertainty", "--help"]).output
    assert "Example" in help_text and "--robust-gamma" in help_text


@pytest.mark.parametrize("args, said", [(["--samples", "0"], "--samples"),
                                        (["--robust-gamma", "-1"], "--robust-gamma")])
def test_samples_and_gamma_out_of_range_are_usage_errors(tmp_path, args, said):
    problem, budget = make_problem(6, seed=1)
    book = write_workbook(problem, tmp_path / "in.xlsx", RANGED)
    r = CliRunner().invoke(main, ["uncertainty", str(book), *args, "-o", str(tmp_path / "o.xlsx")])
    assert r.exit_code == 2 and said in r.output and not (tmp_path / "o.xlsx").exists()


def test_the_library_refuses_no_samples_and_a_negative_gamma():
    from allocator.core.findings import InputError
    problem, budget = make_problem(6, seed=1)
    scenario = allocator.Scenario(budget=budget)
    with pytest.raises(InputError, match="at least one sample"):
        monte_carlo(problem, scenario, samples=0, seed=1, workers=1, progress=False)
    with pytest.raises(InputError, match="Γ must be a number ≥ 0"):
        monte_carlo(problem, scenario, samples=1, seed=1, gamma=-1.0, workers=1, progress=False)
