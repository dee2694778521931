"""One HiGHS instance: the model's arrays handed over as they are (CSC, no copies by row), a run
with its log, status and duals, and a ``Session`` re-solving one instance."""
from __future__ import annotations

import os
import sys
import tempfile
import time
from dataclasses import replace

import highspy
import numpy as np
import scipy.sparse as sp

from allocator.backends.base import (
    Resolver,
    SolveOptions,
    SolverOutput,
    SolverRefused,
    objective_step,
    stopping_gaps,
)
from allocator.core.status import Status
from allocator.formulate import Change

# A forked child inherits HiGHS's process-wide thread pool without its threads, and a MIP
# solve there waits on them for ever: every child forked from a process that uses allocator
# (the solve watchdog, re-solve workers) starts a pool of its own.
_POOL: list[int | None] = [None]  # the thread count this process's HiGHS pool was started with


def _fresh_pool() -> None:
    highspy.Highs.resetGlobalScheduler(False)
    _POOL[0] = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_fresh_pool)


def new_highs() -> highspy.Highs:
    """A Highs instance, without the banner it prints on stdout (where --json output goes)."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            return highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def build(model, relax: bool = False) -> highspy.Highs:
    """A Highs instance holding the model (kept apart so re-solves can reuse it)."""
    h = new_highs()
    h.setOptionValue("output_flag", False)
    A = sp.csc_array(model.A)
    integer = np.asarray(model.integer, bool) & (not relax)
    # the array form of passModel: filling a HighsLp's fields converts each array element by
    # element (0.08 s at 100,000 projects, against 0.3 ms)
    c, col_lo, col_hi, row_lo, row_hi = (np.ascontiguousarray(v, float) for v in (
        model.c, model.col_lo, model.col_hi, model.row_lo, model.row_hi))
    status = h.passModel(A.shape[1], A.shape[0], A.nnz, int(highspy.MatrixFormat.kColwise),
                         int(highspy.ObjSense.kMaximize), float(model.offset),
                         c, col_lo, col_hi, row_lo, row_hi,
                         A.indptr.astype(np.int32), A.indices.astype(np.int32),
                         np.ascontiguousarray(A.data, float), integer.astype(np.int32))
    if status == highspy.HighsStatus.kError:
        raise SolverRefused("HiGHS refused the model")
    return h


def run(h: highspy.Highs, model, options: SolveOptions) -> SolverOutput:
    fd, log_path = tempfile.mkstemp(prefix="allocator-highs-", suffix=".log")
    os.close(fd)
    try:
        h.setOptionValue("log_to_console", False)
        h.setOptionValue("log_file", log_path)
        h.setOptionValue("output_flag", True)
        h.setOptionValue("time_limit", float(options.time_limit))
        step = objective_step(model) if model.integer.any() and not options.relax else None
        if model.integer.any() and not options.relax:
            rel, absolute = stopping_gaps(options, step)
            h.setOptionValue("mip_rel_gap", rel)
            # HiGHS stops at either gap: an absolute one set by the caller (``mip``'s, the
            # gap asked of the whole model) stands unless the objective's step is larger
            h.setOptionValue("mip_abs_gap", max(absolute, _option(h, "mip_abs_gap")))
        h.setOptionValue("random_seed", 0)
        if options.threads:
            # the pool is sized once, by the first solve, and HiGHS 1.16 refuses a solve that
            # asks for another count afterwards: start it again at the count asked (a
            # process runs one HiGHS solve at a time)
            if _POOL[0] != int(options.threads):
                highspy.Highs.resetGlobalScheduler(True)
                _POOL[0] = int(options.threads)
            h.setOptionValue("threads", int(options.threads))
        if options.start is not None and not options.relax:
            start = highspy.HighsSolution()
            start.col_value = np.asarray(options.start, float)
            start.value_valid = True
            h.setSolution(start)
        if options.on_solution is not None and not options.relax:
            def improving(event, report=options.on_solution):
                out = event.data_out
                report(np.array(out.mip_solution, float), float(out.objective_function_value),
                       float(out.mip_dual_bound))
            h.cbMipImprovingSolution.subscribe(improving)
        t0 = time.perf_counter()
        try:
            refused = h.run() == highspy.HighsStatus.kError
        finally:
            if options.on_solution is not None and not options.relax:
                h.cbMipImprovingSolution.unsubscribe(improving)  # a Session solves again
        seconds = time.perf_counter() - t0
        h.setOptionValue("log_file", "")
        with open(log_path, encoding="utf-8", errors="replace") as f:
            log = f.read()
    finally:
        os.unlink(log_path)
    if refused:  # e.g. asked for a thread count its process-wide pool was not started with
        raise SolverRefused("HiGHS refused to solve: "
                            + " / ".join(log.strip().splitlines()[-3:]))
    status = h.getModelStatus()
    info = h.getInfo()
    S = highspy.HighsModelStatus
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    values = np.asarray(h.getSolution().col_value, float) if has_solution else None
    mip = model.integer.any() and not options.relax
    objective = float(info.objective_function_value) if has_solution else None
    bound = float(info.mip_dual_bound) if mip else objective
    if step is not None and objective is not None and bound is not None and \
            bound - objective < step * (1 - 1e-7):
        bound = objective  # no allocation's worth lies between: the whole-number optimum
    if status == S.kOptimal:
        state = Status.OPTIMAL
    elif status == S.kInfeasible:
        state = Status.INFEASIBLE
    elif status in (S.kUnbounded, S.kUnboundedOrInfeasible):
        state = Status.UNBOUNDED if status == S.kUnbounded else Status.INFEASIBLE
    else:
        state = Status.FEASIBLE if has_solution else Status.NO_SOLUTION
    if options.start is not None and not options.relax and has_solution and \
            _option(h, "presolve") != "off":
        lp = h.getLp()
        assert values is not None and objective is not None  # has_solution
        worth = float(np.dot(lp.col_cost_, values)) + float(lp.offset_)
        if abs(worth - objective) > 1e-7 * max(1.0, abs(worth)):
            # HiGHS 1.16, given a MIP start, can value it in its presolved space above what it
            # is worth, stop, and hand back the start with the optimum's objective (found by
            # tests/test_bruteforce.py); without presolve it does not
            previous = _option(h, "presolve")
            h.clearSolver()
            h.setOptionValue("presolve", "off")
            try:
                again = run(h, model, options)
            finally:
                h.setOptionValue("presolve", previous)
            return replace(again, log="(HiGHS misvalued the start with presolve: solved again "
                                      "without)\n" + again.log)
    duals = None
    if options.relax and has_solution:
        duals = np.asarray(h.getSolution().row_dual, float)
    return SolverOutput(state, values, objective, bound, seconds, "HiGHS",
                        h.version(), log, duals, h.modelStatusToString(status))


def _option(h: highspy.Highs, name: str):
    """An option's value (highspy answers with a (status, value) pair)."""
    answer = h.getOptionValue(name)
    return answer[1] if isinstance(answer, tuple) else answer


