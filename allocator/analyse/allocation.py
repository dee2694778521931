"""Turn a solution back into frames: the allocation per project and its summaries."""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from allocator.analyse.diagnose import diagnose
from allocator.analyse.explain import REASON_SECONDS, explanations
from allocator.analyse.voters import VoterMeasures, voter_measures
from allocator.backends import SolveOptions
from allocator.core.format import label
from allocator.core.problem import Problem
from allocator.core.scenario import Scenario
from allocator.core.status import Status
from allocator.formulate import Model, share_of_request
from allocator.runtime.resolves import Resolves
from allocator.solve import solve
from allocator.solve.solution import Solution

# seconds per project of the work after the solve that no deadline cuts short: rounding and
# ties, this module's frames and summaries (~3 s wall at 1,000,000 projects on the benchmark
# machine, at a load of ~3). A command's main solve leaves it that time, and its caller's
# (writing the result, ``report.workbook.writing_seconds``); the reasons, which the deadline
# cuts short, get what the solves leave (``explain.REASON_SECONDS``)
TAIL_SECONDS = 4e-6


def after_solve_seconds(problem: Problem) -> float:
    """Seconds to keep, before a command's deadline, for what follows its main solve here and
    no deadline cuts short: the rounding, frames and summaries of its result."""
    return TAIL_SECONDS * problem.n


@dataclass(frozen=True)
class Result:
    """An allocation and what it achieves.

    ``allocation``: one row per project — project_id, territory_id, region, theme, title,
        requested, max_award, award (€), funded (bool), share_of_request (0–1), lock, each
        outcome achieved (its value × share of request), the reasons (explain), then what
        the project offered: total_cost (€), max_aid_rate (0–1, NaN when none),
        ``<outcome>_offered`` (its value when fully funded), theme_label (the themes sheet's
        label), and the input's extra columns.
    ``by_region``, ``by_territory``, ``by_theme``: projects, funded, requested, awarded,
        share_of_awarded, each outcome achieved; by_region and by_territory add floor and cap;
        by_region adds fair_share (€: the awarded total shared in proportion to the
        scenario's fairness basis over the territories with a project; NaN without one) and
        fair_ratio (awarded / fair_share); by_theme adds label (the themes sheet's).
    ``outcomes``: outcome, achieved, available (all projects fully funded), ideal (normaliser),
        share_of_ideal, weight.
    ``totals``: awarded, budget, projects_funded, and each outcome achieved.
    ``shadow_prices``: see explain.explanations; ``diagnosis`` (when infeasible): see
        diagnose.diagnose. ``model``: the model solved (with its priority levels' rows).
    ``voters``: what the voters of a Pabulib election get (``analyse.voters``), else None.
    """
    scenario: Scenario
    solution: Solution
    allocation: pd.DataFrame | None
    by_region: pd.DataFrame | None = None
    by_territory: pd.DataFrame | None = None
    by_theme: pd.DataFrame | None = None
    outcomes: pd.DataFrame | None = None
    totals: dict = field(default_factory=dict)
    shadow_prices: pd.DataFrame | None = None
    diagnosis: pd.DataFrame | None = None
    model: Model | None = field(default=None, repr=False, compare=False)
    voters: VoterMeasures | None = None

    @property
    def run(self) -> dict:
        s = self.solution
        return {"status": s.label, "objective": s.objective, "bound": s.bound, "gap": s.gap,
                "build_seconds": round(s.build_seconds, 4),
                "solve_seconds": round(s.solve_seconds, 4), "backend": s.backend,
                "solver": s.solver, "solver_version": s.version, "message": s.message}


