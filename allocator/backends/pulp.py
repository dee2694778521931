"""PuLP: the CBC it ships, any other solver it knows by name, and LP/MPS export for audit.

PuLP is an object model, so handing a matrix over means one LpAffineExpression per row: slower
to build than the array backends (benchmarks/RESULTS.md), but it opens every solver PuLP knows.
"""
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
        import pulp
    except ImportError:
        return False
    return solver in pulp.listSolvers(onlyAvailable=True)


def to_pulp(model, relax: bool = False):
    """The model as a pulp.LpProblem, its variables in column order, and the constraints
    made of each row."""
    import pulp
    prob = pulp.LpProblem("allocation", pulp.LpMaximize)
    names = model.col_names or tuple(f"v{j}" for j in range(model.A.shape[1]))
    variables = [pulp.LpVariable(_safe(name), lowBound=lo if np.isfinite(lo) else None,
                                 upBound=hi if np.isfinite(hi) else None,
                                 cat="Integer" if integer and not relax else "Continuous")
                 for name, lo, hi, integer in zip(names, model.col_lo, model.col_hi, model.integer)]
    nz = np.flatnonzero(model.c)
    prob += pulp.LpAffineExpression(zip([variables[j] for j in nz], model.c[nz]),
                                    constant=model.offset)
    A = sp.csr_array(model.A)
    row_names = model.row_names()
    rows: list[list] = []  # the constraints made of each row (one, or two for a range)
    for i in range(A.shape[0]):
        lo, hi = model.row_lo[i], model.row_hi[i]
        cols = A.indices[A.indptr[i]:A.indptr[i + 1]]
        vals = A.data[A.indptr[i]:A.indptr[i + 1]]
        expr = pulp.LpAffineExpression(zip([variables[j] for j in cols], vals))
        name = _safe(f"r{i}_{row_names[i]}")[:200]
        made = []
        if lo == hi:
            made.append(pulp.LpConstraint(expr, pulp.LpConstraintEQ, rhs=hi, name=name))
        else:
            if np.isfinite(lo):
                made.append(pulp.LpConstraint(expr, pulp.LpConstraintGE, rhs=lo,
                                              name=name + "_lo"))
            if np.isfinite(hi):
                made.append(pulp.LpConstraint(expr, pulp.LpConstraintLE, rhs=hi,
                                              name=name + "_hi"))
        for c in made:
            prob += c
        rows.append(made)
    return prob, variables, rows


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "_[]." else "_" for ch in str(name))


def export(model, path: str) -> None:
    """Write the model as .mps or .lp for audit. The MPS file states its sense in an
    OBJSENSE section: PuLP's default puts it in a comment only, and a solver reading the file
    then minimises (the bundled model read 0.0174 instead of 1.943)."""
    prob, _, _ = to_pulp(model)
    if str(path).lower().endswith(".lp"):
        prob.writeLP(str(path))
    else:
        prob.writeMPS(str(path), with_objsense=True)


def solve(model, solver: str, options: SolveOptions) -> SolverOutput:
    try:
        import pulp
    except ImportError:
        raise BackendUnavailable(phrase("backend.not_installed", package="PuLP",
                                        pip="pulp")) from None
    if solver not in pulp.listSolvers():
        raise BackendUnavailable(phrase("backend.pulp_unknown", solver=solver,
                                        known=", ".join(pulp.listSolvers(onlyAvailable=True))))
    if solver not in pulp.listSolvers(onlyAvailable=True):
        raise BackendUnavailable(phrase("backend.pulp_missing", solver=solver,
                                        known=", ".join(pulp.listSolvers(onlyAvailable=True))))
    prob, variables, rows = to_pulp(model, options.relax)
    kwargs: dict[str, object] = {"msg": bool(options.verbose),
                                 "timeLimit": float(options.time_limit)}
    rel, absolute = stopping_gaps(options, objective_step(model))
    if solver == "PULP_CBC_CMD":
        kwargs["gapRel"] = rel
        # CBC's default absolute gap and cutoff increment stop it short of the optimum on
        # objectives near 1 (measured: 1.2e-6 relative below HiGHS and SCIP); only the
        # gaps asked should decide (the absolute one: the objective's step, if any)
        kwargs["options"] = [f"allow {absolute!r}", "increment 0"]
        if options.threads:
            kwargs["threads"] = int(options.threads)
        if options.start is not None and not options.relax:
            for var, value in zip(variables, options.start):
                var.setInitialValue(float(round(value, 9)))
            kwargs["warmStart"] = True
    runner = pulp.getSolver(solver, **kwargs)
    t0 = time.perf_counter()
    prob.solve(runner)
    seconds = time.perf_counter() - t0
    status = pulp.LpStatus[prob.status]
    values = np.array([v.value() if v.value() is not None else np.nan for v in variables])
    has_solution = prob.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible) \
        and not np.isnan(values).any()
    # valued from the allocation: PuLP gives an all-zero objective (a feasibility question) a
    # placeholder variable that CBC never values
    objective = float(model.c @ values + model.offset) if has_solution else None
    if prob.sol_status == pulp.LpSolutionOptimal:
        state = Status.OPTIMAL
    elif status == "Infeasible" or prob.sol_status == pulp.LpSolutionInfeasible:
        state = Status.INFEASIBLE
    elif status == "Unbounded":
        state = Status.UNBOUNDED
    else:
        state = Status.FEASIBLE if has_solution else Status.NO_SOLUTION
    # CBC reports no bound through PuLP: an optimal status means it met the relative gap
    # asked, so the bound is at most that far above (not its own: an allocation proven to
    # 1e-4 is not called optimal, ``base.settled``), or, for an objective in steps, the
    # allocation's worth (no allocation is worth less than a step more)
    bound = None if state != Status.OPTIMAL or objective is None else \
        objective + rel * abs(objective)
    duals = _row_duals(rows) if options.relax and has_solution else None
    return SolverOutput(state, values if has_solution else None, objective, bound, seconds,
                        solver.replace("PULP_CBC_CMD", "CBC"), f"PuLP {pulp.__version__}", "",
                        duals, status)


def _row_duals(rows: list[list]) -> np.ndarray | None:
    """Each row's dual: the sum over the constraints made of it; None when the solver gave
    none."""
    if any(c.pi is None for made in rows for c in made):
        return None
    return np.array([sum(c.pi for c in made) for made in rows], float)
