"""The library's entry points: each command's whole job as one function, on pandas frames.

The command line calls these and only prints and writes what they return; Python users call
them the same way::

    problem = allocator.load("scenarios/territoires-industrie.xlsx")
    scenario = allocator.choose_scenario(problem, "balanced", ["budget=80e6"])
    result = allocator.optimise(problem, scenario)
    why = allocator.explain(problem, scenario, ["P-0412"])

The time limit (the scenario's ``time_limit``, or the ``time_limit`` given) bounds each
function's whole job, from the ``started`` instant given (a command's start, before it read
its input, so that reading and validating count) or else from the moment it is called: its
main solve gets at most ``backends.base.MAIN_SHARE`` of it when re-solves follow
(explanations, draws), the whole of it when none do, less the time kept for what follows it,
and every later solve what is left; what the limit left no time for says so (see each
result's documentation).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from allocator.analyse.allocation import Result, after_solve_seconds, analyse
from allocator.analyse.budget_curve import budget_curve as _curve
from allocator.analyse.compare import Comparison, compare_runs, election_runs, runs_for
from allocator.analyse.explain import Explanation, explain_projects
from allocator.analyse.frontier import Frontier
from allocator.analyse.frontier import frontier as _frontier
from allocator.analyse.sweep import Sweep, parse_variations, run_sweep
from allocator.analyse.uncertainty import Uncertainty
from allocator.analyse.uncertainty import monte_carlo as _monte_carlo
from allocator.backends import SolveOptions, since
from allocator.core.findings import ERROR, Finding, InputError
from allocator.core.lang import phrase
from allocator.core.problem import Problem
from allocator.core.run import Run
from allocator.core.scenario import Scenario, choose_scenario
from allocator.read import from_frames, read_workbook
from allocator.read.results import is_result_workbook, read_result
from allocator.solve import solve
from allocator.solve.equal_shares import RULES, equal_shares
from allocator.solve.greedy import greedy
from allocator.validate import validate

__all__ = ["Comparison", "Explanation", "Frontier", "NothingToCompare", "Result", "Run", "Sweep",
           "Uncertainty", "budget_curve", "choose_scenario", "compare", "explain",
           "from_tables", "frontier", "load", "monte_carlo", "optimise", "sweep"]


def load(path: str | Path) -> Problem:
    """Read and validate a workbook (.xlsx, a folder of .csv, a Pabulib .pb); raises
    InputError."""
    return validate(read_workbook(path))


def from_tables(projects: pd.DataFrame, territories: pd.DataFrame | None = None,
                regions: pd.DataFrame | None = None, resources: pd.DataFrame | None = None,
                themes: pd.DataFrame | None = None, scenarios: pd.DataFrame | None = None
                ) -> Problem:
    """Validate pandas frames laid out like the workbook's sheets; raises InputError."""
    frames = {"projects": projects, "territories": territories, "regions": regions,
              "resources": resources, "themes": themes, "scenarios": scenarios}
    return validate(from_frames({k: v for k, v in frames.items() if v is not None}))


def optimise(problem: Problem, scenario: Scenario | None = None, *, method: str = "optimal",
             rank: str = "score", completion: str | None = None, explain: bool = True,
             near_misses: int = 20, workers: int = 2, verbose: bool = False,
             started: float | None = None, after: float = 0.0, **overrides) -> Result:
    """Solve ``problem`` under ``scenario`` (default: its first) and analyse the allocation.

    ``method``: ``optimal`` (the MILP optimum) or ``greedy`` (fund down a ranking by
    ``rank``, ``score`` or ``ratio``, under the same rules: a reference, never explained as
    an optimum), ``mes`` (the Method of Equal Shares on a Pabulib file's ballots, with
    ``completion`` ``none``, ``add1``, ``greedy`` or ``add1-greedy``, the default; on a
    workbook, across its territories, default ``greedy``) or ``phragmen`` (sequential
    Phragmén, approval ballots), both under the scenario's rules (see
    ``solve.equal_shares``). ``explain``: reasons, shadow prices and the price of
    inclusion of the ``near_misses`` best unfunded projects (re-solves on ``workers``
    processes), or the diagnosis when the rules conflict. ``overrides``: backend,
    time_limit, gap, threads. ``started``: the ``time.monotonic()`` instant from which the
    time limit counts (default now; a command gives the instant it started, so that reading
    and validating the input count against it); the solves and the explanations end in time
    for what must follow them (``analyse.allocation.after_solve_seconds``, and ``after``
    seconds for the caller's own work on the result, as writing it), and the reasons the
    limit leaves no time for say so (``analyse.explain.NOT_EXPLAINED``).
    """
    scenario = scenario or problem.scenario()
    if method == "greedy":
        model, solution = greedy(problem, scenario, rank=rank)
        return analyse(problem, scenario, model, solution, explain=False)
    if method in RULES:
        model, solution = equal_shares(problem, scenario, rule=method, completion=completion)
        return analyse(problem, scenario, model, solution, explain=False)
    if method != "optimal":
        raise ValueError(f"method must be one of optimal, greedy, {', '.join(RULES)}, "
                         f"not {method!r}")
    options = SolveOptions.from_scenario(scenario, verbose=verbose).overridden(
        **overrides).with_deadline(started)
    # the solves and the explanations end in time for what must follow them
    options = options.leaving(after_solve_seconds(problem) + after)
    model, solution = solve(problem, scenario,
                            options=options.for_main_solve() if explain else options)
    return analyse(problem, scenario, model, solution, explain=explain,
                   near_misses=near_misses, workers=workers, options=options)


