"""Solve a problem under a scenario: formulate, hand to a backend, handle objective levels.

A weighted objective is one solve. Lexicographic priorities (``priority.<outcome>``) are
solved level by level: each level's optimum, less its tolerance, becomes a floor for the
next. Epsilon constraints (``min.<outcome>``) are rows of the model and mix with either.

A time limit is a promise: solvers break it (HiGHS's presolve has run minutes past its own
limit, CBC has hung after its own), so each solve runs in a forked child watched by this
process. The child streams every improving solution it finds (HiGHS's callback); the watchdog
stops it (its whole process group) ``grace_seconds`` after the limit and keeps the best one,
reported as "feasible, gap x%", or no allocation with a clear message. A child that crashes
is reported with the backends available here. The child costs ~25 ms (see ``_watch``), so
every solve is watched where a fork is safe; elsewhere (a process with other threads, or a
daemon worker, which may not have children) it runs in this process.

Ties are broken by project id: among projects identical in every column a rule or an outcome
reads (they differ only by id, title or notes, and no project requires them), the funded ones
are those of smaller ``project_id`` (text order), whatever order the solver found.
"""
from __future__ import annotations

import math
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field, replace

import numpy as np
import scipy.sparse as sp

from .backends import (FEASIBLE, NO_SOLUTION, OPTIMAL, SolveOptions, SolverOutput,
                       available, relative_gap, solve_model)
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
        if self.status == FEASIBLE:
            return f"feasible, gap {_percent(self.gap)}" if self.gap is not None else \
                "feasible, gap unknown"
        return self.status


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
          model: Model | None = None, threads: int | None = None,
          watchdog: bool | None = None) -> tuple[Model, Solution]:
    """Formulate (unless ``model`` is given) and solve; returns the model and its solution.

    ``threads``: solver threads (default ``ALLOCATOR_THREADS``, else the solver's choice);
    the allocation is the same whatever the number. ``watchdog``: solve in a watched child
    process (default: wherever a fork is safe, see the module's docstring).
    """
    if threads is None and os.environ.get("ALLOCATOR_THREADS", "").strip().isdigit():
        threads = int(os.environ["ALLOCATOR_THREADS"])
    if watchdog is None:
        watchdog = can_fork()
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
                               gap=options.gap, verbose=verbose, threads=threads)
        level_model = current.with_objective(c)
        out = _watch(level_model, backend, options) if watchdog else \
            solve_model(level_model, backend, options)
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
        values = break_ties(problem, model, values)
    status = out.status
    message = out.message
    if out.values is None and status == NO_SOLUTION and not out.watchdog:
        # the solver ended by itself: at its time limit, or for a reason of its own
        why = message or "no reason given"
        message = (_no_allocation_in_time(limit) if time.perf_counter() >= deadline - 0.01 * limit
                   else f"the {backend} solver ended without an allocation ({why}); try "
                        "another backend (--backend NAME)")
    bound = out.bound if out.bound is not None and np.isfinite(out.bound) else None  # JSON
    g = relative_gap(out.objective, bound)
    if status == FEASIBLE and g is not None and g <= options.gap:
        status = OPTIMAL
    elif status == OPTIMAL and g is not None and g > max(options.gap, 1e-9) * 1.01:
        # CP-SAT rounds float coefficients to integers and calls its own problem optimal:
        # only a bound within the gap proves this one is
        status = FEASIBLE
    solve_seconds = sum(h["seconds"] for h in history)
    return current, Solution(status=status, objective=out.objective, bound=bound, gap=g,
                             values=values, build_seconds=build, solve_seconds=solve_seconds,
                             backend=backend, solver=out.solver, version=out.version,
                             message=message, log=out.log, levels=tuple(history))


# ----------------------------------------------------------------------------- ties

def break_ties(problem: Problem, model: Model, values: np.ndarray) -> np.ndarray:
    """Column values with interchangeable projects' awards moved to the smaller ids.

    Interchangeable: equal in every column of ``problem.projects`` but the id, the title, the
    Excel row and analyst columns no outcome reads, with equal resource use, and required by
    no project. Swapping their columns changes no row of the model and not the objective.
    """
    p = problem.projects
    ids = p["project_id"].astype(str).to_numpy()
    # cheap first pass: only projects sharing territory and amounts can be interchangeable
    candidates = p.duplicated(["territory_id", "theme", "requested", "total_cost"], keep=False)
    if not candidates.any():
        return values
    ignored = {"project_id", "title", "row"} | (set(problem.extra_columns) - set(model.outcomes))
    key = p.loc[candidates, [c for c in p.columns if c not in ignored]]
    use = problem.resource_use
    if use is not None and len(use.columns):
        key = key.join(use.loc[candidates].add_prefix("use\x1f"))
    required = {q for reqs in p["requires"] for q in reqs}
    key = key[~p.loc[candidates, "project_id"].isin(required)]
    group = key.groupby(list(key.columns), dropna=False, sort=False).ngroup()
    select, award = sp.csr_array(model.select), sp.csr_array(model.award)
    values = values.copy()
    for _, members in group.groupby(group):
        if len(members) < 2:
            continue
        rows = members.index.to_numpy()
        rows = rows[np.argsort(ids[rows], kind="stable")]
        columns = [np.union1d(select.indices[select.indptr[i]:select.indptr[i + 1]],
                              award.indices[award.indptr[i]:award.indptr[i + 1]]) for i in rows]
        taken = sorted((tuple(values[c]) for c in columns), reverse=True)
        for c, v in zip(columns, taken):
            values[c] = v
    return values


