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

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("allocator")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"

from allocator.api import (  # noqa: E402 (the version first: the report stamps it)
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
from allocator.core.findings import Finding, InputError  # noqa: E402
from allocator.core.problem import Problem  # noqa: E402
from allocator.core.scenario import Scenario  # noqa: E402

__all__ = ["Comparison", "Explanation", "Finding", "Frontier", "InputError", "NothingToCompare",
           "Problem", "Result", "Run", "Scenario", "Sweep", "Uncertainty", "budget_curve",
           "choose_scenario", "compare", "explain", "from_tables", "frontier", "load",
           "monte_carlo", "optimise", "sweep"]
