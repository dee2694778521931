"""Solve a problem under a scenario: formulate, hand to a backend, handle objective levels.

A weighted objective is one solve. Lexicographic priorities (``priority.<outcome>``) are
solved level by level: each level's optimum, less its tolerance, becomes a floor for the
next. Epsilon constraints (``min.<outcome>``) are rows of the model and mix with either.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from .backends import (FEASIBLE, INFEASIBLE, NO_SOLUTION, OPTIMAL, SolveOptions, SolverOutput,
                       solve_model)
from .formulate import Model, RowGroup, formulate
from .problem import Problem
from .scenario import Scenario


@dataclass(frozen=True)
class Solution:
    """The outcome of a solve: status, objective, bound, gap, values of the model's columns."""
    status: str
    objective: float | None
    bound: float | None
    gap: float | None
    values: np.ndarray | None
    build_seconds: float
    solve_seconds: float
    backend: str
    solver: str
    version: str
    message: str = ""
    log: str = ""
    levels: tuple[dict, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.status in (OPTIMAL, FEASIBLE) and self.values is not None

    @property
    def label(self) -> str:
        """Status as shown to users: ``optimal`` or ``feasible, gap 0.42%``."""
        if self.status == FEASIBLE and self.gap is not None:
            return f"feasible, gap {self.gap:.2%}"
        return self.status


def relative_gap(objective, bound) -> float | None:
    if objective is None or bound is None or not np.isfinite(bound):
        return None
    return max(0.0, (bound - objective)) / max(abs(objective), 1e-9)


def levels(model: Model, scenario: Scenario) -> list[tuple[np.ndarray, float, str]]:
    """Objective levels as (column objective, tolerance, label), first priority first."""
    outcomes = list(model.outcomes)
    norm = model.normalisers
    if not scenario.priorities:
        return [(model.c, 0.0, "weighted")]
    out = []
    for level in sorted(set(scenario.priorities.values())):
        members = [o for o, p in scenario.priorities.items() if p == level]
        w = np.zeros(len(outcomes))
        for o in members:
            w[outcomes.index(o)] = (scenario.weights.get(o) or 1.0) / norm[outcomes.index(o)]
        tol = max(scenario.tolerances.get(o, 0.0) for o in members)
        out.append((np.asarray(model.outcome.T @ w).ravel(), tol, "+".join(members)))
    rest = [o for o in outcomes if o not in scenario.priorities and scenario.weights.get(o)]
    if rest:
        w = np.array([scenario.weights.get(o, 0.0) if o in rest else 0.0 for o in outcomes]) / norm
        out.append((np.asarray(model.outcome.T @ w).ravel(), 0.0, "+".join(rest)))
    return out


def solve(problem: Problem, scenario: Scenario, *, backend: str | None = None,
          time_limit: float | None = None, gap: float | None = None, verbose: bool = False,
          model: Model | None = None) -> tuple[Model, Solution]:
    """Formulate (unless ``model`` is given) and solve; returns the model and its solution."""
    t0 = time.perf_counter()
    model = model if model is not None else formulate(problem, scenario)
    build = time.perf_counter() - t0
    backend = backend or scenario.backend
    limit = scenario.time_limit if time_limit is None else time_limit
    options = SolveOptions(time_limit=limit, gap=scenario.gap if gap is None else gap,
                           verbose=verbose)
    deadline = time.perf_counter() + limit
    current = model
    history = []
    out: SolverOutput | None = None
    plan = levels(model, scenario)
    for k, (c, tolerance, label) in enumerate(plan):
        options = SolveOptions(time_limit=max(0.0, deadline - time.perf_counter()),
                               gap=options.gap, verbose=verbose)
        out = solve_model(current.with_objective(c), backend, options)
        history.append({"level": k + 1, "outcomes": label, "status": out.status,
                        "objective": out.objective, "bound": out.bound, "seconds": out.seconds})
        if out.values is None or k == len(plan) - 1:
            break
        floor = out.objective - tolerance * abs(out.objective)
        # a level's floor is slackened by the solver's own gap tolerance, so later levels
        # are not made infeasible by rounding
        floor -= options.gap * abs(out.objective) + 1e-9
        current = current.with_rows(sp.csr_array(c[None, :]), np.array([floor]),
                                    np.array([np.inf]), RowGroup(
                                        "priority", 0, 1, (label,), unit="", scale=1.0,
                                        help="an earlier priority level kept near its optimum"))
    assert out is not None
    values = out.values
    if values is not None:
        values = values.copy()
        values[model.integer] = np.round(values[model.integer])
    status = out.status
    g = relative_gap(out.objective, out.bound)
    if status == FEASIBLE and g is not None and g <= options.gap:
        status = OPTIMAL
    elif status == OPTIMAL and g is not None and g > max(options.gap, 1e-9) * 1.01:
        # CP-SAT rounds float coefficients to integers and calls its own problem optimal:
        # only a bound within the gap proves this one is
        status = FEASIBLE
    solve_seconds = sum(h["seconds"] for h in history)
    return current, Solution(status=status, objective=out.objective, bound=out.bound, gap=g,
                             values=values, build_seconds=build, solve_seconds=solve_seconds,
                             backend=backend, solver=out.solver, version=out.version,
                             message=out.message, log=out.log, levels=tuple(history))
