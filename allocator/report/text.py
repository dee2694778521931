"""What the terminal shows after a run: a few lines of totals, and tables whose figures read
as in the workbook (``core.format``)."""
from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from allocator.analyse.allocation import Result
from allocator.analyse.explain import NOT_PRICED, Explanation
from allocator.analyse.sweep import Sweep
from allocator.analyse.uncertainty import NOT_IN_TIME, Uncertainty, robust_comparison
from allocator.analyse.voters import VoterMeasures
from allocator.core import format as fmt
from allocator.core.format import euros


def table(frame: pd.DataFrame, *, kinds: Mapping[str, str | None] = {},
          outcomes: tuple[str, ...] = (), rows: Mapping[str, str] = {}) -> str:
    """A frame as aligned text: each column formatted by its kind (``kinds``, else its
    name), numbers right-aligned; ``rows``: the kind of a row's numbers by its first cell."""
    columns = [str(c) for c in frame.columns]
    keys = frame.iloc[:, 0].astype(str).tolist() if len(columns) else []
    cells, right = [], []
    for j, column in enumerate(frame.columns):
        kind = kinds[column] if column in kinds else fmt.kind_of(str(column), outcomes)
        values = frame[column].tolist()
        numeric = pd.api.types.is_numeric_dtype(frame[column]) and \
            not pd.api.types.is_bool_dtype(frame[column])
        cells.append([fmt.show(v, rows.get(keys[i], kind) if j and numeric else kind)
                      for i, v in enumerate(values)])
        right.append(numeric)
    widths = [max([len(c), *map(len, col)]) for c, col in zip(columns, cells)]
    lines = ["  ".join(c.rjust(w) if r else c.ljust(w)
                       for c, w, r in zip(columns, widths, right)).rstrip()]
    for i in range(len(frame)):
        lines.append("  ".join(col[i].rjust(w) if r else col[i].ljust(w)
                               for col, w, r in zip(cells, widths, right)).rstrip())
    return "\n".join(lines)


def sweep_outcomes(done: Sweep) -> tuple[str, ...]:
    """The outcomes a sweep's scenarios achieve, in their order."""
    return next((tuple(r.outcomes["outcome"]) for r in done.results
                 if r is not None and r.outcomes is not None), ())


def sweep_table(done: Sweep) -> str:
    """One line per scenario of a sweep."""
    return table(done.table.drop(columns=["solve_seconds"], errors="ignore"),
                 outcomes=sweep_outcomes(done))


def result_summary(result: Result) -> str:
    """A short table of totals for the terminal."""
    s = result.solution
    lines = [f"scenario   {result.scenario.name}",
             f"status     {s.label}  ({s.solver} {s.version}, {s.solve_seconds:.2f} s)"]
    if s.objective is not None:
        lines.append(f"objective  {s.objective:.6g}  (bound {s.bound:.6g}, proven gap "
                     f"{fmt.percent(s.gap or 0.0)})" if s.bound is not None
                     else f"objective  {s.objective:.6g}")
    if result.diagnosis is not None:
        lines.append(f"conflict   {result.diagnosis.attrs.get('summary', '')}")
        for r in result.diagnosis.itertuples():
            lines.append(f"  - {r.statement}" + (f" → {r.to_relax}" if r.to_relax else ""))
    t = result.totals
    if t:
        assert result.outcomes is not None  # analysed with its totals
        lines.append(f"awarded    {euros(t['awarded'])} of {euros(t['budget'])}, "
                     f"{t['projects_funded']} of {t['projects']} projects funded")
        for r in result.outcomes.itertuples():
            share = f" ({fmt.show(r.share_of_ideal, fmt.SHARE)} of the ideal)" \
                if r.share_of_ideal == r.share_of_ideal else ""
            lines.append(f"{r.outcome:<10} {fmt.show(t[r.outcome], fmt.OUTCOME)}{share}")
    late = [f"{n} {what}" for n, what in (
        (_count(result.allocation, "displaces"), "price(s) of inclusion"),
        (_count(result.shadow_prices, "note"), "shadow price(s)")) if n]
    if late:
        lines.append(f"not priced {' and '.join(late)}: the time limit was reached "
                     "(--time-limit)")
    if result.voters is not None:
        lines += voters_lines(result.voters)
    return "\n".join(lines)


