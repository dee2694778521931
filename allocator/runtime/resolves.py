"""Re-solves of one model with small changes, in forked worker processes.

Explanations (near misses, shadow prices) and the budget curve solve the model again with a
bound or two moved; each worker keeps the backend's ``Resolver`` (with HiGHS, ``Nearby``: the
model handed over once, the LP's basis, the search near a known allocation) and takes the next
change as soon as it is free.
"""
from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable
from dataclasses import replace
from multiprocessing.connection import wait

from allocator.backends import Resolver, SolveOptions, SolverOutput, backend
from allocator.core.status import Status
from allocator.formulate import Model
from allocator.runtime.workers import can_fork, forked_worker

PATIENCE_SECONDS = 60.0  # past the time limit, per solve, before a silent worker is stopped


class Resolves:
    """Re-solves of one model with small changes, on the backend of ``options``.

    They run in ``workers`` processes forked from this one where a fork is safe
    (``runtime.workers.can_fork``); threads would not help, highspy holds the GIL while
    HiGHS runs. Elsewhere they run here, one after the other.
    """

    def __init__(self, model: Model, options: SolveOptions, workers: int = 2):
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
        so)."""
        if not changes:
            return []
        task = task or _solve
        if self.workers == 1 or len(changes) == 1 or self._here is not None or not can_fork():
            return [task(self._resolver(), c) for c in changes]
        return _fan_out(self.model, self.options, changes, min(self.workers, len(changes)),
                        task, solves)


def _solve(resolver: Resolver, change):
    return resolver.solve(change)


def _fan_out(model: Model, options: SolveOptions, changes: list, workers: int,
             task: Callable, solves: int) -> list:
    """``task(resolver, change)`` for each change in forked worker processes (a fork, so
    ``task`` need not pickle), each taking the next change as soon as it is free; a worker
    silent for the time limit plus ``PATIENCE_SECONDS`` (per solve) is stopped and its change
    reported without a solution."""
    context = multiprocessing.get_context("fork")
    options = replace(options, threads=1, on_solution=None)  # one core per worker
    patience = (options.time_limit + PATIENCE_SECONDS) * solves
    workers_ = []

    def start():
        mine, theirs = context.Pipe()
        proc = context.Process(target=_serve, args=(model, options, task, theirs),
                               daemon=True)
        proc.start()
        theirs.close()
        workers_.append((proc, mine))
        return proc, mine
    for _ in range(workers):
        start()
    results: list = [None] * len(changes)
    queue = list(range(len(changes)))[::-1]
    busy: dict = {}  # connection → (change index, process, started)

    def give(proc, conn):
        if queue:
            k = queue.pop()
            conn.send((k, changes[k]))
            busy[conn] = (k, proc, time.perf_counter())
    try:
        for proc, conn in workers_:
            give(proc, conn)
        while busy:
            timeout = max(0.0, min(t + patience for _, _, t in busy.values()) - time.perf_counter())
            ready = wait(list(busy), timeout)
            if not ready:  # a worker outlived its patience: stop it, say so
                for conn, (k, proc, t) in list(busy.items()):
                    if time.perf_counter() - t >= patience:
                        proc.kill()
                        del busy[conn]
                        stopped = SolverOutput(Status.NO_SOLUTION, None, None, None, patience,
                                               options.backend, "", "", None,
                                               "re-solve stopped")
                        results[k] = stopped
                        give(*start())  # a fresh worker takes over the queue
                continue
            for conn in ready:
                k, proc, _ = busy.pop(conn)
                try:
                    _, out = conn.recv()
                except EOFError:
                    raise RuntimeError(f"a re-solve worker died (exit code {proc.exitcode})")
                if isinstance(out, BaseException):
                    raise out
                results[k] = out
                give(proc, conn)
    finally:
        for proc, conn in workers_:
            try:
                conn.send(None)
            except (OSError, ValueError):
                pass
            conn.close()
        for proc, _ in workers_:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
                proc.join()
    return results


def _serve(model: Model, options: SolveOptions, task: Callable, conn) -> None:
    """A re-solve worker: changes in, what ``task`` returns (SolverOutputs, or lists of them,
    without logs) out, until told to stop."""
    forked_worker()
    resolver = backend(options.backend).resolver(model, options)
    while True:
        try:
            message = conn.recv()
        except EOFError:
            break
        if message is None:
            break
        k, change = message
        try:
            out = _quiet(task(resolver, change))
        except Exception as exc:  # noqa: BLE001 -- raised again in the parent
            out = RuntimeError(f"{type(exc).__name__}: {exc}")
        conn.send((k, out))
    conn.close()


def _quiet(out):
    """Outputs without their logs: they cross a pipe."""
    if isinstance(out, list):
        return [_quiet(o) for o in out]
    return replace(out, log="")
