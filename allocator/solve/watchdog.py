"""A time limit is a promise: solvers break it (HiGHS's presolve has run minutes past its own
limit, CBC has hung after its own), so each solve runs in a forked child watched by this
process. The child streams every improving solution it finds (HiGHS's callback); the watchdog
stops it (its whole process group) ``GRACE_SECONDS`` after the limit and keeps the best one,
reported as "feasible, gap x%", or no allocation with a clear message. A child that crashes
is reported with the backends available here. The child costs ~25 ms (see ``watch``), so
every solve is watched where a fork is safe; elsewhere (a process with other threads, or a
daemon worker, which may not have children) it runs in this process.
"""
from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import replace

import numpy as np

from allocator.backends import SolveOptions, SolverOutput, available, solve_model
from allocator.core.status import Status
from allocator.formulate import Model
from allocator.runtime.workers import forked_worker

GRACE_SECONDS = 1.0  # after the time limit, before the watchdog stops the solver


def watch(model: Model, options: SolveOptions) -> SolverOutput:
    """Solve in a forked child, stopped ``GRACE_SECONDS`` after the time limit.

    Measured here (medians of 20): ~25 ms on a 6-project problem (64 ms against 37 ms in
    process), of which the fork is 7 ms and the rest HiGHS starting its thread pool afresh;
    on the bundled workbook (2,000 projects, ~1.3 s) the difference is below the noise. A
    spawned child would pay ~1 s of imports; a fork pays none and inherits the model.
    """
    context = multiprocessing.get_context("fork")
    reader, writer = context.Pipe(duplex=False)
    scratch = tempfile.mkdtemp(prefix="allocator-solve-")  # the solver's files, removed after
    backend = options.backend
    t0 = time.perf_counter()
    child = context.Process(target=_child, args=(model, options, writer, scratch))
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
                   no_allocation_in_time(options.time_limit))
    else:
        code = child.exitcode
        how = f"killed by {signal.Signals(-code).name}" if code < 0 else f"exit status {code}"
        others = [b for b in available() if b != backend]
        message = (f"the {backend} solver crashed ({how}); other backends available here: "
                   f"{', '.join(others) or 'none'} (--backend NAME)")
    if best is None:
        return SolverOutput(Status.NO_SOLUTION, None, None, None, seconds, backend, "", "", None, message,
                            watchdog=True)
    values, objective, bound = best
    return SolverOutput(Status.FEASIBLE, values, objective, bound if np.isfinite(bound) else None,
                        seconds, backend, "", "", None, message, watchdog=True)


def no_allocation_in_time(limit: float) -> str:
    return (f"no allocation was found within the time limit ({limit:g} s); give the solver "
            "more time (--time-limit)")


def _stop(child) -> None:
    """Kill the child and whatever it started (CBC runs as a program of its own)."""
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        child.kill()  # not yet in its own group


def _child(model, options, conn, scratch) -> None:
    os.setpgrp()  # its own process group, so that the watchdog stops what it starts too
    forked_worker()
    tempfile.tempdir = os.environ["TMPDIR"] = scratch
    if "highspy" in sys.modules:
        # HiGHS's thread pool, inherited without its threads, would hang a MIP solve: start
        # afresh (backends/highs/instance.py does it at every fork; highspy may be used without it)
        sys.modules["highspy"].Highs.resetGlobalScheduler(False)

    def report(values, objective, bound):
        conn.send(("solution", (values, objective, bound)))
    try:
        conn.send(("done", solve_model(model, options.backend, replace(options, on_solution=report))))
    except BaseException as exc:  # raised again in the parent, where the CLI handles it
        try:
            conn.send(("error", exc))
        except Exception:  # not picklable
            conn.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))
    finally:
        conn.close()
