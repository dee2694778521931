"""The blank input workbook: every schema sheet, column, example and parameter, in a file that
Excel-compatible readers open as written."""
from __future__ import annotations

import shutil
import subprocess

import openpyxl
import pytest

from allocator.core import schema
from allocator.report.files import OutputError
from allocator.report.template import INSTRUCTIONS_SHEET, THEME_LABELS, write_template


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "input.xlsx"
    write_template(path)
    return path


@pytest.fixture(scope="module")
def book(template):
    return openpyxl.load_workbook(template)


def _headers(ws) -> list:
    return [c.value for c in next(ws.iter_rows(min_row=1, max_row=1))]


def _records(ws) -> list[dict]:
    rows = list(ws.iter_rows(min_row=1, values_only=True))
    return [dict(zip(rows[0], row)) for row in rows[1:] if any(v is not None for v in row)]


def _validations(ws) -> dict[str, list]:
    """Data validations by the header of the column they cover."""
    headers = _headers(ws)
    out: dict[str, list] = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            for col in range(rng.min_col, rng.max_col + 1):
                out.setdefault(headers[col - 1], []).append((dv, rng))
    return out


def test_sheets_in_order(book):
    names = [s.name for s in schema.SHEETS]
    assert book.sheetnames == [INSTRUCTIONS_SHEET, *names, schema.SCENARIOS_SHEET]


@pytest.mark.parametrize("sheet", schema.SHEETS, ids=lambda s: s.name)
def test_headers_comments_and_layout(book, sheet):
    ws = book[sheet.name]
    assert _headers(ws) == [c.name for c in sheet.columns]
    for cell, column in zip(ws[1], sheet.columns):
        assert cell.font.b, f"{sheet.name}!{cell.coordinate} not bold"
        assert cell.comment is not None, f"{sheet.name}!{cell.coordinate} has no comment"
        text = cell.comment.text
        assert column.help in text and column.expectation in text
        assert ("Required" in text) == column.required
        assert all(alias in text for alias in column.aliases)
        if column.unit:
            assert column.unit in text
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")


@pytest.mark.parametrize("sheet", [s for s in schema.SHEETS if s is not schema.THEMES],
                         ids=lambda s: s.name)
def test_example_rows_are_the_schema_examples(book, sheet):
    records = _records(book[sheet.name])
    assert len(records) == 3
    for i, record in enumerate(records):
        for column in sheet.columns:
            expected = column.example[i] if column.example else None
            assert record[column.name] == expected, (sheet.name, i, column.name)


def test_themes_sheet_lists_every_default_theme(book):
    records = _records(book[schema.THEMES.name])
    assert [r["theme"] for r in records] == list(schema.DEFAULT_THEMES)
    assert all(r["label"] == THEME_LABELS[r["theme"]] for r in records)
    # its first rows are the schema's examples
    for column in schema.THEMES.columns:
        assert [r[column.name] for r in records[:3]] == list(column.example)


def test_examples_agree_with_each_other(book):
    projects = _records(book["projects"])
    territories = {r["territory_id"]: r for r in _records(book["territories"])}
    regions = {r["region"] for r in _records(book["regions"])}
    themes = {r["theme"] for r in _records(book["themes"])}
    ids = {p["project_id"] for p in projects}
    assert len(ids) == len(projects)
    assert all(t["region"] in regions for t in territories.values())
    for p in projects:
        assert p["territory_id"] in territories
        assert p["theme"] in themes
        assert p["lock"] in (None, *schema.LOCKS)
        assert 0 < p["requested"] <= p["total_cost"]
        assert p["min_award"] is None or p["min_award"] <= p["requested"]
        if p["max_aid_rate"] is not None:
            assert p["requested"] <= p["max_aid_rate"] * p["total_cost"] + 1e-6
        for required in (p["requires"] or "").split(";"):
            assert not required.strip() or required.strip() in ids - {p["project_id"]}


