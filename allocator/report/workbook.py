"""Write results: an Excel workbook (xlsxwriter), JSON for scripts, a short text summary.

Every workbook is written through ``files.atomic_output``. Text is always written as text:
a title beginning with ``=``, ``+``, ``-`` or ``@`` never becomes a formula (xlsxwriter's
``strings_to_formulas`` is off; in CSV such text gets OWASP's leading ``'``).
"""
from __future__ import annotations

import json
import math
from collections.abc import Collection
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter

from allocator.analyse.allocation import Result
from allocator.core.version import __version__
from allocator.report.files import atomic_output

EURO_COLUMNS = {"requested", "max_award", "award", "awarded", "floor", "cap", "total_cost",
                "min_award", "budget"}
SHARE_COLUMNS = {"share_of_request", "share_of_awarded", "share_of_ideal"}
CREATOR = "allocator"


class Sheets:
    """An xlsxwriter workbook with the house style: bold frozen headers, filters, € formats."""

    def __init__(self, path: Path):
        self.book = xlsxwriter.Workbook(str(path), {
            "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False,
            "nan_inf_to_errors": True})
        self.book.set_properties({"author": CREATOR,
                                  "comments": f"written by allocator {__version__}"})
        self.header = self.book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1,
                                            "text_wrap": True, "valign": "top"})
        self.euro = self.book.add_format({"num_format": '#,##0 "€"'})
        self.share = self.book.add_format({"num_format": "0.0%"})
        self.number = self.book.add_format({"num_format": "#,##0.##"})

    def frame(self, name: str, frame: pd.DataFrame, *, widths: dict | None = None,
              euros: Collection[str] = ()):
        """A sheet of ``frame``; ``euros``: columns in euros besides the usual ones (a
        comparison's columns named after its scenarios), 16 wide unless ``widths`` says."""
        ws = self.book.add_worksheet(name)
        for j, column in enumerate(frame.columns):
            ws.write_string(0, j, str(column), self.header)
            fmt = (self.euro if column in EURO_COLUMNS or column in euros
                   else self.share if column in SHARE_COLUMNS else None)
            values = frame[column].to_numpy()
            width = 16 if column in euros else max(10, min(40, len(str(column)) + 2))
            if widths and column in widths:
                width = widths[column]
            ws.set_column(j, j, width, fmt)
            for i, v in enumerate(values, start=1):
                _write(ws, i, j, v, fmt)
        ws.freeze_panes(1, 0)
        if len(frame.columns):
            ws.autofilter(0, 0, max(len(frame), 1), len(frame.columns) - 1)
        return ws

    def pairs(self, name: str, items: dict, header=("parameter", "value")):
        return self.frame(name, pd.DataFrame({header[0]: list(items), header[1]: [
            _cell(v) for v in items.values()]}), widths={header[0]: 28, header[1]: 40})

    def close(self):
        self.book.close()


def _cell(v):
    if isinstance(v, (dict, list, tuple)):
        return json.dumps(v, ensure_ascii=False, default=str)
    return v


def _write(ws, i, j, v, fmt):
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return
    if isinstance(v, (bool, np.bool_)):
        ws.write_boolean(i, j, bool(v))
    elif isinstance(v, (int, float, np.integer, np.floating)):
        if math.isfinite(float(v)):
            ws.write_number(i, j, float(v), fmt)
        else:
            ws.write_string(i, j, str(v))
    else:
        ws.write_string(i, j, str(v))


def write_result(result: Result, path: str | Path, *, inputs: tuple = ()) -> None:
    """The result workbook: allocation, summaries, outcomes, scenario, run."""
    with atomic_output(path, inputs=inputs) as tmp:
        out = Sheets(tmp)
        if result.allocation is not None:
            out.frame("allocation", result.allocation, widths={"title": 40})
            out.frame("by_region", result.by_region)
            out.frame("by_territory", result.by_territory)
            out.frame("by_theme", result.by_theme)
            out.frame("outcomes", result.outcomes)
            if result.voters is not None:  # a Pabulib election: what its voters get
                out.pairs("voters", result.voters.to_dict(flat=True),
                          header=("measure", "value"))
            if result.shadow_prices is not None:
                out.frame("shadow_prices", result.shadow_prices, widths={"note": 60, "step": 24})
        if result.diagnosis is not None:
            out.frame("diagnosis", result.diagnosis, widths={"statement": 90, "to_relax": 40})
        out.pairs("scenario", {"name": result.scenario.name, **result.scenario.parameters()})
        out.pairs("run", {**result.run, "allocator_version": __version__,
                          "levels": list(result.solution.levels)}, header=("item", "value"))
        out.close()


# OWASP's CSV-injection advice: a cell starting with one of these is a formula to Excel and
# LibreOffice; a leading ' makes it text (and is not shown)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def write_allocation_csv(result: Result, path: str | Path, *, inputs: tuple = ()) -> None:
    """The allocation sheet as CSV (UTF-8, ','), text that a spreadsheet would run quoted by '."""
    assert result.allocation is not None  # written for a solution that is ok
    frame = result.allocation.copy()
    for column in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[column]):  # object or pandas' str dtype
            frame[column] = frame[column].map(
                lambda v: "'" + v if isinstance(v, str) and v.startswith(FORMULA_START) else v)
    with atomic_output(path, inputs=inputs) as tmp:
        # CRLF as RFC 4180 says, and so that a CR inside a field gets the field quoted
        frame.to_csv(tmp, index=False, encoding="utf-8", lineterminator="\r\n")


def write_budget_curve(curve: pd.DataFrame, scenario, path, *, inputs: tuple = ()) -> None:
    """The budget curve as a table and a native Excel line chart of the objective."""
    with atomic_output(path, inputs=inputs) as tmp:
        out = Sheets(tmp)
        ws = out.frame("budget_curve", curve)
        n = len(curve)
        chart = out.book.add_chart({"type": "scatter", "subtype": "straight_with_markers"})
        col = list(curve.columns).index("objective")
        chart.add_series({"name": "objective", "categories": ["budget_curve", 1, 0, n, 0],
                          "values": ["budget_curve", 1, col, n, col]})
        chart.set_title({"name": f"Optimum against the envelope — {scenario.name}"})
        chart.set_x_axis({"name": "envelope (€)", "num_format": '#,##0,,"M€"'})
        chart.set_y_axis({"name": "objective"})
        chart.set_legend({"none": True})
        ws.insert_chart(1, len(curve.columns) + 1, chart, {"x_scale": 1.6, "y_scale": 1.4})
        out.pairs("scenario", {"name": scenario.name, **scenario.parameters()})
        out.close()
