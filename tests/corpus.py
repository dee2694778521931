"""The bad-input corpus: a small valid workbook and one mutation per validation rule.

``base()`` is a valid input (2 regions, 3 territories, 6 projects, one scenario) as plain grids:
sheet name → list of rows, the first row the header, so that Excel row ``r`` is ``grid[r - 1]``.
Each ``Case`` mutates one thing and says the findings it must produce: severity, sheet, Excel
row, column header as written and a fragment of the message. ``write(grids, folder, fmt)``
writes the grids as an .xlsx (openpyxl) or as a folder of .csv files (',' or ';' separated).

    python tests/corpus.py OUT   # writes every case, in every format, under OUT for a look
"""
from __future__ import annotations

import copy
import csv
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import openpyxl

FORMATS = ("xlsx", "csv", "csv;")  # an .xlsx; .csv files separated by ',' or by ';'

PROJECT_HEADER = ["project_id", "territory_id", "title", "theme", "total_cost", "requested",
                  "min_award", "max_aid_rate", "jobs", "skills", "innovation", "is_site",
                  "net_artificialised_ha", "requires", "exclusive_group", "lock"]


def base() -> dict[str, list[list]]:
    """The valid base input; a fresh copy each call."""
    return copy.deepcopy({
        "projects": [
            PROJECT_HEADER,
            # Excel row 2 … 7
            ["P-0001", "ti-1", "Plateforme hydrogène", "ecological_transition", 1_000_000,
             300_000, None, 0.5, 20, 5, 7, "non", 0, None, None, None],
            ["P-0002", "ti-1", "Centre de formation", "skills_recruitment", 2_000_000, 400_000,
             200_000, 0.3, 5, 120, 3, "non", 0, None, None, None],
            ["P-0003", "ti-2", "Friche Nord", "industrial_land", 500_000, 100_000, None, 0.4,
             12, 0, 2, "oui", -4.5, "P-0002", None, None],
            ["P-0004", "ti-2", "Atelier robotique", "innovation", 800_000, 200_000, 100_000,
             0.5, 8, 10, 9, "non", 0, None, "G1", None],
            ["P-0005", "ti-3", "Halle de production", "attractiveness", 1_500_000, 300_000,
             None, None, 30, 15, 4, "non", 1.5, None, "G1", None],
            ["P-0006", "ti-3", "Ligne de recyclage", "ecological_transition", 600_000,
             150_000, None, 0.25, 6, 2, 5, "non", 0, None, None, "in"],
        ],
        "territories": [
            ["territory_id", "name", "region", "department", "population", "industrial_jobs"],
            ["ti-1", "Bassin d'Alès", "Occitanie", "30", 80_000, 9_000],
            ["ti-2", "Tarbes-Lourdes", "Occitanie", "65", 95_000, 7_000],
            ["ti-3", "Lannion", "Bretagne", "22", 60_000, 5_000],
        ],
        "regions": [
            ["region", "code", "floor", "cap"],
            ["Occitanie", "76", None, 2_000_000],
            ["Bretagne", "53", None, None],
        ],
        "scenarios": [
            ["parameter", "base"],
            ["budget", 1_000_000],   # row 2
            ["weight.jobs", 2],      # row 3
            ["gap", 0.001],          # row 4
        ],
    })


# ----------------------------------------------------------------------------- mutations

def col(grids, sheet: str, header: str) -> int:
    return grids[sheet][0].index(header)


def set_cell(grids, sheet: str, row: int, header: str, value) -> None:
    """Set the cell of Excel row ``row`` under ``header``."""
    grids[sheet][row - 1][col(grids, sheet, header)] = value


def set_column(grids, sheet: str, header: str, values) -> None:
    j = col(grids, sheet, header)
    for row, v in zip(grids[sheet][1:], values):
        row[j] = v


def rename(grids, sheet: str, old: str, new: str) -> None:
    grids[sheet][0][col(grids, sheet, old)] = new


def drop_column(grids, sheet: str, header: str) -> None:
    j = col(grids, sheet, header)
    for row in grids[sheet]:
        del row[j]


def add_column(grids, sheet: str, header: str, values) -> None:
    grids[sheet][0].append(header)
    for row, v in zip(grids[sheet][1:], values):
        row.append(v)


# ----------------------------------------------------------------------------- writing