def test_drop_downs(book):
    projects = _validations(book["projects"])
    territories = _validations(book["territories"])
    for by_column, column, sheet in ((projects, "theme", "themes"),
                                     (projects, "territory_id", "territories"),
                                     (territories, "region", "regions")):
        (dv, rng), = [(d, r) for d, r in by_column[column] if d.type == "list"]
        assert dv.formula1.replace("'", "").startswith(f"{sheet}!$A$2:$A$"), dv.formula1
        assert rng.min_row == 2 and 1000 <= rng.max_row < 1_048_576  # not whole columns
    (lock, _), = projects["lock"]
    assert lock.type == "list" and lock.formula1 == '"in,out"'
    (site, _), = projects["is_site"]
    assert site.type == "list" and {"oui", "non"} <= set(site.formula1.strip('"').split(","))


def test_numeric_bounds(book):
    for sheet in schema.SHEETS:
        validations = _validations(book[sheet.name])
        for column in sheet.columns:
            if column.kind not in (schema.NUMBER, schema.INTEGER):
                continue
            (dv, _), = validations[column.name]
            assert dv.type in ("decimal", "whole"), (sheet.name, column.name)
            if column.lo is not None:
                assert float(dv.formula1) == column.lo
                if column.hi is None:
                    assert dv.operator == "greaterThanOrEqual"
            if column.hi is not None:
                assert float(dv.formula2) == column.hi


def test_euro_format(book):
    for sheet in schema.SHEETS:
        ws = book[sheet.name]
        for i, column in enumerate(sheet.columns, start=1):
            dim = ws.column_dimensions[openpyxl.utils.get_column_letter(i)]
            assert dim.width and dim.width >= len(column.name)
            if column.unit == "€":
                for row in range(2, 5):
                    cell = ws.cell(row, i)
                    if cell.value is not None:
                        assert "€" in cell.number_format, (sheet.name, cell.coordinate)


def test_scenarios_sheet(book):
    ws = book[schema.SCENARIOS_SHEET]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("parameter", "default")
    assert ws.max_column == 2
    values = {name: value for name, value in rows[1:]}
    for p in schema.PARAMETERS:
        if p.family is None:
            assert p.name in values, p.name
            assert values[p.name] == (None if p.default == "" else p.default), p.name
    for outcome in schema.DEFAULT_OUTCOMES:
        assert values[f"weight.{outcome}"] == 1
    assert not any("<" in name for name in values)
    for name in values:
        assert schema.parameter(name) is not None, name


def test_instructions_cover_every_column_and_parameter(book):
    text = "\n".join(str(v) for row in book[INSTRUCTIONS_SHEET].iter_rows(values_only=True)
                     for v in row if v is not None)
    for sheet in schema.SHEETS:
        assert sheet.help in text
        for column in sheet.columns:
            assert column.help in text
        for pattern in sheet.patterns:
            assert pattern.template in text and pattern.help in text
    for p in schema.PARAMETERS:
        assert p.name in text and p.help in text


def test_no_formulas_anywhere(book):
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula"


def test_calamine_reads_it(template):
    calamine = pytest.importorskip("python_calamine")
    wb = calamine.CalamineWorkbook.from_path(str(template))
    assert wb.sheet_names[1:-1] == [s.name for s in schema.SHEETS]
    rows = wb.get_sheet_by_name("projects").to_python()
    assert rows[0] == [c.name for c in schema.PROJECTS.columns]
    assert rows[1][0] == schema.PROJECTS.columns[0].example[0]


def test_bad_folder_leaves_nothing(tmp_path):
    with pytest.raises(OutputError):
        write_template(tmp_path / "missing" / "t.xlsx")
    write_template(tmp_path / "t.xlsx")
    assert [p.name for p in tmp_path.iterdir()] == ["t.xlsx"]


@pytest.mark.skipif(not (shutil.which("libreoffice") or shutil.which("soffice")),
                    reason="LibreOffice (libreoffice/soffice) is not on PATH")
def test_libreoffice_opens_it(template, tmp_path):
    office = shutil.which("libreoffice") or shutil.which("soffice")
    profile = f"-env:UserInstallation=file://{tmp_path / 'profile'}"  # no clash with a running one
    for target in ("pdf", "xlsx"):
        out = tmp_path / target
        done = subprocess.run([office, profile, "--headless", "--convert-to", target,
                               "--outdir", str(out), str(template)],
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        result = out / f"{template.stem}.{target}"
        assert result.exists() and result.stat().st_size > 0, done.stdout + done.stderr
    assert openpyxl.load_workbook(tmp_path / "xlsx" / "input.xlsx").sheetnames == \
        openpyxl.load_workbook(template).sheetnames
