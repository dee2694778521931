"""The ranking rule many programmes still use: rank projects, fund down the list.

A reference for the optimum, under the same rules: reviews show how much more the optimised
allocation achieves than ranking would (``allocator solve --method greedy``, and every
``allocator compare``).

Ranking (``rank``):

- ``score``: the project's weighted score, i.e. what the scenario's objective gains when the
  project is funded in full (weights and normalisation as in the optimum; with lexicographic
  priorities, the first level's score first, later levels breaking ties);
- ``ratio``: that score per euro of the project's award.

Ties keep the input order (as Pabulib's published greedy outcomes do).

Funding, in three passes over the model's own rows, so that "every rule the scenario switches
on" means exactly what it means for the optimum:

1. locked-in projects, unconditionally (the optimum must fund them too);
2. floors and minimums (territorial then regional floors, coverage, fairness floors, theme
   minimum shares, ``min.<outcome>``): for each one not yet met, the best-ranked projects
   that count towards it, until it is met (what a programme with reserved envelopes does);
3. down the whole list.

A project is funded only if every cap and limit still holds afterwards (budget, regional and
territorial caps, resources and yearly ceilings, sites and net artificialisation, exclusive
groups, and ``requires``: a project whose prerequisite is not funded yet is skipped). It gets
its full award; a project that may be funded partially gets, when the full award does not fit,
the largest award between its ``min_award`` and its maximum that fits.

Shares of the total awarded (theme shares, fairness bands) are checked against the budget
while ranking, since the final total is not known until the end; the final allocation is then
checked against every row exactly. When it spends less than the budget and a share is then
broken, the ranking is run again with shares held against what it spent (up to ``ROUNDS``
times). Status ``feasible`` when it satisfies them all; ``infeasible`` when a floor, minimum
or share is left unmet, with the message naming it (the values are kept for inspection, but
``analyse`` gives no allocation, as for an infeasible optimum).

Funding is sequential by nature (each decision changes what fits next), so the passes are a
Python loop over projects; each step touches only the few rows of that project's columns.
"""
from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from allocator.core.problem import Problem
from allocator.core.rules import DEFINITION, floors
from allocator.core.scenario import Scenario
from allocator.core.status import Status
from allocator.core.version import __version__
from allocator.formulate import MEUR, Model, formulate, levels
from allocator.solve.solution import Solution

RANKS = ("score", "ratio")
TOTAL = "total_awarded"  # the column of the total awarded, where shares need one
MAX_NAMED = 8  # unmet rules named in the message
BLOCK = 4096  # projects of the ranked list screened at once
ROUNDS = 6  # rankings run when shares of the total are held against what the last one spent


def project_columns(model: Model) -> tuple[np.ndarray, np.ndarray]:
    """Each project's selection column, and its award column (-1 when the award is tied to x)."""
    select = sp.coo_array(model.select)
    x_col = np.empty(model.n_projects, int)
    x_col[select.row] = select.col
    award = sp.coo_array(model.award)
    free = ~model.integer[award.col]  # a continuous award column: the project may be partial
    award_col = np.full(model.n_projects, -1)
    award_col[award.row[free]] = award.col[free]
    return x_col, award_col


def full_values(model: Model) -> sp.csc_array:
    """Column values (n_cols × N) that fund each project in full, one project per column."""
    n = model.n_projects
    x_col, award_col = project_columns(model)
    partial = award_col >= 0
    rows = np.concatenate([x_col, award_col[partial]])
    cols = np.concatenate([np.arange(n), np.flatnonzero(partial)])
    vals = np.concatenate([np.ones(n), model.col_hi[award_col[partial]]])
    return sp.csc_array((vals, (rows, cols)), shape=(len(model.c), n))


def full_awards(model: Model, F: sp.csc_array | None = None) -> np.ndarray:
    """Each project's award funded in full (M€); ``F``: ``full_values(model)`` if known."""
    F = full_values(model) if F is None else F
    return np.asarray((model.award @ F).diagonal()).ravel()


def ranking(model: Model, scenario: Scenario, rank: str = "score",
            objective: np.ndarray | None = None) -> np.ndarray:
    """Projects, best first. ``objective``: a column objective to rank by instead of the
    scenario's levels."""
    if rank not in RANKS:
        raise ValueError(f"rank must be one of {', '.join(RANKS)}, not {rank!r}")
    F = full_values(model)
    plans = [objective] if objective is not None else [c for c, _, _ in levels(model, scenario)]
    keys = np.vstack([np.asarray(F.T @ np.asarray(c, float)).ravel() for c in plans])
    if rank == "ratio":
        cost = full_awards(model, F)
        # what costs nothing has an infinite ratio (its value's sign): first, by value
        free = cost <= 0
        sign = np.where(keys > 0, np.inf, np.where(keys < 0, -np.inf, 0.0))
        ratio = np.where(free, sign, keys / np.where(free, 1.0, cost))
        keys = np.vstack([ratio, np.where(free, keys, 0.0)])
    # np.lexsort sorts by its last key first: primary level last, input order as the tie-break
    return np.lexsort((np.arange(model.n_projects), *(-keys[::-1])))


