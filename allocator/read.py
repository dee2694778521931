"""Read an input workbook (.xlsx, or a folder of .csv files named like the sheets) into tables.

Reading only finds the sheets and their headers and keeps every cell as found, with its Excel
row; what the values mean is the validator's job. Headers are matched against the schema
ignoring case, accents and spacing, and through the aliases; extra columns are kept.

The .xlsx path checks the archive before any parser sees it (declared sizes, compression ratio,
DOCTYPE declarations, formula cells without a cached value, error cells), then reads the cells
with python-calamine, a Rust reader about 15 times faster than openpyxl on large sheets
(benchmarks/RESULTS.md).
"""
from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd

from .findings import ERROR, WARNING, Finding, InputError, column_letter
from .schema import SCENARIOS_SHEET, SHEETS, Sheet, normalise_header

# An .xlsx whose parts declare more than this, or inflate more than this ratio, is refused:
# a legitimate 100,000-project workbook is about 60 MB of XML at a ratio near 10.
MAX_UNCOMPRESSED = 1 << 30
MAX_RATIO = 200
HEADER_SEARCH_ROWS = 20


@dataclass(frozen=True)
class Table:
    """One sheet as found: cells as read, canonical column names, and where each cell was.

    ``frame`` holds the cells (object dtype) of the non-blank rows under the header; its
    columns are the schema's canonical names for recognised headers and the header text for
    extra columns. ``rows`` is the Excel row number of each frame row; ``headers`` maps each
    column to the header text the user wrote, ``letters`` to its Excel column letter.
    ``sheet`` is the canonical sheet name; ``source`` is the name the user gave it (the
    sheet's tab in an .xlsx, the file name of a CSV), which findings quote.
    """
    sheet: str
    source: str
    frame: pd.DataFrame
    rows: np.ndarray
    headers: dict[str, str]
    letters: dict[str, str]
    text_cells: bool = False  # True for CSV: every value arrives as text
    decimal_comma: bool = False  # a ';'-separated CSV, where 1234,5 is the file's convention

    def cell(self, column: str, position: int) -> str:
        return f"{self.letters[column]}{self.rows[position]}"


@dataclass(frozen=True)
class Workbook:
    """What was read: tables by canonical sheet name, and findings made while reading."""
    path: str
    tables: dict[str, Table]
    findings: tuple[Finding, ...] = ()
    sheet_names: tuple[str, ...] = field(default=())


def read_workbook(path: str | Path) -> Workbook:
    """Read an .xlsx file, a folder of .csv files or a Pabulib .pb file. Raises InputError."""
    p = Path(path)
    if not p.exists():
        raise InputError([Finding(ERROR, str(p), "no such file or folder")])
    if p.is_dir():
        return _read_csv_folder(p)
    suffix = p.suffix.lower()
    if suffix == ".csv":
        return _read_csv_folder(p.parent, only=p)
    if suffix == ".pb":  # a Pabulib participatory-budgeting election
        from .pabulib import read_pb
        return read_pb(p)
    if suffix in (".xls", ".ods", ".xlsb", ".numbers"):
        raise InputError([Finding(ERROR, p.name, f"{suffix} files are not supported: save the "
                                  "workbook as .xlsx (Excel Workbook) or as .csv files")])
    return _read_xlsx(p)


# ----------------------------------------------------------------------------- sheets by name

def _sheet_for(name: str) -> Sheet | str | None:
    key = normalise_header(name)
    for sheet in SHEETS:
        if key in {sheet.name, *map(normalise_header, sheet.aliases)}:
            return sheet
    if key == SCENARIOS_SHEET or key == "scenarios":
        return SCENARIOS_SHEET
    return None


def _column_index(sheet: Sheet) -> dict[str, str]:
    index = {}
    for column in sheet.columns:
        for alias in (column.name, *column.aliases):
            index.setdefault(normalise_header(alias), column.name)
    return index


def _table(sheet: Sheet | str, source: str, grid: list[list], findings: list[Finding],
           *, text_cells=False, decimal_comma=False) -> Table:
    """Locate the header row in a grid of cells and turn what lies below into a Table."""
    name = sheet if isinstance(sheet, str) else sheet.name
    index = {} if isinstance(sheet, str) else _column_index(sheet)
    header_at = 0
    if index:
        for r, row in enumerate(grid[:HEADER_SEARCH_ROWS]):
            if any(normalise_header(v) in index for v in row if isinstance(v, str) and v):
                header_at = r
                break
    header = grid[header_at] if grid else []
    columns, headers, letters, keep = [], {}, {}, []
    for j, raw in enumerate(header):
        text = "" if raw is None else str(raw).strip()
        if not text:
            continue
        canonical = index.get(normalise_header(text), text)
        if canonical in headers:
            findings.append(Finding(ERROR, source, f"duplicate header '{text}': column "
                                    f"{letters[canonical]} already holds '{headers[canonical]}'; "
                                    "rename or delete one of them",
                                    row=header_at + 1, column=text,
                                    cell=f"{column_letter(j)}{header_at + 1}", value=text))
            continue
        columns.append(canonical)
        headers[canonical] = text
        letters[canonical] = column_letter(j)
        keep.append(j)
    body = grid[header_at + 1:]
    width = len(header)
    if any(len(row) != width for row in body):
        body = [row + [""] * (width - len(row)) if len(row) < width else row[:width]
                for row in body]
    cells = np.array(body, dtype=object).reshape(len(body), width)
    cells = cells[:, keep] if keep else cells[:, :0]
    blank = _blank_cells(cells)
    filled = ~blank.all(axis=1) if cells.shape[1] else np.zeros(len(body), bool)
    rows = np.arange(header_at + 2, header_at + 2 + len(body))[filled]
    cells = cells[filled]
    cells[blank[filled]] = None
    frame = pd.DataFrame(cells, columns=columns, dtype=object)
    return Table(name, source, frame, rows, headers, letters, text_cells, decimal_comma)


