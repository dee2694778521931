"""How a solve ended, as every step and output names it."""
from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """A solve's status. ``FEASIBLE`` is an allocation not proven within the gap asked."""
    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    NO_SOLUTION = "no solution"

    @property
    def has_allocation(self) -> bool:
        return self in (Status.OPTIMAL, Status.FEASIBLE)
