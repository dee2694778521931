"""Scenario comparison: what each scenario funds, achieves and spreads, side by side.

Every figure is derived from the per-scenario allocations (award per project, with its
territory, region, theme and outcomes achieved), so a comparison can mix scenarios solved here
and result workbooks written earlier by ``allocator solve``. The frames of a ``Comparison``:

``outcomes``: one row per metric (each outcome achieved, ``awarded`` €, ``projects_funded``);
    a column per scenario; ``Δ <name>`` (difference against the first scenario) for each
    other; ``index <name>`` (100 × value / the first's value) for each.
``regions``, ``themes``: euros awarded per region or theme (rows) and scenario (columns),
    with ``Δ <name>`` columns.
``territories``: territory_id, name, region, euros per scenario, ``Δ <name>``, and
    ``largest_change`` (the Δ of largest magnitude); territories with at least one project,
    those that gain or lose most first.
``changes``: projects funded in some scenarios but not all: project_id, title, territory_id,
    region, theme, requested, the award in each scenario, ``funded_in`` (names).
``fairness``: one row per scenario: ``gini_territories`` (Gini coefficient of the euros per
    territory, over territories with at least one project), ``gini_per_industrial_job``
    (Gini of euros per industrial job, territories weighted by their industrial jobs),
    ``territories_covered`` (share of territories with a project that get at least one
    funded), ``smallest_fair_ratio``/``smallest_region`` and ``largest_fair_ratio``/
    ``largest_region`` (a region's share of the euros over its fair share: its share of the
    scenario's fairness basis, industrial jobs or population, among regions with projects;
    1 is exactly fair).
    For a Pabulib election (``election`` given), what its voters get instead (see
    ``voter_fairness``).
``parameters``: one row per scenario parameter, a column per scenario, ``differs``.
``greedy``: the optimum against the ranking rule under the same rules (``solve.greedy``): one row
    per scenario, ranking and metric (``objective``, outcomes, ``awarded``,
    ``projects_funded``): optimal, greedy, difference, ``optimum_gain`` (optimal / greedy − 1).
``allocations``: project_id, title, territory_id, region, theme, requested, award per scenario,
    then per greedy reference (``<scenario> (greedy by <rank>)``).
``runs``: one row per scenario: source, method, status, objective, solver, seconds, message.
``fair_ratios``: one row per region with a fairness basis, one column per scenario: its
    share of the euros over its fair share (the ratios ``fairness`` takes the extremes of).
``theme_labels``: theme → the themes sheet's label, as the allocations carry them.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from types import MappingProxyType
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from allocator.analyse.allocation import Result, analyse, solve_scenario
from allocator.analyse.voters import voter_measures
from allocator.core.ballots import APPROVAL
from allocator.core.problem import Problem
from allocator.core.run import Run
from allocator.core.scenario import Scenario
from allocator.core.status import Status
from allocator.formulate import Model, formulate
from allocator.runtime.pool import collect
from allocator.solve.equal_shares import RULES, equal_shares
from allocator.solve.greedy import RANKS, TOTAL, full_values, greedy
from allocator.solve.solution import Solution

PROJECT_KEYS = ["project_id", "title", "territory_id", "region", "theme", "requested"]
PUBLISHED = "published"  # the outcome a Pabulib file states (its ``selected`` column)
REFERENCES = ("greedy", *RULES, PUBLISHED)  # what a run's solution is when not an optimum


@dataclass(frozen=True)
class Comparison:
    """Scenarios side by side; the frames are described in the module's docstring."""
    runs: tuple[Run, ...]
    references: tuple[Run, ...]
    outcomes: pd.DataFrame
    regions: pd.DataFrame
    themes: pd.DataFrame
    territories: pd.DataFrame
    changes: pd.DataFrame
    fairness: pd.DataFrame
    parameters: pd.DataFrame
    greedy: pd.DataFrame
    allocations: pd.DataFrame
    runs_table: pd.DataFrame
    fair_ratios: pd.DataFrame | None = None
    theme_labels: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def names(self) -> list[str]:
        return [r.name for r in self.runs if r.ok]

    @property
    def outcome_index(self) -> pd.DataFrame:
        """Outcomes (rows) × scenarios (columns), relative to the first scenario (= 100)."""
        frame = self.outcomes.set_index("metric")
        return frame[[f"index {n}" for n in self.names]].set_axis(self.names, axis=1)

    @property
    def region_euros(self) -> pd.DataFrame:
        return self.regions.set_index("region")[self.names]


