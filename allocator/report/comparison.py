"""The comparison workbook: scenarios side by side, with native bar charts."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from allocator.analyse.compare import Comparison
from allocator.core import format as fmt
from allocator.report.files import atomic_output
from allocator.report.workbook import Sheets

MAX_SERIES = 8  # scenarios a clustered bar chart can still tell apart


def write_comparison(comparison: Comparison, path: str | Path, *, inputs: tuple = (),
                     lang: str = "en") -> None:
    """The comparison workbook (house style, in ``lang``), with native clustered bar
    charts."""
    c = comparison
    names = c.names
    euro_columns = (set(names) | {f"Δ {n}" for n in names} | {"largest_change"}
                    | {r.name for r in c.references})
    with atomic_output(path, inputs=inputs) as tmp:
        out = Sheets(tmp, lang)
        w = out.words
        ws = out.frame("outcomes", c.outcomes, rows={"awarded": fmt.EURO},
                       kinds={**{n: fmt.OUTCOME for n in names},
                              **{f"Δ {n}": fmt.OUTCOME for n in names},
                              **{f"index {n}": fmt.TENTHS for n in names}})
        _bar_chart(out, ws, c.outcomes, [f"index {n}" for n in names], names,
                   title=w.say("Outcomes per scenario ({first} = 100)",
                               "Résultats par scénario ({first} = 100)", first=names[0]),
                   axis=w.say("% of {first}", "% de {first}", first=names[0]),
                   anchor=(len(c.outcomes) + 3, 0))
        themes = c.themes.copy()
        themes.insert(1, "label", [fmt.label(t, dict(c.theme_labels)) for t in themes["theme"]])
        for sheet, frame in (("regions", c.regions), ("themes", themes)):
            ws = out.frame(sheet, frame, euros=euro_columns)
            if sheet == "regions" and len(names) <= MAX_SERIES:
                _bar_chart(out, ws, frame, names, names,
                           title=w.say("Funding by region", "Financement par région"),
                           axis=w.term("awarded"), anchor=(1, len(frame.columns) + 1),
                           horizontal=True,
                           number_format=fmt.excel_format(fmt.MEUR, w.lang))
        for sheet, frame in (("territories", c.territories), ("status_changes", c.changes)):
            out.frame(sheet, frame, widths={"title": 45}, euros=euro_columns)
        out.frame("fairness", c.fairness)
        out.frame("optimum_vs_greedy", c.greedy,
                  rows={"awarded": fmt.EURO, "projects_funded": fmt.COUNT,
                        "objective": fmt.OBJECTIVE}, row_key="metric",
                  kinds={"optimal": fmt.OUTCOME, "greedy": fmt.OUTCOME,
                         "difference": fmt.OUTCOME})
        out.frame("parameters", c.parameters.astype(object).where(c.parameters.notna(), None),
                  kinds=dict.fromkeys(names))
        out.frame("allocations", c.allocations, widths={"title": 45}, euros=euro_columns)
        out.frame("runs", c.runs_table, widths={"source": 40, "message": 60})
        out.close()


def _bar_chart(out: Sheets, ws, frame: pd.DataFrame, columns: list[str],
               labels: list[str], *, title: str, axis: str, anchor: tuple[int, int],
               horizontal: bool = False, number_format: str | None = None) -> None:
    """A native clustered bar chart: categories = the frame's first column, one series per
    column of ``columns`` (named by ``labels``)."""
    chart = out.book.add_chart({"type": "bar" if horizontal else "column"})
    n = len(frame)
    for column, label in zip(columns, labels):
        j = list(frame.columns).index(column)
        chart.add_series({"name": label, "categories": [ws.name, 1, 0, n, 0],
                          "values": [ws.name, 1, j, n, j]})
    chart.set_title({"name": title})
    (chart.set_x_axis if horizontal else chart.set_y_axis)(
        {"name": axis, "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}},
         **({"num_format": number_format} if number_format else {})})
    if horizontal:
        chart.set_y_axis({"reverse": True, "crossing": "max"})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 760, "height": max(360, 22 * n * max(1, len(columns)) // 2)
                    if horizontal else 380})
    ws.insert_chart(*anchor, chart)
