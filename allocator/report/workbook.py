"""Write results: an Excel workbook (xlsxwriter), JSON for scripts, a short text summary.

Every workbook is written through ``files.atomic_output``. Text is always written as text:
a title beginning with ``=``, ``+``, ``-`` or ``@`` never becomes a formula (xlsxwriter's
``strings_to_formulas`` is off; in CSV such text gets OWASP's leading ``'``).

The house style (``Sheets``): a bold frozen header with filters, each column as wide as its
longest value (capped; longer text wraps), number formats by the kind of each figure
(``core.format``: € without cents, shares as %, counts to the unit), and a print setup that
fits a sheet's width on landscape pages, the header repeated on each. In another language
(``core.lang``), sheet names, headers and the fixed words and sentences of the columns of
``WORDED`` are written in it; figures keep their Excel formats, which the reader's locale
shows.
"""
from __future__ import annotations

import json
import math
import textwrap
from collections.abc import Collection, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter

from allocator.analyse.allocation import Result
from allocator.core import format as fmt
from allocator.core.lang import Words, words
from allocator.core.scenario import Scenario
from allocator.core.version import __version__
from allocator.report.files import atomic_output

CREATOR = "allocator"
MAX_WIDTH = 60  # characters: a longer text wraps within its column
MIN_WIDTH = 6
HEADER_WIDTH = 18  # a header longer than this wraps rather than widening its column
LINE = 15  # points: the height of one line of text


# seconds per project that writing a result takes, by the output's suffix, on the benchmark
# machine at a load of ~3: the allocation as .csv (pandas: 1,000,000 projects in 11-17 s CPU,
# 18-25 s wall), the result workbook (xlsxwriter, a cell at a time: 11 times the .csv, 114 s
# against 10.4 s for 100,000 projects in one process at a load of 5)
WRITING_SECONDS = {".csv": 20e-6, ".xlsx": 220e-6}


def writing_seconds(projects: int, path: Path | None) -> float:
    """About how long writing the result of ``projects`` projects to ``path`` takes (0 for
    none): what a command keeps for it before its deadline."""
    return 0.0 if path is None else WRITING_SECONDS.get(path.suffix.lower(), 0.0) * projects


# columns whose values are fixed words or sentences of the analysis, written in the reader's
# language; others (titles, regions, themes) are the user's
WORDED = frozenset({"status", "reason", "note", "displaces", "trust", "step", "lock",
                    "statement", "to_relax", "rule", "subject", "outcome", "metric",
                    "ranking", "price_in_outcomes", "in_outcomes", "spending_stopped_by",
                    "ranked_by", "allocation", "funded_in", "greedy_status"})


