"""Validation of the input: one corpus case per rule, each in .xlsx and in .csv folders.

Every case (tests/corpus.py) mutates one thing of a small valid workbook and states exactly the
findings it must produce: severity, sheet, Excel row, column header as written, message.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from corpus import CASES, FORMATS, base, set_cell, sheet_label, write

import allocator
from allocator import InputError

ROOT = Path(__file__).resolve().parents[1]


def load(grids, tmp_path, fmt):
    """(problem or None, every finding) of grids written in a format."""
    path = write(grids, tmp_path, fmt)
    try:
        problem = allocator.load(path)
    except InputError as exc:
        return None, exc.findings
    return problem, list(problem.warnings)


def _matches(finding, expect, fmt) -> bool:
    sheet = expect.sheet if expect.whole_sheet else sheet_label(expect.sheet, fmt)
    return (finding.severity == expect.severity and finding.sheet == sheet
            and finding.row == expect.row and finding.column == expect.column
            and expect.fragment in finding.message)


@pytest.mark.parametrize("fmt", FORMATS)
def test_base_is_valid(tmp_path, fmt):
    problem, findings = load(base(), tmp_path, fmt)
    assert findings == []
    p = problem.projects
    assert p["project_id"].tolist() == [f"P-000{i}" for i in range(1, 7)]
    assert p["row"].tolist() == [2, 3, 4, 5, 6, 7]
    assert p["total_cost"].dtype == float and p["total_cost"].iloc[0] == 1_000_000
    assert p["region"].tolist() == ["Occitanie"] * 4 + ["Bretagne"] * 2
    assert p["requires"].iloc[2] == ("P-0002",)
    assert p["is_site"].tolist() == [False, False, True, False, False, False]
    assert p["lock"].tolist() == ["", "", "", "", "", "in"]
    assert p["net_artificialised_ha"].iloc[2] == -4.5
    assert problem.scenario("base").budget == 1_000_000
    assert problem.scenario("base").weights["jobs"] == 2


@pytest.mark.parametrize("case,fmt", [pytest.param(c, f, id=f"{c.id}-{f}")
                                      for c in CASES for f in c.formats])
def test_case(case, fmt, tmp_path):
    grids = base()
    case.mutate(grids)
    problem, findings = load(grids, tmp_path, fmt)
    expected = case.expected(fmt)
    missing = [e for e in expected if not any(_matches(f, e, fmt) for f in findings)]
    assert not missing, f"{case.rule}: expected {missing}, got {[str(f) for f in findings]}"
    assert len(findings) == len(expected), \
        f"{case.rule}: unexpected findings {[str(f) for f in findings]}"
    if any(e.severity == "error" for e in expected):
        assert problem is None
    else:
        assert problem is not None
    for f in findings:  # a finding on one cell names it as Excel does: letter(s) and row
        if f.cell:
            assert f.row is not None and f.cell.endswith(str(f.row)) and f.cell[0].isalpha()
    if case.check is not None:
        case.check(problem, fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_issue_acceptance_negative_cost_row_7(tmp_path, fmt):
    """A negative total_cost on Excel row 7 of projects: an error naming projects, 7, total_cost."""
    grids = base()
    set_cell(grids, "projects", 7, "total_cost", -250_000)
    with pytest.raises(InputError) as info:
        allocator.load(write(grids, tmp_path, fmt))
    [error] = info.value.errors
    assert error.sheet.startswith("projects") and error.row == 7
    assert error.column == "total_cost" and error.cell == "E7"
    assert error.value == -250_000
    assert str(error) == (f"error: {sheet_label('projects', fmt)}!E7 (total_cost): found "
                          "-250 000: expected a number ≥ 0")
    assert "projects" in str(info.value) and "E7" in str(info.value)


def test_every_format_reports_the_same(tmp_path):
    """The same mistakes give the same findings in an .xlsx and in CSV files."""
    seen = {}
    for fmt in FORMATS:
        grids = base()
        CASES_BY_ID["all_at_once"].mutate(grids)
        _, findings = load(grids, tmp_path / fmt.replace(";", "s"), fmt)
        seen[fmt] = [(f.severity, f.sheet.removesuffix(".csv"), f.row, f.column, f.cell,
                      f.message) for f in findings]
    assert seen["xlsx"] == seen["csv"] == seen["csv;"]
    assert len(seen["xlsx"]) == 5


CASES_BY_ID = {c.id: c for c in CASES}


def test_every_rule_has_a_case():
    assert len(CASES_BY_ID) == len(CASES)
    for needed in ("missing_sheet", "missing_column", "duplicate_header", "text_in_number",
                   "booleans", "french_numbers", "negative_cost", "zero_cost",
                   "requested_above_cost", "min_above_requested", "rate_above_one",
                   "rate_below_min_award", "duplicate_id", "id_case_spaces",
                   "unknown_territory", "unknown_region", "requires_unknown", "requires_cycle",
                   "bad_lock", "unknown_theme", "empty_projects", "scenario_unknown_parameter",
                   "scenario_out_of_range", "formula_no_value", "header_aliases",
                   "extra_columns", "all_at_once"):
        assert needed in CASES_BY_ID


# ----------------------------------------------------------------------------- command line

@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_cli_validate_exit_codes(tmp_path, fmt):
    good = write(base(), tmp_path / "good", fmt)
    grids = base()
    CASES_BY_ID["all_at_once"].mutate(grids)
    bad = write(grids, tmp_path / "bad", fmt)
    run = [sys.executable, "-m", "allocator.cli", "validate"]
    ok = subprocess.run([*run, str(good)], capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    ko = subprocess.run([*run, str(bad)], capture_output=True, text=True, timeout=120)
    assert ko.returncode == 2
    assert "E7" in ko.stderr and "total_cost" in ko.stderr
    assert "Traceback" not in ko.stderr


def _projects(**columns):
    base = {"project_id": ["P1", "P2"], "territory_id": ["t1", "t1"], "title": ["a", "b"],
            "theme": ["innovation"] * 2, "total_cost": [1e6, 1e6], "requested": [1e6, 1e6],
            "jobs": [3, 2]}
    return pd.DataFrame({**base, **columns})


@pytest.mark.parametrize("second", ["Cre\u0301ches", "Cr\u00e9ches\u200b", "\ufeffCr\u00e9ches"])
def test_ids_that_look_the_same_are_one_id(second):
    # composed or decomposed é, a zero-width space, a BOM: one dossier, not two projects
    with pytest.raises(allocator.InputError, match="duplicate|differs only"):
        allocator.from_tables(_projects(project_id=["Cr\u00e9ches", second]))


def test_an_exclusive_group_is_one_group_whatever_its_case_and_spacing():
    problem = allocator.from_tables(_projects(exclusive_group=["Lot A", "lot a\u200b"]))
    assert list(problem.projects["exclusive_group"]) == ["Lot A", "Lot A"]
    result = allocator.optimise(problem, allocator.Scenario(budget=10e6), near_misses=0)
    assert int(result.allocation["funded"].sum()) == 1  # not both, though the money allows it


def test_a_requirement_spelt_decomposed_finds_its_project():
    problem = allocator.from_tables(_projects(project_id=["Cr\u00e9ches", "P2"],
                                              requires=[None, "Cre\u0301ches"]))
    assert problem.projects["requires"].iloc[1] == ("Cr\u00e9ches",)


@pytest.mark.parametrize("text", [
    'project_id,title,jobs\r\nP1,"a, b",1\r\n\r\nP2,"two\nlines",  2 \nP3\n"P""4",x,\n',
    "titre;;\nproject_id;title;jobs\nP1;é;1,5\nP2;;\n",
    "project_id,title\nP1,t,extra,cells\nP2,u\n",  # a row longer than the first: csv's reader
    "", "project_id\n",
])
def test_the_fast_csv_parser_reads_the_cells_csv_reads(text):
    """pandas' C parser (a million rows in seconds) and Python's csv reader find the same
    cells, once short rows are padded to the header's width as ``make_table`` pads them."""
    import csv
    import io

    from allocator.read.csv_folder import _cells
    delimiter = ";" if ";" in text.split("\n", 1)[0] else ","
    fast = _cells(text, delimiter)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    width = max((len(r) for r in rows), default=0)
    assert [list(r) + [""] * (width - len(r)) for r in fast] == \
        [r + [""] * (width - len(r)) for r in rows]
