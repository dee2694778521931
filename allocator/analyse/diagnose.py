"""When the rules cannot all hold: name the smallest set of rules that conflict, with numbers.

Every rule of the model is a unit that can be switched off: a row of a rule family (the budget,
Occitanie's floor, the coverage of ti-7602, "P-0007 requires P-0003"), or a project's lock.
A deletion filter switches units off while the rest stays infeasible, first whole families,
then single units in chunks that halve (so that 183 coverage rows cost a few dozen solves, not
183); what remains is irreducible: drop any one unit and the others can hold together. Each
unit is then put in words, with the figures that clash, and with what relaxing it would take
(the least slack on that rule alone that makes everything else feasible).

Within a deadline (the command's time limit), a feasibility solve it leaves no time for
proves nothing: the filter stops there and names the rules it has kept, which conflict but may
not all be needed, and says so; a relaxation not computed in time says so too.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import scipy.sparse as sp

from allocator.backends import SolveOptions, backend
from allocator.core.format import label, money, number
from allocator.core.lang import phrase
from allocator.core.problem import Problem
from allocator.core.rules import rule
from allocator.core.scenario import Scenario
from allocator.core.status import Status
from allocator.formulate import MEUR, Change, Model, fundable


@dataclass(frozen=True)
class Unit:
    """One switchable rule: a model row, or a lock on a project's selection column."""
    family: str
    subject: str
    row: int | None = None
    column: int | None = None


def units(problem: Problem, model: Model) -> list[Unit]:
    out = [Unit(g.name, g.labels[k], row=g.start + k) for g in model.groups
           if g.rule.switchable for k in range(len(g))]
    lock = problem.projects["lock"].to_numpy(object)
    ids = problem.projects["project_id"].to_numpy(object)
    out += [Unit("lock_in", ids[i], column=int(i)) for i in np.flatnonzero(lock == "in")]
    out += [Unit("lock_out", ids[i], column=int(i)) for i in np.flatnonzero(lock == "out")
            if problem.projects["max_award"].iloc[i] > 0]
    return out


# what the deadline leaves unsaid: the aside of a summary, and a relaxation not computed
NOT_REDUCED = phrase("conflict.not_reduced", summary="").removeprefix(" (").removesuffix(")")
NOT_COMPUTED = phrase("relax.late")


class OutOfTime(Exception):
    """A feasibility solve ended without an answer (no time left, or none found in time)."""


class _Oracle:
    """Feasibility of the model with only some units on (any allocation will do), on the
    backend of ``options``."""

    def __init__(self, model: Model, all_units: list[Unit], options: SolveOptions):
        self.resolver = backend(options.backend).feasibility(model, replace(options, gap=1.0))
        self.units = all_units
        self.solves = 0

    def infeasible(self, on: set[int]) -> bool:
        off = [u for i, u in enumerate(self.units) if i not in on]
        rows = [u.row for u in off if u.row is not None]
        cols = [u.column for u in off if u.column is not None]
        change = Change(
            rows=(rows, np.full(len(rows), -np.inf), np.full(len(rows), np.inf)) if rows else None,
            cols=(cols, np.zeros(len(cols)), np.ones(len(cols))) if cols else None)
        self.solves += 1
        status = self.resolver.solve(change).status
        if status == Status.NO_SOLUTION:  # neither feasible nor infeasible: out of time
            raise OutOfTime
        return status == Status.INFEASIBLE


def conflict(problem: Problem, model: Model, options: SolveOptions
             ) -> tuple[list[Unit], int, bool]:
    """A minimal set of conflicting units (deletion filter), the number of solves used, and
    whether the set is minimal (False: the deadline stopped the filter, see the module)."""
    all_units = units(problem, model)
    oracle = _Oracle(model, all_units, options)
    kept = list(range(len(all_units)))
    try:
        if not oracle.infeasible(set(kept)):
            return [], oracle.solves, True
        _filter(all_units, oracle, kept)
    except OutOfTime:
        return [all_units[i] for i in kept], oracle.solves, False
    return [all_units[i] for i in kept], oracle.solves, True


