"""A time limit is a promise: solvers break it (HiGHS's presolve has run minutes past its own
limit, CBC has hung after its own), so each solve runs in a forked child watched by this
process. The child streams every improving solution it finds (HiGHS's callback); the watchdog
stops it (its whole process group) ``GRACE_SECONDS`` after the limit and keeps the best one,
reported as "feasible, within x%", or no allocation with a clear message. A child that crashes
is reported with the backends available here. The child costs ~15 ms (see ``watch``), so
every solve is watched where a fork is safe; elsewhere (a process with other threads, or a
daemon worker, which may not have children) it runs in this process. The opening of a solve
that a solver makes as a program of its own (CBC alone on a small knapsack,
``backends.Lead``) is watched from here directly, and the child forked only if the solve goes
on: OR-Library's mknap1 took 20–25 ms watched in a child against 9–10 ms so.
"""
from __future__ import annotations

import signal
import sys
import time
from dataclasses import replace
from typing import cast

import numpy as np

from allocator import backends
from allocator.backends import (
    Lead,
    SolveOptions,
    SolverOutput,
    available,
    solve_model,
    solver_label,
)
from allocator.core.status import Status
from allocator.formulate import Model
from allocator.runtime.workers import GRACE_SECONDS, STOPPED, WorkerDied, Workers


def watch(model: Model, options: SolveOptions, told: float | None = None) -> SolverOutput:
    """Solve in a forked worker, stopped ``GRACE_SECONDS`` after the time limit, after the
    opening a solver in a process of its own makes, watched from here (``backends.Lead``);
    ``told``:
    the limit a "no allocation in time" names (default the options'; a command's solve may
    have been given less than the limit the user set: its share, or what was left).

    Measured here (medians of 20, OR-Library mknap1's 6 items, load 2–3): the fork returns
    in ~4.5 ms, the child starts its task ~6 ms after, and HiGHS's MILP takes ~15 ms there
    against ~11 ms in process (the child's first writes copy the pages they touch); a fresh
    HiGHS thread pool costs 0.01 ms. Waiting for the child's exit after its answer took
    another 5–15 ms, so the pool does not (``Workers.close``). On the bundled workbook (2,000
    projects, ~1.3 s) the difference is below the noise. A spawned child would pay ~1 s of
    imports; a fork pays none and inherits the model.
    """
    # the opening of the solve made by a solver in a process of its own (CBC alone on a
    # knapsack), watched from here: the child is forked only if the rest needs one
    lead = backends.backend(options.backend).lead(model, options)
    try:
        if lead is not None:
            if lead.out is not None:
                return lead.out
            spent = time.perf_counter() - lead.started  # the child has the rest of the limit
            options = replace(options, time_limit=max(0.0, options.time_limit - spent))
        return _watched(model, options, lead, told)
    finally:
        if lead is not None:
            lead.stop()


def _watched(model: Model, options: SolveOptions, lead: Lead | None, told: float | None
             ) -> SolverOutput:
    """``watch``'s forked child, taking over from ``lead`` when given."""
    backend = options.backend
    best: list = []  # the best solution reported so far: (values, objective, bound)

    def keep(_, payload):
        values, _objective, bound = payload  # the objective as the model computes it
        objective = float(model.c @ values + model.offset)
        if not best or objective > best[1]:
            best[:] = [values, objective, bound]
    t0 = time.perf_counter()
    try:
        # the model, options and lead reach the child by the fork, not through its pipe: a
        # lead's running CBC cannot be pickled, and a model of 1,000,000 projects is ~270 MB
        with Workers(1, _solve, _solver, (model, options, lead), group=True, name="solver",
                     fork=True) as worker:
            [(_, out)] = worker.run([None], on_progress=keep,
                                    patience=options.time_limit + GRACE_SECONDS)
    except WorkerDied as died:
        code = died.exitcode or 0
        how = f"killed by {signal.Signals(-code).name}" if code < 0 else f"exit status {code}"
        others = [b for b in available() if b != backend]
        out = _without(best, backend, time.perf_counter() - t0,
                       f"the {backend} solver crashed ({how}); other backends available here: "
                       f"{', '.join(others) or 'none'} (--backend NAME)")
    if out is STOPPED:
        out = _without(best, backend, time.perf_counter() - t0,
                       f"the {backend} solver was stopped {GRACE_SECONDS:g} s after the time "
                       f"limit ({options.time_limit:g} s)" if best else
                       no_allocation_in_time(options.time_limit if told is None else told))
    return cast(SolverOutput, out)  # what ``_solve`` answers, when not STOPPED


def _without(best: list, backend: str, seconds: float, message: str) -> SolverOutput:
    """What a solve that did not end by itself gives: the best solution it reported."""
    solver = solver_label(backend)
    if not best:
        return SolverOutput(Status.NO_SOLUTION, None, None, None, seconds, solver, "", "",
                            None, message, watchdog=True)
    values, objective, bound = best
    return SolverOutput(Status.FEASIBLE, values, objective,
                        bound if np.isfinite(bound) else None, seconds, solver, "", "", None,
                        message, watchdog=True)


NO_ALLOCATION_IN_TIME = "no allocation was found within the time limit"


def no_allocation_in_time(limit: float) -> str:
    return f"{NO_ALLOCATION_IN_TIME} ({limit:g} s); give the solver more time (--time-limit)"


def _solver(model: Model, options: SolveOptions, lead: Lead | None) -> tuple:
    """The solver worker's setup: a HiGHS thread pool of its own (backends/highs/instance.py
    starts one at every fork, but highspy may have been imported without it): the one
    inherited without its threads would hang a MIP solve. Its state is its one job."""
    if "highspy" in sys.modules:
        sys.modules["highspy"].Highs.resetGlobalScheduler(False)
    return model, options, lead


def _solve(job, _, report) -> SolverOutput:
    model, options, lead = job
    return solve_model(model, options.backend, replace(
        options, on_solution=lambda values, objective, bound: report((values, objective, bound))
    ), lead)
