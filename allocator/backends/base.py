"""What every backend shares: the options of a solve, what a solver said, and re-solves.

A backend solves a ``formulate.Model`` under ``SolveOptions`` and returns a ``SolverOutput``;
it also hands out a ``Resolver`` for re-solves of one model with small changes (explanations,
budget curves, Monte Carlo draws, diagnosis). Every backend has the cold one here, correct
everywhere; HiGHS has a faster one that starts from what the first solve learnt.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Callable

import numpy as np
import scipy.sparse as sp

from allocator.core.status import EXACT_GAP, Status

if TYPE_CHECKING:
    from allocator.core.scenario import Scenario
    from allocator.formulate import Change, Model


# the share of an objective's step that a bound may exceed an allocation by and still prove
# it: no allocation's worth lies strictly between two steps, and solvers' bounds carry
# tolerances of ~1e-9
STEP_SHARE = 1 - 1e-6
MAIN_SHARE = 0.8  # of a command's time limit, at most, for its main solve when others follow
# of what is left of a command's time limit, at least, for its solves when work that no limit
# cuts short must follow them (1,000,000 projects in 60 s: the ranking's allocation needs
# ~7 s of the ~40 s left after reading, and writing the result ~20 s)
SOLVE_KEEPS = 0.25


def since(started: float | None) -> float:
    """The ``time.monotonic()`` instant a time limit counts from: ``started``, or now."""
    return time.monotonic() if started is None else started


@dataclass(frozen=True)
class SolveOptions:
    """How to solve: on which backend, for how long, to which relative gap.

    ``time_limit`` bounds one solve; ``deadline`` (a ``time.monotonic()`` instant, None for
    none) bounds every solve of a command together: a solve gets what is left of it when it
    starts (``bounded``), and one that starts after it is not run (``out_of_time``). Forked
    workers share this machine's monotonic clock, so the deadline holds in them too.
    """
    time_limit: float = 120.0
    gap: float = EXACT_GAP
    verbose: bool = False
    threads: int | None = None
    backend: str = "highs"
    start: np.ndarray | None = None  # a feasible column vector to start from
    # an allocation under every rule found without a solver (the ranking's, ``solve.run``):
    # HiGHS's LP-first path starts from it and reports it first; whatever the backend, it
    # stands when the solve ends without an allocation (unlike ``start``, it leaves the
    # backend's path unchanged)
    opening: np.ndarray | None = None
    relax: bool = False  # solve the LP relaxation (integrality dropped), with duals
    # called with (values, objective, bound) on each improving solution, by the backends that
    # can (HiGHS): a watchdog that stops a late solver keeps the best one (see solve/watchdog)
    on_solution: Callable[[np.ndarray, float, float], None] | None = None
    deadline: float | None = None

    @classmethod
    def from_scenario(cls, scenario: "Scenario", *, verbose: bool = False,
                      threads: int | None = None, deadline: float | None = None
                      ) -> "SolveOptions":
        """The scenario's backend, time limit and gap; ``threads`` (default
        ``ALLOCATOR_THREADS``, else the solver's choice) change no allocation."""
        if threads is None and os.environ.get("ALLOCATOR_THREADS", "").strip().isdigit():
            threads = int(os.environ["ALLOCATOR_THREADS"])
        return cls(time_limit=scenario.time_limit, gap=scenario.gap, verbose=verbose,
                   threads=threads, backend=scenario.backend, deadline=deadline)

    def with_deadline(self, started: float | None = None) -> "SolveOptions":
        """These options with a deadline ``time_limit`` seconds from ``started`` (a
        ``time.monotonic()`` instant, default now): a command's budget, which its reading and
        validation count against when it started before them."""
        return replace(self, deadline=since(started) + self.time_limit)

    def for_main_solve(self) -> "SolveOptions":
        """These options for the main solve of a command whose other solves follow it (its
        explanations, its draws): a deadline ``MAIN_SHARE`` of the way to the command's, so
        that they have some of what is left (the time limit, as the user gave it, is kept for
        what messages say)."""
        if self.deadline is None:
            return self
        return replace(self, deadline=time.monotonic() + MAIN_SHARE * self.left())

    def leaving(self, reserve: float) -> "SolveOptions":
        """These options with a deadline ``reserve`` seconds before theirs, for solves that
        work of that many seconds, bounded by no solver's limit, must follow within the
        command's time limit (summaries, reasons, writing); by at most ``1 - SOLVE_KEEPS``
        of what is left, so that a solve (and the ranking's allocation it starts from) keeps
        some when the work is longer than the limit allows."""
        if self.deadline is None:
            return self
        return replace(self, deadline=self.deadline - min(reserve,
                                                          (1 - SOLVE_KEEPS) * self.left()))

    def left(self) -> float:
        """Seconds left before the deadline (infinite without one)."""
        return np.inf if self.deadline is None else max(0.0, self.deadline - time.monotonic())

    def bounded(self) -> "SolveOptions":
        """These options with the time limit cut to what is left before the deadline."""
        return replace(self, time_limit=min(self.time_limit, self.left()))

    def overridden(self, **changes) -> "SolveOptions":
        """These options with the ``changes`` that are given (None keeps a field as it is)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def objective_step(model: "Model") -> float | None:
    """The step between the worths of any two allocations, when the objective is a multiple of
    one number on integer columns only (0-1 knapsacks, Pabulib votes, integer outcomes in raw
    units, or any of these normalised): a bound less than a step above an allocation then
    proves it optimal. None otherwise (or for a step below ``EXACT_GAP`` of the objective's
    size, which the relative gap already covers).

    The step is the greatest common divisor of the coefficients (Euclid on floats, to 1e-9 of
    the largest), checked against every coefficient to 1e-6 of itself."""
    c = np.asarray(model.c, float)
    used = c != 0
    if not used.any() or (used & ~np.asarray(model.integer, bool)).any():
        return None
    values = np.unique(np.abs(c[used]))
    top = float(values[-1])
    tol = 1e-9 * top
    step = float(values[0])
    for v in values[1:]:
        a, b = float(v), step
        while b > tol:
            a, b = b, a % b
            if b > a - tol:  # a remainder within rounding of a whole step
                b = 0.0
        step = a
        if step < EXACT_GAP * top:
            return None
    ratio = np.abs(c[used]) / step
    if np.abs(ratio - np.round(ratio)).max() > 1e-6:
        return None
    return step


def budget_bound(model: "Model") -> float | None:
    """A bound on every allocation's worth that needs no LP: the least of Dantzig's bounds
    over the knapsack rows that hold every column of positive worth (the budget, a
    resource): the LP relaxation of the model with that row alone, filled by worth per unit
    of the row. None where the model has no such row (or columns without finite bounds)."""
    c, lo, hi = (np.asarray(v, float) for v in (model.c, model.col_lo, model.col_hi))
    worth_cols = c > 0
    if not np.all(np.isfinite(lo)) or not np.all(np.isfinite(hi[worth_cols])):
        return None
    A = sp.csr_array(model.A)
    covered = np.asarray((A[:, worth_cols] != 0).sum(axis=1)).ravel()
    rows = np.flatnonzero(np.isneginf(model.row_lo) & np.isfinite(model.row_hi)
                          & model.nonnegative_rows() & (covered == worth_cols.sum()))
    base = float(c @ lo) + model.offset
    best = None
    for r in rows:
        a = A[[r], :].toarray().ravel()
        room = model.row_hi[r] - float(a @ lo)
        if room < 0:
            return None  # no allocation holds this row: nothing to bound
        cols = np.flatnonzero(worth_cols)
        cols = cols[np.argsort(-c[cols] / a[cols], kind="stable")]
        spend = a[cols] * (hi[cols] - lo[cols])
        before = np.concatenate([[0.0], np.cumsum(spend)[:-1]])
        share = np.clip((room - before) / np.where(spend > 0, spend, 1.0), 0.0, 1.0)
        bound = base + float(c[cols] @ (share * (hi[cols] - lo[cols])))
        best = bound if best is None else min(best, bound)
    return best


def is_proven(objective: float | None, bound: float | None, step: float | None = None) -> bool:
    """The one rule by which an allocation is called optimal: its proven relative gap is at
    most ``EXACT_GAP``, or, with an objective of ``step``s (``objective_step``), the bound is
    less than a step above it (the integer optimum). Otherwise it is feasible, within its gap."""
    g = relative_gap(objective, bound)
    if g is None:
        return False
    if g <= EXACT_GAP * (1 + 1e-9):
        return True
    assert objective is not None and bound is not None  # a gap is known
    # a little above the share solvers are told (``stopping_gaps``), for the rounding of
    # adding an offset back
    return step is not None and bound - objective < step * (1 - 1e-7)


def stopping_gaps(options: SolveOptions, step: float | None) -> tuple[float, float]:
    """The relative and absolute gaps a solver is to stop at: the relative gap asked; with an
    objective of ``step``s and a gap no coarser than ``EXACT_GAP``, the integer optimum (a
    bound less than a step above the allocation), whatever the relative gap then."""
    if step is not None and options.gap <= EXACT_GAP:
        return 0.0, step * STEP_SHARE
    return float(options.gap), 0.0


def settled(out: "SolverOutput", step: float | None) -> "SolverOutput":
    """``out`` with its status by ``is_proven``: optimal only when proven so, feasible when it
    has an allocation that is not (whatever gap the solver was asked to stop at)."""
    if out.values is None or out.status not in (Status.OPTIMAL, Status.FEASIBLE):
        return out
    proven = is_proven(out.objective, out.bound, step)
    return replace(out, status=Status.OPTIMAL if proven else Status.FEASIBLE)


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """(bound − objective) / |objective| of a maximisation, 0 at best; None when unknown."""
    if objective is None or bound is None or not np.isfinite(bound):
        return None
    return max(0.0, bound - objective) / max(abs(objective), 1e-9)


@dataclass(frozen=True)
class SolverOutput:
    """What a solver said. ``values`` is None when it found no solution, and ``objective``
    with it: every backend values the solution it gives."""
    status: Status
    values: np.ndarray | None
    objective: float | None
    bound: float | None
    seconds: float
    solver: str
    version: str
    log: str = ""
    row_duals: np.ndarray | None = None
    message: str = ""
    watchdog: bool = False  # ended by the watchdog (stopped, or crashed): ``message`` says why


@dataclass(frozen=True)
class Lead:
    """The opening of a solve made by a solver in a process of its own (CBC alone on a
    knapsack, ``highs.mip.cbc_lead``), which the process that started it watches itself: the
    watchdog then forks its child only if the rest of the solve needs one. ``out``: the
    solve's answer, when the opening ended it; else ``running`` (the backend's handle on the
    solver still at work, handed to ``Backend.solve`` with the lead) or nothing (it ended
    without a usable allocation). ``notes`` go to the solve's log; ``started`` is the
    ``time.perf_counter()`` instant the solve began."""
    started: float
    out: SolverOutput | None = None
    running: Any = None
    notes: tuple[str, ...] = ()

    def stop(self) -> None:
        """End the solver still at work, if any (whatever the rest of the solve did)."""
        if self.running is not None:
            self.running.stop()


OUT_OF_TIME = ("not solved: the time limit was reached before this solve could start; give "
               "more time (--time-limit)")


# the solvers of the backends as their makers write them, for what a solve that ended without
# the solver's own word (out of time, stopped, crashed) shows: "feasible, within 1.40% (HiGHS,
# 10.85 s)", as a solve that ended by itself shows it
SOLVER_LABELS = {"highs": "HiGHS", "scip": "SCIP", "cpsat": "CP-SAT", "cbc": "CBC"}


def solver_label(backend: str) -> str:
    """The solver of a backend name as users know it (``pulp:GUROBI_CMD``: GUROBI_CMD)."""
    return SOLVER_LABELS.get(backend, backend.split(":", 1)[-1])


def out_of_time(backend: str) -> SolverOutput:
    """What a solve that the deadline left no time for gives: no allocation, saying why."""
    return SolverOutput(Status.NO_SOLUTION, None, None, None, 0.0, solver_label(backend), "",
                        "", None, OUT_OF_TIME)


class BackendUnavailable(Exception):
    """The backend's library or solver is not installed."""


