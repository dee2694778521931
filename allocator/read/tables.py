"""Tables as read: a grid of cells under its header, each cell kept as found with its Excel row.

Reading only finds the sheets and their headers; what the values mean is the validator's job.
Headers are matched against the schema ignoring case, accents and spacing, and through the
aliases; extra columns are kept.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, cast

import numpy as np
import pandas as pd

from allocator.core.ballots import Ballots
from allocator.core.findings import ERROR, WARNING, Finding, column_letter
from allocator.core.lang import phrase
from allocator.core.schema import Sheet, normalise_header, sheet_for

HEADER_SEARCH_ROWS = 20
MAX_HEADER_ROW = 1000  # below this, a table has no header


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
    ballots: Ballots | None = None  # a Pabulib file's VOTES section


# ----------------------------------------------------------------------------- sheets by name


def _column_index(sheet: Sheet) -> dict[str, str]:
    index: dict[str, str] = {}
    for column in sheet.columns:
        for alias in (column.name, *column.aliases):
            index.setdefault(normalise_header(alias), column.name)
    return index


def make_table(sheet: Sheet | str, source: str, grid: list[list] | np.ndarray,
               findings: list[Finding], *, text_cells=False, decimal_comma=False) -> Table:
    """Locate the header row in a grid of cells (rows of any length, or an array of cells)
    and turn what lies below into a Table."""
    name = sheet if isinstance(sheet, str) else sheet.name
    index = {} if isinstance(sheet, str) else _column_index(sheet)
    header_at = 0
    if index:
        found = _header_row(grid, index)
        if found is not None:
            header_at = found
            if found >= HEADER_SEARCH_ROWS:
                findings.append(Finding(WARNING, source, phrase("header.below", row=found + 1),
                                        row=found + 1))
    header = list(grid[header_at]) if len(grid) else []
    columns, keep, nameless = [], [], []
    headers: dict[str, str] = {}
    letters: dict[str, str] = {}
    for j, raw in enumerate(header):
        text = "" if raw is None else str(raw).strip()
        if not text:
            nameless.append(j)
            continue
        canonical = index.get(normalise_header(text), text)
        if canonical in headers:
            findings.append(Finding(ERROR, source, phrase("header.twice", given=text,
                                                          letter=letters[canonical],
                                                          header=headers[canonical]),
                                    row=header_at + 1, column=text,
                                    cell=f"{column_letter(j)}{header_at + 1}", value=text))
            continue
        columns.append(canonical)
        headers[canonical] = text
        letters[canonical] = column_letter(j)
        keep.append(j)
    body = grid[header_at + 1:]
    width = len(header)
    if not isinstance(body, np.ndarray) and any(len(row) != width for row in body):
        body = [row + [""] * (width - len(row)) if len(row) < width else row[:width]
                for row in body]
    cells = np.array(body, dtype=object).reshape(len(body), width)
    if nameless and len(body):
        # a header cell merged across two columns leaves the second without a header: its
        # values would be dropped without a word
        filled_under = ~_blank_cells(cells[:, nameless]).all(axis=0)
        for j in np.asarray(nameless)[filled_under]:
            findings.append(Finding(WARNING, source, phrase("header.none",
                                                            letter=column_letter(j)),
                                    row=header_at + 1,
                                    cell=f"{column_letter(j)}{header_at + 1}"))
    cells = cells[:, keep] if keep else cells[:, :0]
    blank = _blank_cells(cells)
    filled = ~blank.all(axis=1) if cells.shape[1] else np.zeros(len(body), bool)
    rows = np.arange(header_at + 2, header_at + 2 + len(body))[filled]
    cells = cells[filled]
    cells[blank[filled]] = None
    frame = pd.DataFrame(cells, columns=columns, dtype=object)
    return Table(name, source, frame, rows, headers, letters, text_cells, decimal_comma)


def _header_row(grid: list[list] | np.ndarray, index: dict[str, str]) -> int | None:
    """The row holding the headers: the first of the top rows with a known header, or further
    down (titles and notes above the table), the first with at least two."""
    def known(row) -> int:
        return sum(normalise_header(v) in index for v in row if isinstance(v, str) and v)
    for r, row in enumerate(grid[:HEADER_SEARCH_ROWS]):
        if known(row):
            return r
    for r, row in enumerate(grid[HEADER_SEARCH_ROWS:MAX_HEADER_ROW], start=HEADER_SEARCH_ROWS):
        if known(row) >= 2:
            return r
    return None


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
            # numpy's stub takes array-likes only; the ufunc hands any object to isinstance
            is_a = cast(Callable[[Any, type], np.ndarray], np.frompyfunc(isinstance, 2, 1))
            text = is_a(values, str).astype(bool)
            given, values = given[text], values[text]
        blank[given[pd.Series(values, dtype=object).str.isspace().to_numpy(bool)], j] = True
    return blank


# ----------------------------------------------------------------------------- .xlsx


# ----------------------------------------------------------------------------- frames

def from_frames(frames: dict[str, pd.DataFrame], source: str = "frames") -> Workbook:
    """Tables from pandas frames keyed by sheet name, for Python users and tests.

    Row numbers are those the frames would have in a workbook written with one header row.
    """
    findings: list[Finding] = []
    tables = {}
    for name, frame in frames.items():
        sheet = sheet_for(name)
        if sheet is None or frame is None:
            continue
        frame = frame.astype(object).where(frame.notna(), None)
        grid = [list(map(str, frame.columns))] + frame.values.tolist()
        table = make_table(sheet, name, grid, findings)
        tables[table.sheet] = table
    return Workbook(source, tables, tuple(findings), tuple(frames))


# ----------------------------------------------------------------------------- .csv
