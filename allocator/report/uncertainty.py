"""The Monte Carlo workbook and histograms."""
from __future__ import annotations

from allocator.analyse.uncertainty import Uncertainty, robust_comparison
from allocator.report.files import atomic_output
from allocator.report.plots import uncertainty_histograms
from allocator.report.workbook import Sheets


def write_uncertainty(u: Uncertainty, path, *, inputs: tuple = ()) -> None:
    """The workbook: selection_frequency, outcome_distribution, robust (with Γ), draws,
    summary, scenario."""
    with atomic_output(path, inputs=inputs) as tmp:
        out = Sheets(tmp)
        if u.frequency is not None:
            out.frame("selection_frequency", u.frequency, widths={"title": 40})
            out.frame("outcome_distribution", u.distribution)
            if u.robust is not None:
                out.frame("robust", robust_comparison(u))
            out.frame("draws", u.draws)
        out.pairs("summary", u.summary, header=("item", "value"))
        out.pairs("scenario", {"name": u.scenario.name, **u.scenario.parameters()})
        out.close()


def plot_uncertainty(u: Uncertainty, path):
    """The PNG (or SVG) histograms of ``plots.uncertainty_histograms``."""
    # the tables of a run whose allocations were found (``ok``)
    assert u.frequency is not None and u.distribution is not None and u.draws is not None
    outcomes = [o for o in u.distribution["outcome"].unique() if o != "objective"]
    held = u.draws[[f"estimate:{o}" for o in outcomes]].set_axis(outcomes, axis=1)
    return uncertainty_histograms(u.frequency["selection_frequency"].to_numpy(float), held, path,
                                  title=f"{u.scenario.name}: {len(u.draws)} draws, seed {u.seed}")
