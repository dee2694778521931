"""The frontier workbook (with a native scatter chart) and plot."""
from __future__ import annotations

from pathlib import Path

from allocator.analyse.frontier import Frontier
from allocator.core.status import Status
from allocator.report.files import atomic_output
from allocator.report.plots import frontier_scatter
from allocator.report.workbook import Sheets


def write_frontier(f: Frontier, path: str | Path, *, inputs: tuple = ()) -> None:
    """The frontier workbook: the points with a native scatter chart, the greedy references,
    the allocations when computed, and the scenario as run."""
    with atomic_output(path, inputs=inputs) as tmp:
        out = Sheets(tmp)
        ws = out.frame("frontier", f.points)
        out.frame("greedy", f.references, widths={"label": 26})
        chart = out.book.add_chart({"type": "scatter", "subtype": "straight_with_markers"})
        n = len(f.points)
        cx, cy = f.points.columns.get_loc(f.x), f.points.columns.get_loc(f.y)
        chart.add_series({"name": "Pareto frontier (optimal)",
                          "categories": ["frontier", 1, cx, n, cx],
                          "values": ["frontier", 1, cy, n, cy], "marker": {"type": "circle"}})
        rx, ry = f.references.columns.get_loc(f.x), f.references.columns.get_loc(f.y)
        for i, status in enumerate(f.references["status"], start=1):
            if status != Status.FEASIBLE:
                continue
            chart.add_series({"name": ["greedy", i, 0], "categories": ["greedy", i, rx, i, rx],
                              "values": ["greedy", i, ry, i, ry],
                              "line": {"none": True}, "marker": {"type": "diamond", "size": 8}})
        chart.set_title({"name": f"Trade-off between {f.x} and {f.y}"})
        chart.set_x_axis({"name": f.x, "major_gridlines": {"visible": True}})
        chart.set_y_axis({"name": f.y, "major_gridlines": {"visible": True}})
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": 760, "height": 480})
        ws.insert_chart(len(f.points) + 3, 0, chart)
        if f.allocations is not None:
            points = [c for c in f.allocations.columns if c.startswith("point ")]
            out.frame("allocations", f.allocations, euros=points,
                      widths={"title": 40, **dict.fromkeys(points, 14)})
        out.pairs("scenario", {"name": f.scenario.name, "frontier.x": f.x, "frontier.y": f.y,
                               **f.scenario.parameters()})
        out.close()


def plot_frontier(f: Frontier, path: str | Path) -> Path:
    refs = f.references[f.references["status"] == Status.FEASIBLE]
    return frontier_scatter(f.points, path, x=f.x, y=f.y, references=refs)
