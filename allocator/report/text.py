"""What the terminal shows after a run: a few lines of totals."""
from __future__ import annotations

from allocator.analyse.allocation import Result
from allocator.analyse.explain import Explanation
from allocator.analyse.uncertainty import Uncertainty, robust_comparison
from allocator.core.format import euros


def result_summary(result: Result) -> str:
    """A short table of totals for the terminal."""
    s = result.solution
    lines = [f"scenario   {result.scenario.name}",
             f"status     {s.label}  ({s.solver} {s.version}, {s.solve_seconds:.2f} s)"]
    if s.objective is not None:
        lines.append(f"objective  {s.objective:.6g}  (bound {s.bound:.6g})" if s.bound is not None
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
        for o in result.outcomes["outcome"]:
            lines.append(f"{o:<10} {t[o]:,.1f}".replace(",", " "))
    return "\n".join(lines)


def uncertainty_summary(u: Uncertainty) -> str:
    """A few lines for the terminal."""
    s = u.summary
    lines = [f"scenario   {u.scenario.name}",
             f"draws      {s.get('samples_done', 0)} of {u.samples} (seed {u.seed}, "
             f"{u.scenario.backend}, {s.get('executor', '-')}, {s.get('seconds', 0):.1f} s)"
             + ("  INTERRUPTED" if s.get("interrupted") else "")]
    if u.frequency is not None:
        lines.append(f"projects   {s['projects funded in every draw']} funded in every draw, "
                     f"{s['projects funded in some draws']} in some, "
                     f"{s['projects funded in no draw']} in none")
        assert u.distribution is not None  # made with the frequencies
        d = u.distribution[u.distribution["allocation"] == "estimate"]
        for r in d.itertuples():
            form = ".4f" if r.outcome == "objective" else ",.1f"
            lines.append(f"{r.outcome:<10} estimate {r.at_estimate:{form}}, mean {r.mean:{form}}, "
                         f"p5 {r.p5:{form}}, p95 {r.p95:{form}}".replace(",", " "))
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
    return "\n".join(lines)
