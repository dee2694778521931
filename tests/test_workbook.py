"""The result workbook as a reader sees it: a summary first, widths that fit the values, €
without cents, print setup, the allocation sorted and showing what each project offered; and
the formatting rules every output shares (core.format)."""
from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from allocator.core import format as fmt
from allocator.core.scenario import Scenario
from allocator.report import text
from allocator.report.workbook import write_budget_curve, write_result

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "scenarios" / "territoires-industrie.xlsx"


@pytest.fixture(scope="module")
def written(tmp_path_factory, balanced):
    path = tmp_path_factory.mktemp("workbook") / "result.xlsx"
    write_result(balanced, path)
    return balanced, path


@pytest.fixture(scope="module")
def book(written):
    return openpyxl.load_workbook(written[1])


@pytest.fixture(scope="module")
def inputs():
    return pd.read_excel(BUNDLED, sheet_name=None, engine="openpyxl")


def _frame(ws) -> pd.DataFrame:
    rows = list(ws.iter_rows(values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


def _column(ws, name: str) -> tuple[str, int]:
    headers = [c.value for c in ws[1]]
    j = headers.index(name) + 1
    return openpyxl.utils.get_column_letter(j), j


def test_summary_sheet_first_with_totals_status_gap_and_a_chart(written, book):
    result, _ = written
    assert book.sheetnames[0] == "summary"
    ws = book["summary"]
    cells = {r[0]: r[1] for r in ws.iter_rows(values_only=True) if r[0] is not None}
    assert cells["status"] == "optimal"
    assert cells["proven gap"] == fmt.percent(result.solution.gap)
    allocation = _frame(book["allocation"])
    assert cells["awarded"] == pytest.approx(allocation["award"].sum())
    assert cells["projects funded"] == f"{int(allocation['funded'].sum())} of {len(allocation)}"
    text = " ".join(str(v) for r in ws.iter_rows(values_only=True) for v in r if v is not None)
    assert "Transition écologique" in text  # the theme's label, not its code
    assert "ecological_transition" not in text
    assert len(ws._charts) == 1
    assert ws.page_setup.orientation == "landscape"


def test_fair_shares_add_up_and_follow_the_basis(written, inputs):
    result, _ = written
    regions = result.by_region.set_index("region")
    awarded = regions["awarded"].sum()
    assert regions["fair_share"].sum() == pytest.approx(awarded)
    places = inputs["territories"]
    places = places[places["territory_id"].isin(inputs["projects"]["territory_id"])]
    jobs = places.groupby("region")["industrial_jobs"].sum()
    expected = awarded * jobs / jobs.sum()
    assert np.allclose(regions["fair_share"].reindex(expected.index), expected)


@pytest.mark.parametrize("sheet, column", [("by_region", "region"), ("by_region", "awarded"),
                                           ("by_region", "requested"), ("by_theme", "label"),
                                           ("by_territory", "name"), ("allocation", "region"),
                                           ("allocation", "award"), ("allocation", "project_id")])
def test_widths_fit_the_longest_value(book, sheet, column):
    ws = book[sheet]
    letter, j = _column(ws, column)
    values = [c.value for c in next(ws.iter_cols(min_col=j, max_col=j, min_row=2))]
    shown = [fmt.show(v, fmt.EURO if column in ("awarded", "requested", "award") else None)
             for v in values]
    assert ws.column_dimensions[letter].width >= max(map(len, shown))


def test_long_text_wraps_within_a_capped_column(book):
    ws = book["allocation"]
    letter, j = _column(ws, "reason")
    width = ws.column_dimensions[letter].width
    longest = max(len(c.value or "") for c in next(ws.iter_cols(min_col=j, max_col=j,
                                                                 min_row=2)))
    assert longest > width >= 60
    assert ws[f"{letter}2"].alignment.wrap_text


@pytest.mark.parametrize("sheet, column", [("allocation", "award"), ("allocation", "requested"),
                                           ("allocation", "total_cost"),
                                           ("by_region", "awarded"), ("by_region", "fair_share"),
                                           ("by_theme", "awarded")])
def test_euros_without_cents(book, sheet, column):
    ws = book[sheet]
    letter, _ = _column(ws, column)
    number_format = ws[f"{letter}2"].number_format
    assert "€" in number_format and "." not in number_format


def test_shares_as_percent_and_counts_to_the_unit(book):
    ws = book["allocation"]
    assert ws[f"{_column(ws, 'share_of_request')[0]}2"].number_format == "0.0%"
    assert ws[f"{_column(ws, 'max_aid_rate')[0]}2"].number_format == "0.0%"
    assert ws[f"{_column(ws, 'jobs')[0]}2"].number_format == "#,##0"
    ws = book["by_region"]
    assert ws[f"{_column(ws, 'funded')[0]}2"].number_format == "#,##0"


@pytest.mark.parametrize("sheet", ["allocation", "by_region", "by_territory", "outcomes",
                                   "scenario"])
def test_print_setup_fits_the_width_and_repeats_the_header(book, sheet):
    ws = book[sheet]
    assert ws.page_setup.orientation == "landscape"
    # 1 page wide is the file format's default, which xlsxwriter leaves unwritten
    assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows.replace("$", "") == "1:1"
    assert ws.freeze_panes is not None and ws.freeze_panes[1] == "2"
    if sheet != "scenario":
        assert ws.auto_filter.ref


def test_allocation_sorted_funded_first_then_closest(book):
    frame = _frame(book["allocation"])
    rank = frame["status"].map({"funded": 0, "partly funded": 1, "not funded": 2})
    assert rank.is_monotonic_increasing
    assert (frame["funded"] == (rank < 2)).all()
    unfunded = frame[rank == 2]
    priced = unfunded["price_of_inclusion"].notna().to_numpy()
    # the near misses whose inclusion was priced come first, cheapest first
    assert priced.any() and not priced[np.argmin(priced):].any()
    assert unfunded["price_of_inclusion"].dropna().is_monotonic_increasing


def test_allocation_shows_what_each_project_offered(book, inputs):
    frame = _frame(book["allocation"]).set_index("project_id")
    projects = inputs["projects"].set_index("project_id").reindex(frame.index)
    for column in ("jobs", "skills", "innovation"):
        assert np.allclose(frame[f"{column}_offered"], projects[column])
    assert np.allclose(frame["total_cost"], projects["total_cost"])
    unfunded = frame[~frame["funded"].astype(bool)]
    assert (unfunded["jobs"] == 0).all() and (unfunded["jobs_offered"] > 0).sum() > 1000
    headers = list(frame.columns)
    assert headers.index("jobs_offered") + 1 == headers.index("jobs")  # side by side
    labels = dict(zip(inputs["themes"]["theme"], inputs["themes"]["label"]))
    assert (frame["theme_label"] == frame["theme"].map(labels)).all()


def test_status_colours_the_rows(book):
    ws = book["allocation"]
    rules = [r for rng in ws.conditional_formatting for r in rng.rules]
    texts = {f for r in rules for f in r.formula}
    assert {'$G2="funded"', '$G2="not funded"', '$G2="partly funded"'} <= texts
    assert _column(ws, "status")[0] == "G"


@pytest.mark.parametrize("value, kind, text", [
    (5e7, fmt.EURO, "€50 000 000"), (1234.56, fmt.EURO, "€1 235"), (466.0, fmt.COUNT, "466"),
    (823.58605, fmt.OUTCOME, "824"), (7.5, fmt.TENTHS, "7.5"),
    (0.5111729630382513, fmt.INDEX, "0.511"), (0.89, fmt.SHARE, "89.0%"),
    (-2.5e6, fmt.EURO, "−€2 500 000"), (2.5e6, fmt.MEUR, "€2.5M"), (float("nan"), fmt.EURO, ""),
    (None, fmt.COUNT, ""), (True, None, "yes")])
def test_show_rounds_each_kind_of_figure(value, kind, text):
    assert fmt.show(value, kind) == text


def test_excel_formats_say_what_show_says():
    assert "." not in fmt.excel_format(fmt.EURO) and "€" in fmt.excel_format(fmt.EURO)
    assert fmt.excel_format(fmt.SHARE).endswith("%")
    assert fmt.excel_format(fmt.INDEX) == "0.000"
    assert fmt.kind_of("awarded") == fmt.EURO and fmt.kind_of("Δ awarded") == fmt.EURO
    assert fmt.kind_of("jobs_offered", ("jobs",)) == fmt.OUTCOME
    assert fmt.kind_of("gini_territories") == fmt.INDEX
    assert fmt.kind_of("territories_covered") == fmt.SHARE
    assert fmt.kind_of("title") is None


def test_terminal_tables_read_as_the_workbook():
    frame = pd.DataFrame({"budget": [5e7, 1.2e8], "status": ["optimal", "optimal"],
                          "projects_funded": [466.0, 498.0], "jobs": [823.58605, 13898.2],
                          "gini_territories": [0.5111729630382513, 0.49],
                          "territories_covered": [0.89, 1.0], "gap": [7.6e-5, 0.0]})
    shown = text.table(frame)
    assert "5e+07" not in shown and "466.0" not in shown and "823.58" not in shown
    for figure in ("€50 000 000", "€120 000 000", "466", "824", "13 898", "0.511", "89.0%",
                   "0.0076%"):
        assert figure in shown
    lines = shown.splitlines()
    assert len({len(line) for line in lines}) == 1  # aligned: numbers right, text left
    assert lines[1].index("€50 000 000") + len("€50 000 000") == lines[2].index(
        "€120 000 000") + len("€120 000 000")


def test_budget_curve_chart_shows_the_euros_awarded_in_millions(tmp_path):
    curve = pd.DataFrame({"budget": [8e7, 1e8, 1.2e8], "status": ["optimal"] * 3,
                          "objective": [1.69, 1.94, 2.05], "awarded": [8e7, 1e8, 1.1e8]})
    path = tmp_path / "curve.xlsx"
    write_budget_curve(curve, Scenario(name="s"), path)
    with zipfile.ZipFile(path) as z:
        chart = z.read("xl/charts/chart1.xml").decode()
    assert chart.count("<c:ser>") == 2 and "budget_curve!$D$2:$D$4" in chart
    assert 'formatCode="&quot;€&quot;#,##0.0,,&quot;M&quot;"' in chart
    ws = openpyxl.load_workbook(path)["budget_curve"]
    assert ws["A4"].number_format == fmt.excel_format(fmt.EURO)
    assert ws.column_dimensions["A"].width >= len("€120 000 000")
