"""The Monte Carlo workbook and histograms."""
from __future__ import annotations

import numpy as np
import pandas as pd

from allocator.analyse.uncertainty import Uncertainty, robust_comparison
from allocator.core import format as fmt
from allocator.core.lang import Words, words
from allocator.report.files import atomic_output
from allocator.report.plots import uncertainty_histograms
from allocator.report.workbook import Sheets, scenario_in_words

BINS = 10  # of the selection-frequency histogram: 0–10%, …, 90–100%


def frequency_histogram(frequency: np.ndarray, w: Words = Words()) -> pd.DataFrame:
    """Projects by share of the draws that fund them: never, each tenth between, always
    (in the language of ``w``)."""
    f = np.asarray(frequency, float)
    between = f[(f > 0) & (f < 1)]
    counts, edges = np.histogram(between, bins=np.linspace(0, 1, BINS + 1))
    labels = [w.term("never"), *(w.figure(f"{a:.0%}–{b:.0%}")
                                 for a, b in zip(edges[:-1], edges[1:])), w.term("always")]
    return pd.DataFrame({"funded in": labels,
                         "projects": [int((f <= 0).sum()), *counts.tolist(),
                                      int((f >= 1).sum())]})


def write_uncertainty(u: Uncertainty, path, *, inputs: tuple = ()) -> None:
    """The workbook: summary (with a chart of the selection frequencies), selection_frequency,
    outcome_distribution, robust (with Γ), draws, run, scenario."""
    outcomes = tuple(u.nominal.outcomes["outcome"]) if u.nominal.outcomes is not None else ()
    with atomic_output(path, inputs=inputs) as tmp:
        out = Sheets(tmp, u.scenario.lang)
        _summary(out, u, outcomes)
        if u.frequency is not None:
            out.frame("selection_frequency", u.frequency, outcomes=outcomes,
                      widths={"title": 45}, freeze_columns=1)
            out.frame("outcome_distribution", u.distribution, outcomes=outcomes,
                      rows={"objective": fmt.OBJECTIVE}, row_key="outcome",
                      kinds=dict.fromkeys(("at_estimate", "worst_case", "mean", "p5", "p50",
                                           "p95"), fmt.OUTCOME))
            if u.robust is not None:
                out.frame("robust", robust_comparison(u), outcomes=outcomes)
            out.frame("draws", u.draws, outcomes=outcomes)
        out.pairs("run", run_items(u, out.words), header=("item", "value"), terms=True)
        out.pairs("scenario", {"name": u.scenario.name, **u.scenario.parameters()})
        out.close()


