"""Scenario sweeps and the execution machinery they share with Monte Carlo."""
from __future__ import annotations

import json

import numpy as np
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from test_cli import run
from test_uncertainty import OUTCOMES, RANGED, make_problem, write_workbook

import allocator
from allocator.analyse.sweep import collect, parse_variations, run_sweep, sweep_scenarios
from allocator.cli import main
from allocator.core.findings import InputError
from allocator.report import json as to_json
from allocator.solve import solve


@pytest.fixture(scope="module")
def small():
    problem, budget = make_problem(40, seed=12)
    return problem, allocator.Scenario(budget=budget, time_limit=30.0)


def test_variations_ranges_lists_and_single_values():
    budget, weight, backend, coverage = parse_variations(
        ["budget=60e6:140e6:9", "weight.skills=0.5, 1,2", "backend=pulp:PULP_CBC_CMD",
         "coverage=1"])
    assert [float(v) for v in budget.values] == list(np.linspace(60e6, 140e6, 9))
    assert weight.values == ("0.5", "1", "2")
    assert backend.values == ("pulp:PULP_CBC_CMD",)  # not a range: its parts are not numbers
    assert coverage.values == ("1",)
    for bad in ("budget=1:2:0", "budget=1:2:2.5", "weight.jobs=1,,2", "budget"):
        with pytest.raises(InputError):
            parse_variations([bad])


def test_scenarios_of_the_product_are_checked_before_solving(small):
    problem, base = small
    scenarios = sweep_scenarios(problem, base, parse_variations(
        ["budget=1e6:3e6:3", "weight.jobs=1,2", "coverage=1"]))
    assert [s.name for s in scenarios][:3] == ["budget=€1M weight.jobs=1",
                                               "budget=€1M weight.jobs=2",
                                               "budget=€2M weight.jobs=1"]
    french = sweep_scenarios(problem, base, parse_variations(
        ["budget=1.5e6,2e6", "weight.jobs=0.5", "lang=fr", "coverage=1,2"]))
    assert [s.name for s in french][:2] == ["budget = 1,5\u00a0M€, coverage = 1",
                                            "budget = 1,5\u00a0M€, coverage = 2"]
    assert [(s.budget, s.weights["jobs"], s.coverage) for s in scenarios][-1] == (3e6, 2.0, 1)
    with pytest.raises(InputError) as caught:
        sweep_scenarios(problem, base, parse_variations(["weight.jobz=1,2", "budget=-1"]))
    messages = " ".join(f.message for f in caught.value.errors)
    assert "jobz" in messages and "out of range" in messages


def _stop_at_third(problem, payload):
    if payload == 2:
        raise KeyboardInterrupt
    return payload * 10


def test_ctrl_c_keeps_what_was_done(small):
    problem, _ = small
    batch = collect(problem, _stop_at_third, list(range(6)), workers=1, progress=False)
    assert batch.interrupted and batch.results == {0: 0, 1: 10} and batch.total == 6


def test_same_table_on_one_and_two_workers(small):
    problem, base = small
    variations = parse_variations(["budget=2e6:6e6:3", "weight.skills=0,2"])
    one = run_sweep(problem, base, variations, workers=1, progress=False)
    two = run_sweep(problem, base, variations, workers=2, progress=False)
    assert one.ok and two.ok and two.batch.executor == "2 local processes"
    pd.testing.assert_frame_equal(one.table.drop(columns="solve_seconds"),
                                  two.table.drop(columns="solve_seconds"), check_exact=True)


def test_the_language_a_sweep_is_written_in_is_no_column_of_its_table(small):
    problem, base = small
    done = run_sweep(problem, base, parse_variations(["budget=2e6,4e6", "lang=fr",
                                                      "coverage=1"]), workers=1, progress=False)
    assert done.ok and [s.lang for s in done.scenarios] == ["fr", "fr"]
    assert "lang" not in done.table and list(done.table["coverage"]) == [1, 1]
    rows = to_json.sweep_json(done)["scenarios"]
    assert [p["parameter"] for p in rows[0]["parameters"]] == ["budget", "coverage"]


