"""Plots for reviews: PNG or SVG files drawn with matplotlib's Agg renderer.

One small API for every plot: a function takes a documented frame and a path, draws one
figure, writes it through ``files.atomic_output`` (format from the suffix: .png, .svg, .pdf)
and returns the path. Figures are built with ``matplotlib.figure.Figure`` and an Agg canvas,
never ``pyplot``: no global state, no display needed, safe in worker threads and on servers.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from allocator.core.format import millions, number
from allocator.core.lang import words
from allocator.core.version import __version__
from allocator.report.files import atomic_output

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

FORMATS = (".png", ".svg", ".pdf")
DPI = 110
# The colour-blind-safe Tableau palette, in order: scenario k always gets colour k.
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
           "#ff9da7", "#9c755f", "#bab0ac")


def figure(width: float = 8.0, height: float = 4.5) -> Figure:
    """A figure on an Agg canvas. matplotlib is imported here, when a plot is drawn: at the
    start of every command it would cost 0.4 s (a third of `allocator solve`'s imports)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def new_figure(width: float = 8.0, height: float = 4.5) -> tuple[Figure, Axes]:
    """A figure with one axes."""
    fig = figure(width, height)
    return fig, fig.add_subplot()


def _in_millions(axis, lang: str = "en") -> None:
    """Tick labels of a euro axis in millions: €1.5M (French: 1,5 M€)."""
    from matplotlib.ticker import FuncFormatter
    w = words(lang)
    axis.set_major_formatter(FuncFormatter(lambda v, _: w.figure(millions(v, 1))))


def _in_units(axis, lang: str = "en") -> None:
    """Tick labels of an outcome axis to the unit, thousands spaced: 12 000 (French: a
    decimal comma below 10)."""
    from matplotlib.ticker import FuncFormatter
    w = words(lang)
    axis.set_major_formatter(FuncFormatter(lambda v, _: w.figure(
        number(v) if abs(v) >= 10 else f"{v:g}")))


def _in_french(axis, lang: str) -> None:
    """An axis of plain numbers: matplotlib's own ticks in English, a decimal comma and
    spaced thousands in French."""
    if words(lang).french:
        _in_units(axis, lang)


def save(fig: Figure, path: str | Path) -> Path:
    """Write ``fig`` to ``path`` atomically; the suffix chooses the format."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"{target}: plots are written as {', '.join(FORMATS)}")
    # the writer named in the file: what lets a later run know it may replace it
    field = "Software" if suffix == ".png" else "Creator"
    with atomic_output(target) as tmp:
        fig.savefig(tmp, format=suffix[1:], dpi=DPI,
                    metadata={field: f"allocator {__version__}"})
    return target


def grouped_bars(frame: pd.DataFrame, path: str | Path, *, title: str, label: str,
                 horizontal: bool = False, euros: bool = False, reference: float | None = None,
                 lang: str = "en") -> Path:
    """Clustered bars: one group per row of ``frame`` (its index), one bar per column;
    figures on the value axis in ``lang``."""
    groups, series = list(map(str, frame.index)), list(map(str, frame.columns))
    k = max(len(series), 1)
    width = 0.8 / k
    positions = np.arange(len(groups))
    long = horizontal and len(groups) > 8
    fig, ax = new_figure(9.0, max(4.5, 0.32 * len(groups) * (1 + 0.25 * k)) if long else 4.8)
    for j, name in enumerate(series):
        offset = positions - 0.4 + width * (j + 0.5)
        values = frame.iloc[:, j].to_numpy(float)
        draw = ax.barh if horizontal else ax.bar
        draw(offset, values, width, label=name, color=PALETTE[j % len(PALETTE)])
    value_axis = ax.xaxis if horizontal else ax.yaxis
    if euros:
        _in_millions(value_axis, lang)
    else:
        _in_french(value_axis, lang)
    if horizontal:
        ax.set_yticks(positions, groups)
        ax.invert_yaxis()  # first group on top, as in the table
        ax.set_xlabel(label)
        if reference is not None:
            ax.axvline(reference, color="#555555", linewidth=0.8, linestyle="--")
    else:
        ax.set_xticks(positions, groups, rotation=0 if len(groups) <= 6 else 30,
                      ha="center" if len(groups) <= 6 else "right")
        ax.set_ylabel(label)
        if reference is not None:
            ax.axhline(reference, color="#555555", linewidth=0.8, linestyle="--")
    ax.set_title(title)
    ax.grid(axis="x" if horizontal else "y", alpha=0.3)
    ax.set_axisbelow(True)
    ax.legend(fontsize="small", loc="best")
    return save(fig, path)


def outcome_bars(index: pd.DataFrame, path: str | Path, lang: str = "en") -> Path:
    """Outcomes per scenario: ``index`` has one row per outcome, one column per scenario,
    values relative to the first scenario (= 100), as ``compare.Comparison.outcome_index``;
    words in ``lang``."""
    w = words(lang)
    first = index.columns[0] if len(index.columns) else ""
    return grouped_bars(index.rename(index=w.term), path, title=w.say(
        "Outcomes per scenario ({first} = 100)", "Résultats par scénario ({first} = 100)",
        first=first), label=w.say("% of {first}", "% de {first}", first=first),
        reference=100.0, lang=lang)


def regional_bars(euros: pd.DataFrame, path: str | Path, lang: str = "en") -> Path:
    """Euros per region and scenario: one row per region, one column per scenario."""
    w = words(lang)
    return grouped_bars(euros, path, title=w.say("Funding by region", "Financement par région"),
                        label=w.term("awarded"), horizontal=True, euros=True, lang=lang)


def fair_share_bars(ratios: pd.DataFrame, path: str | Path, lang: str = "en") -> Path:
    """Each region's euros over its fair share (1 = exactly fair): one row per region, one
    column per scenario."""
    w = words(lang)
    return grouped_bars(ratios, path, title=w.say(
        "Funding against fair share (1 = exactly fair)",
        "Financement rapporté à la part équitable (1 = exactement équitable)"),
        label=w.say("share of the euros / share of the fairness basis",
                    "part des euros / part de la base d'équité"),
        horizontal=True, reference=1.0, lang=lang)


def frontier_scatter(points: pd.DataFrame, path: str | Path, *, x: str, y: str,
                     references: pd.DataFrame | None = None, own: dict | None = None,
                     own_label: str = "the scenario's optimum", lang: str = "en") -> Path:
    """A trade-off frontier: ``points`` with columns ``x`` and ``y`` (one row per point, in
    order of x), optional ``references`` (columns ``label``, ``x``, ``y``: allocations
    to compare with, e.g. greedy rankings) drawn as separate markers, and ``own`` (``x``,
    ``y``: the scenario's own optimum) as a star; words and figures in ``lang``."""
    w = words(lang)
    fig, ax = new_figure(7.5, 5.0)
    ordered = points.sort_values(x)
    ax.plot(ordered[x], ordered[y], "-o", color=PALETTE[0], label=w.phrase("pareto"),
            markersize=5, zorder=3)
    if references is not None and len(references):
        markers = "sDv^P<>X"
        for k, (_, row) in enumerate(references.iterrows()):
            ax.scatter(row[x], row[y], marker=markers[k % len(markers)], s=50, zorder=4,
                       color=PALETTE[(k + 1) % len(PALETTE)], label=w.sentence(str(row["label"])))
    if own is not None:
        ax.scatter(own[x], own[y], marker="*", s=220, zorder=5, color="black",
                   edgecolor="black", linewidth=0.6, label=own_label)
    _in_units(ax.xaxis, lang)
    _in_units(ax.yaxis, lang)
    ax.set_xlabel(w.term(x))
    ax.set_ylabel(w.term(y))
    ax.set_title(w.phrase("trade_off", x=w.term(x), y=w.term(y)))
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small", loc="best")
    return save(fig, path)


def uncertainty_histograms(frequency: np.ndarray, outcomes: pd.DataFrame, path: str | Path, *,
                           title: str, lang: str = "en") -> Path:
    """Monte Carlo at a glance: the histogram of selection frequencies (``frequency``, one per
    project, 0–1; projects funded in every draw or in none are counted in the title, not
    drawn) and, for each column of ``outcomes`` (one row per draw: an outcome achieved by the
    allocation of the estimate), its histogram with the 5th and 95th percentiles dashed;
    words and figures in ``lang``."""
    w = words(lang)
    panels = 1 + outcomes.shape[1]
    fig = figure(3.6 * panels, 3.6)
    axes = np.atleast_1d(fig.subplots(1, panels))
    f = np.asarray(frequency, float)
    from matplotlib.ticker import MaxNLocator
    axes[0].hist(f[(f > 0) & (f < 1)], bins=np.linspace(0, 1, 21), color=PALETTE[0])
    axes[0].set(title=w.say("Selection frequency\n({always} always, {never} never funded)",
                            "Fréquence de sélection\n({always} toujours, {never} jamais "
                            "financés)", always=(f >= 1).sum(), never=(f <= 0).sum()),
                xlabel=w.say("share of draws funding the project",
                             "part des tirages qui financent le projet"),
                ylabel=w.term("projects"))
    _in_french(axes[0].xaxis, lang)
    _in_french(axes[0].yaxis, lang)
    for ax in axes:  # counts of projects or draws: no half project on an axis
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    for ax, (name, values) in zip(axes[1:], outcomes.items()):
        values = values.to_numpy(float)
        ax.hist(values, bins=30, color=PALETTE[1])
        for q in (5, 95):
            ax.axvline(np.percentile(values, q), color=PALETTE[2], linestyle="--")
        _in_units(ax.xaxis, lang)
        _in_french(ax.yaxis, lang)
        ax.set(title=w.term(name), xlabel=w.say(
            "achieved by the allocation of the estimate\n(5th and 95th percentiles dashed)",
            "atteint par la répartition de l'estimation\n(5e et 95e centiles en tirets)"),
            ylabel=w.term("draws"))
    fig.suptitle(title)
    return save(fig, path)


def budget_curve_plot(curve: pd.DataFrame, path: str | Path, lang: str = "en") -> Path:
    """The optimum against the envelope (a budget_curve frame), marginal value beneath;
    words and figures in ``lang``."""
    w = words(lang)
    fig = figure(8.0, 6.0)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(2, 1))
    top.plot(curve["budget"], curve["objective"], marker="o", color=PALETTE[0])
    top.set_ylabel(w.term("objective"))
    top.set_title(w.say("What the optimum achieves as the envelope varies",
                        "Ce que l'optimum atteint selon l'enveloppe"))
    _in_french(top.yaxis, lang)
    top.grid(alpha=0.3)
    bottom.bar(curve["budget"], curve["marginal_per_meur"].fillna(0.0),
               width=0.8 * float(np.diff(curve["budget"]).min()) if len(curve) > 1 else 1e6,
               color=PALETTE[1])
    bottom.set_ylabel(w.say("gain per extra €M", "gain par M€ de plus"))
    bottom.set_xlabel(w.term("envelope"))
    _in_millions(bottom.xaxis, lang)
    _in_french(bottom.yaxis, lang)
    bottom.grid(axis="y", alpha=0.3)
    return save(fig, path)