def write(grids: dict[str, list[list]], folder: Path, fmt: str) -> Path:
    """Write the grids in one of FORMATS under ``folder``; the path to give ``allocator.load``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if fmt == "xlsx":
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        for name, grid in grids.items():
            ws = wb.create_sheet(name)
            for row in grid:
                ws.append(row)
        path = folder / "input.xlsx"
        wb.save(path)
        return path
    delimiter = ";" if fmt == "csv;" else ","
    path = folder / "input"
    path.mkdir(exist_ok=True)
    for name, grid in grids.items():
        with open(path / f"{name}.csv", "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, delimiter=delimiter)
            for row in grid:
                w.writerow(["" if v is None else v for v in row])
    return path


def sheet_label(sheet: str, fmt: str) -> str:
    """How findings name a sheet: the sheet's name in an .xlsx, the file name for a CSV."""
    return sheet if fmt == "xlsx" else f"{sheet}.csv"


# ----------------------------------------------------------------------------- cases

@dataclass(frozen=True)
class Expect:
    """One finding a case must produce. ``column`` is the header as written (None: none)."""
    severity: str
    sheet: str
    row: int | None
    column: str | None
    fragment: str
    whole_sheet: bool = False  # the sheet is named as such, whatever the format (no file)


@dataclass(frozen=True)
class Case:
    id: str
    rule: str
    mutate: Callable[[dict], None]
    expect: tuple[Expect, ...] = ()  # exactly these findings (errors and warnings)
    formats: tuple[str, ...] = FORMATS
    by_format: dict = field(default_factory=dict)  # fmt → expect, where formats differ
    check: Callable | None = None  # check(problem, fmt) for accepted inputs

    def expected(self, fmt: str) -> tuple[Expect, ...]:
        return self.by_format.get(fmt, self.expect)


def E(sheet, row, column, fragment, **kw) -> Expect:
    return Expect("error", sheet, row, column, fragment, **kw)


def W(sheet, row, column, fragment, **kw) -> Expect:
    return Expect("warning", sheet, row, column, fragment, **kw)


def _check_requires(project: str, required: str):
    def check(problem, fmt):
        p = problem.projects.set_index("project_id")
        assert list(p.loc[project, "requires"]) == [required], p.loc[project, "requires"]
    return check


def _m(*steps):
    """A mutation made of steps (functions of the grids)."""
    def mutate(grids):
        for step in steps:
            step(grids)
    return mutate


def cell(sheet, row, header, value):
    return lambda g: set_cell(g, sheet, row, header, value)


def _delete_sheet(name):
    return lambda g: g.pop(name)


def _empty_projects(g):
    del g["projects"][1:]


# check functions for accepted inputs -------------------------------------------------------

def _check_booleans(values):
    def check(problem, fmt):
        assert problem.projects["is_site"].tolist() == values
    return check


def _check_french(problem, fmt):
    p = problem.projects
    assert p.loc[0, "total_cost"] == 1_234_567.5
    assert p.loc[1, "jobs"] == 1234.5
    assert p.loc[2, "requested"] == 100_000


def _check_as_text(problem, fmt):
    assert problem.projects.loc[2, "requested"] == 100_000


def _check_free(problem, fmt):
    p = problem.projects.set_index("project_id")
    assert p.loc["P-0003", "requested"] == 0 and p.loc["P-0003", "max_award"] == 0
    assert not p.loc["P-0003", "partial"]


def _check_locks(problem, fmt):
    assert problem.projects["lock"].tolist() == ["out", "", "", "", "", "in"]


def _check_aliases(problem, fmt):
    p = problem.projects
    assert p["project_id"].tolist() == [f"P-000{i}" for i in range(1, 7)]
    assert p["total_cost"].tolist()[:2] == [1_000_000, 2_000_000]
    assert p["jobs"].tolist() == [20, 5, 12, 8, 30, 6]
    assert p["requested"].iloc[0] == 300_000
    assert p["territory_id"].iloc[0] == "ti-1"
    assert p["is_site"].tolist() == [False, False, True, False, False, False]
    assert problem.territories["name"].iloc[0] == "Bassin d'Alès"
    assert "Coût total (€)" not in p and "Emplois créés" not in p


def _check_extras(problem, fmt):
    p = problem.projects
    assert problem.extra_columns == ("note", "Référence interne", "co2_avoided")
    assert [v if isinstance(v, str) else None for v in p["note"]] == \
        ["à revoir", None, None, None, None, "urgent"]
    assert p["Référence interne"].tolist() == ["A1", "A2", "A3", "A4", "A5", "A6"]
    # a column of numbers is a possible outcome: floats, blanks as 0, in every format
    assert "co2_avoided" in problem.outcomes
    assert p["co2_avoided"].dtype == float
    assert p["co2_avoided"].tolist() == [10, 0, 3.5, 0, 1, 2]