class Sheets:
    """An xlsxwriter workbook in the house style (see the module's docstring), in the
    language ``lang``."""

    def __init__(self, path: Path, lang: str = "en"):
        self.words: Words = words(lang)
        self.book = xlsxwriter.Workbook(str(path), {
            "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False,
            "nan_inf_to_errors": True})
        self.book.set_properties({"author": CREATOR,
                                  "comments": f"written by allocator {__version__}"})
        self.header = self.book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1,
                                            "text_wrap": True, "valign": "top"})
        self.title = self.book.add_format({"bold": True, "font_size": 14})
        self.heading = self.book.add_format({"bold": True, "font_size": 11,
                                             "font_color": "#1F4E79", "bottom": 1})
        self.bold = self.book.add_format({"bold": True})
        self.formats: dict[tuple[str | None, bool], object] = {}
        self.needed: dict[tuple[str, int], int] = {}  # (sheet, column) → width its tables need

    def format(self, kind: str | None, wrap: bool = False):
        """The cell format of a kind of figure (None: General), wrapped or not."""
        key = (kind, wrap)
        if key not in self.formats:
            spec: dict = {"valign": "top"}
            if fmt.excel_format(kind):
                spec["num_format"] = fmt.excel_format(kind, self.words.lang)
            if wrap:
                spec["text_wrap"] = True
            self.formats[key] = self.book.add_format(spec)
        return self.formats[key]

    def frame(self, name: str, frame: pd.DataFrame, *, kinds: Mapping[str, str | None] = {},
              euros: Collection[str] = (), outcomes: tuple[str, ...] = (),
              widths: Mapping[str, int] = {}, rows: Mapping[str, str] = {},
              row_key: str | None = None, freeze_columns: int = 0):
        """A sheet of ``frame``. The kind of each column comes from ``kinds``, else from
        ``euros`` (columns in euros whose name does not say it: a comparison's scenarios),
        else from its name (``core.format.kind_of``, ``outcomes`` naming the outcomes);
        ``widths`` caps a column's width (its text wraps); ``rows``: the kind of a row's
        numbers, by its value in column ``row_key`` (default: the first; a table of
        metrics)."""
        ws = self.book.add_worksheet(self.words.sheet(name))
        self.table(ws, 0, 0, frame, kinds=kinds, euros=euros, outcomes=outcomes, widths=widths,
                   rows=rows, row_key=row_key)
        ws.freeze_panes(1, freeze_columns)
        if len(frame.columns):
            ws.autofilter(0, 0, max(len(frame), 1), len(frame.columns) - 1)
        self.print_setup(ws, repeat_header=True)
        return ws

    def table(self, ws, top: int, left: int, frame: pd.DataFrame, *,
              kinds: Mapping[str, str | None] = {}, euros: Collection[str] = (),
              outcomes: tuple[str, ...] = (), widths: Mapping[str, int] = {},
              rows: Mapping[str, str] = {}, row_key: str | None = None,
              set_widths: bool = True, words: bool = False) -> int:
        """Write ``frame`` with its header at (top, left); returns the row below it.
        ``words``: headers as words ("share of ideal"), for a sheet no program reads back."""
        tall: dict[int, int] = {}  # row → lines its wrapped cells need
        keys = (frame[row_key] if row_key else frame.iloc[:, 0]).astype(str).tolist() \
            if rows and len(frame.columns) else []
        for j, column in enumerate(frame.columns):
            kind = kinds[column] if column in kinds else fmt.EURO if column in euros \
                else fmt.kind_of(str(column), outcomes)
            values = frame[column].to_numpy()
            if kind is None and _numeric(frame[column]) and not _small(values):
                kind = fmt.COUNT  # else General, which fits its decimals to the width
            header = self.words.header(str(column)) if words else self.words.term(str(column))
            if column in WORDED and self.words.french:
                values = np.array([self.words.sentence(self.words.value(v))
                                   if isinstance(v, str) else v for v in values], dtype=object)
            width = _width(header, values, kind) + (2 if rows else 0)
            cap = widths.get(str(column), MAX_WIDTH)
            wrap = width > cap
            width = min(width, cap)
            cell = self.format(kind, wrap)
            ws.write_string(top, left + j, header, self.header)
            if len(header) + 2 > width:  # bold, it wraps at its words short of the edge
                tall[top] = max(tall.get(top, 1), len(textwrap.wrap(header, max(width - 3, 1))))
            key = (ws.name, left + j)
            self.needed[key] = max(self.needed.get(key, 0), width)
            if set_widths:
                ws.set_column(left + j, left + j, width, cell)
            for i, v in enumerate(values, start=top + 1):
                by_row = rows.get(keys[i - top - 1]) if keys and kind in _NUMBERS else None
                _write(ws, i, left + j, v, self.format(by_row) if by_row else cell)
                if wrap and isinstance(v, str) and len(v) > width:
                    tall[i] = max(tall.get(i, 1), _lines(v, width))
        for i, lines in tall.items():
            ws.set_row(i, LINE * lines)
        return top + len(frame) + 1

    def paragraph(self, ws, row: int, text: str, columns: int = 8) -> None:
        """Text across the first ``columns`` columns of ``row``, wrapped, the row as tall as
        its lines (about 90 characters each)."""
        ws.merge_range(row, 0, row, columns - 1, text, self.format(None, True))
        ws.set_row(row, LINE * (1 + math.ceil(len(text) / 90)))

    def print_setup(self, ws, *, repeat_header: bool = False) -> None:
        """Landscape A4, one page wide, the header row repeated on every page."""
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        ws.set_footer(self.words.say("&L&A&Rpage &P of &N", "&L&A&Rpage &P sur &N"))
        if repeat_header:
            ws.repeat_rows(0)

    def pairs(self, name: str, items: dict, header=("parameter", "value"), terms: bool = False):
        """A sheet of names and values, each value formatted by the kind its name says
        (``terms``: the names in the workbook's language)."""
        ws = self.book.add_worksheet(self.words.sheet(name))
        self.items(ws, 0, 0, items, header=tuple(map(self.words.term, header)), terms=terms)
        ws.freeze_panes(1, 0)
        self.print_setup(ws, repeat_header=True)
        return ws

    def items(self, ws, top: int, left: int, items: Mapping, *, header=None,
              kinds: Mapping[str, str | None] = {}, terms: bool = False) -> int:
        """Names and values in two columns from (top, left) (a header first when given);
        returns the row below. Sets the two columns' widths. ``terms``: the names in the
        workbook's language (each value's kind still read from its English name)."""
        row = top
        if header is not None:
            ws.write_string(row, left, header[0], self.header)
            ws.write_string(row, left + 1, header[1], self.header)
            row += 1
        widest = [len(header[0]) if header else 0, len(header[1]) if header else 0]
        for key, value in items.items():
            value = _cell(value)
            kind = kinds[key] if key in kinds else fmt.kind_of(str(key).replace(" ", "_"))
            if terms:
                key = self.words.term(str(key))
            ws.write_string(row, left, str(key), self.bold if header is None else None)
            _write(ws, row, left + 1, value, self.format(kind))
            widest[0] = max(widest[0], len(str(key)))
            widest[1] = max(widest[1], len(fmt.show(value, kind)) + 2)
            row += 1
        ws.set_column(left, left, min(widest[0] + 2, MAX_WIDTH))
        ws.set_column(left + 1, left + 1, min(widest[1] + 2, MAX_WIDTH), self.format(None, True))
        # the names' width, for a sheet that sets its widths last (a summary)
        key = (ws.name, left)
        self.needed[key] = max(self.needed.get(key, 0), min(widest[0] + 2, MAX_WIDTH))
        return row

    def close(self):
        self.book.close()


