"""How a solve ended, as every step and output names it."""
from __future__ import annotations

from enum import StrEnum

# the proven relative gap at or below which an allocation is called optimal (``Status``), and
# the default gap: at 1e-4 the bundled `balanced` ended 3.3e-5 below its optimum and 25 of 30
# public 0-1 knapsacks below theirs, all called optimal (``backends.is_proven`` applies it)
EXACT_GAP = 1e-6


class Status(StrEnum):
    """A solve's status. ``OPTIMAL``: proven within ``EXACT_GAP`` (or at the whole-number
    optimum of an objective in steps); ``FEASIBLE``: an allocation not proven so."""
    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    NO_SOLUTION = "no solution"

    @property
    def has_allocation(self) -> bool:
        return self in (Status.OPTIMAL, Status.FEASIBLE)
