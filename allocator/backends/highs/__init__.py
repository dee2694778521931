"""HiGHS through highspy: the default backend, the fastest exact path.

``instance`` hands the arrays to one HiGHS instance and runs it; ``mip`` solves an allocation
MILP LP first (relaxation, RENS, cover cuts from ``cuts``, reduced-cost fixing, then the MILP);
``nearby`` re-solves a solved model with small changes, near its allocation.
"""
from __future__ import annotations

from allocator.backends.base import Lead, SolveOptions, SolverOutput
from allocator.backends.highs import instance, mip, rival
from allocator.backends.highs.instance import Session
from allocator.backends.highs.nearby import Nearby


def is_available(solver: str) -> bool:
    return True


def solve(model, solver: str, options: SolveOptions, lead: Lead | None = None
          ) -> SolverOutput:
    if milp(model, options):
        # LP first, RENS, reduced-cost fixing, then the MILP
        return mip.solve(model, options, lead)
    return instance.run(instance.build(model, options.relax), model, options)


def lead(model, solver: str, options: SolveOptions) -> Lead | None:
    """CBC alone on a small knapsack (``mip.cbc_lead``), which runs as a program of its own;
    not where a CBC started here could not be followed from the watchdog's child, should
    HiGHS join it there (``rival.followable``): the child then leads itself."""
    if not (milp(model, options) and rival.followable()):
        return None
    return mip.cbc_lead(model, options)


def milp(model, options: SolveOptions) -> bool:
    """Whether ``model`` goes to ``mip.solve``: a MILP, to solve from no start of the
    caller's."""
    return not options.relax and options.start is None and bool(model.integer.any())


def resolver(model, options: SolveOptions) -> Nearby:
    """Re-solves from the solved model's LP basis and cover cuts, near its allocation."""
    return Nearby(model, options)


def feasibility(model, options: SolveOptions) -> Session:
    """One instance whose bounds each question moves, then restores."""
    return Session(model, options)
