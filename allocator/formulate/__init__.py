"""Formulate: a Problem under a Scenario into a solver-neutral MILP in matrix form (``Model``),
built from whole arrays; a pure function."""
from __future__ import annotations

from allocator.formulate.build import (
    formulate,
    fundable,
    ideal,
    membership,
    request_scale,
    share_of_request,
)
from allocator.formulate.levels import levels
from allocator.formulate.model import INT_TOL, MEUR, Change, Model, Restricted, RowGroup

__all__ = ["INT_TOL", "MEUR", "Change", "Restricted", "Model", "RowGroup", "formulate", "fundable",
           "ideal", "levels", "membership", "request_scale", "share_of_request"]
