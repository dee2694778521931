"""allocator: share a public funding envelope among projects, exactly and explainably.

The main flow, one folder per step::

    read → validate → formulate → solve (on a backend) → analyse → report

``core`` holds what the steps share, ``runtime`` where many solves run, ``cli`` the command
line. The same engine serves the command line (``allocator``) and Python users::

    import allocator
    problem = allocator.load("scenarios/territoires-industrie.xlsx")
    result = allocator.optimise(problem, problem.scenario("balanced"))
    result.allocation.head()
"""
from __future__ import annotations

from allocator.api import (
    Comparison,
    Explanation,
    Frontier,
    NothingToCompare,
    Result,
    Run,
    Sweep,
    Uncertainty,
    budget_curve,
    choose_scenario,
    compare,
    explain,
    from_tables,
    frontier,
    load,
    monte_carlo,
    optimise,
    sweep,
)
from allocator.core.findings import Finding, InputError
from allocator.core.problem import Problem
from allocator.core.scenario import Scenario
from allocator.core.version import __version__

__all__ = ["__version__", "Comparison", "Explanation", "Finding", "Frontier", "InputError",
           "NothingToCompare", "Problem", "Result", "Run", "Scenario", "Sweep", "Uncertainty",
           "budget_curve", "choose_scenario", "compare", "explain", "from_tables", "frontier",
           "load", "monte_carlo", "optimise", "sweep"]
