"""Solve a problem under a scenario: formulate, hand to a backend, handle objective levels.

A weighted objective is one solve. Lexicographic priorities (``priority.<outcome>``) are
solved level by level: each level's optimum, less its tolerance, becomes a floor for the
next. Epsilon constraints (``min.<outcome>``) are rows of the model and mix with either.

Each solve runs in a watched child process where a fork is safe (``watchdog``), so that the
time limit (and the command's deadline, when the options carry one) holds whatever the solver
does; ties between interchangeable projects are broken
by project id (``ties``).
"""
from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import scipy.sparse as sp

from allocator.backends import (
    OUT_OF_TIME,
    SolveOptions,
    SolverOutput,
    budget_bound,
    objective_step,
    out_of_time,
    relative_gap,
    settled,
    solve_model,
)
from allocator.core.problem import Problem
from allocator.core.scenario import Scenario
from allocator.core.status import Status
from allocator.formulate import Model, RowGroup, formulate, levels
from allocator.runtime.workers import can_fork
from allocator.solve.greedy import opening as ranked_allocation
from allocator.solve.solution import Solution
from allocator.solve.ties import break_ties
from allocator.solve.watchdog import no_allocation_in_time, watch

# the ranking's allocation is found before the solve only on models this large, where HiGHS's
# LP may not finish within the limit (it takes 8.5 s at 100,000 projects, ~200,000 columns,
# and more than 60 s at 1,000,000) and the solve starts from it and reports it at once. On a
# smaller model the LP ends in a fraction of a second and RENS finds a better allocation, so
# the ranking is only the fallback of a solve that ended without one, found then: before
# every solve it cost 0.028 s of the bundled workbook's 0.14 s at 1e-4, and 3 ms of a 20 ms
# solve on OR-Library's mknap1
EARLY_COLUMNS = 50_000


def opening(problem: Problem, scenario: Scenario, model: Model, deadline: float,
            options: SolveOptions) -> np.ndarray | None:
    """The ranking's allocation (``greedy.opening``) when it holds every rule and is found
    before ``deadline``: the solver starts from it, and it stands when the solver finds no
    allocation in time. None when the caller gives a start of its own (``options.start``)."""
    if options.start is not None:
        return None
    return ranked_allocation(problem, scenario, model, deadline)


def fall_back(model: Model, start: np.ndarray, out: SolverOutput) -> SolverOutput:
    """The start, when the solver (``out``) ended at the time limit without an allocation:
    feasible, with the solver's bound or, when it has none, one that needs no LP
    (``backends.budget_bound``)."""
    bound = out.bound if out.bound is not None and np.isfinite(out.bound) else \
        budget_bound(model)
    worth = float(model.c @ start + model.offset)
    return replace(out, status=Status.FEASIBLE, values=np.asarray(start, float),
                   objective=worth, bound=bound,
                   message=f"the solver found no better allocation in time ({out.message}); "
                           "this one is the ranking by value per euro, under every rule")


def solve(problem: Problem, scenario: Scenario, *, options: SolveOptions | None = None,
          model: Model | None = None, watchdog: bool | None = None, **overrides
          ) -> tuple[Model, Solution]:
    """Formulate (unless ``model`` is given) and solve; returns the model and its solution.

    ``options``: default ``SolveOptions.from_scenario(scenario)``; ``overrides`` replace
    some of them (backend, time_limit, gap, verbose, threads). The levels of a lexicographic
    objective share the time limit, cut to what is left of the options' deadline. The
    allocation is the same whatever the number of threads. ``watchdog``: solve in a watched
    child process (default: wherever a fork is safe, see the module's docstring).
    """
    options = (options or SolveOptions.from_scenario(scenario)).overridden(**overrides)
    if watchdog is None:
        watchdog = can_fork()
    t0 = time.perf_counter()
    model = model if model is not None else formulate(problem, scenario)
    build = time.perf_counter() - t0
    backend, limit = options.backend, min(options.time_limit, options.left())
    deadline = time.perf_counter() + limit
    current = model
    history: list[dict] = []
    out: SolverOutput | None = None
    plan = levels(model, scenario)

    def at_limit() -> bool:  # within 1% of the limit: the solver stopped for time
        return time.perf_counter() >= deadline - 0.01 * limit

    early = model.shape[1] >= EARLY_COLUMNS
    start = opening(problem, scenario, model, deadline, options) if early else None
    for k, (c, tolerance, label) in enumerate(plan):
        level_options = replace(options, time_limit=max(0.0, deadline - time.perf_counter()),
                                opening=start if k == 0 else None)
        level_model = current.with_objective(c)
        if options.left() <= 0:  # the command's deadline has passed: not even a fork
            out = out_of_time(backend)
        else:
            out = watch(level_model, level_options, options.time_limit) if watchdog else \
                solve_model(level_model, backend, level_options)
        if k == 0 and out.values is None and (out.message == OUT_OF_TIME or at_limit()):
            # out of time (not a crash, say); when the command's deadline left no time for a
            # solve (OUT_OF_TIME), none for the ranking either
            if not early and out.message != OUT_OF_TIME:
                start = opening(problem, scenario, model, np.inf, options)
            if start is not None:
                out = fall_back(level_model, start, out)
        history.append({"level": k + 1, "outcomes": label, "status": out.status,
                        "objective": out.objective, "bound": out.bound, "seconds": out.seconds})
        if out.values is None or k == len(plan) - 1:
            break
        assert out.objective is not None  # it has values (``SolverOutput``)
        floor = out.objective - tolerance * abs(out.objective)
        # a level's floor is slackened by the solver's own gap tolerance, so later levels
        # are not made infeasible by rounding
        floor -= options.gap * abs(out.objective) + 1e-9
        current = current.with_rows(sp.csr_array(c[None, :]), np.array([floor]),
                                    np.array([np.inf]), RowGroup.of("priority", [label]))
    assert out is not None
    values = out.values
    if values is not None:
        values = values.copy()
        values[model.integer] = np.round(values[model.integer])
        values = break_ties(problem, model, values)
    status = out.status
    message = out.message
    if out.message == OUT_OF_TIME:  # the command's deadline left it no time at all
        message = no_allocation_in_time(options.time_limit)
    elif out.values is None and status == Status.NO_SOLUTION and not out.watchdog:
        # the solver ended by itself: at its time limit, or for a reason of its own
        why = message or "no reason given"
        message = (no_allocation_in_time(options.time_limit)
                   if at_limit()
                   else f"the {backend} solver ended without an allocation ({why}); try "
                        "another backend (--backend NAME)")
    bound = out.bound if out.bound is not None and np.isfinite(out.bound) else None  # JSON
    # the worth of the allocation returned, rounded and with ties broken, not the solver's
    # figure for its own values: the same allocation then reads the same whatever the
    # search path (threads, a race) that found it
    objective = out.objective if values is None else \
        float(level_model.c @ values + level_model.offset)
    g = relative_gap(objective, bound)
    # optimal only when proven so (``backends.is_proven``), whatever the solver or the
    # watchdog said: CP-SAT rounds float coefficients to integers and calls its own problem
    # optimal, a solver stopped at a coarser gap asked is within it, not at the optimum
    status = settled(replace(out, status=status, bound=bound), objective_step(level_model)
                     ).status
    solve_seconds = sum(h["seconds"] for h in history)
    return current, Solution(status=status, objective=objective, bound=bound, gap=g,
                             values=values, build_seconds=build, solve_seconds=solve_seconds,
                             backend=backend, solver=out.solver, version=out.version,
                             message=message, log=out.log, levels=tuple(history))