# ----------------------------------------------------------------------------- runs

def run_of(result: Result, source: str, *, problem: Problem | None = None,
           model: Model | None = None, name: str | None = None) -> Run:
    """A Run from an analysed Result (``problem`` and ``model``: to give its totals, the
    weighted objective included, straight from the solution's column values)."""
    s, scenario = result.solution, result.scenario
    values = s.values
    totals: Mapping[str, float | None] = {}
    if problem is not None and model is not None and values is not None:
        totals = model.totals(values)
    elif result.totals:
        totals = {**{k: v for k, v in result.totals.items() if k not in ("budget", "projects")},
                  "objective": s.objective}
    method = s.solver if s.backend in REFERENCES else "optimal"
    outcomes = tuple(result.outcomes["outcome"]) if result.outcomes is not None else ()
    return Run(name or scenario.name, scenario.name, source, method, s.label,
               result.allocation, outcomes,
               MappingProxyType({"name": scenario.name, **scenario.parameters()}),
               MappingProxyType(totals), f"{s.solver} {s.version}".strip(),
               s.build_seconds + s.solve_seconds, s.message)


def greedy_run(problem: Problem, scenario: Scenario, rank: str, *, model: Model | None = None,
               source: str = "") -> Run:
    """The ranking rule's allocation under ``scenario`` (kept even when it leaves a floor
    unmet: its totals then still say what it achieves, and its status says why it fails)."""
    model, solution = greedy(problem, scenario, rank=rank, model=model)
    # analysed as if feasible, so that what it funds can be shown; the Run keeps its status
    result = analyse(problem, scenario, model, replace(solution, status=Status.FEASIBLE),
                     explain=False)
    run = run_of(result, source, problem=problem, model=model,
                 name=f"{scenario.name} (greedy by {rank})")
    return replace(run, status=solution.label)


def election_runs(problem: Problem, scenario: Scenario, *, source: str = "",
                  completion: str = "add1-greedy") -> list[Run]:
    """For a Pabulib election (a problem with ballots): the Method of Equal Shares, sequential
    Phragmén (approval ballots) and the published outcome (the file's ``selected`` column,
    when it has one), each as a run beside the optimum."""
    out = []
    for rule in RULES:
        if rule == "phragmen" and problem.ballots is not None and \
                problem.ballots.kind != APPROVAL:
            continue
        model, solution = equal_shares(problem, scenario, rule=rule, completion=completion)
        result = analyse(problem, scenario, model, solution, explain=False)
        out.append(run_of(result, source, problem=problem, model=model,
                          name=f"{scenario.name} ({'MES' if rule == 'mes' else 'Phragmén'})"))
    if "selected" in problem.projects:
        model = formulate(problem, scenario)
        chosen = (problem.projects["selected"] == "yes").to_numpy(float)
        values = full_values(model) @ chosen
        if TOTAL in model.col_names:
            values[model.col_names.index(TOTAL)] = float(np.sum(model.award @ values))
        solution = Solution(status=Status.FEASIBLE, objective=float(model.c @ values
                                                                    + model.offset),
                            bound=None, gap=None, values=values, build_seconds=0.0,
                            solve_seconds=0.0, backend=PUBLISHED, solver="published outcome",
                            version="", message="the selected column of the file")
        result = analyse(problem, scenario, model, solution, explain=False)
        out.append(run_of(result, source, problem=problem, model=model,
                          name=f"{scenario.name} (published)"))
    return out


def solve_runs(problem: Problem, scenarios: Sequence[Scenario], *, source: str = "",
               workers: int | None = None, progress: bool | None = None,
               deadline: float | None = None) -> list[Run]:
    """Solve each scenario (in parallel local processes when there are several; see
    ``sweep``), analysed without per-project explanations, which comparisons do not use;
    by ``deadline`` (a ``time.monotonic()`` instant) when given: one it leaves no time for
    has no allocation, and its message says so."""
    batch = collect(problem, partial(solve_scenario, deadline=deadline), list(scenarios),
                    workers=workers, progress=progress, label="scenarios")
    runs = []
    for i, scenario in enumerate(scenarios):
        result = batch.results.get(i)
        if result is None:  # interrupted before it ran
            runs.append(Run(scenario.name, scenario.name, source, "optimal", "not run", None, (),
                            MappingProxyType({"name": scenario.name, **scenario.parameters()})))
            continue
        runs.append(run_of(result, source, problem=problem, model=formulate(problem, scenario)
                           if result.solution.values is not None else None))
    return runs


