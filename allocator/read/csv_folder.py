"""A folder of .csv files named like the sheets (or one of them), as Excel writes them: comma or
semicolon separated, UTF-8 or the encodings Excel uses."""
from __future__ import annotations

from pathlib import Path

from allocator.core.findings import Finding
from allocator.core.schema import sheet_for
from allocator.read.tables import Table, Workbook, make_table


def read_csv_folder(folder: Path, only: Path | None = None) -> Workbook:
    findings: list[Finding] = []
    tables: dict[str, Table] = {}
    files = [only] if only else sorted(folder.glob("*.csv"), key=lambda f: f.name)
    for f in files:
        sheet = sheet_for(f.stem)
        if sheet is None:
            continue
        name = sheet if isinstance(sheet, str) else sheet.name
        text = _decode(f.read_bytes())
        first = text.split("\n", 1)[0]
        # Excel writes ',' or, in French, ';'; its "Unicode text" is tab-separated UTF-16
        delimiter = max(",;\t", key=first.count) if any(map(first.count, ";\t")) else ","
        import csv
        import io
        grid = [list(row) for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
        tables[name] = make_table(sheet, f.name, grid, findings, text_cells=True,
                              decimal_comma=delimiter == ";")
    return Workbook(str(folder), tables, tuple(findings), tuple(f.name for f in files))


def _decode(data: bytes) -> str:
    """CSV text: UTF-16 with its BOM ("Unicode text"), UTF-8 (with or without BOM), else
    cp1252 as Excel on Windows writes it."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")