class Session(Resolver):
    """One HiGHS instance holding a model, re-solved with column and row bounds changed and
    then restored (HiGHS's ``feasibility``).

    The diagnosis of rules that cannot all hold solves one model many times with groups of
    rules switched off: building the instance once saves the hand-over. (Re-solves near a
    known allocation go through ``nearby.Nearby`` instead.)
    """

    def __init__(self, model, options: SolveOptions):
        super().__init__(model, options)
        self.h = build(model)

    def solve(self, change: Change) -> SolverOutput:
        h = self.h
        if change.cost is not None:
            raise ValueError("a Session changes bounds only")
        # highspy 1.16's stub lacks changeRowsBounds, which its binding has
        change_rows = h.changeRowsBounds  # type: ignore[attr-defined]
        for bounds, apply in ((change.cols, h.changeColsBounds), (change.rows, change_rows)):
            if bounds is not None:
                idx, lo, hi = (np.asarray(a) for a in bounds)
                apply(len(idx), idx.astype(np.int32), lo.astype(float), hi.astype(float))
        try:
            return run(h, self.model, replace(self.options, relax=change.relax, start=None,
                                              on_solution=None))
        finally:
            self._restore(change)

    def _restore(self, change: Change) -> None:
        h, m = self.h, self.model
        if change.cols is not None:
            idx = np.asarray(change.cols[0])
            h.changeColsBounds(len(idx), idx.astype(np.int32), m.col_lo[idx], m.col_hi[idx])
        if change.rows is not None:
            idx = np.asarray(change.rows[0])
            # highspy 1.16's stub lacks changeRowsBounds, which its binding has
            h.changeRowsBounds(  # type: ignore[attr-defined]
                len(idx), idx.astype(np.int32), m.row_lo[idx], m.row_hi[idx])
        h.clearSolver()
