"""The sweep workbook, laid out for a sweep: one row per scenario, each outcome pivoted by the
two varied parameters with a line chart, funding by region with one row per scenario."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from allocator.analyse.compare import Comparison
from allocator.analyse.sweep import Sweep
from allocator.core import format as fmt
from allocator.core.lang import Words
from allocator.report.files import atomic_output
from allocator.report.text import sweep_outcomes
from allocator.report.workbook import Sheets

MAX_LINES = 12  # values of the second parameter a line chart still tells apart


def varied(done: Sweep) -> list[str]:
    """The parameters a sweep varies: those given more than one value (one value, as
    ``--lang fr`` or ``--set coverage=1`` give, is the same in every scenario: no pivot's
    axis), or all when none is."""
    keys = [v.key for v in done.parameters if len(v.values) > 1]
    return keys or [v.key for v in done.parameters]


def pivots(done: Sweep, w: Words = Words()) -> dict[str, list[tuple[str, pd.DataFrame]]]:
    """By figure (objective, awarded, projects_funded, each outcome): its pivots, one per
    combination of the parameters beyond the first two (a title saying which, "" when there
    are none), rows = the first varied parameter's values, columns = the second's; titles
    and columns in the language of ``w``."""
    table = done.table
    keys = varied(done)
    figures = ["objective", "awarded", "projects_funded", *sweep_outcomes(done)]
    figures = [f for f in figures if f in table]
    rest = keys[2:]
    groups = [("", table)] if not rest else [
        (", ".join(_setting(w, k, v) for k, v in zip(rest, values if isinstance(
            values, tuple) else (values,))), frame)
        for values, frame in table.groupby(rest, sort=False)]
    out: dict[str, list[tuple[str, pd.DataFrame]]] = {}
    for figure in figures:
        for title, frame in groups:
            if len(keys) == 1:
                pivot = frame[[keys[0], figure]].set_index(keys[0])
            else:
                pivot = frame.pivot_table(index=keys[0], columns=keys[1], values=figure,
                                          aggfunc="first", sort=False)
                pivot.columns = [_setting(w, keys[1], c) for c in pivot.columns]
            out.setdefault(figure, []).append((title, pivot.reset_index()))
    return out


def write_sweep(done: Sweep, comparison: Comparison | None, path: str | Path, *,
                inputs: tuple = ()) -> None:
    """The workbook: ``scenarios`` (one row per scenario), ``pivots`` (each figure by the
    varied parameters, a line chart beside each), ``regions`` (euros per region, one row per
    scenario), ``base`` (the scenario the variations apply to)."""
    outcomes = sweep_outcomes(done)
    keys = varied(done)
    lang = done.scenarios[0].lang if done.scenarios else "en"
    with atomic_output(path, inputs=inputs) as tmp:
        out = Sheets(tmp, lang)
        w = out.words
        out.frame("scenarios", done.table, outcomes=outcomes, freeze_columns=1)
        ws = out.book.add_worksheet(w.sheet("pivots"))
        row = 0
        for figure, blocks in pivots(done, w).items():
            kind = fmt.kind_of(figure, outcomes) or fmt.OBJECTIVE
            for title, pivot in blocks:
                ws.write_string(row, 0, w.phrase(
                    "by_keys", figure=w.term(figure) + (f" ({title})" if title else ""),
                    keys=w.say(" and ", " et ").join(keys[:2])), out.heading)
                top = row + 1
                values = [c for c in pivot.columns if c != keys[0]]
                end = out.table(ws, top, 0, pivot, kinds={c: kind for c in values},
                                set_widths=False)
                _line_chart(out, ws, pivot, keys[0], values, figure, kind, top)
                row = max(end + 1, top + 17)
        for (sheet, j), width in out.needed.items():
            if sheet == ws.name:
                ws.set_column(j, j, width)
        out.print_setup(ws)
        if comparison is not None:
            regions = comparison.regions.set_index("region")[comparison.names].T
            regions = regions.rename_axis("scenario").reset_index()
            regions.columns = [str(c) for c in regions.columns]
            out.frame("regions", regions, euros=[c for c in regions.columns if c != "scenario"],
                      freeze_columns=1)
        base = done.scenarios[0] if done.scenarios else None
        if base is not None:
            params = {k: v for k, v in base.parameters().items() if k not in keys}
            out.pairs("base", {w.term("varied"): ", ".join(keys), **params})
        out.close()


def _setting(w: Words, key: str, value) -> str:
    """A parameter and its value, as a pivot's column and title: "weight.skills = 0.5"."""
    return f"{key} = {w.figure(fmt.setting(key, value))}"


def _line_chart(out: Sheets, ws, pivot: pd.DataFrame, x: str, series: list[str], figure: str,
                kind: str, top: int) -> None:
    """The figure against the first parameter, a line per value of the second."""
    if len(series) > MAX_LINES or len(pivot) < 2:
        return
    chart = out.book.add_chart({"type": "scatter", "subtype": "straight_with_markers"})
    n = len(pivot)
    for name in series:
        j = list(pivot.columns).index(name)
        chart.add_series({"name": [ws.name, top, j],
                          "categories": [ws.name, top + 1, 0, top + n, 0],
                          "values": [ws.name, top + 1, j, top + n, j],
                          "marker": {"type": "circle", "size": 5}})
    x_kind = fmt.MEUR if fmt.kind_of(x) == fmt.EURO else None
    w = out.words
    chart.set_title({"name": w.phrase("against", figure=w.term(figure), x=w.term(x)),
                     "name_font": {"size": 11}})
    chart.set_x_axis({"name": w.term(x),
                      **({"num_format": fmt.excel_format(x_kind, w.lang)} if x_kind else {}),
                      "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
    chart.set_y_axis({"name": w.term(figure), "num_format": fmt.excel_format(
        fmt.MEUR if kind == fmt.EURO else kind, w.lang) or "General",
        "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
    chart.set_legend({"position": "right" if len(series) > 1 else "none"})
    chart.set_size({"width": 560, "height": 300})
    ws.insert_chart(top - 1, len(pivot.columns) + 1, chart)
