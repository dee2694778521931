"""Pabulib participatory-budgeting elections read as inputs: published outcomes and optima.

The files live beside the project (../shared/data/benchmarks/pabulib, or the folder named by
ALLOCATOR_BENCHMARK_DATA); the tests skip, saying so, when it is absent.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import allocator
from allocator.analyse.allocation import analyse
from allocator.solve import solve
from allocator.solve.greedy import greedy
from benchmarks.instances import data_dir

DATA = data_dir() / "pabulib"
NAMED = ["France_Toulouse_2022.pb", "Poland_Warszawa_2020_Wawer.pb", "Netherlands_Amsterdam_285.pb"]

pytestmark = pytest.mark.skipif(not (DATA / "pb_summary.csv").is_file(),
                                reason=f"Pabulib benchmark data not found at {DATA} "
                                       "(set ALLOCATOR_BENCHMARK_DATA)")


@pytest.fixture(scope="module")
def summary() -> pd.DataFrame:
    return pd.read_csv(DATA / "pb_summary.csv").set_index("file")


def meta(path: Path) -> dict[str, str]:
    """The META section, read here with plain string handling (independent of the reader)."""
    out, inside = {}, False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() in ("PROJECTS", "VOTES"):
            break
        if inside and ";" in line and not line.startswith("key;"):
            key, _, value = line.partition(";")
            out[key] = value
        inside = inside or line.strip() == "META"
    return out


def published(path: Path) -> pd.DataFrame:
    """The PROJECTS section as pandas reads it."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start, stop = lines.index("PROJECTS") + 1, lines.index("VOTES")
    from io import StringIO
    return pd.read_csv(StringIO("\n".join(lines[start:stop])), sep=";", dtype={"project_id": str})


@pytest.mark.parametrize("name", NAMED)
def test_read_as_a_workbook(name, summary):
    problem = allocator.load(DATA / name)
    raw = published(DATA / name)
    p = problem.projects
    profit = summary.loc[name, "profit_column"]
    assert list(p["project_id"]) == list(raw["project_id"])
    assert (p["requested"].to_numpy() == raw["cost"].to_numpy(float)).all()
    assert (p["total_cost"].to_numpy() == raw["cost"].to_numpy(float)).all()
    assert (p[profit].to_numpy() == raw[profit].to_numpy(float)).all()
    assert p["territory_id"].nunique() == 1 and p["region"].nunique() == 1
    if "category" in raw:
        first = (raw["category"].fillna("uncategorised").str.split(",").str[0].str.strip()
                 .str.lower())
        assert (p["theme"].to_numpy() == first.to_numpy()).all()
        assert set(problem.themes["theme"]) == set(first)
    scenario = problem.scenario()
    assert scenario.budget == float(meta(DATA / name)["budget"])
    assert scenario.weights[profit] == 1 and not any(
        w for o, w in scenario.weights.items() if o != profit)
    assert scenario.normalise == "none" and scenario.gap == 0
    # Amsterdam's per-category budgets bind only a first round: read, and said
    said = [f.message for f in problem.warnings]
    if "budget_per_category" in meta(DATA / name):
        assert len(said) == 1 and "per-category budgets" in said[0] and "leftover" in said[0]
    else:
        assert not said


@pytest.mark.parametrize("name", NAMED)
def test_optimum_is_the_utilitarian_optimum(name, summary):
    problem = allocator.load(DATA / name)
    scenario = problem.scenario()
    model, solution = solve(problem, scenario)
    assert solution.status == "optimal"
    result = analyse(problem, scenario, model, solution, explain=False)
    profit = summary.loc[name, "profit_column"]
    assert result.totals[profit] == summary.loc[name, "utilitarian_opt_profit_computed"]
    assert result.totals["awarded"] <= scenario.budget


def _greedy_selection(path: Path) -> pd.DataFrame:
    problem = allocator.load(path)
    scenario = problem.scenario()
    model, solution = greedy(problem, scenario, rank="score")
    assert solution.status == "feasible"
    return analyse(problem, scenario, model, solution, explain=False).allocation


@pytest.mark.parametrize("name", [n for n in NAMED if "selected" in published(DATA / n)]
                         if DATA.is_dir() else [])
def test_greedy_reproduces_the_published_selection(name, summary):
    row = summary.loc[name]
    alloc = _greedy_selection(DATA / name)
    raw = published(DATA / name)
    funded = set(alloc.loc[alloc["funded"], "project_id"])
    assert funded == set(raw.loc[raw["selected"] == 1, "project_id"])
    assert (alloc["selected"] == "yes").sum() == row["selected_n"]
    assert len(funded) == row["selected_n"]
    assert alloc["award"].sum() == row["selected_cost"]
    assert alloc[row["profit_column"]].sum() == row["selected_profit"]


@pytest.mark.parametrize("name", [n for n in NAMED if "selected" not in published(DATA / n)]
                         if DATA.is_dir() else [])
def test_greedy_where_no_selection_is_published(name, summary):
    """Toulouse and Amsterdam publish no selection: greedy fits the budget, below the optimum."""
    row = summary.loc[name]
    assert pd.isna(row["selected_n"])
    alloc = _greedy_selection(DATA / name)
    assert alloc["award"].sum() <= float(meta(DATA / name)["budget"])
    assert alloc[row["profit_column"]].sum() < row["utilitarian_opt_profit_computed"]


def test_every_greedy_election_of_the_corpus(summary):
    """Beyond the named files: every election of the corpus decided by plain greedy, with a
    published selection, is reproduced."""
    names = [f for f in summary.index if summary.loc[f, "rule"] == "greedy"
             and pd.notna(summary.loc[f, "selected_n"])]
    assert len(names) >= 5
    for name in names:
        alloc = _greedy_selection(DATA / name)
        profit = summary.loc[name, "profit_column"]
        assert alloc[profit].sum() == summary.loc[name, "selected_profit"], name
        assert alloc["funded"].sum() == summary.loc[name, "selected_n"], name


def test_cli_solves_a_pb_file(tmp_path):
    out = tmp_path / "toulouse.xlsx"
    r = subprocess.run([sys.executable, "-m", "allocator.cli", "solve", str(DATA / NAMED[0]),
                        "--json", "-o", str(out), "--near-misses", "0"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    assert result["status"] == "optimal"
    assert result["totals"]["votes"] == 9984
    assert out.is_file()


def test_a_broken_pb_file_is_bad_input(tmp_path):
    bad = tmp_path / "broken.pb"
    bad.write_text("META\nkey;value\nbudget;1000\n", encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "allocator.cli", "validate", str(bad)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    assert "broken.pb" in r.stderr and "PROJECTS" in r.stderr
    assert "Traceback" not in r.stderr


def test_a_bad_cost_is_located_at_its_line(tmp_path):
    text = (DATA / "Netherlands_Amsterdam_285.pb").read_text(encoding="utf-8")
    lines = text.splitlines()
    at = lines.index("PROJECTS") + 2  # the first project's line (0-based)
    cells = lines[at].split(";")
    cells[1] = "lots"
    lines[at] = ";".join(cells)
    bad = tmp_path / "amsterdam.pb"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "allocator.cli", "validate", str(bad)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    assert f"amsterdam.pb PROJECTS row {at + 1} (cost)" in r.stderr, r.stderr