def runs_for(problem: Problem, scenarios: Sequence[Scenario], *, greedy: str = "each",
             source: str = "", workers: int | None = None, progress: bool | None = None,
             deadline: float | None = None) -> tuple[list[Run], list[Run]]:
    """The optimal runs of ``scenarios`` (solved by ``deadline``, see ``solve_runs``) and
    their greedy references (both rankings) for ``greedy`` = ``each`` scenario, the
    ``first`` only, or ``none``."""
    runs = solve_runs(problem, scenarios, source=source, workers=workers, progress=progress,
                      deadline=deadline)
    picked = {"each": list(scenarios), "first": list(scenarios[:1]), "none": []}[greedy]
    references = [greedy_run(problem, s, rank, source=source) for s in picked for rank in RANKS]
    return runs, references


def unique_names(runs: Sequence[Run]) -> list[Run]:
    """Runs renamed where two share a name: ``name (file)``, then ``name #k``."""
    seen: set[str] = set()
    out = []
    for run in runs:
        name = run.name
        if name in seen and run.source:
            name = f"{run.name} ({Path(run.source).stem})"
        base, k = name, 2
        while name in seen:
            name, k = f"{base} #{k}", k + 1
        seen.add(name)
        out.append(replace(run, name=name))
    return out


# ----------------------------------------------------------------------------- comparison

def compare_runs(runs: Sequence[Run], references: Sequence[Run] = (),
            territories: pd.DataFrame | None = None, election: Problem | None = None
            ) -> Comparison:
    """Compare the runs that have an allocation (the first is the reference of every Δ).

    ``references``: greedy runs (``greedy_run``), matched to runs by scenario name.
    ``territories``: the input's territories (territory_id, name, region, industrial_jobs,
    population) for fairness; without it, names and regions come from the allocations and
    the per-job and fair-share figures are left empty. ``election``: a problem with ballots
    (a Pabulib file): fairness is then what its voters get (``voter_fairness``).
    """
    runs = unique_names(runs)
    done = [r for r in runs if r.ok]
    if not done:
        raise ValueError("no scenario has an allocation to compare")
    names = [r.name for r in done]
    awards = pd.concat([_allocation(r).set_index("project_id")["award"].rename(r.name)
                        for r in done], axis=1).fillna(0.0)
    funded = pd.concat([_allocation(r).set_index("project_id")["funded"].rename(r.name)
                        for r in done], axis=1).fillna(False).astype(bool)
    projects = (pd.concat([_allocation(r)[PROJECT_KEYS] for r in done])
                .drop_duplicates("project_id").set_index("project_id"))
    projects = projects.reindex(awards.index)
    places = _territories(done, projects, territories)

    greedy_awards = [r.allocation.set_index("project_id")["award"].rename(r.name)
                     for r in references if r.allocation is not None]
    allocations = projects.join([awards, *greedy_awards]).reset_index()
    outcomes = _outcomes(done, names)
    regions = _by(projects["region"], awards, names, "region")
    themes = _by(projects["theme"], awards, names, "theme")
    per_territory = _by(projects["territory_id"], awards, names, "territory_id")
    terr = places[["territory_id", "name", "region"]].merge(per_territory, on="territory_id",
                                                            how="inner")
    deltas = terr[[f"Δ {n}" for n in names[1:]]].to_numpy(float)
    if deltas.shape[1]:
        pick = np.abs(deltas).argmax(axis=1)
        terr["largest_change"] = deltas[np.arange(len(terr)), pick]
        terr = terr.iloc[np.argsort(-np.abs(terr["largest_change"].to_numpy()), kind="stable")]
    else:
        terr["largest_change"] = 0.0
    differs = funded.any(axis=1) & ~funded.all(axis=1)
    changes = projects[differs].join(awards[differs]).reset_index()
    changes["funded_in"] = [", ".join(np.asarray(names)[row]) for row in funded[differs].to_numpy()]
    fairness, ratios = _fairness(done, projects, awards, places)
    if election is not None and election.ballots is not None:
        fairness = voter_fairness(done, election)
    labels = {t: str(label) for r in done if "theme_label" in _allocation(r)
              for t, label in zip(_allocation(r)["theme"], _allocation(r)["theme_label"])
              if isinstance(label, str) and label}
    return Comparison(
        runs=tuple(runs), references=tuple(references), outcomes=outcomes, regions=regions,
        themes=themes, territories=terr.reset_index(drop=True), changes=changes,
        fairness=fairness, parameters=_parameters(done), greedy=_greedy(done, references),
        allocations=allocations, runs_table=_runs_table([*runs, *references]),
        fair_ratios=ratios, theme_labels=MappingProxyType(labels))


