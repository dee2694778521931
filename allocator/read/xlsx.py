"""An .xlsx workbook: the archive checked (``archive``), then every input sheet read with
python-calamine, a Rust reader about 15 times faster than openpyxl on large sheets
(benchmarks/RESULTS.md)."""
from __future__ import annotations

import re
from pathlib import Path

from allocator.core.findings import ERROR, WARNING, Finding
from allocator.core.lang import phrase
from allocator.core.schema import sheet_for
from allocator.read.archive import inspect_archive, native_reader
from allocator.read.tables import Table, Workbook, make_table


def read_xlsx(path: Path) -> Workbook:
    findings: list[Finding] = []
    marks = inspect_archive(path)  # raises InputError on a file that must not be parsed
    from python_calamine import CalamineWorkbook  # imported late: a native reader
    with native_reader(path):
        book = CalamineWorkbook.from_path(str(path))
    tables: dict[str, Table] = {}
    for meta in book.sheets_metadata:
        sheet = sheet_for(meta.name)
        if sheet is None:
            continue
        name = sheet if isinstance(sheet, str) else sheet.name
        if name in tables:
            findings.append(Finding(ERROR, meta.name, phrase("sheet.twice", sheet=name,
                                                             source=tables[name].source)))
            continue
        if str(meta.visible) != "SheetVisibleEnum.Visible":
            findings.append(Finding(WARNING, meta.name, phrase("sheet.hidden")))
        with native_reader(path):
            grid = book.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
        table = make_table(sheet, meta.name, grid, findings)
        findings.extend(_cell_marks(table, marks.get(meta.name, {})))
        tables[name] = table
    return Workbook(str(path), tables, tuple(findings), tuple(book.sheet_names))


def _cell_marks(table: Table, marks: dict[str, tuple[str, str]]) -> list[Finding]:
    """Findings for formula cells without a cached value and error cells inside the table."""
    if not marks:
        return []
    by_letter = {letter: col for col, letter in table.letters.items()}
    data_rows = set(table.rows.tolist())
    out = []
    for ref, (kind, value) in sorted(marks.items(), key=lambda kv: _ref_key(kv[0])):
        letter, row = _split_ref(ref)
        if letter not in by_letter or int(row) not in data_rows:
            continue
        column = by_letter[letter]
        if kind == "formula":
            message = phrase("cell.formula")
        elif kind == "nan":
            message = phrase("cell.nan", given=value)
        else:
            message = phrase("cell.excel_error", given=value)
        out.append(Finding(ERROR, table.source, message, row=int(row),
                           column=table.headers[column], cell=ref, value=value or None))
    return out


def _ref_key(ref: str):
    letter, row = _split_ref(ref)
    return int(row), len(letter), letter


def _split_ref(ref: str) -> tuple[str, str]:
    """A cell reference's column letters and row number (``archive`` reads only such refs)."""
    match = re.fullmatch(r"([A-Z]+)(\d+)", ref)
    assert match is not None
    return match.group(1), match.group(2)
