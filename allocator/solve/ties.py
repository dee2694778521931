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
    shared = group[group.map(group.value_counts()) >= 2]
    if shared.empty:
        return values
    # all groups at once (a 0-1 knapsack of 10,000 items has 1,000 groups of ten: one loop
    # per group took 0.06 s of a 0.17 s solve): each project's columns (its selection and
    # award, in column order) as a row of a table, padded with -1
    rows, g = shared.index.to_numpy(), shared.to_numpy()
    pattern = sp.csr_array((abs(sp.csr_array(model.select)) + abs(sp.csr_array(model.award)))
                           [rows])
    pattern.sort_indices()
    count = np.diff(pattern.indptr)
    width = int(count.max())
    slot = np.arange(pattern.nnz) - np.repeat(pattern.indptr[:-1], count)
    columns = np.full((len(rows), width), -1)
    columns[np.repeat(np.arange(len(rows)), count), slot] = pattern.indices
    taken = np.where(columns >= 0, values[columns], -np.inf)
    # by group, members in id order take their group's column values in decreasing order
    # (compared column by column): both orders list each group's members at the same places
    by_id = np.lexsort((ids[rows], g))
    by_value = np.lexsort(tuple(-taken[:, k] for k in reversed(range(width))) + (g,))
    values = values.copy()
    target = columns[by_id]
    keep = target >= 0
    values[target[keep]] = taken[by_value][keep]
    return values
