"""A folder of .csv files named like the sheets (or one of them), as Excel writes them: comma or
semicolon separated, UTF-8 or the encodings Excel uses."""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from allocator.core.findings import ERROR, WARNING, Finding, InputError
from allocator.core.lang import phrase
from allocator.core.schema import sheet_for
from allocator.read.tables import Table, Workbook, make_table


def read_csv_folder(folder: Path, given: Path | None = None) -> Workbook:
    """Every sheet of the folder, a file each. ``given``: the one file the user named; the
    other sheets beside it are read too (a scenario or caps left out would change the
    allocation silently), and a finding says so. Two files for one sheet (``projets.csv``
    beside ``projects.csv``) are an error, unless one is the file given."""
    findings: list[Finding] = []
    tables: dict[str, Table] = {}
    files = sorted(folder.glob("*.csv"), key=lambda f: f.name)
    sheets = {f: sheet for f in files if (sheet := sheet_for(f.stem)) is not None}
    by_sheet: dict[str, list[Path]] = {}
    for f, sheet in sheets.items():
        by_sheet.setdefault(sheet if isinstance(sheet, str) else sheet.name, []).append(f)
    if given is not None and sheet_for(given.stem) is None:
        raise InputError([Finding(ERROR, given.name, phrase("csv.name"))])
    chosen = []
    for name, found in by_sheet.items():
        if given is not None and given in found:
            chosen.append(given)
            findings += [Finding(WARNING, f.name, phrase("csv.not_read", file=given.name,
                                                         sheet=name)) for f in found if f != given]
        elif len(found) > 1:
            findings.append(Finding(ERROR, found[1].name, phrase("csv.twice", sheet=name,
                                                                 file=found[0].name)))
        else:
            chosen += found
    if given is not None and len(chosen) > 1:
        findings.append(Finding(WARNING, given.name, phrase(
            "csv.folder", files=", ".join(f.name for f in chosen if f != given))))
    for f in chosen:
        sheet = sheets[f]
        name = sheet if isinstance(sheet, str) else sheet.name
        data = f.read_bytes()
        text = _decode(data)
        if _mixed(data):
            findings.append(Finding(WARNING, f.name, phrase("csv.encodings")))
        first = text.split("\n", 1)[0]
        # Excel writes ',' or, in French, ';'; its "Unicode text" is tab-separated UTF-16
        delimiter = max(",;\t", key=first.count) if any(map(first.count, ";\t")) else ","
        # a field may be as long as the file (a title pasted from a report): csv's 128 KB
        # default limit would stop the read
        csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
        try:
            grid = _cells(text, delimiter)
        except csv.Error as exc:
            raise InputError([Finding(ERROR, f.name, phrase("csv.unreadable",
                                                            error=exc))]) from None
        tables[name] = make_table(sheet, f.name, grid, findings, text_cells=True,
                                  decimal_comma=delimiter == ";")
    return Workbook(str(folder), tables, tuple(findings), tuple(f.name for f in chosen))


def _cells(text: str, delimiter: str) -> np.ndarray | list[list[str]]:
    """The file's cells, as text: by pandas' C parser where no row is longer than the first
    (26 s → 4 s for 1,000,000 projects), else by ``csv``'s reader, which reads the same
    cells (a short row is padded with blanks either way, by the parser or ``make_table``)
    and keeps rows of any length for ``make_table`` to cut to the header's. Raises
    csv.Error."""
    try:
        return pd.read_csv(io.StringIO(text), sep=delimiter, header=None, dtype=str,
                           na_filter=False, skip_blank_lines=False, engine="c"
                           ).to_numpy(object)
    except (pd.errors.ParserError, pd.errors.EmptyDataError):
        return [list(row) for row in csv.reader(io.StringIO(text, newline=""),
                                                delimiter=delimiter)]


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


_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")


def _mixed(data: bytes) -> bool:
    """Whether text that is not UTF-8 as a whole holds UTF-8 sequences (é as C3 A9): a file
    pasted together from two sources, which no one encoding reads right."""
    try:
        data.decode("utf-8-sig")
        return False
    except UnicodeDecodeError:
        return _UTF8_SEQUENCE.search(data) is not None
