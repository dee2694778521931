"""SCIP and CP-SAT through OR-Tools' model_builder, filled from the model's arrays at once."""
from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from allocator.backends.base import (
    BackendUnavailable,
    SolveOptions,
    SolverOutput,
    objective_step,
    stopping_gaps,
)
from allocator.core.lang import phrase
from allocator.core.status import Status


def is_available(solver: str) -> bool:
    try:
        from ortools.linear_solver.python import model_builder_helper as mbh
    except ImportError:
        return False
    return mbh.ModelSolverHelper(solver).solver_is_supported()


def _finite_bounds(model):
    """Bounds with every infinity replaced by the activity the other bounds imply.

    model_builder takes no infinities, and CP-SAT rejects a model whose bounds are huge
    stand-ins such as 1e30 ("Extra CP-SAT validation failed"), so open sides are closed at
    the least and most a row can reach, which changes nothing.
    """
    big = 1e9  # an unbounded column (the total awarded, in M€) never comes near it
    col_lo = np.where(np.isfinite(model.col_lo), model.col_lo, -big)
    col_hi = np.where(np.isfinite(model.col_hi), model.col_hi, big)
    A = sp.csr_array(model.A)
    pos, neg = A.maximum(0), A.minimum(0)
    most = pos @ col_hi + neg @ col_lo
    least = pos @ col_lo + neg @ col_hi
    margin = 1.0 + 1e-6 * np.abs(np.concatenate([most, least])).max(initial=0.0)
    row_lo = np.where(np.isfinite(model.row_lo), model.row_lo, least - margin)
    row_hi = np.where(np.isfinite(model.row_hi), model.row_hi, most + margin)
    return col_lo, col_hi, row_lo, row_hi


def solve(model, solver: str, options: SolveOptions) -> SolverOutput:
    try:
        import ortools
        from ortools.linear_solver.python import model_builder_helper as mbh
    except ImportError:
        raise BackendUnavailable(phrase("backend.not_installed", package="OR-Tools",
                                        pip="ortools")) from None
    helper = mbh.ModelBuilderHelper()
    col_lo, col_hi, row_lo, row_hi = _finite_bounds(model)
    # the stub spells its arrays ndarray[float64[m, 1]] (pybind11), which numpy's typing reads
    # as a shape: no array matches (the bounds, from _finite_bounds, are untyped)
    helper.fill_model_from_sparse_data(col_lo, col_hi,
                                       np.asarray(model.c, float),  # type: ignore[arg-type]
                                       row_lo, row_hi, sp.csr_matrix(model.A))
    helper.set_maximize(True)
    helper.set_objective_offset(model.offset)
    if not options.relax:
        for j in np.flatnonzero(model.integer):
            helper.set_var_integrality(int(j), True)
    if options.start is not None and not options.relax:
        for j in np.flatnonzero(model.integer):
            helper.add_hint(int(j), float(options.start[j]))
    name = "glop" if options.relax and solver == "scip" else solver
    runner = mbh.ModelSolverHelper(name)
    if not runner.solver_is_supported():
        raise BackendUnavailable(phrase("backend.no_solver", solver=solver))
    runner.set_time_limit_in_seconds(float(options.time_limit))
    rel, absolute = stopping_gaps(options, objective_step(model))
    params = {"scip": f"limits/gap = {rel}\nlimits/absgap = {absolute}\n"
                      "randomization/randomseedshift = 0",
              "sat": f"relative_gap_limit:{rel} absolute_gap_limit:{absolute} random_seed:0"
                     + (f" num_workers:{options.threads}" if options.threads else "")}
    if name in params:
        runner.set_solver_specific_parameters(params[name])
    # the log goes straight to the terminal: this build's binding takes no Python callback
    runner.enable_output(bool(options.verbose))
    t0 = time.perf_counter()
    runner.solve(helper)
    seconds = time.perf_counter() - t0
    status = runner.status()
    S = mbh.SolveStatus
    has_solution = runner.has_solution()
    values = np.asarray(runner.variable_values(), float) if has_solution else None
    objective = float(runner.objective_value()) if has_solution else None
    bound = float(runner.best_objective_bound()) if has_solution else None
    if status == S.OPTIMAL:
        state = Status.OPTIMAL
    elif status == S.INFEASIBLE:
        state = Status.INFEASIBLE
    elif status == S.UNBOUNDED:
        state = Status.UNBOUNDED
    else:
        state = Status.FEASIBLE if has_solution else Status.NO_SOLUTION
    duals = np.asarray(runner.dual_values(), float) if options.relax and has_solution else None
    return SolverOutput(state, values, objective, bound, seconds,
                        {"scip": "SCIP", "sat": "CP-SAT", "glop": "GLOP"}[name],
                        # ortools' top package has no py.typed: mypy sees no __version__
                        f"OR-Tools {ortools.__version__}", "", duals,  # type: ignore[attr-defined]
                        runner.status_string())
