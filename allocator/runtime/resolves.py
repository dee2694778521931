"""Re-solves of one model with small changes, in forked worker processes.

Explanations (near misses, shadow prices) and the budget curve solve the model again with a
bound or two moved; each worker keeps the backend's ``Resolver`` (with HiGHS, ``Nearby``: the
model handed over once, the LP's basis, the search near a known allocation) and takes the next
change as soon as it is free. With a deadline in the options, each re-solve gets what is left
of it, those it leaves no time for are not run (``backends.base.out_of_time``), and a worker
still solving ``GRACE_SECONDS`` after it is stopped.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from allocator.backends import Resolver, SolveOptions, SolverOutput, backend, out_of_time
from allocator.core.status import Status
from allocator.formulate import Model
from allocator.runtime.workers import GRACE_SECONDS, STOPPED, Workers, can_fork

PATIENCE_SECONDS = 60.0  # past the time limit, per solve, before a silent worker is stopped


class Resolves:
    """Re-solves of one model with small changes, on the backend of ``options``.

    They run in ``workers`` processes forked from this one where a fork is safe
    (``runtime.workers.can_fork``); threads would not help, highspy holds the GIL while
    HiGHS runs. Elsewhere they run here, one after the other.
    """

    def __init__(self, model: Model, options: SolveOptions, workers: int = 2):
        # one HiGHS thread wherever they run, here as in a worker (one core each): at the
        # exact gap HiGHS's MILP gives awards ~1e-7 apart on one thread or two, and the
        # results would depend on the number of workers
        options = replace(options, threads=1, on_solution=None)
        self.model, self.options, self.workers = model, options, max(1, workers)
        self._here: Resolver | None = None

    def _resolver(self) -> Resolver:
        if self._here is None:
            self._here = backend(self.options.backend).resolver(self.model, self.options)
        return self._here

    def map(self, changes: list, task: Callable | None = None, solves: int = 1) -> list:
        """``task(resolver, change)`` for each change, in order (default ``Resolver.solve``:
        one SolverOutput per ``Change``); ``task`` may return a list of SolverOutputs, from
        up to ``solves`` solves (a task stopped for silence gives one SolverOutput saying
        so). Without their logs, here as from the workers, so that what comes back does not
        depend on whether this process could fork."""
        if not changes:
            return []
        if task is None and self.options.left() <= 0:
            # no fork of this process (gigabytes, with a million projects) for solves that
            # would not start
            return [out_of_time(self.options.backend) for _ in changes]
        task = task or _solve
        if self.workers == 1 or len(changes) == 1 or self._here is not None or not can_fork():
            return [_quiet(task(self._resolver(), c)) for c in changes]
        return _fan_out(self.model, self.options, changes, min(self.workers, len(changes)),
                        task, solves)


def _solve(resolver: Resolver, change):
    return resolver.solve(change)


def _fan_out(model: Model, options: SolveOptions, changes: list, workers: int,
             task: Callable, solves: int) -> list:
    """``task(resolver, change)`` for each change in forked workers (a fork, so ``task`` need
    not pickle), each taking the next change as soon as it is free; a worker silent for the
    time limit plus ``PATIENCE_SECONDS`` (per solve) is stopped and its change reported
    without a solution, and so is every change not answered ``GRACE_SECONDS`` after the
    deadline."""
    patience = (options.time_limit + PATIENCE_SECONDS) * solves
    until = None if options.deadline is None else options.deadline + GRACE_SECONDS
    results: list = [None] * len(changes)
    with Workers(workers, _task, _resolver, (model, options, task), name="re-solve",
                 fork=True) as pool:
        for k, out in pool.run(changes, patience=patience, until=until):
            if out is STOPPED:
                out = out_of_time(options.backend) if options.left() <= 0 else SolverOutput(
                    Status.NO_SOLUTION, None, None, None, patience, options.backend, "", "",
                    None, "re-solve stopped")
            results[k] = out
    return results


def _resolver(model: Model, options: SolveOptions, task: Callable):
    """A re-solve worker's state: the backend's resolver of the model, and the task."""
    return backend(options.backend).resolver(model, options), task


def _task(state, change, report):
    """What ``task`` returns (SolverOutputs, or lists of them), without logs: they cross a
    pipe; what it raises, as a RuntimeError naming it (any exception may not pickle)."""
    resolver, task = state
    try:
        return _quiet(task(resolver, change))
    except Exception as exc:
        raise RuntimeError(f"{type(exc).__name__}: {exc}") from None


def _quiet(out):
    """Outputs without their logs."""
    if isinstance(out, list):
        return [_quiet(o) for o in out]
    return replace(out, log="")
