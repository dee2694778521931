"""The ranking rule (``--method greedy``): the order it funds in, the rules it keeps, its status."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import _reference
import numpy as np
import pandas as pd
import pytest
from _instances import NumpySource, make_case
from verify import verify

import allocator
from allocator.formulate import MEUR
from allocator.solve.greedy import greedy

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "scenarios" / "territoires-industrie.xlsx"


def problem_of(projects, *, territories=None, regions=None, **scenario):
    """A small problem from project rows (dicts) and scenario parameters (dotted names)."""
    frame = pd.DataFrame(projects)
    for column, default in (("territory_id", "T1"), ("theme", "innovation"), ("skills", 0.0),
                            ("innovation", 0.0)):
        if column not in frame:
            frame[column] = default
    frame["title"] = frame["project_id"]
    frame["total_cost"] = frame.get("total_cost", frame["requested"])
    if territories is None:
        territories = pd.DataFrame({"territory_id": sorted(frame["territory_id"].unique()),
                                    "name": "t", "region": "R1"})
    params = {"weight.jobs": 1, "weight.skills": 0, "weight.innovation": 0, "normalise": "none",
              **scenario}
    scenarios = pd.DataFrame({"parameter": list(params), "s": [str(v) for v in params.values()]})
    tables = {"projects": frame, "territories": territories, "scenarios": scenarios}
    if regions is not None:
        tables["regions"] = regions
    return allocator.from_tables(**tables)


def run(problem, rank="score"):
    scenario = problem.scenario()
    model, solution = greedy(problem, scenario, rank=rank)
    funded = np.asarray(model.select @ solution.values).ravel() > 0.5
    award = np.asarray(model.award @ solution.values).ravel() * MEUR
    ids = problem.projects["project_id"].to_numpy()
    return solution, list(ids[funded]), dict(zip(ids[funded], award[funded]))


def test_score_funds_down_the_list_and_skips_what_does_not_fit():
    p = problem_of([{"project_id": "A", "requested": 60e3, "jobs": 10},
                    {"project_id": "B", "requested": 50e3, "jobs": 9},
                    {"project_id": "C", "requested": 40e3, "jobs": 7}], budget=100e3)
    solution, funded, _ = run(p, "score")
    assert funded == ["A", "C"]  # B would break the budget after A; C still fits
    assert solution.status == "feasible" and solution.objective == 17
    assert solution.backend == "greedy" and solution.bound is None
    _, funded, _ = run(p, "ratio")  # per euro: C 0.175, B 0.18, A 0.167
    assert funded == ["B", "C"]


def test_ties_keep_the_input_order():
    p = problem_of([{"project_id": k, "requested": 10e3, "jobs": 5} for k in "QRST"], budget=20e3)
    assert run(p)[1] == ["Q", "R"]


def test_requires_exclusive_and_locks():
    p = problem_of([
        {"project_id": "child", "requested": 10e3, "jobs": 100, "requires": "parent"},
        {"project_id": "parent", "requested": 10e3, "jobs": 1},
        {"project_id": "rival1", "requested": 10e3, "jobs": 50, "exclusive_group": "g"},
        {"project_id": "rival2", "requested": 10e3, "jobs": 40, "exclusive_group": "g"},
        {"project_id": "locked", "requested": 10e3, "jobs": 0, "lock": "in"},
        {"project_id": "banned", "requested": 10e3, "jobs": 999, "lock": "out"}], budget=1e6)
    solution, funded, _ = run(p)
    # the child comes first in the ranking but its prerequisite is not funded yet: skipped
    assert set(funded) == {"parent", "rival1", "locked"}
    assert solution.status == "feasible"


def test_caps_hold_and_a_partial_project_takes_the_remainder():
    territories = pd.DataFrame({"territory_id": ["T1", "T2"], "name": ["a", "b"],
                                "region": ["R1", "R2"], "cap": [30e3, None]})
    regions = pd.DataFrame({"region": ["R1", "R2"], "cap": [None, None]})
    p = problem_of([
        {"project_id": "big", "territory_id": "T1", "requested": 25e3, "jobs": 100},
        {"project_id": "more", "territory_id": "T1", "requested": 10e3, "jobs": 90},
        {"project_id": "part", "territory_id": "T2", "requested": 50e3, "min_award": 10e3,
         "jobs": 80},
        {"project_id": "small", "territory_id": "T2", "requested": 5e3, "jobs": 1}],
        territories=territories, regions=regions, budget=60e3)
    solution, funded, award = run(p)
    assert funded == ["big", "part"]  # 'more' would break T1's cap
    assert award["part"] == pytest.approx(35e3)  # what is left of the budget, ≥ its minimum
    assert solution.status == "feasible"


def test_floors_are_served_first_and_unmet_ones_are_named():
    territories = pd.DataFrame({"territory_id": ["T1", "T2"], "name": ["a", "b"],
                                "region": ["R1", "R1"], "floor": [None, 20e3]})
    rows = [{"project_id": "A", "territory_id": "T1", "requested": 50e3, "jobs": 100},
            {"project_id": "B", "territory_id": "T2", "requested": 20e3, "jobs": 1}]
    solution, funded, _ = run(problem_of(rows, territories=territories, budget=60e3))
    assert funded == ["B"] and solution.status == "feasible"  # B's floor first; A no longer fits
    short = territories.assign(floor=[None, 30e3])
    solution, funded, _ = run(problem_of(rows, territories=short, budget=60e3))
    assert solution.status == "infeasible"
    assert "territory_floor[T2]" in solution.message and "short by 10 000 €" in solution.message


@pytest.mark.parametrize("seed", range(12))
def test_random_instances_keep_every_rule_and_stay_below_the_optimum(seed):
    """Checked against the independent statement of the rules in _reference.py."""
    case = make_case(NumpySource(seed), 10, rules=0.5)
    problem = case.problem()
    inst = _reference.build(case.projects, case.territories, case.regions, case.resources,
                            case.scenario)
    best = _reference.brute_force(inst)
    for rank in ("score", "ratio"):
        model, solution = greedy(problem, case.scenario, rank=rank)
        x = np.asarray(model.select @ solution.values).ravel()
        a = np.asarray(model.award @ solution.values).ravel()
        broken = inst.violations(x, a)
        if solution.status == "feasible":
            assert broken == [], (rank, broken, case)
            assert best.feasible
            assert solution.objective <= best.objective + 1e-6 * max(1, abs(best.objective))
            assert solution.objective == pytest.approx(inst.objective(a), rel=1e-9, abs=1e-9)
        else:
            assert solution.status == "infeasible" and broken, (rank, solution.message)


@pytest.mark.parametrize("scenario, rank", [("balanced", "score"), ("jobs_first", "ratio")])
def test_cli_greedy_on_the_bundled_workbook(tmp_path, scenario, rank):
    """(That the optimum beats greedy on every preset is checked by test_compare.)"""
    out = tmp_path / "greedy.xlsx"
    r = subprocess.run([sys.executable, "-m", "allocator.cli", "solve", str(BUNDLED),
                        "--scenario", scenario, "--method", "greedy", "--rank", rank,
                        "-o", str(out), "--json"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    assert result["status"].startswith("feasible") and result["backend"] == "greedy"
    assert result["solver"] == f"greedy by {rank}"
    assert verify(BUNDLED, out) == []  # the independent checker of every rule


def test_cli_greedy_infeasible_exits_1_and_says_why(tmp_path):
    r = subprocess.run([sys.executable, "-m", "allocator.cli", "solve", str(BUNDLED),
                        "--scenario", "regional_equity", "--method", "greedy"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 1
    assert "ranking by score leaves rules unmet" in r.stderr and "fairness_min" in r.stderr
