"""What the terminal shows after a run: a few lines of totals."""
from __future__ import annotations

from allocator.analyse.allocation import Result
from allocator.analyse.explain import Explanation
from allocator.analyse.uncertainty import Uncertainty, robust_comparison
from allocator.analyse.voters import VoterMeasures
from allocator.core.format import euros, percent


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
    if result.voters is not None:
        lines += voters_lines(result.voters)
    return "\n".join(lines)


def voters_lines(v: VoterMeasures) -> list[str]:
    """What the voters of an election get, in two lines."""
    voters = f"{v.voters:,}".replace(",", " ")
    lines = [f"voters     {voters}: {percent(v.nothing)} with nothing funded; each has "
             f"{v.mean_funded:.2f} funded projects and {percent(v.mean_cost_share)} of the cost "
             "they voted for funded, on average"]
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
                         + (f" and displace {r.displaces}" if r.displaces else ""))
    return "\n".join(lines)