def test_sweep_9_by_3_writes_one_comparison_workbook_matching_single_solves(small, tmp_path):
    problem, base = small
    book = write_workbook(problem, tmp_path / "in.xlsx", [
        "project_id", "territory_id", "title", "theme", "total_cost", "requested",
        "min_award", *OUTCOMES])
    out = tmp_path / "sweep.xlsx"
    r = CliRunner().invoke(main, ["sweep", str(book), "--set", "budget=1e6:9e6:9", "--set",
                                  "weight.skills=0.5,1,2", "--workers", "2", "-o", str(out),
                                  "--json", "-q"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)["scenarios"]
    assert len(rows) == 27 and all(row["status"] == "optimal" for row in rows)
    scenarios = pd.read_excel(out, sheet_name="scenarios", engine="openpyxl")
    assert list(scenarios["scenario"]) == [row["scenario"] for row in rows]  # a row each
    written = openpyxl.load_workbook(out)
    assert written.sheetnames == ["scenarios", "pivots", "regions", "base"]
    # a line chart per figure (objective, awarded, projects funded, each outcome), each
    # with a line per value of the second parameter
    charts = written["pivots"]._charts
    assert len(charts) == 3 + len(OUTCOMES) and all(len(c.series) == 3 for c in charts)
    regions = pd.read_excel(out, sheet_name="regions", engine="openpyxl").set_index("scenario")
    assert np.allclose(regions.sum(axis=1), scenarios.set_index("scenario")["awarded"])
    cells = list(written["pivots"].iter_rows(values_only=True))
    top = [r[0] for r in cells].index("jobs by budget and weight.skills") + 1
    header = cells[top]
    assert header[:4] == ("budget", "weight.skills = 0.5", "weight.skills = 1",
                          "weight.skills = 2")
    varied = [{p["parameter"]: p["value"] for p in row["parameters"]} for row in rows]
    jobs = {(v["budget"], v["weight.skills"]): row["jobs"] for v, row in zip(varied, rows)}
    for line in cells[top + 1:top + 10]:
        for weight, value in zip((0.5, 1, 2), line[1:4]):
            assert value == pytest.approx(jobs[line[0], weight])
    for row in rows[::4]:  # every fourth scenario, solved on its own here
        varied = {p["parameter"]: p["value"] for p in row["parameters"]}
        # normalised as the whole sweep is, at its base's budget (the workbook's default)
        assert row["normalised_at"] == allocator.Scenario().budget
        scenario = base.with_values(budget=varied["budget"],
                                    normalise_budget=row["normalised_at"],
                                    weights={**base.weights, "skills": varied["weight.skills"]})
        model, solution = solve(problem, scenario)
        assert row["objective"] == pytest.approx(solution.objective, rel=1e-9)
        achieved = np.asarray(model.outcome @ solution.values).ravel()
        for o, value in zip(model.outcomes, achieved):
            assert row[o] == pytest.approx(value, rel=1e-6)
            assert scenarios.set_index("scenario").loc[row["scenario"], o] == \
                pytest.approx(value, rel=1e-6)
    help_text = CliRunner().invoke(main, ["sweep", "--help"]).output
    assert "Example" in help_text and "start:stop:count" in help_text


def _square(problem, x):
    return x * x


def test_dask_not_installed_is_a_clear_error(small, monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed: ImportError
    with pytest.raises(InputError) as error:
        collect(small[0], _square, [1, 2], scheduler="tcp://127.0.0.1:8786")
    assert "pip install 'allocator[dask]'" in str(error.value)


def test_an_unreachable_scheduler_exits_2_saying_so(tmp_path):
    problem, budget = make_problem(8, seed=3)
    book = write_workbook(problem, tmp_path / "in.xlsx", RANGED)
    # in a process of its own, as a user runs it: a failed connection leaves Dask's IO loop
    # thread behind, and a process with a second thread no longer forks re-solve workers
    r = run("uncertainty", book, "--samples", "2", "--set", f"budget={budget}",
            "--scheduler", "tcp://127.0.0.1:9")
    assert r.returncode == 2, r.stdout + r.stderr
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in r.stdout + r.stderr
    assert "Traceback" not in r.stderr
