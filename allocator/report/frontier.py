"""The frontier workbook (with a native scatter chart) and plot."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from allocator.analyse.frontier import Frontier
from allocator.core import format as fmt
from allocator.core.lang import words
from allocator.core.status import Status
from allocator.report.files import atomic_output
from allocator.report.plots import frontier_scatter
from allocator.report.workbook import Sheets


def write_frontier(f: Frontier, path: str | Path, *, inputs: tuple = ()) -> None:
    """The frontier workbook: the points with a native scatter chart, the greedy references,
    the allocations when computed, and the scenario as run; in the scenario's language."""
    with atomic_output(path, inputs=inputs) as tmp:
        out = Sheets(tmp, f.scenario.lang)
        w = out.words
        outcomes = (f.x, f.y, *[c for c in f.points.columns if c not in (
            "point", "epsilon", "awarded", "projects_funded", "status", "gap", f.x, f.y)])
        ws = out.frame("frontier", f.points, outcomes=outcomes,
                       kinds={"epsilon": fmt.OUTCOME})
        refs = f.references.assign(label=[w.sentence(t) for t in f.references["label"]])
        greedy = out.frame("greedy", refs, outcomes=outcomes)
        chart = out.book.add_chart({"type": "scatter", "subtype": "straight_with_markers"})
        n = len(f.points)
        cx, cy = f.points.columns.get_loc(f.x), f.points.columns.get_loc(f.y)
        chart.add_series({"name": w.phrase("pareto"),
                          "categories": [ws.name, 1, cx, n, cx],
                          "values": [ws.name, 1, cy, n, cy], "marker": {"type": "circle"}})
        rx, ry = refs.columns.get_loc(f.x), refs.columns.get_loc(f.y)
        for i, status in enumerate(refs["status"], start=1):
            if status not in (Status.OPTIMAL, Status.FEASIBLE):
                continue
            chart.add_series({"name": [greedy.name, i, 0],
                              "categories": [greedy.name, i, rx, i, rx],
                              "values": [greedy.name, i, ry, i, ry],
                              "line": {"none": True}, "marker": {"type": "diamond", "size": 8}})
        if f.scenario_point is not None:
            own = pd.DataFrame([{"label": w.phrase("own_optimum", name=f.scenario.name),
                                 **f.scenario_point}])
            ws2 = out.book.add_worksheet(w.sheet("scenario_point"))
            out.table(ws2, 0, 0, own, outcomes=(f.x, f.y))
            ox, oy = own.columns.get_loc(f.x), own.columns.get_loc(f.y)
            chart.add_series({"name": [ws2.name, 1, 0],
                              "categories": [ws2.name, 1, ox, 1, ox],
                              "values": [ws2.name, 1, oy, 1, oy], "line": {"none": True},
                              "marker": {"type": "star", "size": 11,
                                         "fill": {"color": "#E15759"}}})
        x, y = w.term(f.x), w.term(f.y)
        chart.set_title({"name": w.phrase("trade_off", x=x, y=y)})
        chart.set_x_axis({"name": x, "major_gridlines": {"visible": True},
                          "num_format": fmt.excel_format(fmt.OUTCOME)})
        chart.set_y_axis({"name": y, "major_gridlines": {"visible": True},
                          "num_format": fmt.excel_format(fmt.OUTCOME)})
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": 760, "height": 480})
        ws.insert_chart(len(f.points) + 3, 0, chart)
        if f.allocations is not None:
            points = [c for c in f.allocations.columns if c.startswith("point ")]
            out.frame("allocations", f.allocations, euros=points, widths={"title": 45})
        out.pairs("scenario", {"name": f.scenario.name, "frontier.x": f.x, "frontier.y": f.y,
                               **f.scenario.parameters()})
        out.close()


def plot_frontier(f: Frontier, path: str | Path) -> Path:
    """The frontier's plot, in the scenario's language."""
    w = words(f.scenario.lang)
    refs = f.references[f.references["status"].isin([Status.OPTIMAL, Status.FEASIBLE])]
    return frontier_scatter(f.points, path, x=f.x, y=f.y, references=refs,
                            own=f.scenario_point, lang=w.lang,
                            own_label=w.phrase("own_optimum", name=f.scenario.name))
