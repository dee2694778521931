"""Solve: a model on the chosen backend, level by level for lexicographic priorities, inside
a watchdog that keeps the time limit; ties broken by project id; the greedy rankings."""
from __future__ import annotations

from allocator.solve.run import Solution, solve

__all__ = ["Solution", "solve"]
