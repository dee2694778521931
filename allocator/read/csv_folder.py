"""A folder of .csv files named like the sheets (or one of them), as Excel writes them: comma or
semicolon separated, UTF-8 or the encodings Excel uses."""
from __future__ import annotations

import csv
import io
from pathlib import Path

from allocator.core.findings import ERROR, Finding, InputError
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
        # a field may be as long as the file (a title pasted from a report): csv's 128 KB
        # default limit would stop the read
        csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
        try:
            grid = [list(row) for row in csv.reader(io.StringIO(text, newline=""),
                                                    delimiter=delimiter)]
        except csv.Error as exc:
            raise InputError([Finding(ERROR, f.name, f"cannot be read as CSV ({exc}); save it "
                                      "again from Excel as CSV UTF-8")]) from None
        tables[name] = make_table(sheet, f.name, grid, findings, text_cells=True,
                                  decimal_comma=delimiter == ";")
    return Workbook(str(folder), tables, tuple(findings), tuple(f.name for f in files))


def _decode(data: bytes) -> str:
    """CSV text: UTF-16 with its BOM ("Unicode text"), UTF-8 (with or without BOM), else
    cp1252 as Excel on Windows writes it."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace")
    head = data[:4096]
    if head.count(b"\x00") > len(head) // 4:  # no text has NULs: UTF-16 without its BOM
        return data.decode("utf-16-le" if head[1::2].count(0) > head[0::2].count(0)
                           else "utf-16-be", "replace")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")
