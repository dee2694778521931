"""Solver backends behind one small interface (``Backend``).

A backend takes a ``formulate.Model`` (a maximisation MILP in matrix form) and options, and
returns a ``SolverOutput`` (``solve``); it hands out a ``Resolver`` for re-solves of one model
with small changes (``resolver``) and one for feasibility questions (``feasibility``). Each
module here adapts one solver library, with ``solve(model, solver, options)`` and
``is_available(solver)``, and ``resolver``/``feasibility`` where it has better ones than the
cold ``base.ColdResolver``:

- ``highs``: HiGHS through highspy, fed the arrays directly (the default: fastest exact path);
- ``ortools``: SCIP and CP-SAT through OR-Tools' model_builder, fed the same arrays;
- ``pulp``: CBC as shipped with PuLP, and any other solver PuLP knows, by name.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, cast

import numpy as np

from allocator.backends.base import (
    EXACT_GAP,
    OUT_OF_TIME,
    BackendUnavailable,
    ColdResolver,
    Lead,
    Resolver,
    SolveOptions,
    SolverOutput,
    SolverRefused,
    Timed,
    budget_bound,
    is_proven,
    objective_step,
    out_of_time,
    relative_gap,
    settled,
    since,
    solver_label,
    stopping_gaps,
)
from allocator.core.lang import phrase
from allocator.core.status import Status

if TYPE_CHECKING:
    from allocator.formulate import Model

# name → (module, solver argument)
BACKENDS = {
    "highs": ("highs", "highs"),
    "scip": ("ortools", "scip"),
    "cpsat": ("ortools", "sat"),
    "cbc": ("pulp", "PULP_CBC_CMD"),
}


@dataclass(frozen=True)
class Backend:
    """One solver, as the user named it (``highs``, ``scip``, ``cbc``, ``pulp:GUROBI_CMD``)."""
    name: str
    module: str
    solver: str

    def _impl(self):
        return importlib.import_module(f"{__name__}.{self.module}")

    def solve(self, model: "Model", options: SolveOptions, lead: Lead | None = None
              ) -> SolverOutput:
        """Solve ``model`` within what is left of the deadline of ``options`` (none left: not
        solved, ``base.out_of_time``), taking over from ``lead`` (what this backend's
        ``lead`` made) when given."""
        if options.left() <= 0:
            return out_of_time(self.name)
        try:
            impl = self._impl()
            out = impl.solve(model, self.solver, options.bounded()) if lead is None else \
                impl.solve(model, self.solver, options.bounded(), lead=lead)
        except BackendUnavailable as exc:  # the user needs to know what to ask for instead
            raise BackendUnavailable(phrase("backend.missing", why=exc,
                                            known=", ".join(available()))) from None
        return out if options.relax else settled(out, objective_step(model))

    def lead(self, model: "Model", options: SolveOptions) -> Lead | None:
        """The opening of a solve of ``model`` that runs in a solver process of its own, made
        and waited for here (``base.Lead``), where this backend has one for this model; the
        caller hands it to ``solve`` unless it ended the solve, then stops it."""
        make = getattr(self._impl(), "lead", None)
        if make is None or options.left() <= 0:
            return None
        return cast("Lead | None", make(model, self.solver, options.bounded()))

    def resolver(self, model: "Model", options: SolveOptions) -> Resolver:
        """Re-solves of ``model`` with bounds, rows or the objective changed."""
        make = getattr(self._impl(), "resolver", None)
        options = replace(options, backend=self.name)
        return _timed(make(model, options) if make else ColdResolver(model, options, self.solve))

    def feasibility(self, model: "Model", options: SolveOptions) -> Resolver:
        """Re-solves that ask only whether ``model``, changed, has an allocation (any will do:
        the objective is dropped)."""
        zero = model.with_objective(np.zeros(model.shape[1]))
        make = getattr(self._impl(), "feasibility", None)
        options = replace(options, backend=self.name)
        return _timed(make(zero, options) if make else ColdResolver(zero, options, self.solve))


def _timed(resolver: Resolver) -> Resolver:
    """A resolver held to its options' deadline, when they have one."""
    return resolver if resolver.options.deadline is None else Timed(resolver)


def backend(name: str) -> Backend:
    """The backend of a name: one of BACKENDS, or ``pulp:<SOLVER>`` for any PuLP solver."""
    if name.startswith("pulp:"):
        return Backend(name, "pulp", name.split(":", 1)[1])
    if name == "pulp":
        return Backend(name, *BACKENDS["cbc"])
    if name in BACKENDS:
        return Backend(name, *BACKENDS[name])
    raise BackendUnavailable(phrase("backend.unknown", given=name, known=", ".join(available())))


def solve_model(model: "Model", name: str, options: SolveOptions, lead: Lead | None = None
                ) -> SolverOutput:
    """Solve with the backend of a name (``backend``), taking over from its ``lead``."""
    return backend(name).solve(model, options, lead)


def available() -> list[str]:
    """Backends whose library and solver are installed here."""
    names = []
    for name, (module, solver) in BACKENDS.items():
        try:
            impl = importlib.import_module(f"{__name__}.{module}")
        except ImportError:
            continue
        if impl.is_available(solver):
            names.append(name)
    return names


__all__ = ["BACKENDS", "EXACT_GAP", "OUT_OF_TIME", "Backend", "BackendUnavailable", "ColdResolver",
           "Lead", "Resolver", "SolveOptions", "SolverOutput", "SolverRefused", "Status",
           "available", "backend", "budget_bound", "is_proven", "objective_step", "out_of_time",
           "relative_gap", "settled", "since", "solve_model", "solver_label", "stopping_gaps"]