def _summary(out: Sheets, u: Uncertainty, outcomes: tuple[str, ...]) -> None:
    """What a reader needs first: the scenario, the draws, how sure each project is (a
    chart), and the spread of what the allocation of the estimate achieves."""
    w = out.words
    ws = out.book.add_worksheet(w.sheet("summary"))
    s = u.summary
    ws.write_string(0, 0, w.say("Uncertainty of scenario {name}",
                                "Incertitude du scénario {name}", name=u.scenario.name), out.title)
    by_theme = u.nominal.by_theme
    labels = {} if by_theme is None else dict(zip(by_theme["theme"], by_theme["label"]))
    out.paragraph(ws, 1, scenario_in_words(u.scenario, labels, w) + w.say(
        " Each project's outcomes are drawn {law}; every draw is solved.",
        " Les résultats de chaque projet sont tirés selon une loi {law} ; chaque tirage est "
        "résolu.", law=w.term(s.get("distribution", ""))))
    run = run_items(u, w)
    row = out.items(ws, 3, 0, {
        "draws solved": w.say("{n} of {of}", "{n} sur {of}", n=s.get("samples_done", 0),
                              of=u.samples)
                        + (w.say(" (interrupted)", " (interrompu)") if s.get("interrupted")
                           else ""),
        "seed": u.seed, "draw statuses": run.get("draw_statuses", ""),
        "funded in every draw": s.get("projects funded in every draw"),
        "funded in some draws": s.get("projects funded in some draws"),
        "funded in no draw": s.get("projects funded in no draw")},
        kinds=dict.fromkeys(("seed", "funded in every draw", "funded in some draws",
                             "funded in no draw"), fmt.COUNT), terms=True) + 1
    if u.distribution is not None:
        ws.write_string(row, 0, w.say("What the allocation of the estimate achieves over the "
                                      "draws", "Ce que la répartition de l'estimation atteint "
                                      "sur les tirages"), out.heading)
        d = u.distribution[u.distribution["allocation"] == "estimate"].drop(
            columns="allocation")
        row = out.table(ws, row + 1, 0, d, rows={"objective": fmt.OBJECTIVE}, row_key="outcome",
                        kinds=dict.fromkeys(("at_estimate", "worst_case", "mean", "p5", "p50",
                                             "p95"), fmt.OUTCOME),
                        set_widths=False, words=True) + 1
    if u.frequency is not None and len(u.frequency):
        ws.write_string(row, 0, w.say("How often each project is funded",
                                      "Combien de fois chaque projet est financé"), out.heading)
        hist = frequency_histogram(u.frequency["selection_frequency"].to_numpy(float), w)
        top = row + 1
        out.table(ws, top, 0, hist, set_widths=False)
        chart = out.book.add_chart({"type": "column"})
        chart.add_series({"name": w.term("projects"),
                          "categories": [ws.name, top + 1, 0, top + len(hist), 0],
                          "values": [ws.name, top + 1, 1, top + len(hist), 1],
                          "fill": {"color": "#4E79A7"}, "gap": 40,
                          "data_labels": {"value": True}})
        chart.set_title({"name": w.say("Projects by share of the draws that fund them",
                                       "Projets selon la part des tirages qui les financent")})
        chart.set_x_axis({"name": w.term("funded in")})
        chart.set_y_axis({"name": w.term("projects"), "major_gridlines": {
            "visible": True, "line": {"color": "#D9D9D9"}}})
        chart.set_legend({"none": True})
        chart.set_size({"width": 640, "height": 340})
        ws.insert_chart(3, 9, chart)
    for (sheet, j), width in out.needed.items():
        if sheet == ws.name:
            ws.set_column(j, j, max(width, 22 if j == 0 else 12))
    ws.hide_gridlines(2)
    out.print_setup(ws)


def run_items(u: Uncertainty, w: Words) -> dict:
    """The run's summary as the workbook shows it: its fixed words in the language of ``w``,
    the draws' statuses counted by status."""
    s = dict(u.summary)
    for key in ("distribution", "executor"):
        s[key] = w.term(str(s.get(key, "")))
    s["uncertain_outcomes"] = ", ".join(map(w.term, str(s.get("uncertain_outcomes", ""))
                                            .split(", ")))
    if u.draws is not None:
        s["draw_statuses"] = ", ".join(w.say("{status}: {n}", "{status} : {n}",
                                             status=w.value(k), n=v) for k, v in
                                       u.draws["status"].value_counts().items())
    return s


def plot_uncertainty(u: Uncertainty, path):
    """The PNG (or SVG) histograms of ``plots.uncertainty_histograms``, in the scenario's
    language."""
    # the tables of a run whose allocations were found (``ok``)
    assert u.frequency is not None and u.distribution is not None and u.draws is not None
    outcomes = [o for o in u.distribution["outcome"].unique() if o != "objective"]
    held = u.draws[[f"estimate:{o}" for o in outcomes]].set_axis(outcomes, axis=1)
    w = words(u.scenario.lang)
    return uncertainty_histograms(
        u.frequency["selection_frequency"].to_numpy(float), held, path, lang=w.lang,
        title=w.say("{name}: {n} draws, seed {seed}", "{name} : {n} tirages, graine {seed}",
                    name=u.scenario.name, n=len(u.draws), seed=u.seed))
