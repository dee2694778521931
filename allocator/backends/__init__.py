"""Solver backends behind one small interface.

A backend takes a ``formulate.Model`` (a maximisation MILP in matrix form) and options, and
returns a ``SolverOutput``. Each module here adapts one solver library:

- ``highs``: HiGHS through highspy, fed the arrays directly (the default: fastest exact path);
- ``ortools``: SCIP and CP-SAT through OR-Tools' model_builder, fed the same arrays;
- ``pulp``: CBC as shipped with PuLP, and any other solver PuLP knows, by name.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable

import numpy as np

OPTIMAL, FEASIBLE, INFEASIBLE, UNBOUNDED, NO_SOLUTION = (
    "optimal", "feasible", "infeasible", "unbounded", "no solution")


@dataclass(frozen=True)
class SolveOptions:
    time_limit: float = 120.0
    gap: float = 1e-4
    verbose: bool = False
    threads: int | None = None
    start: np.ndarray | None = None  # a feasible column vector to start from
    relax: bool = False  # solve the LP relaxation (integrality dropped), with duals
    # called with (values, objective, bound) on each improving solution, by the backends that
    # can (HiGHS): a watchdog that stops a late solver keeps the best one (see solve.py)
    on_solution: Callable[[np.ndarray, float, float], None] | None = None


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """(bound − objective) / |objective| of a maximisation, 0 at best; None when unknown."""
    if objective is None or bound is None or not np.isfinite(bound):
        return None
    return max(0.0, bound - objective) / max(abs(objective), 1e-9)


@dataclass(frozen=True)
class SolverOutput:
    """What a solver said. ``values`` is None when it found no solution."""
    status: str
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


class BackendUnavailable(Exception):
    """The backend's library or solver is not installed."""


# name → (module, solver argument)
BACKENDS = {
    "highs": ("highs", "highs"),
    "scip": ("ortools", "scip"),
    "cpsat": ("ortools", "sat"),
    "cbc": ("pulp", "PULP_CBC_CMD"),
}


def solve_model(model, backend: str, options: SolveOptions) -> SolverOutput:
    """Solve with a named backend: one of BACKENDS, or ``pulp:<SOLVER>`` for any PuLP solver."""
    if backend.startswith("pulp:"):
        module, solver = "pulp", backend.split(":", 1)[1]
    elif backend == "pulp":
        module, solver = BACKENDS["cbc"]
    elif backend in BACKENDS:
        module, solver = BACKENDS[backend]
    else:
        raise BackendUnavailable(f"unknown backend '{backend}'; available: {', '.join(available())}")
    impl = importlib.import_module(f".{module}", __name__)
    try:
        return impl.solve(model, solver, options)
    except BackendUnavailable as exc:  # the user needs to know what to ask for instead
        raise BackendUnavailable(f"{exc}; backends available here: "
                                 f"{', '.join(available())}") from None


def available() -> list[str]:
    """Backends whose library and solver are installed here."""
    names = []
    for name, (module, solver) in BACKENDS.items():
        try:
            impl = importlib.import_module(f".{module}", __name__)
        except ImportError:
            continue
        if impl.is_available(solver):
            names.append(name)
    return names