def analyse(problem: Problem, scenario: Scenario, model: Model, solution: Solution, *,
            explain: bool = True, near_misses: int = 20, workers: int = 2,
            options: SolveOptions | None = None) -> Result:
    """The allocation and its summaries; with ``explain``, reasons and shadow prices too.

    ``near_misses``: how many of the best unfunded projects get a price of inclusion
    (one re-solve each, run in ``workers`` processes). ``options``: of the re-solves
    (default the scenario's), on the backend that found the solution; those their deadline
    leaves no time for say so.
    """
    options = replace(options or SolveOptions.from_scenario(scenario), backend=solution.backend)
    if not solution.ok:
        diagnosis = None
        if solution.status == Status.INFEASIBLE and explain:
            diagnosis = diagnose(problem, scenario, model, options)
        return Result(scenario, solution, None, diagnosis=diagnosis, model=model)
    assert solution.values is not None  # ok: it has values
    p = problem.projects
    award, funded = model.awards(solution.values)
    share = share_of_request(award, funded, p["requested"].to_numpy(float))
    outcomes = list(model.outcomes)
    alloc = pd.DataFrame({
        "project_id": p["project_id"], "territory_id": p["territory_id"], "region": p["region"],
        "theme": p["theme"], "title": p["title"], "requested": p["requested"],
        "max_award": p["max_award"], "award": award, "funded": funded,
        "share_of_request": np.round(share, 6), "lock": p["lock"]})
    for o in outcomes:
        alloc[o] = p[o].to_numpy(float) * share
    shadow = None
    if explain:
        # the re-solves leave the reasons their time
        resolver = Resolves(model, options.leaving(REASON_SECONDS * len(p)), workers)
        # reasons, prices of inclusion and shadow prices: their re-solves in one batch
        why, shadow = explanations(problem, scenario, model, solution, award, funded,
                                   near_misses=near_misses, resolver=resolver,
                                   deadline=options.deadline)
        alloc = pd.concat([alloc, why], axis=1)
    alloc["total_cost"] = p["total_cost"].to_numpy(float)
    alloc["max_aid_rate"] = p["max_aid_rate"].to_numpy(float)
    for o in outcomes:
        alloc[f"{o}_offered"] = p[o].to_numpy(float)
    alloc["theme_label"] = [label(t, problem.theme_labels) for t in p["theme"]]
    for c in problem.extra_columns:
        if c not in alloc:
            alloc[c] = p[c].to_numpy()

    def summary(key: str) -> pd.DataFrame:
        g = alloc.groupby(key, sort=True)
        frame = pd.DataFrame({"projects": g.size(), "funded": g["funded"].sum(),
                              "requested": g["requested"].sum(), "awarded": g["award"].sum()})
        total = alloc["award"].sum()
        frame["share_of_awarded"] = frame["awarded"] / total if total else 0.0
        for o in outcomes:
            frame[o] = g[o].sum()
        return frame.reset_index()

    by_region = summary("region")
    if problem.regions is not None:
        by_region = by_region.merge(problem.regions[["region", "floor", "cap"]], on="region",
                                    how="left")
    by_region = _fair_shares(problem, scenario, by_region)
    by_territory = summary("territory_id")
    if len(problem.territories):
        by_territory = by_territory.merge(
            problem.territories[["territory_id", "name", "region", "floor", "cap"]],
            on="territory_id", how="left")
    by_theme = summary("theme")
    by_theme.insert(1, "label", [label(t, problem.theme_labels) for t in by_theme["theme"]])
    achieved = np.array([alloc[o].sum() for o in outcomes])
    available = np.array([p[o].sum() for o in outcomes])
    table = pd.DataFrame({"outcome": outcomes, "achieved": achieved, "available": available,
                          "ideal": model.normalisers if scenario.normalise == "ideal" else np.nan,
                          "weight": [scenario.weights.get(o, 0.0) for o in outcomes]})
    table["share_of_ideal"] = table["achieved"] / table["ideal"]
    totals = {"awarded": float(alloc["award"].sum()), "budget": scenario.budget,
              "projects_funded": int(funded.sum()), "projects": int(len(p)),
              **{o: float(v) for o, v in zip(outcomes, achieved)}}
    voters = None if problem.ballots is None else voter_measures(
        problem.ballots, funded, p["requested"].to_numpy(float), p["project_id"].to_numpy(),
        scenario.budget)
    return Result(scenario, solution, alloc, by_region, by_territory, by_theme, table, totals,
                  shadow, model=model, voters=voters)


def _fair_shares(problem: Problem, scenario: Scenario, by_region: pd.DataFrame) -> pd.DataFrame:
    """``by_region`` with fair_share and fair_ratio (see ``Result``), as compare's fairness
    ratios count them."""
    places = problem.territories
    basis = scenario.fairness_basis
    out = by_region.copy()
    out["fair_share"] = np.nan
    if basis in places and len(places):
        with_projects = places[places["territory_id"].isin(problem.projects["territory_id"])]
        weight = with_projects.groupby("region")[basis].sum(min_count=1)
        weight = weight[weight.notna() & (weight > 0)]
        if len(weight):
            share = out["region"].map(weight / weight.sum())
            out["fair_share"] = share * out["awarded"].sum()
    out["fair_ratio"] = out["awarded"] / out["fair_share"]
    return out


def solve_scenario(problem: Problem, scenario: Scenario, deadline: float | None = None
                   ) -> Result:
    """Solve and analyse (a task of ``runtime.pool``, for sweeps and comparisons), by the
    ``deadline`` (a ``time.monotonic()`` instant) when given.

    Without explanations: per-project reasons cost dozens of re-solves, and a sweep compares
    totals; ``allocator solve`` on one scenario gives them.
    """
    # one HiGHS thread in this process as in a pool worker: at the exact gap a search on
    # two threads ends ~1e-16 apart in bound and awards, and the table would depend on the
    # number of workers
    model, solution = solve(problem, scenario, options=SolveOptions.from_scenario(
        scenario, deadline=deadline).overridden(threads=1))
    return analyse(problem, scenario, model, solution, explain=False)
