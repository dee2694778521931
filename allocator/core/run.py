"""One allocation under comparison, however it was made (solved here, or read from a result
workbook)."""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

import pandas as pd


@dataclass(frozen=True)
class Run:
    """One allocation under comparison.

    ``allocation``: one row per project with at least project_id, title, territory_id,
    region, theme, requested, award (€), funded, and each of ``outcomes`` achieved (as
    ``analyse.Result.allocation``; a result workbook's adds ``territory_name``); None when
    the run found no allocation. ``totals``:
    objective (the scenario's weighted objective), awarded, projects_funded and each outcome,
    when known. ``scenario``: the name of the scenario it ran (``name`` may be made unique).
    """
    name: str
    scenario: str
    source: str
    method: str
    status: str
    allocation: pd.DataFrame | None
    outcomes: tuple[str, ...]
    parameters: Mapping[str, object]
    totals: Mapping[str, float | None] = field(default_factory=lambda: MappingProxyType({}))
    solver: str = ""
    seconds: float | None = None
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.allocation is not None