class SolverRefused(RuntimeError):
    """The solver would not take or solve the model as given (its numbers out of the range it
    works in, as weights a million times apart): the input's to change, not a bug."""


class Resolver:
    """Re-solves of one solved model, each with a ``Change``.

    ``solve(change)`` solves the changed model; ``cold(change)`` solves it from scratch;
    ``chain`` solves a path of changes, each from the allocation before it.
    """

    def __init__(self, model: "Model", options: SolveOptions):
        self.model, self.options = model, options

    def solve(self, change: "Change") -> SolverOutput:
        raise NotImplementedError

    def cold(self, change: "Change") -> SolverOutput:
        return self.solve(replace(change, start=None, bound=None))

    def chain(self, changes: list["Change"], bound: float | None = None, known=()
              ) -> list[SolverOutput]:
        """Solve each change in order, each from the allocation of the one before or from one
        of the ``known`` allocations, whichever is worth most among those that keep the
        changed model's rules (the first without any, from scratch): a path along which an
        allocation stays feasible, as a budget curve's envelopes in ascending order.
        ``bound``: valid for every model of the path."""
        outs, last = [], None
        for change in changes:
            if self.options.left() <= 0:  # the rest of the path too: not even its model
                outs.append(out_of_time(self.options.backend))
                continue
            changed = self.model.changed(change)
            holding = [v for v in (last, *known) if v is not None and changed.holds(v)]
            if holding:
                start = max(holding, key=lambda v: float(changed.c @ v))
                out = self.solve(replace(change, start=start, bound=bound))
            else:
                out = self.cold(change)
            outs.append(out)
            if out.values is not None:
                last = out.values
        return outs


