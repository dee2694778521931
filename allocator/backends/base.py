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
from typing import TYPE_CHECKING, Callable

import numpy as np

from allocator.core.status import Status

if TYPE_CHECKING:
    from allocator.core.scenario import Scenario
    from allocator.formulate import Change, Model


MAIN_SHARE = 0.8  # of a command's time limit, at most, for its main solve when others follow


@dataclass(frozen=True)
class SolveOptions:
    """How to solve: on which backend, for how long, to which relative gap.

    ``time_limit`` bounds one solve; ``deadline`` (a ``time.monotonic()`` instant, None for
    none) bounds every solve of a command together: a solve gets what is left of it when it
    starts (``bounded``), and one that starts after it is not run (``out_of_time``). Forked
    workers share this machine's monotonic clock, so the deadline holds in them too.
    """
    time_limit: float = 120.0
    gap: float = 1e-4
    verbose: bool = False
    threads: int | None = None
    backend: str = "highs"
    start: np.ndarray | None = None  # a feasible column vector to start from
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

    def with_deadline(self) -> "SolveOptions":
        """These options with a deadline ``time_limit`` seconds from now: a command's budget."""
        return replace(self, deadline=time.monotonic() + self.time_limit)

    def for_main_solve(self) -> "SolveOptions":
        """These options for the main solve of a command whose other solves follow it (its
        explanations, its draws): a deadline ``MAIN_SHARE`` of the way to the command's, so
        that they have some of what is left (the time limit, as the user gave it, is kept for
        what messages say)."""
        if self.deadline is None:
            return self
        return replace(self, deadline=time.monotonic() + MAIN_SHARE * self.left())

    def left(self) -> float:
        """Seconds left before the deadline (infinite without one)."""
        return np.inf if self.deadline is None else max(0.0, self.deadline - time.monotonic())

    def bounded(self) -> "SolveOptions":
        """These options with the time limit cut to what is left before the deadline."""
        return replace(self, time_limit=min(self.time_limit, self.left()))

    def overridden(self, **changes) -> "SolveOptions":
        """These options with the ``changes`` that are given (None keeps a field as it is)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


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


OUT_OF_TIME = ("not solved: the time limit was reached before this solve could start; give "
               "more time (--time-limit)")


def out_of_time(backend: str) -> SolverOutput:
    """What a solve that the deadline left no time for gives: no allocation, saying why."""
    return SolverOutput(Status.NO_SOLUTION, None, None, None, 0.0, backend, "", "", None,
                        OUT_OF_TIME)


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