def _filter(all_units: list[Unit], oracle: _Oracle, kept: list[int]) -> None:
    """The deletion filter, on ``kept`` in place: every state it holds still conflicts."""
    on = set(kept)
    families: dict[str, list[int]] = {}
    for i, u in enumerate(all_units):
        families.setdefault(u.family, []).append(i)
    # whole families first, largest first: most play no part, and an explanation by a few
    # big rules (a budget, some floors) reads better than one by dozens of small ones
    for members in sorted(families.values(), key=len, reverse=True):
        if oracle.infeasible(on - set(members)):
            on -= set(members)
            kept[:] = sorted(on)
    chunk = max(1, len(kept) // 2)
    while True:
        i = 0
        while i < len(kept):
            trial = kept[:i] + kept[i + chunk:]
            if oracle.infeasible(set(trial)):
                kept[:] = trial
            else:
                i += chunk
        if chunk == 1:
            break
        chunk = max(1, chunk // 2)


def relaxation(model: Model, unit: Unit, options: SolveOptions) -> float | None:
    """Least slack on one row that makes the model feasible (model units), None if none does."""
    if unit.row is None:
        return None
    m = model
    lo, hi = m.row_lo[unit.row], m.row_hi[unit.row]
    sign = 1.0 if np.isfinite(hi) and not np.isfinite(lo) else -1.0  # ≤ row: slack lowers lhs
    slack = sp.csr_array(([-sign], ([unit.row], [0])), shape=(m.A.shape[0], 1))
    relaxed = m.with_objective(np.zeros(m.A.shape[1])).with_columns(slack, -1.0, 0.0, np.inf)
    out = backend(options.backend).solve(relaxed, replace(options, gap=1e-6))
    if out.status == Status.NO_SOLUTION:
        raise OutOfTime
    if out.values is None:
        return None
    return float(out.values[-1])


def describe(problem: Problem, scenario: Scenario, model: Model, unit: Unit) -> str:
    """A unit in words (a template of ``core.lang``), with the figures that matter."""
    p = problem.projects
    eligible = fundable(p)
    f, s = unit.family, unit.subject
    if f == "budget":
        return phrase("diagnosis.budget", budget=money(scenario.budget))
    if f in ("region_floor", "region_cap", "territory_floor", "territory_cap"):
        level, bound = f.split("_")
        key = "region" if level == "region" else "territory_id"
        frame = problem.regions if level == "region" else problem.territories
        limit = frame.set_index(key)[bound][s]
        absorb = p.loc[eligible & (p[key] == s), "max_award"].sum()
        return phrase(f"diagnosis.{f}", subject=s, limit=money(limit), absorb=money(absorb))
    if f in ("theme_min", "theme_max"):
        share = (scenario.theme_min if f == "theme_min" else scenario.theme_max)[s]
        absorb = p.loc[eligible & (p["theme"] == s), "max_award"].sum()
        # the label readers know, and the code the rule is set by (--set theme_min.CODE)
        named = label(s, problem.theme_labels)
        return phrase(f"diagnosis.{f}", subject=s if named == s else f"{named} ({s})",
                      share=f"{share:.0%}", absorb=money(absorb))
    if f in ("fairness_min", "fairness_max"):
        return phrase(f"diagnosis.{f}", subject=s, band=f"{scenario.fairness_band:.0%}",
                      basis=scenario.fairness_basis)
    if f == "coverage":
        n = int((eligible & (p["territory_id"] == s)).sum())
        cheapest = p.loc[eligible & (p["territory_id"] == s)].pipe(
            lambda d: np.where(d["partial"], d["min_award"], d["max_award"]).min() if len(d)
            else np.nan)
        return phrase("diagnosis.coverage", subject=s, n=min(scenario.coverage, n),
                      need=money(cheapest))
    if f == "resource":
        cap = problem.resources.set_index("resource")["capacity"][s]
        return phrase("diagnosis.resource", subject=s, capacity=number(cap))
    if f == "sites":
        return phrase("diagnosis.sites", n=scenario.sites_max)
    if f == "net_artificialisation":
        return phrase("diagnosis.net_artificialisation", ha=f"{scenario.sites_max_net_ha:g}")
    if f == "min_outcome":
        return phrase("diagnosis.min_outcome", amounts=f"{number(scenario.minimums[s])} {s}")
    if f == "requires":
        return s  # the model's label of the row: "P-0007 requires P-0003" (diagnosis.requires)
    if f == "exclusive":
        return phrase("diagnosis.exclusive", subject=s)
    if f == "lock_in":
        row = p.loc[p["project_id"] == s].iloc[0]
        need = row["min_award"] if row["partial"] else row["max_award"]
        return phrase("diagnosis.lock_in", project=s, need=money(need))
    if f == "lock_out":
        return phrase("diagnosis.lock_out", project=s)
    return f"{f}: {s}"


def _relax_words(unit: Unit, amount: float | None, problem: Problem) -> str:
    family = rule(unit.family)
    if family.relax not in ("raise", "lower"):
        return family.relax
    if unit.row is None:
        return ""
    if amount is None:
        return phrase("relax.alone")
    if unit.family == "resource":
        cap = problem.resources.set_index("resource")["capacity"][unit.subject]
        value = number(amount * cap)
    else:
        value = money(amount * MEUR) if family.euros else f"{amount:,.4g}"
    return phrase(f"relax.{family.relax}", amount=value)


def diagnose(problem: Problem, scenario: Scenario, model: Model,
             options: SolveOptions | None = None) -> pd.DataFrame:
    """The conflicting rules: columns rule, subject, statement, to_relax, found on the
    backend of ``options`` (default: the scenario's).

    ``attrs['summary']`` holds one sentence for the terminal, ``attrs['solves']`` the count of
    feasibility solves the filter took, ``attrs['backend']`` the backend that ran them.
    """
    options = options or SolveOptions.from_scenario(scenario)
    found, solves, minimal = conflict(problem, model, options)
    rows = [{"rule": u.family, "subject": u.subject,
             "statement": describe(problem, scenario, model, u),
             "to_relax": _to_relax(u, model, options, problem)} for u in found]
    frame = pd.DataFrame(rows, columns=["rule", "subject", "statement", "to_relax"])
    frame.attrs["solves"] = solves
    frame.attrs["backend"] = options.backend
    summary = _summary(problem, scenario, found, frame)
    frame.attrs["summary"] = summary if minimal else phrase("conflict.not_reduced",
                                                            summary=summary)
    return frame


def _to_relax(unit: Unit, model: Model, options: SolveOptions, problem: Problem) -> str:
    try:
        return _relax_words(unit, relaxation(model, unit, options), problem)
    except OutOfTime:
        return NOT_COMPUTED


def _summary(problem: Problem, scenario: Scenario, found: list[Unit], frame: pd.DataFrame) -> str:
    if not found:
        return phrase("conflict.none")
    budget = money(scenario.budget)
    floors = [u for u in found if u.family == "region_floor"]
    if floors and any(u.family == "budget" for u in found):
        total = problem.regions.set_index("region")["floor"][[u.subject for u in floors]].sum()
        return phrase("conflict.floors" if len(found) == len(floors) + 1
                      else "conflict.floors_more", floors=money(total), budget=budget)
    cover = [u for u in found if u.family == "coverage"]
    if cover and any(u.family == "budget" for u in found) and len(found) == len(cover) + 1:
        p = problem.projects
        eligible = p[fundable(p)]
        need = eligible.assign(entry=np.where(eligible["partial"], eligible["min_award"],
                                              eligible["max_award"])).groupby("territory_id")["entry"].min()
        total = need[[u.subject for u in cover]].sum()
        return phrase("conflict.coverage", n=len(cover), need=money(total), budget=budget)
    locks = [u for u in found if u.family == "lock_in"]
    if locks and any(u.family == "budget" for u in found) and len(found) == len(locks) + 1:
        p = problem.projects.set_index("project_id")
        need = sum((p.loc[u.subject, "min_award"] if p.loc[u.subject, "partial"]
                    else p.loc[u.subject, "max_award"]) for u in locks)
        return phrase("conflict.locks", need=money(need), budget=budget)
    return phrase("conflict.all", statements="; ".join(frame["statement"]))