class Timed(Resolver):
    """Another resolver's re-solves within the deadline of ``options``: each given what is
    left of it, none run once it has passed (``out_of_time``)."""

    def __init__(self, inner: Resolver):
        super().__init__(inner.model, inner.options)
        self.inner = inner

    def solve(self, change: "Change") -> SolverOutput:
        return self._within(self.inner.solve, change)

    def cold(self, change: "Change") -> SolverOutput:
        return self._within(self.inner.cold, change)

    def _within(self, solve: Callable[["Change"], SolverOutput], change: "Change"
                ) -> SolverOutput:
        if self.options.left() <= 0:
            return out_of_time(self.options.backend)
        # every resolver reads its options at each solve: they carry what is left
        self.inner.options = self.options.bounded()
        return solve(change)


class ColdResolver(Resolver):
    """Each re-solve a solve of the changed model by the backend, from the change's start
    where the solver takes one: what any backend can do, exact to the gap asked."""

    def __init__(self, model: "Model", options: SolveOptions,
                 solve: Callable[["Model", SolveOptions], SolverOutput]):
        super().__init__(model, options)
        self._solve = solve

    def solve(self, change: "Change") -> SolverOutput:
        changed = self.model.changed(change)
        start = change.start if change.start is not None and not change.relax \
            and changed.holds(change.start) else None
        out = self._solve(changed, replace(self.options, relax=change.relax, start=start,
                                           on_solution=None))
        if change.relax or out.values is None or start is None:
            return out
        # a start the solver could not better stands, valued by the model, not the solver
        worth = float(changed.c @ start + changed.offset)
        if out.objective is not None and out.objective >= worth - 1e-9 * max(1.0, abs(worth)):
            return out
        return replace(out, values=np.asarray(start, float), objective=worth)