def _count(frame, column: str) -> int:
    """Rows of ``frame`` whose ``column`` says the time limit left them unpriced."""
    return 0 if frame is None or column not in frame else int((frame[column] == NOT_PRICED).sum())


def voters_lines(v: VoterMeasures) -> list[str]:
    """What the voters of an election get, in two lines."""
    lines = [f"voters     {fmt.show(v.voters, fmt.COUNT)}: {fmt.show(v.nothing, fmt.SHARE)} "
             f"with nothing funded; each has {v.mean_funded:.2f} funded projects and "
             f"{fmt.show(v.mean_cost_share, fmt.SHARE)} of the cost they voted for funded, "
             "on average"]
    if v.ejr_violations is not None:
        shown = ", ".join(v.ejr_violations[:5]) + (" …" if len(v.ejr_violations) > 5 else "")
        lines.append("EJR        no group of voters asking for one project is short-changed"
                     if not v.ejr_violations else f"EJR        violated: {len(v.ejr_violations)} "
                     f"project(s) whose supporters are owed them got nothing like it ({shown})")
    return lines


def uncertainty_summary(u: Uncertainty) -> str:
    """A few lines for the terminal."""
    s = u.summary
    lines = [f"scenario   {u.scenario.name}",
             f"draws      {s.get('samples_done', 0)} of {u.samples} (seed {u.seed}, "
             f"{u.scenario.backend}, {s.get('executor', '-')}, {s.get('seconds', 0):.1f} s)"
             + ("  INTERRUPTED" if s.get("interrupted") else "")]
    late = 0 if u.draws is None else int((u.draws["status"] == NOT_IN_TIME).sum())
    if late:
        lines.append(f"not solved {late} draw(s): the time limit was reached; the figures "
                     "below are of the others (--time-limit)")
    if u.frequency is not None:
        lines.append(f"projects   {s['projects funded in every draw']} funded in every draw, "
                     f"{s['projects funded in some draws']} in some, "
                     f"{s['projects funded in no draw']} in none")
        assert u.distribution is not None  # made with the frequencies
        d = u.distribution[u.distribution["allocation"] == "estimate"]
        for r in d.itertuples():
            kind = fmt.OBJECTIVE if r.outcome == "objective" else fmt.OUTCOME
            lines.append(f"{r.outcome:<10} estimate {fmt.show(r.at_estimate, kind)}, mean "
                         f"{fmt.show(r.mean, kind)}, p5 {fmt.show(r.p5, kind)}, p95 "
                         f"{fmt.show(r.p95, kind)}")
        if u.robust is not None:
            for r in robust_comparison(u).itertuples():
                lines.append(f"{r.allocation:<10} objective {r.objective_at_estimate:.4f} "
                             f"(Γ worst {r.objective_worst_case:.4f}, p5 {r.objective_p5:.4f})")
    return "\n".join(lines)


def explanation(why: Explanation) -> str:
    """Each project's reason, and what forcing an unfunded one in would cost."""
    assert why.projects is not None  # explained: ``ok``
    lines = []
    for r in why.projects.itertuples():
        lines.append(f"{r.project_id}: {r.reason}")
        if not r.funded and r.price_of_inclusion is not None and r.price_of_inclusion == \
                r.price_of_inclusion:
            lines.append(f"  forcing it in would cost {r.price_of_inclusion:.6g} of the objective"
                         + (f" ({r.price_in_outcomes})" if r.price_in_outcomes else "")
                         + (f" and displace {r.displaces}" if r.displaces else ""))
        elif not r.funded and r.displaces:  # not priced, or cannot be forced in: why
            lines.append(f"  {r.displaces}")
    return "\n".join(lines)
