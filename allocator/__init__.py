"""allocator: share a public funding envelope among projects, exactly and explainably.

The main flow, one module per step::

    read_workbook → validate → formulate → solve → analyse → report

The same engine serves the command line (``allocator``) and Python users::

    import allocator
    problem = allocator.load("scenarios/territoires-industrie.xlsx")
    result = allocator.optimise(problem, problem.scenario("balanced"))
    result.allocation.head()
"""
from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from .findings import Finding, InputError
from .problem import Problem
from .read import from_frames, read_workbook
from .scenario import Scenario
from .validate import validate

try:
    __version__ = version("allocator")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"


def load(path) -> Problem:
    """Read and validate a workbook (.xlsx or a folder of .csv); raises InputError."""
    return validate(read_workbook(path))


def from_tables(projects, territories=None, regions=None, resources=None, themes=None,
                scenarios=None) -> Problem:
    """Validate pandas frames laid out like the workbook's sheets; raises InputError."""
    frames = {"projects": projects, "territories": territories, "regions": regions,
              "resources": resources, "themes": themes, "scenarios": scenarios}
    return validate(from_frames({k: v for k, v in frames.items() if v is not None}))


def optimise(problem: Problem, scenario: Scenario | None = None, **options):
    """Solve ``problem`` under ``scenario`` (default: its first) and return the Result.

    ``options`` go to ``solve.solve``: backend, time_limit, gap, verbose.
    """
    from .analyse import analyse
    from .solve import solve
    scenario = scenario or problem.scenario()
    model, solution = solve(problem, scenario, **options)
    return analyse(problem, scenario, model, solution)


__all__ = ["Finding", "InputError", "Problem", "Scenario", "from_tables", "load", "optimise",
           "read_workbook", "validate"]
