"""The Pareto frontier between two outcomes, by the epsilon-constraint method.

For outcomes ``x`` and ``y`` under a scenario (every other rule of the scenario kept):

1. two anchors: the most ``y`` can reach (and, among such allocations, the most ``x``), and
   the most ``x`` can reach (and the most ``y`` with it);
2. a grid of ``points`` values ε from the anchor's ``x`` at the ``y`` optimum to the ``x``
   optimum; for each, maximise ``y`` subject to ``x ≥ ε``;
3. points dominated by another (or repeating one) are removed: the solver's gap can leave
   a point a hair below its neighbour.

The model is formulated once; the ε row is appended once (``Model.with_rows``) and only its
lower bound changes from point to point. Each solve maximises ``y/ŷ + δ·x/x̂`` (ŷ, x̂: upper
bounds of each outcome, δ = 10⁻⁴): the small ``x`` term picks, among allocations of equal
``y``, the one with most ``x``, so that no returned point is weakly dominated (the augmented
epsilon-constraint method). It may trade at most δ·ŷ of ``y``, far below the solver's gap.

Greedy rankings (``solve.greedy``: by the scenario's score, by ``x`` alone and by ``y`` alone,
each by score and by score per euro) are computed under the same rules as references: every
frontier point lies on or above each of them for its ε.

Lexicographic priorities of the scenario are dropped (the frontier replaces the objective);
``min.<outcome>`` rows are kept like every other rule.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import cast

import numpy as np
import pandas as pd
import scipy.sparse as sp

from allocator.analyse.compare import PROJECT_KEYS
from allocator.backends import SolveOptions
from allocator.core.findings import ERROR, Finding, InputError
from allocator.core.lang import phrase
from allocator.core.problem import Problem
from allocator.core.scenario import Scenario
from allocator.core.status import Status
from allocator.formulate import Model, RowGroup, formulate
from allocator.runtime.pool import collect
from allocator.solve import solve
from allocator.solve.greedy import RANKS, greedy
from allocator.solve.solution import Solution

AUGMENT = 1e-4
TOL = 1e-7  # relative: two points closer than this (to each outcome's scale) are the same


@dataclass(frozen=True)
class Frontier:
    """A trade-off frontier and its references.

    ``points``: one row per non-dominated point, by increasing ``x``: point (1, 2, …),
        epsilon (the floor put on ``x``; empty for the ``y`` anchor), ``x``, ``y``, every
        other outcome, awarded (€), projects_funded, status, gap.
    ``references``: greedy allocations: label, ranking, ranked_by, status, ``x``, ``y``,
        awarded, projects_funded.
    ``allocations``: PROJECT_KEYS then one award column (€) per point (``point k``), when
        asked for; None otherwise.
    ``removed``: grid points dropped as dominated or repeated; ``unsolved``: anchors and grid
    points left without an allocation by the time limit (the frontier is coarser).
    ``scenario_point``: where the scenario's own optimum (its weighted objective, priorities
        dropped as for the frontier) lies: ``x``, ``y``, awarded, projects_funded, status;
        None when it was not found.
    """
    x: str
    y: str
    scenario: Scenario
    points: pd.DataFrame
    references: pd.DataFrame
    allocations: pd.DataFrame | None
    removed: int = 0
    unsolved: int = 0
    scenario_point: dict | None = None

    @property
    def ok(self) -> bool:
        return len(self.points) > 0


def frontier(problem: Problem, scenario: Scenario, x: str, y: str, points: int = 15, *,
             backend: str | None = None, time_limit: float | None = None,
             gap: float | None = None, allocations: bool = False, workers: int | None = 1,
             progress: bool | None = None, deadline: float | None = None) -> Frontier:
    """The frontier between outcomes ``x`` and ``y``; see the module's docstring.

    ``workers``: grid points solved in parallel local processes (``sweep``); ``time_limit``
    and ``gap`` apply to each solve; every solve ends by ``deadline`` (a
    ``time.monotonic()`` instant) when given.
    """
    bad = [phrase("option.outcome", given=o, known=", ".join(problem.outcomes))
           for o in dict.fromkeys((x, y)) if o not in problem.outcomes]
    if x == y:
        bad.append(phrase("option.same_axes", given=x))
    if points < 2:
        bad.append(phrase("option.points"))
    if bad:
        raise InputError([Finding(ERROR, "frontier", m) for m in bad])
    base = scenario.with_values(priorities=MappingProxyType({}))
    if backend or time_limit is not None or gap is not None:
        base = base.with_values(**{k: v for k, v in (("backend", backend),
                                                     ("time_limit", time_limit), ("gap", gap))
                                   if v is not None})
    model = formulate(problem, base)
    kx, ky = model.outcomes.index(x), model.outcomes.index(y)
    rx = np.asarray(model.outcome[[kx]].todense()).ravel()
    ry = np.asarray(model.outcome[[ky]].todense()).ravel()
    sx, sy = _reach(rx, model.col_hi), _reach(ry, model.col_hi)
    eps_model = model.with_rows(sp.csr_array(rx[None, :]), np.array([-np.inf]),
                                np.array([np.inf]),
                                RowGroup.of("epsilon", (x,), unit=x))
    toward_y = ry / sy + AUGMENT * rx / sx
    toward_x = rx / sx + AUGMENT * ry / sy

    def task(eps: float, c: np.ndarray):
        lo = eps_model.row_lo.copy()
        lo[-1] = eps
        return replace(eps_model, c=c, row_lo=lo), base, deadline

    anchors = collect(problem, _solve_point, [task(-np.inf, toward_y), task(-np.inf, toward_x),
                                              task(-np.inf, model.c)],
                      workers=workers, progress=progress, label="anchors")
    y_top, x_top, own = (anchors.results.get(k) for k in range(3))
    own_point = None
    if own is not None and own.ok:
        totals = model.totals(own.values)
        own_point = {x: totals[x], y: totals[y], "awarded": totals["awarded"],
                     "projects_funded": totals["projects_funded"], "status": own.label}
    solutions: list[tuple[float, Solution]] = []
    unsolved = sum(s is None or s.status == Status.NO_SOLUTION for s in (y_top, x_top))
    if y_top is not None and y_top.ok and x_top is not None and x_top.ok:
        low, high = float(rx @ y_top.values), float(rx @ x_top.values)
        grid = np.linspace(low, high, points)[1:-1] if high > low else np.zeros(0)
        batch = collect(problem, _solve_point, [task(e, toward_y) for e in grid],
                        workers=workers, progress=progress, label="frontier points")
        solutions = [(np.nan, y_top)] + [(e, batch.results[i]) for i, e in enumerate(grid)
                                         if i in batch.results] + [(high, x_top)]
        unsolved = sum(s.status == Status.NO_SOLUTION for _, s in solutions)
    table, columns = _points(problem, model, solutions, x, y)
    keep = nondominated(table[x].to_numpy(float), table[y].to_numpy(float),
                        TOL * sx, TOL * sy) if len(table) else np.zeros(0, bool)
    kept = table[keep].sort_values([x, y], kind="stable").reset_index(drop=True)
    kept.insert(0, "point", np.arange(1, len(kept) + 1))
    award_table = None
    if allocations:
        p = problem.projects
        award_table = p[[c for c in PROJECT_KEYS if c in p]].copy()
        for k, j in enumerate(kept["_index"].to_numpy(int), start=1):
            award_table[f"point {k}"] = columns[:, j]
    kept = kept.drop(columns="_index")
    return Frontier(x, y, base, kept, references(problem, base, model, x, y, rx, ry),
                    award_table, removed=int(len(table) - keep.sum()), unsolved=unsolved,
                    scenario_point=own_point)


def _reach(row: np.ndarray, col_hi: np.ndarray) -> float:
    """An upper bound of an outcome (every column it rewards at its upper bound), as a scale."""
    on = row > 0  # outcomes never reward the total column, whose bound may be infinite
    return max(float(row[on] @ col_hi[on]), 1e-12)


def _solve_point(problem: Problem, payload) -> Solution:
    """One frontier solve (a module-level function: it may run on a worker process)."""
    model, scenario, deadline = payload
    return solve(problem, scenario, model=model,
                 options=SolveOptions.from_scenario(scenario, deadline=deadline))[1]


def _points(problem: Problem, model: Model, solutions, x: str, y: str):
    """The table of solved points, and the award (€) of each project at each (N × points)."""
    rows, columns = [], []
    for eps, s in solutions:
        if not s.ok:
            continue
        columns.append(model.awards(s.values)[0])
        totals = model.totals(s.values)
        rows.append({"_index": len(columns) - 1, "epsilon": eps, x: totals[x], y: totals[y],
                     **{o: totals[o] for o in model.outcomes if o not in (x, y)},
                     "awarded": totals["awarded"], "projects_funded": totals["projects_funded"],
                     "status": s.label, "gap": s.gap})
    table = pd.DataFrame(rows, columns=["_index", "epsilon", x, y, *[
        o for o in model.outcomes if o not in (x, y)], "awarded", "projects_funded", "status",
        "gap"])
    return table, (np.column_stack(columns) if columns else np.zeros((problem.n, 0)))


def nondominated(xs: np.ndarray, ys: np.ndarray, tol_x: float = 0.0, tol_y: float = 0.0
                 ) -> np.ndarray:
    """Mask of points no other point dominates (≥ on both, > on one, beyond the tolerances);
    of points equal within the tolerances, the first is kept."""
    xs, ys = np.asarray(xs, float), np.asarray(ys, float)
    ge = (xs[None, :] >= xs[:, None] - tol_x) & (ys[None, :] >= ys[:, None] - tol_y)
    gt = (xs[None, :] > xs[:, None] + tol_x) | (ys[None, :] > ys[:, None] + tol_y)
    dominated = (ge & gt).any(axis=1)
    n = len(xs)
    same = ge & ~gt & ge.T & ~gt.T  # equal within tolerance, both ways
    earlier = np.tril(same, k=-1).any(axis=1)  # an earlier point is the same
    # any(axis=1) of a 2-d array is an array, where numpy's stub allows a scalar
    return cast(np.ndarray, ~dominated & ~earlier) if n else np.zeros(0, bool)


def references(problem: Problem, scenario: Scenario, model: Model, x: str, y: str,
               rx: np.ndarray, ry: np.ndarray) -> pd.DataFrame:
    """Greedy allocations under the same rules, ranked by the scenario's score, by ``x``
    and by ``y`` (``rx``, ``ry``: their outcome rows), each by score and by score per euro."""
    rows = []
    for ranked_by, objective in (("scenario", None), (x, rx), (y, ry)):
        for rank in RANKS:
            _, s = greedy(problem, scenario, rank=rank, model=model, objective=objective)
            assert s.values is not None  # a ranking always allocates
            totals = model.totals(s.values)
            rows.append({"label": phrase(f"greedy.{rank}", by=ranked_by),
                         "ranking": rank, "ranked_by": ranked_by, "status": s.status,
                         x: totals[x], y: totals[y], "awarded": totals["awarded"],
                         "projects_funded": totals["projects_funded"]})
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- outputs