def explain(problem: Problem, scenario: Scenario, project_ids: Sequence[str], *,
            verbose: bool = False, started: float | None = None, **overrides
            ) -> Explanation:
    """Why each project is funded or not, and what forcing it in would cost (one re-solve
    each, on the scenario's backend, within the time limit with the solve, counted from
    ``started`` as in ``optimise``: a project it left no time for is "not priced"); raises
    InputError for an unknown project."""
    known = set(problem.projects["project_id"])
    unknown = [pid for pid in project_ids if pid not in known]
    if unknown:
        raise InputError([Finding(ERROR, "projects", phrase(
            "option.project", given=pid, source=problem.source or "the workbook"))
            for pid in unknown])
    options = SolveOptions.from_scenario(scenario, verbose=verbose).overridden(
        **overrides).with_deadline(started)
    model, solution = solve(problem, scenario, options=options.for_main_solve())
    return explain_projects(problem, scenario, model, solution, project_ids, options)


def budget_curve(problem: Problem, scenario: Scenario, start: float, stop: float, steps: int,
                 *, workers: int = 2, started: float | None = None) -> pd.DataFrame:
    """What the optimum achieves at ``steps`` envelopes from ``start`` to ``stop`` (€), on
    the scenario's backend (see ``analyse.budget_curve``), all within its time limit counted
    from ``started`` (default now; a point it left no time for: "not solved in time" in
    ``note``)."""
    bounds = np.array([start, stop], float)
    if not np.all(np.isfinite(bounds)) or start < 0 or stop < start or steps < 2:
        raise InputError([Finding(ERROR, "--from/--to", phrase(
            "option.budgets", start=f"{start:g}", stop=f"{stop:g}", steps=steps))])
    return _curve(problem, scenario, np.linspace(start, stop, steps), workers,
                  SolveOptions.from_scenario(scenario).with_deadline(started))


def compare(sources: Sequence[str | Path], scenario_names: Sequence[str] = (),
            overrides: Sequence[str] = (), *, backend: str | None = None,
            time_limit: float | None = None, gap: float | None = None, greedy: str = "each",
            workers: int | None = None, progress: bool | None = None,
            on_source: Callable[[str, int], None] | None = None,
            started: float | None = None) -> Comparison:
    """Scenarios side by side. ``sources``: input workbooks (every scenario of their
    scenarios sheet is solved, or those of ``scenario_names``, with ``overrides`` and the
    flags on top) and result workbooks of ``allocator solve``. ``greedy``: the ranking
    references for ``each`` scenario, the ``first`` or ``none``. ``on_source(source, n)`` is
    told before the n scenarios of an input are solved. A Pabulib election adds MES,
    Phragmén and its published outcome as runs, and its voters' measures as fairness.
    Raises InputError; a comparison where no run has an allocation raises
    ``NothingToCompare``. The scenarios of an input are solved by the longest of their
    time limits after ``started`` (default the call; one not solved by then says so in its
    message)."""
    started = since(started)
    runs: list[Run] = []
    references: list[Run] = []
    territories = None
    election = None
    for source in sources:
        if is_result_workbook(source):
            runs.append(read_result(source))
            continue
        problem = load(source)
        names: list[str | None] = (list(scenario_names) or [s.name for s in problem.scenarios]
                                   or [None])
        scenarios = [choose_scenario(problem, n, overrides, backend=backend,
                                     time_limit=time_limit, gap=gap) for n in names]
        if on_source is not None:
            on_source(str(source), len(scenarios))
        got, refs = runs_for(problem, scenarios, greedy=greedy, source=str(source),
                             workers=workers, progress=progress,
                             deadline=started + max(s.time_limit for s in scenarios))
        runs += got
        references += refs
        territories = problem.territories if territories is None else territories
        if problem.ballots is not None and election is None:
            # a Pabulib election: the proportional rules and the published outcome beside it
            runs += election_runs(problem, scenarios[0], source=str(source))
            election = problem
    if not any(r.ok for r in runs):
        raise NothingToCompare(runs)
    return compare_runs(runs, references, territories, election)


class NothingToCompare(Exception):
    """No run of a comparison has an allocation; ``runs`` say why."""

    def __init__(self, runs: list[Run]):
        self.runs = runs
        super().__init__("no scenario has an allocation: nothing to compare")


def sweep(problem: Problem, base: Scenario, variations: Sequence[str], *,
          workers: int | None = None, scheduler: str | None = None,
          progress: bool | None = None, started: float | None = None) -> Sweep:
    """Every combination of ``variations`` (``key=a,b,c`` or ``key=start:stop:count``) over
    ``base``, solved side by side (see ``analyse.sweep``), all within the longest of their
    time limits counted from ``started`` (default now; a scenario not solved by then: "not
    solved in time")."""
    return run_sweep(problem, base, parse_variations(variations), workers=workers,
                     scheduler=scheduler, progress=progress,
                     started=since(started))


def frontier(problem: Problem, scenario: Scenario, x: str, y: str, points: int = 15, *,
             started: float | None = None, **options) -> Frontier:
    """``analyse.frontier.frontier`` (its ``options``), every point solved within the time
    limit (``time_limit``, default the scenario's) counted from ``started`` (default now);
    points it left no time for are counted in ``Frontier.unsolved``."""
    limit = options.get("time_limit")
    return _frontier(problem, scenario, x, y, points, **options, deadline=since(started) + (
        scenario.time_limit if limit is None else limit))


def monte_carlo(problem: Problem, scenario: Scenario, *, started: float | None = None,
                **options) -> Uncertainty:
    """``analyse.uncertainty.monte_carlo`` (its ``options``), the central solve and the
    draws within the scenario's time limit counted from ``started`` (default now); draws it
    left no time for are "not solved in time" (on a Dask cluster, whose clocks are not this
    machine's, the limit bounds each solve)."""
    return _monte_carlo(problem, scenario, **options,
                        deadline=since(started) + scenario.time_limit)

