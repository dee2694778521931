"""Ties are broken by project id: among projects identical in every column a rule or an outcome
reads (they differ only by id, title or notes, and no project requires them), the funded ones
are those of smaller ``project_id`` (text order), whatever order the solver found."""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from allocator.core.problem import Problem
from allocator.formulate import Model


def break_ties(problem: Problem, model: Model, values: np.ndarray) -> np.ndarray:
    """Column values with interchangeable projects' awards moved to the smaller ids.

    Interchangeable: equal in every column of ``problem.projects`` but the id, the title, the
    Excel row and analyst columns no outcome reads, with equal resource use, and required by
    no project. Swapping their columns changes no row of the model and not the objective.
    """
    p = problem.projects
    ids = p["project_id"].astype(str).to_numpy()
    # cheap first pass: only projects sharing territory and amounts can be interchangeable
    candidates = p.duplicated(["territory_id", "theme", "requested", "total_cost"], keep=False)
    if not candidates.any():
        return values
    ignored = {"project_id", "title", "row"} | (set(problem.extra_columns) - set(model.outcomes))
    key = p.loc[candidates, [c for c in p.columns if c not in ignored]]
    use = problem.resource_use
    if use is not None and len(use.columns):
        key = key.join(use.loc[candidates].add_prefix("use\x1f"))
    required = {q for reqs in p["requires"] for q in reqs}
    key = key[~p.loc[candidates, "project_id"].isin(required)]
    group = key.groupby(list(key.columns), dropna=False, sort=False).ngroup()
    select, award = sp.csr_array(model.select), sp.csr_array(model.award)
    values = values.copy()
    for _, members in group.groupby(group):
        if len(members) < 2:
            continue
        rows = members.index.to_numpy()
        rows = rows[np.argsort(ids[rows], kind="stable")]
        columns = [np.union1d(select.indices[select.indptr[i]:select.indptr[i + 1]],
                              award.indices[award.indptr[i]:award.indptr[i + 1]]) for i in rows]
        taken = sorted((tuple(values[c]) for c in columns), reverse=True)
        for c, v in zip(columns, taken):
            values[c] = v
    return values