def _blank_cells(cells: np.ndarray) -> np.ndarray:
    """Which cells of an object array are empty: None, NaN, or text of blanks only.

    Vectorised: a column's type is inferred in C, and only text cells are looked at one by
    one (by pandas' loop) for blanks such as ``"  "``.
    """
    blank = pd.isna(cells) | (cells == "")
    for j in range(cells.shape[1]):
        given = np.flatnonzero(~blank[:, j])
        values = cells[given, j]
        kind = pd.api.types.infer_dtype(values, skipna=False)
        if kind in ("floating", "integer", "mixed-integer-float", "boolean", "datetime",
                    "date", "time", "timedelta", "empty"):
            continue  # no text in this column
        if kind != "string":  # text among other values: find it
            text = np.frompyfunc(isinstance, 2, 1)(values, str).astype(bool)
            given, values = given[text], values[text]
        blank[given[pd.Series(values, dtype=object).str.isspace().to_numpy(bool)], j] = True
    return blank


# ----------------------------------------------------------------------------- .xlsx

def _read_xlsx(path: Path) -> Workbook:
    findings: list[Finding] = []
    marks = _inspect_archive(path)  # raises InputError on a file that must not be parsed
    from python_calamine import CalamineWorkbook  # imported late: a native reader
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own types for every malformed file
        raise InputError([Finding(ERROR, path.name, f"cannot be read as an Excel workbook "
                                  f"({exc}); save it again from Excel as .xlsx")]) from None
    tables: dict[str, Table] = {}
    for meta in book.sheets_metadata:
        sheet = _sheet_for(meta.name)
        if sheet is None:
            continue
        name = sheet if isinstance(sheet, str) else sheet.name
        if name in tables:
            findings.append(Finding(ERROR, meta.name, f"a second sheet for '{name}' "
                                    f"(already read from '{tables[name].source}'); keep one"))
            continue
        if str(meta.visible) != "SheetVisibleEnum.Visible":
            findings.append(Finding(WARNING, meta.name, "this sheet is hidden in Excel; it is "
                                    "read all the same"))
        grid = book.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
        table = _table(sheet, meta.name, grid, findings)
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
        letter, row = re.fullmatch(r"([A-Z]+)(\d+)", ref).groups()
        if letter not in by_letter or int(row) not in data_rows:
            continue
        column = by_letter[letter]
        if kind == "formula":
            message = ("formula cell with no saved value: open the workbook in Excel or "
                       "LibreOffice, let it recalculate, and save it")
        else:
            message = f"Excel error value {value}: fix the formula or type the value"
        out.append(Finding(ERROR, table.source, message, row=int(row),
                           column=table.headers[column], cell=ref, value=value or None))
    return out


def _ref_key(ref: str):
    letter, row = re.fullmatch(r"([A-Z]+)(\d+)", ref).groups()
    return int(row), len(letter), letter


_ERROR_CELL = re.compile(rb'<c r="([A-Z]+[0-9]+)"[^>]*?t="e"[^>]*>(?:<f[^>]*?(?:/>|>[^<]*</f>))?<v>([^<]*)</v>')
_FORMULA_NO_VALUE = re.compile(rb'<c r="([A-Z]+[0-9]+)"[^>]*>(?:<f[^>]*?(?:/>|>[^<]*</f>))(?:<v\s*/>|<v></v>|</c>)')