_NUMBERS = {fmt.EURO, fmt.COUNT, fmt.OUTCOME}  # index (TENTHS) columns keep their kind


def _numeric(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def _small(values: np.ndarray) -> bool:
    """Whether numbers without a kind may need decimals: each below 1000, some not whole."""
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    return bool(len(v)) and bool(np.all(np.abs(v) < 1000)) and bool(np.any(v != np.round(v)))


def _width(header: str, values: np.ndarray, kind: str | None) -> int:
    """Characters a column needs: its longest value as shown (a spreadsheet's digits are
    wider than letters, hence the margin), or its header up to HEADER_WIDTH. Numbers are
    measured at their extremes (the longest when shown with fixed decimals); 20,000 rows
    take milliseconds."""
    numbers = np.asarray(values).dtype.kind in "fiu"
    if numbers:
        v = np.asarray(values, float)
        v = v[np.isfinite(v)]
        sample = [v.min(), v.max()] if len(v) else []
        if kind is None and len(v):  # General: the digits of a typical value too
            sample.append(v[np.argmax(np.abs(v - np.round(v)))])
        longest = max((len(fmt.show(x, kind)) for x in sample), default=0)
    else:
        longest = max((len(fmt.show(v, kind)) for v in values), default=0)
    if kind in (fmt.EURO, fmt.COUNT, fmt.OUTCOME, fmt.TENTHS, fmt.SHARE, fmt.INDEX,
                fmt.OBJECTIVE):
        longest = math.ceil(longest * 1.15) + 1
    head = max((len(w) for w in header.split()), default=0)
    return max(MIN_WIDTH, longest + 2, min(len(header), HEADER_WIDTH) + 2, head + 2)


def _lines(text: str, width: int) -> int:
    return sum(max(1, math.ceil(len(part) / max(width - 1, 1))) for part in text.split("\n"))


def _cell(v):
    if isinstance(v, (dict, list, tuple)):
        return json.dumps(v, ensure_ascii=False, default=str)
    return v


def _write(ws, i, j, v, fmt_):
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return
    if isinstance(v, (bool, np.bool_)):
        ws.write_boolean(i, j, bool(v))
    elif isinstance(v, (int, float, np.integer, np.floating)):
        if math.isfinite(float(v)):
            ws.write_number(i, j, float(v), fmt_)
        else:
            ws.write_string(i, j, str(v))
    else:
        ws.write_string(i, j, str(v), fmt_)


# ----------------------------------------------------------------------------- result

STATUS_FILLS = {"funded": "#E2EFDA", "partly funded": "#FFF2CC", "not funded": "#F2F2F2"}


def write_result(result: Result, path: str | Path, *, inputs: tuple = ()) -> None:
    """The result workbook: summary, allocation, by region/territory/theme, outcomes, shadow
    prices (or, infeasible, the diagnosis), scenario, run."""
    with atomic_output(path, inputs=inputs) as tmp:
        out = Sheets(tmp, result.scenario.lang)
        write_summary(out, result)
        outcomes = tuple(result.outcomes["outcome"]) if result.outcomes is not None else ()
        if result.allocation is not None:
            assert result.by_theme is not None  # analysed with its allocation
            labels = dict(zip(result.by_theme["theme"], result.by_theme["label"]))
            write_allocation(out, allocation_sheet(result.allocation, result.outcomes, labels),
                             outcomes)
            out.frame("by_region", result.by_region, outcomes=outcomes)
            out.frame("by_territory", result.by_territory, outcomes=outcomes)
            out.frame("by_theme", result.by_theme, outcomes=outcomes)
            out.frame("outcomes", result.outcomes,
                      kinds={o: fmt.OUTCOME for o in ("achieved", "available", "ideal")})
            if result.voters is not None:  # a Pabulib election: what its voters get
                out.pairs("voters", result.voters.to_dict(flat=True),
                          header=("measure", "value"))
            if result.shadow_prices is not None:
                out.frame("shadow_prices", result.shadow_prices, outcomes=outcomes,
                          kinds=_limit_kinds(result.shadow_prices))
        if result.diagnosis is not None:
            out.frame("diagnosis", result.diagnosis)
        # the scenario's parameters keep the names --set and the scenarios sheet take
        out.pairs("scenario", {"name": result.scenario.name, **result.scenario.parameters()})
        out.pairs("run", {**result.run, "allocator_version": __version__,
                          "levels": list(result.solution.levels)}, header=("item", "value"),
                  terms=True)
        out.close()


def _limit_kinds(shadow: pd.DataFrame) -> dict:
    """A shadow-price table's ``limit`` column mixes units (€ for the budget, sites, a
    resource's own unit): in euros only when every row is the budget, else a plain number."""
    money = bool(shadow["rule"].eq("budget").all()) if "rule" in shadow else False
    return {"limit": fmt.EURO if money else fmt.COUNT}


def allocation_sheet(allocation: pd.DataFrame, outcomes: pd.DataFrame | None,
                     labels: Mapping[str, str]) -> pd.DataFrame:
    """The allocation as a reader scans it: each project's status, award and what it offered
    (cost, request, aid rate, each outcome offered) beside what it achieves, funded projects
    first (fully, then partly), then the unfunded by how close they came: those whose
    inclusion was priced, cheapest first, then by weighted outcome per euro requested."""
    a = allocation.copy()
    share = a["share_of_request"].to_numpy(float)
    a.insert(a.columns.get_loc("funded"), "status", np.where(
        ~a["funded"].to_numpy(bool), "not funded",
        np.where(share >= 1 - 1e-6, "funded", "partly funded")))
    if "theme_label" not in a:
        a["theme_label"] = [fmt.label(t, dict(labels)) for t in a["theme"]]
    names = [] if outcomes is None else list(outcomes["outcome"])
    value = np.zeros(len(a))
    if outcomes is not None:
        for r in outcomes.itertuples():
            scale = r.ideal if isinstance(r.ideal, float) and r.ideal > 0 else 1.0
            if f"{r.outcome}_offered" in a:
                value += r.weight * a[f"{r.outcome}_offered"].to_numpy(float) / scale
    per_euro = value / np.maximum(a["max_award"].to_numpy(float), 1.0)
    price = a["price_of_inclusion"].to_numpy(float) if "price_of_inclusion" in a \
        else np.full(len(a), np.nan)
    order = np.lexsort((-per_euro, np.where(np.isnan(price), np.inf, price),
                        np.isnan(price), -share, a["status"].map(
                            {"funded": 0, "partly funded": 1, "not funded": 2}).to_numpy()))
    first = ["project_id", "title", "territory_id", "region", "theme", "theme_label", "status",
             "award", "requested", "share_of_request", "max_award", "total_cost",
             "max_aid_rate"]
    pairs = [c for o in names for c in (f"{o}_offered", o) if c in a]
    columns = [c for c in first if c in a] + pairs
    columns += [c for c in a.columns if c not in columns and c != "funded"] + ["funded"]
    return a.iloc[order][columns].reset_index(drop=True)


def write_allocation(out: Sheets, sheet: pd.DataFrame, outcomes: tuple[str, ...]):
    """The allocation sheet: reasons wrap at 70 characters, rows coloured by status."""
    ws = out.frame("allocation", sheet, outcomes=outcomes, freeze_columns=2,
                   widths={"title": 45, "reason": 70, "displaces": 30, "note": 40,
                           "region": 26, "theme_label": 26},
                   kinds={c: fmt.outcome_kind(sheet[f"{c.removesuffix('_offered')}_offered"])
                          for c in sheet.columns
                          if c.removesuffix("_offered") in outcomes
                          and f"{c.removesuffix('_offered')}_offered" in sheet})
    status = sheet.columns.get_loc("status")
    column = xlsxwriter.utility.xl_col_to_name(status)
    last = len(sheet.columns) - 1
    for text, colour in STATUS_FILLS.items():
        ws.conditional_format(1, 0, max(len(sheet), 1), last, {
            "type": "formula", "criteria": f'=${column}2="{out.words.term(text)}"',
            "format": out.book.add_format({"bg_color": colour})})
    return ws


def write_summary(out: Sheets, result: Result) -> None:
    """The summary sheet: the scenario in words, status and proven gap, totals, outcomes
    against the ideal, funding by region against its fair share (with a chart), what the
    last €1M buys, and the binding rules with their shadow prices."""
    w = out.words
    ws = out.book.add_worksheet(w.term("summary"))
    s, sol, sc = result, result.solution, result.scenario
    ws.write_string(0, 0, w.say("Scenario {name}", "Scénario {name}", name=sc.name), out.title)
    labels = {} if result.by_theme is None else dict(zip(result.by_theme["theme"],
                                                         result.by_theme["label"]))
    out.paragraph(ws, 1, scenario_in_words(result.scenario, labels, w))
    row = 3
    ws.write_string(row, 0, w.say("Result", "Résultat"), out.heading)
    t = s.totals
    items: dict = {"status": w.value(sol.label), "proven gap": "" if sol.gap is None
                   else w.figure(fmt.percent(sol.gap)), "objective": sol.objective,
                   "bound": sol.bound, "solver": f"{sol.solver} {sol.version}".strip()}
    kinds: dict = {}
    if t:
        items |= {"awarded": t["awarded"], "budget": t["budget"],
                  "share of budget": t["awarded"] / t["budget"] if t["budget"] else None,
                  "projects funded": w.say("{n} of {of}", "{n} sur {of}",
                                           n=t["projects_funded"], of=t["projects"])}
        kinds |= {"share of budget": fmt.SHARE}
    if sol.message:
        items["message"] = sol.message
    items = {k: v for k, v in items.items() if v is not None and v != ""}
    row = out.items(ws, row + 1, 0, items, kinds=kinds, terms=True) + 1
    if s.outcomes is not None:
        ws.write_string(row, 0, w.say("Outcomes against the ideal",
                                      "Résultats rapportés à l'idéal"), out.heading)
        row = out.table(ws, row + 1, 0, s.outcomes[
            ["outcome", "achieved", "ideal", "share_of_ideal", "available", "weight"]],
            kinds={c: fmt.OUTCOME for c in ("achieved", "ideal", "available")},
            set_widths=False, words=True) + 1
    if s.shadow_prices is not None and len(s.shadow_prices):
        budget = s.shadow_prices[s.shadow_prices["rule"] == "budget"]
        if len(budget) and s.outcomes is not None:
            b = budget.iloc[0]
            buys = ", ".join(f"{w.figure(fmt.show(b[f'Δ{o}'], fmt.OUTCOME))} {w.term(o)}"
                             for o in s.outcomes["outcome"] if f"Δ{o}" in b)
            step = w.term(b["step"])
            ws.write_string(row, 0, w.say("Cut-off", "Seuil"), out.heading)
            ws.write_string(row + 1, 0, w.say(
                "{step} in the envelope would buy {buys} (re-solved): the margin a project's "
                "yield per euro is measured against.", "{step} dans l'enveloppe apporterait "
                "{buys} (re-résolu) : la marge à laquelle se mesure le rendement par euro d'un "
                "projet.", step=step[:1].upper() + step[1:], buys=buys), out.format(None, False))
            row += 3
        ws.write_string(row, 0, w.say("Binding rules and what relaxing each buys",
                                      "Règles saturées et ce que rapporte leur assouplissement"),
                        out.heading)
        row = out.table(ws, row + 1, 0, s.shadow_prices.drop(columns=["note"], errors="ignore"),
                        kinds=_limit_kinds(s.shadow_prices), set_widths=False, words=True) + 1
    if s.diagnosis is not None:
        ws.write_string(row, 0, w.say("Why no allocation exists",
                                      "Pourquoi aucune répartition n'existe"), out.heading)
        ws.write_string(row + 1, 0, w.sentence(str(s.diagnosis.attrs.get("summary", ""))))
        row = out.table(ws, row + 2, 0, s.diagnosis, set_widths=False, words=True) + 1
    if s.by_region is not None and s.by_region["fair_share"].notna().any():
        title = w.say("Funding by region against its fair share",
                      "Financement par région rapporté à sa part équitable")
        ws.write_string(row, 0, f"{title} ({w.header(sc.fairness_basis)})", out.heading)
        regions = s.by_region[["region", "projects", "funded", "awarded", "fair_share",
                               "fair_ratio"]]
        top = row + 1
        row = out.table(ws, top, 0, regions, kinds={"fair_ratio": fmt.INDEX},
                        set_widths=False, words=True) + 1
        chart = out.book.add_chart({"type": "bar"})
        n = len(regions)
        for j, name, colour in ((3, "awarded", "#4E79A7"), (4, "fair_share", "#BAB0AC")):
            chart.add_series({"name": w.header(name),
                              "categories": [ws.name, top + 1, 0, top + n, 0],
                              "values": [ws.name, top + 1, j, top + n, j],
                              "fill": {"color": colour}, "gap": 60})
        chart.set_title({"name": title})
        chart.set_x_axis({"num_format": fmt.excel_format(fmt.MEUR, w.lang),
                          "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
        chart.set_y_axis({"reverse": True, "crossing": "max"})
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": 620, "height": max(320, 26 * n + 90)})
        ws.insert_chart(top, len(regions.columns) + 1, chart)
    for (sheet, j), width in out.needed.items():
        if sheet == ws.name:
            ws.set_column(j, j, max(width, 30 if j == 0 else 12))
    ws.hide_gridlines(2)
    out.print_setup(ws)


def scenario_in_words(sc: Scenario, labels: Mapping[str, str] = {},
                      w: Words = Words()) -> str:
    """The scenario as a sentence: envelope, what is maximised, the rules that apply
    (themes by their ``labels``), in the language of ``w``."""
    def show(v, kind=None) -> str:
        return w.figure(fmt.show(v, kind))

    weighted = [w.say("{o} (weight {x})", "{o} (poids {x})", o=w.term(o), x=show(x))
                for o, x in sc.weights.items() if x]
    rules = []
    if sc.minimums:
        rules += [w.say("at least {v} {o}", "au moins {v} {o}", v=show(v, fmt.OUTCOME),
                        o=w.term(o)) for o, v in sc.minimums.items()]
    rules += [w.say("at least {v} of the envelope to {t}", "au moins {v} de l'enveloppe pour "
                    "{t}", v=show(v, fmt.SHARE), t=fmt.label(t, dict(labels)))
              for t, v in sc.theme_min.items()]
    rules += [w.say("at most {v} to {t}", "au plus {v} pour {t}", v=show(v, fmt.SHARE),
                    t=fmt.label(t, dict(labels))) for t, v in sc.theme_max.items()]
    if sc.sites_max is not None:
        rules.append(w.say("at most {n} industrial sites", "au plus {n} sites industriels",
                           n=sc.sites_max))
    if sc.sites_max_net_ha == 0:  # the programme's rule, zéro artificialisation nette
        rules.append(w.say("no net artificialisation", "zéro artificialisation nette"))
    elif sc.sites_max_net_ha is not None:
        rules.append(w.say("at most {v} ha of net artificialisation",
                           "au plus {v} ha d'artificialisation nette", v=show(sc.sites_max_net_ha)))
    if sc.coverage:
        rules.append(w.say("at least {n} funded project(s) per territory",
                           "au moins {n} projet(s) financé(s) par territoire", n=sc.coverage))
    if sc.fairness_band is not None:
        rules.append(w.say("each region within ±{v} of its fair share ({basis})",
                           "chaque région à ±{v} de sa part équitable ({basis})",
                           v=show(sc.fairness_band, fmt.SHARE), basis=w.header(sc.fairness_basis)))
    words_ = (f"{sc.description + ' ' if sc.description else ''}" + w.say(
        "Shares an envelope of {budget} to maximise ", "Répartit une enveloppe de {budget} pour "
        "maximiser ", budget=show(sc.budget, fmt.EURO)) + ", ".join(weighted)
        + (w.say(", each against its ideal", ", chacun rapporté à son idéal")
           if sc.normalise == "ideal" else ""))
    if rules:
        words_ += w.say("; with ", " ; avec ") + w.say("; ", " ; ").join(rules)
    return words_ + w.say(", and the caps, floors and payment ceilings of the input.",
                          ", et les plafonds, planchers et plafonds de paiement des données.")


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
    """The budget curve as a table and a native Excel chart: the objective, and (on a second
    axis) the euros awarded, which flatten where a rule other than the envelope stops
    spending."""
    with atomic_output(path, inputs=inputs) as tmp:
        out = Sheets(tmp, scenario.lang)
        ws = out.frame("budget_curve", curve)
        n = len(curve)
        chart = out.book.add_chart({"type": "scatter", "subtype": "straight_with_markers"})
        grid = {"visible": True, "line": {"color": "#D9D9D9"}}
        for name, colour, secondary in (("objective", "#4E79A7", False),
                                        ("awarded", "#F28E2B", True)):
            if name not in curve:
                continue
            col = list(curve.columns).index(name)
            chart.add_series({"name": out.words.term(name), "categories": [ws.name, 1, 0, n, 0],
                              "values": [ws.name, 1, col, n, col], "y2_axis": secondary,
                              "line": {"color": colour}, "marker": {
                                  "type": "circle", "size": 5, "fill": {"color": colour},
                                  "border": {"color": colour}}})
        w = out.words
        chart.set_title({"name": w.say("Optimum against the envelope — {name}",
                                       "Optimum selon l'enveloppe — {name}", name=scenario.name)})
        chart.set_x_axis({"name": w.term("envelope"), "major_gridlines": grid,
                          "num_format": fmt.excel_format(fmt.MEUR, w.lang)})
        chart.set_y_axis({"name": w.term("objective"), "major_gridlines": grid,
                          "num_format": fmt.excel_format(fmt.OBJECTIVE)})
        chart.set_y2_axis({"name": w.term("awarded"),
                           "num_format": fmt.excel_format(fmt.MEUR, w.lang)})
        chart.set_legend({"position": "bottom"})
        ws.insert_chart(1, len(curve.columns) + 1, chart, {"x_scale": 1.6, "y_scale": 1.4})
        out.pairs("scenario", {"name": scenario.name, **scenario.parameters()})
        out.close()
