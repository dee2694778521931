"""The frontier workbook (with a native scatter chart) and plot."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from allocator.analyse.frontier import Frontier
from allocator.core import format as fmt
from allocator.core.status import Status
from allocator.report.files import atomic_output
from allocator.report.plots import frontier_scatter
from allocator.report.workbook import Sheets


def write_frontier(f: Frontier, path: str | Path, *, inputs: tuple = ()) -> None:
    """The frontier workbook: the points with a native scatter chart, the greedy references,
    the allocations when computed, and the scenario as run."""
    with atomic_output(path, inputs=inputs) as tmp:
        out = Sheets(tmp)
        outcomes = (f.x, f.y, *[c for c in f.points.columns if c not in (
            "point", "epsilon", "awarded", "projects_funded", "status", "gap", f.x, f.y)])
        ws = out.frame("frontier", f.points, outcomes=outcomes,
                       kinds={"epsilon": fmt.OUTCOME})
        out.frame("greedy", f.references, outcomes=outcomes)
        chart = out.book.add_chart({"type": "scatter", "subtype": "straight_with_markers"})
        n = len(f.points)
        cx, cy = f.points.columns.get_loc(f.x), f.points.columns.get_loc(f.y)
        chart.add_series({"name": "Pareto frontier (optimal)",
                          "categories": ["frontier", 1, cx, n, cx],
                          "values": ["frontier", 1, cy, n, cy], "marker": {"type": "circle"}})
        rx, ry = f.references.columns.get_loc(f.x), f.references.columns.get_loc(f.y)
        for i, status in enumerate(f.references["status"], start=1):
            if status not in (Status.OPTIMAL, Status.FEASIBLE):
                continue
            chart.add_series({"name": ["greedy", i, 0], "categories": ["greedy", i, rx, i, rx],
                              "values": ["greedy", i, ry, i, ry],
                              "line": {"none": True}, "marker": {"type": "diamond", "size": 8}})
        if f.scenario_point is not None:
            own = pd.DataFrame([{"label": f"{f.scenario.name}'s optimum", **f.scenario_point}])
            ws2 = out.book.add_worksheet("scenario_point")
            out.table(ws2, 0, 0, own, outcomes=(f.x, f.y))
            ox, oy = own.columns.get_loc(f.x), own.columns.get_loc(f.y)
            chart.add_series({"name": ["scenario_point", 1, 0],
                              "categories": ["scenario_point", 1, ox, 1, ox],
                              "values": ["scenario_point", 1, oy, 1, oy], "line": {"none": True},
                              "marker": {"type": "star", "size": 11,
                                         "fill": {"color": "#E15759"}}})
        chart.set_title({"name": f"Trade-off between {f.x} and {f.y}"})
        chart.set_x_axis({"name": f.x, "major_gridlines": {"visible": True},
                          "num_format": fmt.excel_format(fmt.OUTCOME)})
        chart.set_y_axis({"name": f.y, "major_gridlines": {"visible": True},
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
    refs = f.references[f.references["status"].isin([Status.OPTIMAL, Status.FEASIBLE])]
    return frontier_scatter(f.points, path, x=f.x, y=f.y, references=refs,
                            own=f.scenario_point, own_label=f"{f.scenario.name}'s optimum")