def _inspect_archive(path: Path) -> dict[str, dict[str, tuple[str, str]]]:
    """Refuse archives that would make a parser hang or exhaust memory; mark suspicious cells.

    Returns, per sheet name, the cells that are formulas with no cached value or error values.
    """
    name = path.name
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        with open(path, "rb") as f:
            head = f.read(8)
        hint = ("it looks like an old .xls or an encrypted (password-protected) workbook: "
                "remove the password and save as .xlsx") if head.startswith(b"\xd0\xcf\x11\xe0") \
            else "it is not an Excel .xlsx file (perhaps a CSV renamed .xlsx): save it as .xlsx"
        raise InputError([Finding(ERROR, name, f"cannot be opened: {hint}")]) from None
    with archive:
        infos = archive.infolist()
        declared = sum(i.file_size for i in infos)
        packed = max(1, sum(i.compress_size for i in infos))
        if declared > MAX_UNCOMPRESSED or declared / packed > MAX_RATIO and declared > 50 << 20:
            raise InputError([Finding(ERROR, name, f"refused: its parts would inflate to "
                                      f"{declared / 1e6:,.0f} MB from {packed / 1e6:,.1f} MB "
                                      "(a zip bomb, or not a workbook)")])
        names = {i.filename for i in infos}
        if "xl/workbook.xml" not in names:
            raise InputError([Finding(ERROR, name, "not an Excel workbook (no xl/workbook.xml); "
                                      "save it from Excel as .xlsx")])
        parts = {}
        for info in infos:
            if info.filename.endswith((".xml", ".rels")):
                data = archive.read(info)
                if _declares(data):
                    raise InputError([Finding(ERROR, name, f"refused: part {info.filename} "
                                              "declares a DOCTYPE or entities, which Excel never "
                                              "writes (an XML bomb?)")])
                parts[info.filename] = data
        sheets = _sheet_parts(parts)
        marks: dict[str, dict[str, tuple[str, str]]] = {}
        for sheet, part in sheets.items():
            data = parts.get(part, b"")
            found: dict[str, tuple[str, str]] = {}
            if b't="e"' in data:
                for m in _ERROR_CELL.finditer(data):
                    found[m.group(1).decode()] = ("error", m.group(2).decode(errors="replace"))
            if b"<f" in data:
                for m in _FORMULA_NO_VALUE.finditer(data):
                    found.setdefault(m.group(1).decode(), ("formula", ""))
            if found:
                marks[sheet] = found
        return marks


def _declares(data: bytes) -> bool:
    """Whether an XML part declares a DOCTYPE or entities, anywhere in it.

    Markup declarations all begin with ``<!``, which Excel writes nowhere (no comments, no
    CDATA): finding the few ``<!`` is a memchr scan, with no copy of a part of 100 MB.
    """
    at = data.find(b"<!")
    while at != -1:
        word = data[at + 2:at + 9].upper()
        if word.startswith((b"DOCTYPE", b"ENTITY")):
            return True
        at = data.find(b"<!", at + 2)
    return False


def _sheet_parts(parts: dict[str, bytes]) -> dict[str, str]:
    """Sheet name → path of its XML part inside the archive."""
    book = parts.get("xl/workbook.xml", b"").decode("utf-8", "replace")
    rels = parts.get("xl/_rels/workbook.xml.rels", b"").decode("utf-8", "replace")
    targets = {}
    for rel in re.finditer(r"<Relationship\b[^>]*>", rels):
        tag = rel.group(0)
        rid = re.search(r'\bId="([^"]+)"', tag)
        target = re.search(r'\bTarget="([^"]+)"', tag)
        if rid and target:
            t = target.group(1)
            targets[rid.group(1)] = t.lstrip("/") if t.startswith("/") else str(PurePosixPath("xl") / t)
    out = {}
    for sheet in re.finditer(r"<(?:\w+:)?sheet\b[^>]*>", book):
        tag = sheet.group(0)
        name = re.search(r'\bname="([^"]*)"', tag)
        rid = re.search(r'\b\w+:id="([^"]+)"', tag)
        if name and rid and rid.group(1) in targets:
            out[_unescape(name.group(1))] = targets[rid.group(1)]
    return out


def _unescape(s: str) -> str:
    return (s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&apos;", "'").replace("&amp;", "&"))


# ----------------------------------------------------------------------------- frames

def from_frames(frames: dict[str, pd.DataFrame], source: str = "frames") -> Workbook:
    """Tables from pandas frames keyed by sheet name, for Python users and tests.

    Row numbers are those the frames would have in a workbook written with one header row.
    """
    findings: list[Finding] = []
    tables = {}
    for name, frame in frames.items():
        sheet = _sheet_for(name)
        if sheet is None or frame is None:
            continue
        frame = frame.astype(object).where(frame.notna(), None)
        grid = [list(map(str, frame.columns))] + frame.values.tolist()
        table = _table(sheet, name, grid, findings)
        tables[table.sheet] = table
    return Workbook(source, tables, tuple(findings), tuple(frames))


# ----------------------------------------------------------------------------- .csv

def _read_csv_folder(folder: Path, only: Path | None = None) -> Workbook:
    findings: list[Finding] = []
    tables: dict[str, Table] = {}
    files = [only] if only else sorted(folder.glob("*.csv"), key=lambda f: f.name)
    for f in files:
        sheet = _sheet_for(f.stem)
        if sheet is None:
            continue
        name = sheet if isinstance(sheet, str) else sheet.name
        text = _decode(f.read_bytes())
        first = text.split("\n", 1)[0]
        delimiter = ";" if first.count(";") > first.count(",") else ","
        import csv
        import io
        grid = [list(row) for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
        tables[name] = _table(sheet, f.name, grid, findings, text_cells=True,
                              decimal_comma=delimiter == ";")
    return Workbook(str(folder), tables, tuple(findings), tuple(f.name for f in files))


def _decode(data: bytes) -> str:
    """CSV text: UTF-8 (with or without BOM), else cp1252 as Excel on Windows writes it."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")
