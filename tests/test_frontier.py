"""The Pareto frontier: non-dominated points, each optimal for its epsilon, above greedy."""
from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile

import _reference
import numpy as np
import pandas as pd
import pytest
from _instances import NumpySource, make_case

from allocator.analyse.frontier import frontier, nondominated

X, Y = "jobs", "skills"


def dominated_pairs(points: pd.DataFrame, tol: float = 1e-6) -> list[tuple[int, int]]:
    xs, ys = points[X].to_numpy(), points[Y].to_numpy()
    return [(i, j) for i in range(len(xs)) for j in range(len(xs)) if i != j
            and xs[j] >= xs[i] - tol and ys[j] >= ys[i] - tol
            and (xs[j] > xs[i] + tol or ys[j] > ys[i] + tol)]


def case(seed: int, n: int):
    c = make_case(NumpySource(seed), n, rules=0.4, lock_rate=0.05)
    return c, c.problem()


@pytest.mark.parametrize("seed", [0, 6, 9, 14])  # 0: no allocation keeps every rule
def test_each_point_is_optimal_for_its_epsilon_and_none_is_dominated(seed):
    c, problem = case(seed, 11)
    f = frontier(problem, c.scenario, X, Y, points=7)
    inst = _reference.build(c.projects, c.territories, c.regions, c.resources, c.scenario)
    exact = _reference.brute_force(inst)
    if not exact.feasible:
        assert not f.ok
        return
    assert f.ok and dominated_pairs(f.points) == []
    assert (np.diff(f.points[X]) > 0).all()  # by increasing x, no repeats
    for _, point in f.points.iterrows():
        eps = point["epsilon"] if np.isfinite(point["epsilon"]) else -np.inf
        assert point[X] >= eps - 1e-6
        # the most y any allocation reaches with x ≥ ε, by an independent exact MILP
        best = _reference.milp_optimum(inst, value=inst.per_meur[Y],
                                       extra=[(inst.per_meur[X], eps - 1e-9, np.inf)])
        assert point[Y] == pytest.approx(best.objective, rel=1e-6, abs=1e-6)
    # the y anchor also has the most x among allocations of maximal y
    top = _reference.milp_optimum(inst, value=inst.per_meur[Y])
    most_x = _reference.milp_optimum(inst, value=inst.per_meur[X],
                                     extra=[(inst.per_meur[Y], top.objective - 1e-7, np.inf)])
    assert f.points[X].iloc[0] == pytest.approx(most_x.objective, rel=1e-6, abs=1e-6)
    # the scenario's own optimum lies on or below the frontier: no allocation with as much x
    # reaches more y than the most the independent MILP finds
    own = f.scenario_point
    assert own is not None and own["status"] == "optimal"
    best = _reference.milp_optimum(inst, value=inst.per_meur[Y],
                                   extra=[(inst.per_meur[X], own[X] - 1e-7, np.inf)])
    assert own[Y] <= best.objective + 1e-6 * max(1.0, abs(best.objective))


@pytest.mark.parametrize("seed", [7, 11])
def test_frontier_lies_on_or_above_the_greedy_allocations(seed):
    c, problem = case(seed, 60)
    f = frontier(problem, c.scenario, X, Y, points=6, allocations=True)
    assert f.ok and dominated_pairs(f.points) == []
    feasible = f.references[f.references["status"] == "feasible"]
    assert len(f.references) == 6  # scenario, x and y rankings, by score and by ratio
    for _, point in f.points.iterrows():
        eps = point["epsilon"] if np.isfinite(point["epsilon"]) else -np.inf
        reach = feasible[feasible[X] >= eps - 1e-9]
        assert (point[Y] >= reach[Y] - 1e-6 * max(1.0, abs(point[Y]))).all(), (point, reach)
    for _, ref in feasible.iterrows():  # and no greedy allocation dominates a frontier point
        assert not ((ref[X] > f.points[X] + 1e-6) & (ref[Y] > f.points[Y] + 1e-6)).any()
    # each point's allocation gives back its outcomes and keeps every rule
    inst = _reference.build(c.projects, c.territories, c.regions, c.resources, c.scenario)
    alloc = f.allocations.set_index("project_id").loc[inst.ids]
    for k, point in f.points.iterrows():
        a = alloc[f"point {k + 1}"].to_numpy(float) / 1e6
        assert inst.violations((a > 0).astype(float), a, tol=1e-6) == []
        assert inst.outcome(X, a) == pytest.approx(point[X], rel=1e-6, abs=1e-4)
        assert inst.outcome(Y, a) == pytest.approx(point[Y], rel=1e-6, abs=1e-4)


def test_nondominated_mask():
    xs = np.array([1.0, 2.0, 2.0, 3.0, 1.0, 2.0000001])
    ys = np.array([5.0, 4.0, 3.0, 1.0, 4.0, 4.0])
    assert nondominated(xs, ys, 1e-6, 1e-6).tolist() == [True, True, False, True, False, False]


def test_cli_frontier_writes_table_plot_chart_and_allocations(tmp_path):
    c, _ = case(12, 40)
    folder = tmp_path / "input"
    folder.mkdir()
    for name, frame in c.frames().items():
        if frame is not None:
            frame.to_csv(folder / f"{name}.csv", index=False)
    params = {k: v for k, v in c.scenario.parameters().items() if v is not None and v != ""}
    pd.DataFrame({"parameter": list(params), "case": [str(v) for v in params.values()]}) \
        .to_csv(folder / "scenarios.csv", index=False)
    out = tmp_path / "frontier.xlsx"
    r = subprocess.run([sys.executable, "-m", "allocator.cli", "frontier", str(folder),
                        "--x", X, "--y", Y, "--points", "5", "-o", str(out), "--allocations",
                        "--json"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["x"] == X and len(data["points"]) >= 2
    assert len(data["allocations"]) == len(data["points"])
    assert out.is_file() and out.with_suffix(".png").stat().st_size > 10_000
    sheets = pd.read_excel(out, sheet_name=None, engine="openpyxl")
    assert list(sheets) == ["frontier", "greedy", "scenario_point", "allocations", "scenario"]
    assert sheets["scenario_point"][X].iloc[0] > 0
    assert [c for c in sheets["allocations"].columns if c.startswith("point ")] == \
        [f"point {k}" for k in range(1, len(data["points"]) + 1)]
    with zipfile.ZipFile(out) as z:
        chart = next(z.read(n).decode() for n in z.namelist()
                     if re.fullmatch(r"xl/charts/chart\d+\.xml", n))
    assert "<c:scatterChart>" in chart and "frontier!" in chart and "scenario_point!" in chart


def test_cli_frontier_rejects_an_unknown_outcome(tmp_path):
    from pathlib import Path
    bundled = Path(__file__).resolve().parents[1] / "scenarios" / "territoires-industrie.xlsx"
    r = subprocess.run([sys.executable, "-m", "allocator.cli", "frontier", str(bundled),
                        "--x", "jobz", "--y", Y], capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and "'jobz' is not an outcome" in r.stderr
