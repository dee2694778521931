"""The validated problem: every table the optimisation needs, typed and consistent."""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from allocator.core.ballots import Ballots
from allocator.core.scenario import Scenario


@dataclass(frozen=True)
class Problem:
    """A validated input, ready to be formulated under any scenario.

    ``projects`` (one row per project, positional index 0..N-1, in input order):
        project_id, territory_id, region, title, theme (str); total_cost, requested (€ float);
        min_award (€, NaN when all-or-nothing); max_aid_rate (NaN when none);
        max_award (€: requested, lowered to max_aid_rate × total_cost where that is smaller);
        partial (bool: may be funded between min_award and max_award);
        is_site (bool); net_artificialised_ha (float); requires (tuple of project ids);
        exclusive_group (str, "" when none); lock ("in", "out" or ""); one float column per
        outcome (``outcomes``), including ``<outcome>_low``/``_high`` ranges when given;
        row (Excel row of the project); the analyst's extra columns as read.
    ``territories``: territory_id, name, region, department, population, industrial_jobs,
        cap, floor (€, NaN when none), plus extras.
    ``regions``: region, code, floor, cap (€, NaN when none).
    ``resources``: resource, capacity, unit; ``resource_use``: N × R frame of what each full
        project uses of each resource (columns = resource names).
    ``themes``: theme, label.
    ``ballots``: the voters' ballots of a Pabulib election (columns: the projects' positions),
        None for a workbook.
    """
    projects: pd.DataFrame
    territories: pd.DataFrame
    regions: pd.DataFrame
    resources: pd.DataFrame
    resource_use: pd.DataFrame
    themes: pd.DataFrame
    outcomes: tuple[str, ...]
    extra_columns: tuple[str, ...] = ()
    scenarios: tuple[Scenario, ...] = ()
    source: str = ""
    warnings: tuple = field(default=(), compare=False)
    ballots: Ballots | None = field(default=None, compare=False)

    @property
    def n(self) -> int:
        return len(self.projects)

    def scenario(self, name: str | None = None) -> Scenario:
        """A scenario of the workbook by name; the first one, or the defaults, when None."""
        if name is None:
            return self.scenarios[0] if self.scenarios else Scenario()
        for s in self.scenarios:
            if s.name == name:
                return s
        raise KeyError(name)

    @functools.cached_property
    def _ids(self) -> pd.Index:
        """The project ids as an index, hashed once: the explanations ask ``index_of`` once
        per blocked project (2,125 times at 100,000 projects: 233 s when each call hashed
        every id again)."""
        return pd.Index(self.projects["project_id"])

    @functools.cached_property
    def theme_labels(self) -> dict:
        """The themes sheet's labels by theme (``format.label`` reads a theme with them)."""
        themes = self.themes
        return dict(zip(themes["theme"], themes["label"])) if len(themes) else {}

    def index_of(self, project_ids) -> np.ndarray:
        """Positions of project ids (KeyError for an unknown one)."""
        positions = self._ids.get_indexer(list(project_ids))
        if (positions < 0).any():
            raise KeyError(list(np.asarray(list(project_ids))[positions < 0]))
        return positions