# ----------------------------------------------------------------------------- watchdog

GRACE_SECONDS = 1.0  # after the time limit, before the watchdog stops the solver


def _percent(gap: float) -> str:
    """A gap as a percentage with two significant digits below 1% ("0.0043%"), so that an
    unproven allocation never reads "gap 0.00%"."""
    if gap >= 0.01 or gap <= 0:
        return f"{gap:.2%}"
    return f"{gap * 100:.{max(2, 1 - math.floor(math.log10(gap * 100)))}f}%"


def can_fork() -> bool:
    """Whether this process may fork a solver child safely (see the module's docstring)."""
    return ("fork" in multiprocessing.get_all_start_methods()
            and not multiprocessing.current_process().daemon
            and threading.active_count() == 1)


def _watch(model: Model, backend: str, options: SolveOptions) -> SolverOutput:
    """Solve in a forked child, stopped ``GRACE_SECONDS`` after the time limit.

    Measured here (medians of 20): ~25 ms on a 6-project problem (64 ms against 37 ms in
    process), of which the fork is 7 ms and the rest HiGHS starting its thread pool afresh;
    on the bundled workbook (2,000 projects, ~1.3 s) the difference is below the noise. A
    spawned child would pay ~1 s of imports; a fork pays none and inherits the model.
    """
    context = multiprocessing.get_context("fork")
    reader, writer = context.Pipe(duplex=False)
    scratch = tempfile.mkdtemp(prefix="allocator-solve-")  # the solver's files, removed after
    t0 = time.perf_counter()
    child = context.Process(target=_child, args=(model, backend, options, writer, scratch))
    child.start()
    writer.close()
    deadline = t0 + options.time_limit + GRACE_SECONDS
    best, outcome, stopped = None, None, False
    try:
        while outcome is None and reader.poll(max(0.0, deadline - time.perf_counter())):
            try:
                kind, payload = reader.recv()
            except EOFError:  # the child ended without a word: it crashed
                # its pipe closes a moment before it can be reaped: wait for its exit status,
                # or it would look alive and be reported as stopped at the time limit
                child.join(timeout=5)
                break
            if kind == "solution":
                values, _, bound = payload  # the objective as the model computes it
                payload = (values, float(model.c @ values + model.offset), bound)
                if best is None or payload[1] > best[1]:
                    best = payload
            else:
                outcome = (kind, payload)
    finally:
        reader.close()
        if child.is_alive():
            stopped = True
            _stop(child)
        child.join()
        shutil.rmtree(scratch, ignore_errors=True)
    if outcome is not None and outcome[0] == "error":
        raise outcome[1]
    if outcome is not None:
        return outcome[1]
    seconds = time.perf_counter() - t0
    if stopped:
        message = (f"the {backend} solver was stopped {GRACE_SECONDS:g} s after the time limit "
                   f"({options.time_limit:g} s)" if best is not None else
                   _no_allocation_in_time(options.time_limit))
    else:
        code = child.exitcode
        how = f"killed by {signal.Signals(-code).name}" if code < 0 else f"exit status {code}"
        others = [b for b in available() if b != backend]
        message = (f"the {backend} solver crashed ({how}); other backends available here: "
                   f"{', '.join(others) or 'none'} (--backend NAME)")
    if best is None:
        return SolverOutput(NO_SOLUTION, None, None, None, seconds, backend, "", "", None, message,
                            watchdog=True)
    values, objective, bound = best
    return SolverOutput(FEASIBLE, values, objective, bound if np.isfinite(bound) else None,
                        seconds, backend, "", "", None, message, watchdog=True)


def _no_allocation_in_time(limit: float) -> str:
    return (f"no allocation was found within the time limit ({limit:g} s); give the solver "
            "more time (--time-limit)")


def _stop(child) -> None:
    """Kill the child and whatever it started (CBC runs as a program of its own)."""
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        child.kill()  # not yet in its own group


def _child(model, backend, options, conn, scratch) -> None:
    os.setpgrp()  # its own process group, so that the watchdog stops what it starts too
    forked_worker()
    tempfile.tempdir = os.environ["TMPDIR"] = scratch
    if "highspy" in sys.modules:
        # HiGHS's thread pool, inherited without its threads, would hang a MIP solve: start
        # afresh (backends/highs.py does it at every fork; highspy may be used without it)
        sys.modules["highspy"].Highs.resetGlobalScheduler(False)

    def report(values, objective, bound):
        conn.send(("solution", (values, objective, bound)))
    try:
        conn.send(("done", solve_model(model, backend, replace(options, on_solution=report))))
    except BaseException as exc:  # raised again in the parent, where the CLI handles it
        try:
            conn.send(("error", exc))
        except Exception:  # not picklable
            conn.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))
    finally:
        conn.close()


def forked_worker() -> None:
    """Set up a forked child: Ctrl-C is its parent's to handle, and on Linux the kernel kills
    it when its parent dies (even by SIGKILL)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except OSError:
            pass