def greedy(problem: Problem, scenario: Scenario, *, rank: str = "score",
           model: Model | None = None, objective: np.ndarray | None = None
           ) -> tuple[Model, Solution]:
    """Fund down the ranked list under the scenario's rules; returns (model, Solution).

    The Solution holds the model's column values, so ``analyse`` and ``report.write_result``
    work unchanged; its objective is the scenario's (weighted) objective of the allocation,
    comparable with the optimum's. ``objective`` ranks by another column objective (e.g. one
    outcome's row, for a frontier's references).
    """
    t0 = time.perf_counter()
    model = model if model is not None else formulate(problem, scenario)
    build = time.perf_counter() - t0
    t1 = time.perf_counter()
    ranked = _ranked(problem, scenario, model, rank, objective)
    assert ranked is not None  # no deadline
    values, broken = ranked
    objective_value = float(model.c @ values + model.offset)
    status = Status.INFEASIBLE if broken else Status.FEASIBLE
    funded = int(np.count_nonzero(values[project_columns(model)[0]] > 0.5))
    message = (f"ranking by {rank} funds {funded} projects under every rule" if not broken else
               f"ranking by {rank} leaves rules unmet: " + "; ".join(broken[:MAX_NAMED])
               + (f"; and {len(broken) - MAX_NAMED} more" if len(broken) > MAX_NAMED else ""))
    return model, Solution(status=status, objective=objective_value, bound=None, gap=None,
                           values=values, build_seconds=build,
                           solve_seconds=time.perf_counter() - t1, backend="greedy",
                           solver=f"greedy by {rank}", version=__version__, message=message)


def _ranked(problem: Problem, scenario: Scenario, model: Model, rank: str,
            objective: np.ndarray | None = None, deadline: float | None = None
            ) -> tuple[np.ndarray, list[str]] | None:
    """The ranking's allocation and the rules it leaves unmet; None once ``deadline`` (a
    ``time.perf_counter()`` instant) has passed."""
    order = ranking(model, scenario, rank, objective)
    held = scenario.budget / MEUR
    for _ in range(ROUNDS):
        values = _fund(problem, model, order, held, deadline)
        if values is None:
            return None
        funded: np.ndarray = values
        broken = unmet(model, funded)
        spent = float(np.sum(model.award @ funded))
        if not broken or TOTAL not in model.col_names or spent >= held - 1e-9:
            break
        held = spent  # shares of a smaller total: hold them against what was spent
    return funded, broken


def opening(problem: Problem, scenario: Scenario, model: Model, deadline: float
            ) -> np.ndarray | None:
    """An allocation that holds every rule of ``model``, found without an LP, for the
    optimiser to start from and to fall back on when its time runs out: the ranking by
    ratio (0.6% below the LP bound at 100,000 synthetic projects, where ranking by score is
    40% below). None when it leaves a rule unmet or ``deadline`` passes first."""
    ranked = _ranked(problem, scenario, model, "ratio", deadline=deadline)
    if ranked is None or ranked[1] or not model.holds(ranked[0]):
        return None
    return ranked[0]


def rule_bounds(model: Model) -> tuple[np.ndarray, np.ndarray]:
    """Row bounds as rules: definitional rows opened up (they hold by construction)."""
    lo, hi = model.row_lo.copy(), model.row_hi.copy()
    for g in model.groups:
        if g.rule.kind == DEFINITION:  # they hold by construction here
            lo[g.start:g.stop], hi[g.start:g.stop] = -np.inf, np.inf
    return lo, hi