def _check_weighted_extra(problem, fmt):
    p = problem.projects
    assert p["co2_avoided"].dtype == float  # weighted: parsed as a number
    assert p["co2_avoided"].tolist() == [10, 0, 3.5, 0, 1, 2]
    assert problem.scenario("base").weights["co2_avoided"] == 0.5


def _five_errors(g):
    set_cell(g, "projects", 7, "total_cost", -5)
    set_cell(g, "projects", 2, "territory_id", "ti-9")
    set_cell(g, "projects", 3, "lock", "maybe")
    set_cell(g, "territories", 4, "region", "Narnia")
    g["scenarios"][2][0] = "wieght.jobs"


CASES = (
    Case("missing_sheet", "missing sheet (projects)", _delete_sheet("projects"),
         (E("projects", None, None, "missing sheet 'projects'", whole_sheet=True),)),
    Case("missing_column", "missing required column", lambda g: drop_column(g, "projects", "title"),
         (E("projects", None, "title", "missing required column 'title'"),)),
    Case("duplicate_header", "duplicate headers",
         lambda g: add_column(g, "projects", "Coût total", [1] * 6),
         (E("projects", 1, "Coût total", "duplicate header 'Coût total': column E already "
            "holds 'total_cost'"),)),
    Case("text_in_number", "text in a number column", cell("projects", 4, "jobs", "beaucoup"),
         (E("projects", 4, "jobs", "found 'beaucoup': expected a number ≥ 0"),)),
    Case("text_in_required_number", "text in a required number column",
         cell("projects", 5, "requested", "n/a"),
         (E("projects", 5, "requested", "found 'n/a': expected a number ≥ 0"),)),
    Case("booleans", "booleans as yes/no/oui/non/x",
         lambda g: set_column(g, "projects", "is_site", ["yes", "non", "oui", "no", "x", None]),
         check=_check_booleans([True, False, True, False, True, False])),
    Case("booleans_digits", "booleans as 1/0 and other spellings",
         lambda g: set_column(g, "projects", "is_site", ["1", "0", " Oui ", "NON", "X", "Yes"]),
         check=_check_booleans([True, False, True, False, True, True])),
    Case("booleans_numbers", "booleans as numbers and true/false cells (xlsx)",
         lambda g: set_column(g, "projects", "is_site", [1, 0, True, False, 1.0, None]),
         formats=("xlsx",), check=_check_booleans([True, False, True, False, True, False])),
    Case("bad_boolean", "boolean column with another word",
         cell("projects", 6, "is_site", "peut-être"),
         (E("projects", 6, "is_site", "found 'peut-être': expected yes/no"),)),
    Case("blank_text", "cells of spaces only are empty",
         _m(cell("projects", 2, "min_award", "   "), cell("projects", 3, "title", " \t "),
            cell("projects", 4, "requires", "  ")),
         (E("projects", 3, "title", "empty: expected text"),)),
    Case("french_numbers", "numbers written in French format",
         _m(cell("projects", 2, "total_cost", "1 234 567,5"),
            cell("projects", 3, "jobs", "1 234,5")),
         (W("projects", 2, "total_cost", "number written in French format ('1 234 567,5'); "
            "read as 1 234 567.5"),
          W("projects", 3, "jobs", "number written in French format ('1 234,5'); read as "
            "1 234.5")),
         # in a ';'-separated CSV the decimal comma is the file's own convention: no warning
         by_format={"csv;": ()}, check=_check_french),
    Case("number_as_text", "numbers stored as text",
         cell("projects", 4, "requested", "100000"),
         (W("projects", 4, "requested", "number stored as text ('100000'); read as 100 000"),),
         by_format={"csv": (), "csv;": ()},  # in a CSV every number is text
         check=_check_as_text),
    Case("negative_cost", "negative cost (the issue's acceptance case)",
         cell("projects", 7, "total_cost", -600_000),
         (E("projects", 7, "total_cost", "found -600 000: expected a number ≥ 0"),)),
    Case("zero_cost", "zero cost below the request", cell("projects", 3, "total_cost", 0),
         (E("projects", 3, "requested", "requested (400 000) exceeds total_cost (0)"),
          E("projects", 3, "max_aid_rate", "max_aid_rate 0.3 × total_cost allows at most 0, "
            "less than min_award (200 000)"))),
    Case("zero_requested", "zero request: a project that costs the envelope nothing",
         cell("projects", 4, "requested", 0), check=_check_free),
    Case("requested_above_cost", "requested > total_cost",
         cell("projects", 5, "requested", 900_000),
         (E("projects", 5, "requested", "requested (900 000) exceeds total_cost (800 000)"),)),
    Case("min_above_requested", "min_award > requested",
         cell("projects", 3, "min_award", 500_000),
         (E("projects", 3, "min_award", "min_award (500 000) exceeds requested (400 000)"),)),
    Case("rate_above_one", "max_aid_rate > 1", cell("projects", 2, "max_aid_rate", 1.5),
         (E("projects", 2, "max_aid_rate", "found 1.5: expected a number between 0 and 1"),)),
    Case("rate_negative", "max_aid_rate < 0", cell("projects", 7, "max_aid_rate", -0.1),
         (E("projects", 7, "max_aid_rate", "found -0.1: expected a number between 0 and 1"),)),
    Case("rate_below_min_award", "max_aid_rate too small to allow min_award",
         cell("projects", 5, "max_aid_rate", 0.1),
         (E("projects", 5, "max_aid_rate", "max_aid_rate 0.1 × total_cost allows at most "
            "80 000, less than min_award (100 000)"),)),
    Case("rate_caps_request", "max_aid_rate below requested / total_cost (a warning)",
         cell("projects", 2, "max_aid_rate", 0.2),
         (W("projects", 2, "max_aid_rate", "the award is capped at 200 000"),)),
    Case("duplicate_id", "duplicate project ids", cell("projects", 7, "project_id", "P-0005"),
         (E("projects", 7, "project_id", "'P-0005' is a duplicate of row 6"),)),
    Case("id_case_spaces", "ids differing only by case or spaces",
         _m(cell("projects", 5, "project_id", "p-0002"),
            cell("projects", 6, "project_id", "P- 0003")),
         (E("projects", 5, "project_id", "'p-0002' differs only by case, spaces or width from "
            "'P-0002' on row 3"),
          E("projects", 6, "project_id", "'P- 0003' differs only by case, spaces or width from "
            "'P-0003' on row 4"))),
    Case("unknown_territory", "unknown territory", cell("projects", 6, "territory_id", "ti-9"),
         (E("projects", 6, "territory_id", "unknown territory 'ti-9'"),)),
    Case("unknown_region", "unknown region", cell("territories", 3, "region", "Occitania"),
         (E("territories", 3, "region", "unknown region 'Occitania'"),)),
    Case("requires_unknown", "requires names an unknown project",
         cell("projects", 2, "requires", "P-0003; P-0099"),
         (E("projects", 2, "requires", "requires unknown project 'P-0099'"),)),
    Case("requires_cycle", "requires forms a cycle", cell("projects", 3, "requires", "P-0003"),
         (E("projects", 3, "requires", "requirements form a cycle: P-0002 → P-0003 → P-0002"),)),
    Case("requires_self", "a project requiring itself", cell("projects", 5, "requires", "P-0004"),
         (E("projects", 5, "requires", "project 'P-0004' requires itself"),)),
    Case("bad_lock", "lock other than in/out", cell("projects", 4, "lock", "maybe"),
         (E("projects", 4, "lock", "'maybe' is not allowed: expected one of in, out"),)),
    Case("lock_case", "lock in capitals is accepted",
         _m(cell("projects", 2, "lock", "OUT"), cell("projects", 7, "lock", " In ")),
         check=_check_locks),
    Case("unknown_theme", "unknown theme", cell("projects", 6, "theme", "space"),
         (E("projects", 6, "theme", "unknown theme 'space'"),)),
    Case("empty_projects", "empty projects sheet", _empty_projects,
         (E("projects", None, None, "no projects: the sheet has a header but no rows"),)),
    Case("scenario_unknown_parameter", "scenario parameter unknown",
         lambda g: g["scenarios"][2].__setitem__(0, "wieght.jobs"),
         (E("scenarios", 3, "base", "scenario 'base', parameter 'wieght.jobs': unknown "
            "parameter"),)),
    Case("scenario_unknown_outcome", "scenario weight of an unknown outcome",
         lambda g: g["scenarios"][2].__setitem__(0, "weight.jobz"),
         (E("scenarios", 3, "base", "unknown outcome 'jobz'"),)),
    Case("scenario_out_of_range", "scenario parameter out of range",
         lambda g: g["scenarios"][3].__setitem__(1, 2),
         (E("scenarios", 4, "base", "scenario 'base', parameter 'gap': 2 is out of range "
            "(expected between 0 and 1)"),)),
    Case("scenario_not_a_number", "scenario parameter that is not a number",
         lambda g: g["scenarios"][1].__setitem__(1, "cent millions"),
         (E("scenarios", 2, "base", "parameter 'budget': 'cent millions' is not a number"),)),
    Case("formula_no_value", "formula cell without a cached value",
         cell("projects", 4, "jobs", "=2*6"),
         (E("projects", 4, "jobs", "formula cell with no saved value"),), formats=("xlsx",)),
    Case("header_aliases", "French aliases, accents, case and spaces in headers",
         _m(lambda g: rename(g, "projects", "total_cost", "Coût total (€)"),
            lambda g: rename(g, "projects", "jobs", "Emplois créés"),
            lambda g: rename(g, "projects", "project_id", " PROJECT_ID "),
            lambda g: rename(g, "projects", "requested", "Montant  demandé"),
            lambda g: rename(g, "projects", "territory_id", "Territoire"),
            lambda g: rename(g, "projects", "is_site", "Site clés en main"),
            lambda g: rename(g, "territories", "name", "NOM")),
         check=_check_aliases),
    Case("alias_in_finding", "a finding names the header as the user wrote it",
         _m(cell("projects", 7, "total_cost", -1),
            lambda g: rename(g, "projects", "total_cost", "Coût total (€)")),
         (E("projects", 7, "Coût total (€)", "found -1: expected a number ≥ 0"),)),
    Case("extra_columns", "extra columns kept in problem.projects",
         _m(lambda g: add_column(g, "projects", "note", ["à revoir", None, None, None, None,
                                                         "urgent"]),
            lambda g: add_column(g, "projects", "Référence interne",
                                 ["A1", "A2", "A3", "A4", "A5", "A6"]),
            lambda g: add_column(g, "projects", "co2_avoided", [10, None, 3.5, 0, 1, 2])),
         check=_check_extras),
    Case("weighted_extra", "an extra column weighted by the scenario becomes an outcome",
         _m(lambda g: add_column(g, "projects", "co2_avoided", [10, None, 3.5, 0, 1, 2]),
            lambda g: g["scenarios"].append(["weight.co2_avoided", 0.5])),
         check=_check_weighted_extra),
    Case("weighted_text_extra", "a weighted extra column must hold numbers",
         _m(lambda g: add_column(g, "projects", "co2_avoided", [10, None, "beaucoup", 0, 1, 2]),
            lambda g: g["scenarios"].append(["weight.co2_avoided", 0.5])),
         (E("projects", 4, "co2_avoided", "found 'beaucoup': expected a number"),)),
    # ids a person reads as one: never two projects, never silently
    Case("id_full_width", "an id typed in full-width characters is the same id",
         cell("projects", 4, "project_id", "\uff30-0001"),
         (E("projects", 4, "project_id", "'\uff30-0001' differs only by case, spaces or width "
            "from 'P-0001' on row 2"),)),
    Case("id_direction_mark", "a text-direction override in an id is invisible",
         cell("projects", 4, "project_id", "P-0001\u202e"),
         (E("projects", 4, "project_id", "'P-0001' is a duplicate of row 2"),)),
    Case("requires_invisible_mark", "a required id pasted with a direction mark is found",
         cell("projects", 4, "requires", "\u200fP-0002"), check=_check_requires("P-0003",
                                                                                "P-0002")),
    Case("all_at_once", "all findings reported at once", _five_errors,
         (E("projects", 7, "total_cost", "found -5: expected a number ≥ 0"),
          E("projects", 2, "territory_id", "unknown territory 'ti-9'"),
          E("projects", 3, "lock", "'maybe' is not allowed"),
          E("territories", 4, "region", "unknown region 'Narnia'"),
          E("scenarios", 3, "base", "parameter 'wieght.jobs': unknown parameter"))),
)


def main(argv=None) -> int:
    out = Path((argv or sys.argv[1:] or ["corpus"])[0])
    for case in CASES:
        for fmt in case.formats:
            grids = base()
            case.mutate(grids)
            write(grids, out / case.id / fmt.replace(";", "-semicolon"), fmt)
    print(f"wrote {len(CASES)} cases under {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