def _allocation(run: Run) -> pd.DataFrame:
    """The allocation of a run compared (``compare_runs`` keeps the runs that have one)."""
    assert run.allocation is not None
    return run.allocation


def _territories(done: list[Run], projects: pd.DataFrame, territories: pd.DataFrame | None
                 ) -> pd.DataFrame:
    """territory_id, name, region, industrial_jobs, population of territories with projects."""
    present = projects.drop_duplicates("territory_id")[["territory_id", "region"]]
    if territories is not None and len(territories):
        known = territories.drop_duplicates("territory_id")
        keep = [c for c in ("territory_id", "name", "industrial_jobs", "population") if c in known]
        frame = present.merge(known[keep], on="territory_id", how="left")
    else:
        names: dict[str, str] = {}
        for run in done:  # a result workbook's allocation may hold the territory's name
            allocation = _allocation(run)
            if "territory_name" in allocation:
                names.update(zip(allocation["territory_id"], allocation["territory_name"]))
        frame = present.assign(name=present["territory_id"].map(names))
    for c in ("name", "industrial_jobs", "population"):
        if c not in frame:
            frame[c] = np.nan
    frame["name"] = frame["name"].fillna(frame["territory_id"])
    return frame.sort_values("territory_id").reset_index(drop=True)


def _with_deltas(frame: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    for n in names[1:]:
        frame[f"Δ {n}"] = frame[n] - frame[names[0]]
    return frame


def _by(keys: pd.Series, awards: pd.DataFrame, names: list[str], label: str) -> pd.DataFrame:
    frame = awards.groupby(keys.to_numpy(), sort=True).sum()[names]
    frame.index.name = label
    return _with_deltas(frame.reset_index(), names)


def _outcomes(done: list[Run], names: list[str]) -> pd.DataFrame:
    order: list[str] = []
    for run in done:
        order += [o for o in run.outcomes if o not in order]
    achieved = {r.name: {o: float(a[o].sum()) if o in a else np.nan for o in order}
                for r in done for a in (_allocation(r),)}
    # an outcome no scenario achieves anything of (a zero column of a Pabulib file) is noise
    order = [o for o in order if any(abs(achieved[n][o]) > 0 for n in names)]
    rows = {n: [achieved[n][o] for o in order]
            + [float(_allocation(r)["award"].sum()), float(_allocation(r)["funded"].sum())]
            for n, r in zip(names, done)}
    frame = _with_deltas(pd.DataFrame({"metric": order + ["awarded", "projects_funded"], **rows}),
                         names)
    first = frame[names[0]].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        for n in names:
            frame[f"index {n}"] = np.where(first != 0, 100 * frame[n].to_numpy(float) / first,
                                           np.nan)
    return frame


def gini(values, weights=None) -> float:
    """Gini coefficient of ``values`` (each counted ``weights`` times): 0 when all are equal,
    towards 1 when one holds everything; NaN when there is nothing to share."""
    x = np.asarray(values, float)
    w = np.ones_like(x) if weights is None else np.asarray(weights, float)
    keep = (w > 0) & np.isfinite(x)
    x, w = x[keep], w[keep]
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    mass = np.cumsum(w * x)
    if not len(x) or mass[-1] <= 0:
        return float("nan")
    lorenz = mass / mass[-1]
    before = np.concatenate([[0.0], lorenz[:-1]])
    # one minus twice the area under the Lorenz curve (trapezoids of width w / W)
    return float(1.0 - np.sum(w * (lorenz + before)) / w.sum())


def _fairness(done: list[Run], projects: pd.DataFrame, awards: pd.DataFrame,
              places: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    euros = awards.groupby(projects["territory_id"].to_numpy()).sum()
    euros = euros.reindex(places["territory_id"]).fillna(0.0)
    funded_any = (awards > 0).groupby(projects["territory_id"].to_numpy()).any()
    funded_any = funded_any.reindex(places["territory_id"]).fillna(False)
    jobs = places["industrial_jobs"].to_numpy(float)
    with_jobs = np.isfinite(jobs) & (jobs > 0)
    rows, ratios = [], {}
    for run in done:
        e = euros[run.name].to_numpy(float)
        basis_name = str(run.parameters.get("fairness.basis") or "industrial_jobs")
        basis = places.groupby("region")[basis_name].sum(min_count=1) if basis_name in places \
            else pd.Series(dtype=float)
        region_euros = pd.Series(e, index=places["region"].to_numpy()).groupby(level=0).sum()
        basis = basis.reindex(region_euros.index)
        ok = basis.notna() & (basis > 0)
        ratio = ((region_euros[ok] / region_euros.sum()) / (basis[ok] / basis[ok].sum())
                 if ok.any() and region_euros.sum() > 0 else pd.Series(dtype=float))
        rows.append({
            "scenario": run.name,
            "gini_territories": gini(e),
            "gini_per_industrial_job": gini(e[with_jobs] / jobs[with_jobs], jobs[with_jobs])
            if with_jobs.any() else np.nan,
            "territories_covered": float(funded_any[run.name].mean()),
            "smallest_fair_ratio": float(ratio.min()) if len(ratio) else np.nan,
            "smallest_region": str(ratio.idxmin()) if len(ratio) else "",
            "largest_fair_ratio": float(ratio.max()) if len(ratio) else np.nan,
            "largest_region": str(ratio.idxmax()) if len(ratio) else "",
            "fairness_basis": basis_name})
        ratios[run.name] = ratio
    return pd.DataFrame(rows), pd.DataFrame(ratios).rename_axis("region").reset_index()


def voter_fairness(done: list[Run], election: Problem) -> pd.DataFrame:
    """One row per run: what the election's voters get (``analyse.voters``): voters,
    share_with_nothing, mean_funded_supported, mean_cost_share, ejr_single_project,
    ejr_violated_by (ids, comma-separated). Projects the run does not list count as unfunded."""
    assert election.ballots is not None
    ids = election.projects["project_id"]
    costs = election.projects["requested"].to_numpy(float)
    budget = election.scenario().budget
    rows = []
    for run in done:
        allocation = _allocation(run).set_index("project_id")["funded"]
        funded = allocation.reindex(ids).fillna(False).to_numpy(bool)
        measures = voter_measures(election.ballots, funded, costs, ids.to_numpy(), budget)
        rows.append({"scenario": run.name, **measures.to_dict(flat=True)})
    return pd.DataFrame(rows)


def _parameters(done: list[Run]) -> pd.DataFrame:
    keys: list[str] = []
    for run in done:
        keys += [k for k in run.parameters if k not in keys and k != "name"]
    frame = pd.DataFrame({"parameter": keys, **{
        r.name: [_plain(r.parameters.get(k)) for k in keys] for r in done}})
    values = frame[[r.name for r in done]].astype(str)
    frame["differs"] = values.nunique(axis=1).to_numpy() > 1
    return frame


def _plain(v):
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, (dict, list, tuple)):
        return json.dumps(v, ensure_ascii=False, default=str)
    return v


def _greedy(done: list[Run], references: Sequence[Run]) -> pd.DataFrame:
    columns = ["scenario", "ranking", "greedy_status", "metric", "optimal", "greedy",
               "difference", "optimum_gain"]
    rows = []
    by_scenario = {r.scenario: r for r in done if r.method == "optimal"}
    for ref in references:
        opt = by_scenario.get(ref.scenario)
        if opt is None or not ref.totals:
            continue
        # outcomes neither allocation achieves anything of (a Pabulib file's jobs) are noise
        metrics = ["objective", *[o for o in opt.outcomes if o in ref.totals
                                  and (opt.totals.get(o) or ref.totals.get(o))],
                   "awarded", "projects_funded"]
        for m in metrics:
            a, b = opt.totals.get(m), ref.totals.get(m)
            a = np.nan if a is None else float(a)
            b = np.nan if b is None else float(b)
            rows.append({"scenario": opt.name, "ranking": ref.method, "greedy_status": ref.status,
                         "metric": m, "optimal": a, "greedy": b, "difference": a - b,
                         "optimum_gain": a / b - 1 if b and np.isfinite(b) else np.nan})
    return pd.DataFrame(rows, columns=columns)


def _runs_table(runs: Sequence[Run]) -> pd.DataFrame:
    return pd.DataFrame([{"scenario": r.name, "source": r.source, "method": r.method,
                          "status": r.status, "objective": r.totals.get("objective"),
                          "solver": r.solver, "seconds": r.seconds, "message": r.message}
                         for r in runs])


# ----------------------------------------------------------------------------- outputs