def _fund(problem: Problem, model: Model, order: np.ndarray, budget: float,
          deadline: float | None = None) -> np.ndarray | None:
    n = model.n_projects
    p = problem.projects
    x_col, award_col = project_columns(model)
    min_award = np.where(p["partial"].to_numpy(bool), p["min_award"].fillna(0).to_numpy(float),
                         0.0) / MEUR
    A = sp.csc_array(model.A)
    lo, hi = rule_bounds(model)
    # rows are in M€ or counts: 1e-11 relative is a thousandth of a euro on €100M
    slack_tol = 1e-11 * np.maximum(1.0, np.abs(np.where(np.isfinite(hi), hi, 0.0)))
    F = full_values(model)
    values = np.zeros(len(model.c))
    total = model.col_names.index(TOTAL) if TOTAL in model.col_names else None
    if total is not None:
        # shares of the total are held against the budget while ranking (the total is unknown)
        values[total] = budget
    activity = A @ values
    eligible = (model.col_hi[x_col] > 0) & ((full_awards(model, F) > 0)
                                            | (p["requested"].to_numpy(float) <= 0))
    funded = np.zeros(n, bool)

    def column(j):
        return A.indices[A.indptr[j]:A.indptr[j + 1]], A.data[A.indptr[j]:A.indptr[j + 1]]

    def fund(i, force=False) -> bool:
        rows, ds = column(x_col[i])
        a_col = award_col[i]
        if a_col < 0:  # all or nothing: the selection column carries the money
            if not force and np.any(activity[rows] + ds > hi[rows] + slack_tol[rows]):
                return False
            activity[rows] += ds
            values[x_col[i]] = 1.0
            funded[i] = True
            return True
        r2, v2 = column(a_col)
        union = np.union1d(rows, r2)
        s = np.zeros(len(union))
        s[np.searchsorted(union, rows)] = ds
        u = np.zeros(len(union))
        u[np.searchsorted(union, r2)] = v2
        room = hi[union] + slack_tol[union] - activity[union] - s
        amount = model.col_hi[a_col]
        if not force:
            up, down = u > 0, u < 0
            if np.any(room[u == 0] < 0):
                return False
            top = min(amount, np.min(room[up] / u[up], initial=np.inf))
            bottom = max(min_award[i], np.max(room[down] / u[down], initial=-np.inf))
            if top < bottom or top <= 0:
                return False
            amount = top
        activity[union] += s + amount * u
        values[x_col[i]], values[a_col] = 1.0, amount
        funded[i] = True
        return True

    locked = p["lock"].to_numpy(object) == "in"
    for i in order[locked[order]]:
        fund(i, force=True)
    ranked = order[eligible[order]]
    position = np.empty(n, int)
    position[ranked] = np.arange(len(ranked))
    gains = sp.csr_array(A @ F)  # rows × projects: what funding each in full adds
    for r in _floor_rows(model, lo):
        if activity[r] >= lo[r] - slack_tol[r]:
            continue
        helpers = gains.indices[gains.indptr[r]:gains.indptr[r + 1]]
        helpers = helpers[(gains.data[gains.indptr[r]:gains.indptr[r + 1]] > 0)
                          & eligible[helpers] & ~funded[helpers]]
        for i in helpers[np.argsort(position[helpers], kind="stable")]:
            if not funded[i] and fund(i) and activity[r] >= lo[r] - slack_tol[r]:
                break
    # a project that breaks a row of non-negative coefficients now, at its least award (its
    # min_award, or all of it), breaks it whenever it comes (funding only adds to such rows):
    # each block of the list is screened for those at once, and only the rest is funded one
    # by one, with the same outcome (100,000 projects: 47,000 calls of ``fund`` → 25,000)
    rows = np.flatnonzero(np.isfinite(hi) & model.nonnegative_rows())
    partial = award_col >= 0
    least = sp.csc_array((np.concatenate([np.ones(n), min_award[partial]]),
                          (np.concatenate([x_col, award_col[partial]]),
                           np.concatenate([np.arange(n), np.flatnonzero(partial)]))),
                         shape=F.shape)
    rising = sp.csc_array(sp.csr_array(A @ least)[rows])
    for block in np.array_split(ranked, max(1, len(ranked) // BLOCK)):
        # the clock is read once a block (~50 ms of funding)
        if deadline is not None and time.perf_counter() > deadline:
            return None
        sub = rising[:, block]
        r = rows[sub.indices]
        over = sub.data + activity[r] > hi[r] + slack_tol[r]
        broken = np.zeros(len(block), bool)
        broken[np.repeat(np.arange(len(block)), np.diff(sub.indptr))[over]] = True
        for i in block[~broken]:
            if not funded[i]:
                fund(i)
    if total is not None:
        values[total] = float(np.sum(model.award @ values))
    return values


def _floor_rows(model: Model, lo: np.ndarray) -> np.ndarray:
    """Rows with a lower bound, in the order of ``core.rules.floors`` (other families after,
    in model order): the euro envelopes the analyst reserved (territory, then region), then
    coverage (one project per territory: it would be crowded out if the shares below took the
    money first), then shares of the total and outcome minimums."""
    order = floors()
    groups = sorted(model.groups, key=lambda g: order.index(g.name) if g.name in order
                    else len(order))
    rows = np.concatenate([np.arange(g.start, g.stop) for g in groups] or [np.zeros(0, int)])
    return rows[np.isfinite(lo[rows])]


def unmet(model: Model, values: np.ndarray) -> list[str]:
    """Rules the allocation breaks, each as 'group[label] (meaning): short/over by amount'."""
    activity = model.A @ values
    tol = 1e-7 * np.maximum(1.0, np.abs(np.nan_to_num(np.c_[model.row_lo, model.row_hi],
                                                      posinf=0, neginf=0)).max(axis=1))
    short = model.row_lo - activity
    over = activity - model.row_hi
    out = []
    for g in model.groups:
        for k in np.flatnonzero((short[g.start:g.stop] > tol[g.start:g.stop])
                                | (over[g.start:g.stop] > tol[g.start:g.stop])):
            r = g.start + k
            word, amount = ("short", short[r]) if short[r] > tol[r] else ("over", over[r])
            amount *= g.scale
            shown = (f"{amount:,.0f}" if g.unit == "€" and amount >= 1 else f"{amount:,.6g}")
            out.append(f"{g.name}[{g.labels[k]}] ({g.help}) {word} by "
                       f"{shown}{' ' + g.unit if g.unit else ''}".replace(",", " "))
    return out
