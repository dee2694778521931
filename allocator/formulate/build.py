"""Turn a Problem and a Scenario into a solver-neutral MILP in matrix form.

    maximise    c·v
    subject to  row_lo ≤ A v ≤ row_hi,   col_lo ≤ v ≤ col_hi,   v_j integer where integer[j]

Columns: one selection binary per project (``x``), then one award column (in M€) per project
that may be funded partially, then, when theme shares or fairness bands need it, one column
for the total awarded. An all-or-nothing project's award is its ``max_award`` × x; a partial
project's award lies in [min_award, max_award] when x = 1 and is 0 when x = 0.

Every project-level quantity is linear in either the award (money, resources, outcomes) or
the selection (counts, sites, land, precedence), so each rule family is one sparse matrix of
memberships times one of two maps, ``award`` (N × columns, M€) or ``select`` (N × columns):
built from whole arrays, never a Python loop per project or per nonzero.

Euro rows are in M€ so that coefficients stay near 1 (the scale of each row is recorded and
turned back into euros for reports). Outcomes scale with the awarded share of the request.

Normalisation (``normalise = ideal``, the default): each outcome is divided by the most of it
the envelope alone could buy — projects ranked by outcome per euro of max_award, funded in that
order until the budget (``normalise.budget`` when set: budget curves and sweeps hold it at the
scenario's) is spent, the last one fractionally, ignoring every other rule (the
fractional-knapsack value, an upper bound on what any allocation reaches). A weight of 1 on an
outcome thus means "1 point per 100% of the ideal for that outcome": with weights 1/1/1 an
objective of 2.4 says the allocation reaches on average 80% of each outcome's ideal.
"""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import scipy.sparse as sp

from allocator.core.problem import Problem
from allocator.core.scenario import Scenario
from allocator.formulate.model import MEUR, Model, RowGroup


class _Rows:
    """Accumulates row blocks and their groups."""

    def __init__(self, n_cols: int):
        self.n_cols = n_cols
        self.blocks: list[sp.csr_array] = []
        self.lo: list[np.ndarray] = []
        self.hi: list[np.ndarray] = []
        self.groups: list[RowGroup] = []
        self.count = 0

    def add(self, name: str, A, lo, hi, labels, *, unit: str | None = None, row_scales=()):
        """Rows of the family ``name`` (``core.rules``, which gives their unit and meaning)."""
        A = sp.csr_array(A)
        if A.shape[0] == 0:
            return
        m = A.shape[0]
        self.blocks.append(A)
        self.lo.append(np.broadcast_to(np.asarray(lo, float), (m,)))
        self.hi.append(np.broadcast_to(np.asarray(hi, float), (m,)))
        self.groups.append(RowGroup.of(name, labels, start=self.count, unit=unit,
                                       row_scales=row_scales))
        self.count += m

    def build(self):
        if not self.blocks:
            return sp.csr_array((0, self.n_cols)), np.zeros(0), np.zeros(0), ()
        return (sp.csr_array(sp.vstack(self.blocks, format="csr")), np.concatenate(self.lo),
                np.concatenate(self.hi), tuple(self.groups))


def membership(keys: pd.Series | np.ndarray, weights=None, keep=None):
    """Sparse (groups × N) matrix with ``weights[i]`` at (group of i, i); and the group labels.

    ``keep`` restricts to some projects (others get no entry); empty keys are skipped.
    """
    values = np.asarray(keys, dtype=object)
    keys = pd.Series(values)
    n = len(keys)
    valid = keys.notna().to_numpy() & (values != "")
    if keep is not None:
        valid &= np.asarray(keep, bool)
    codes, labels = pd.factorize(keys[valid], sort=True)
    w = np.ones(n) if weights is None else np.asarray(weights, float)
    cols = np.flatnonzero(valid)
    M = sp.csr_array((w[cols], (codes, cols)), shape=(len(labels), n))
    return M, [str(label) for label in labels]


def fundable(projects: pd.DataFrame) -> np.ndarray:
    """Projects the programme may fund: not locked out, and either an award the aid rate
    leaves above 0 or a request of 0 (a project that costs the envelope nothing)."""
    requested = projects["requested"].to_numpy(float)
    return ((projects["lock"].to_numpy(object) != "out")
            & ((projects["max_award"].to_numpy(float) > 0) | (requested <= 0)))


def request_scale(requested: np.ndarray) -> np.ndarray:
    """1 / request per project, 0 where nothing is requested: such a project's outcomes come
    with its selection instead (all or nothing), never with a share of a request of 0."""
    return np.where(requested > 0, 1.0 / np.where(requested > 0, requested, 1.0), 0.0)


def share_of_request(award: np.ndarray, funded: np.ndarray, requested: np.ndarray) -> np.ndarray:
    """Each project's share of its request awarded; 1 for a funded project requesting 0."""
    return np.where(requested > 0, award * request_scale(requested),
                    np.asarray(funded, bool).astype(float))


def ideal(values: np.ndarray, cost: np.ndarray, budget: float) -> float:
    """Most of an outcome the budget alone buys, fractional projects allowed (the LP bound);
    what costs nothing is bought whole whatever the budget."""
    free = float(values[(values > 0) & (cost <= 0)].sum())
    ok = (values > 0) & (cost > 0)
    v, c = values[ok], cost[ok]
    if not len(v):
        return free
    ratio = v / c
    # only the best by value per euro until the budget is spent need sorting: a partition
    # finds them (the value is the same whichever of equal ratios comes first)
    take = min(len(v), max(1024, int(2 * budget / max(c.mean(), 1e-12)) if len(c) else 0))
    while True:
        best = np.argpartition(-ratio, take - 1)[:take] if take < len(v) else np.arange(len(v))
        order = best[np.argsort(-ratio[best], kind="stable")]
        spent = np.cumsum(c[order])
        if take == len(v) or spent[-1] > budget:
            break
        take = min(len(v), 4 * take)
    full = spent <= budget
    total = v[order][full].sum()
    k = int(full.sum())
    if k < len(order):
        total += v[order[k]] * (budget - (spent[k - 1] if k else 0.0)) / c[order[k]]
    return float(total) + free


def formulate(problem: Problem, scenario: Scenario) -> Model:
    """The MILP of a problem under a scenario. Pure: same inputs, same model."""
    p = problem.projects
    n = len(p)
    requested = p["requested"].to_numpy(float)
    max_award = p["max_award"].to_numpy(float) / MEUR
    partial = p["partial"].to_numpy(bool)
    min_award = np.where(partial, p["min_award"].fillna(0).to_numpy(float), 0.0) / MEUR
    lock = p["lock"].to_numpy(object)
    eligible = fundable(p)

    # columns: x (N binaries), award of partial projects (P), total awarded (optional)
    part = np.flatnonzero(partial)
    n_part = len(part)
    needs_total = bool(scenario.theme_min or scenario.theme_max
                       or scenario.fairness_band is not None)
    n_cols = n + n_part + int(needs_total)
    total_col = n + n_part if needs_total else None

    rows_idx = np.concatenate([np.flatnonzero(~partial), part])
    cols_idx = np.concatenate([np.flatnonzero(~partial), n + np.arange(n_part)])
    vals = np.concatenate([max_award[~partial], np.ones(n_part)])
    award = sp.csr_array((vals, (rows_idx, cols_idx)), shape=(n, n_cols))
    select = sp.csr_array((np.ones(n), (np.arange(n), np.arange(n))), shape=(n, n_cols))
    free = (requested <= 0).astype(float)
    share = sp.csr_array(sp.diags(MEUR * request_scale(requested)) @ award
                         + sp.diags(free) @ select)

    col_lo = np.zeros(n_cols)
    col_hi = np.ones(n_cols)
    col_hi[:n][~eligible] = 0.0
    col_lo[:n][lock == "in"] = 1.0
    col_hi[n:n + n_part] = max_award[part]
    integer = np.zeros(n_cols, bool)
    integer[:n] = True
    if needs_total:
        col_hi[total_col] = np.inf  # bounded by the budget row alone, so diagnosis can drop it

    rows = _Rows(n_cols)
    rows.add("budget", sp.csr_array(np.ones((1, n))) @ award, -np.inf, scenario.budget / MEUR,
             ["envelope"])
    if n_part:
        link = sp.csr_array((np.ones(n_part), (np.arange(n_part), n + np.arange(n_part))),
                            shape=(n_part, n_cols))
        x_part = sp.csr_array((np.ones(n_part), (np.arange(n_part), part)), shape=(n_part, n_cols))
        labels = p["project_id"].to_numpy()[part]
        rows.add("partial_max", link - sp.diags(max_award[part]) @ x_part, -np.inf, 0.0,
                 labels)
        rows.add("partial_min", link - sp.diags(min_award[part]) @ x_part, 0.0, np.inf,
                 labels)
    _resource_rows(rows, problem, share)
    _area_rows(rows, problem, scenario, award, select, total_col, eligible)
    _selection_rows(rows, problem, scenario, select, eligible)

    outcomes = tuple(o for o in problem.outcomes if o in p)
    values = p[list(outcomes)].to_numpy(float).T if outcomes else np.zeros((0, n))
    outcome = sp.csr_array(sp.csr_array(values) @ share)
    norm = np.ones(len(outcomes))
    if scenario.normalise == "ideal":
        budget = scenario.ideal_budget / MEUR
        reach = np.where(eligible, max_award, 0.0)
        whole = np.where(requested > 0, reach * MEUR * request_scale(requested), eligible)
        norm = np.array([ideal(v * whole, reach, budget) for v in values])
        norm[norm <= 0] = 1.0
    weights = np.array([scenario.weights.get(o, 0.0) for o in outcomes]) / norm
    for k, o in enumerate(outcomes):
        if o in scenario.minimums:
            rows.add("min_outcome", outcome[[k]], scenario.minimums[o], np.inf, [o],
                     unit=o)
    A, lo, hi, groups = rows.build()
    c = np.asarray(outcome.T @ weights, float).ravel()
    names = tuple(np.concatenate([
        "x:" + p["project_id"].to_numpy(object),
        "award:" + p["project_id"].to_numpy(object)[part],
        np.array(["total_awarded"] if needs_total else [], dtype=object)]))
    return Model(c=c, A=A, row_lo=lo, row_hi=hi, col_lo=col_lo, col_hi=col_hi,
                 integer=integer, groups=groups, award=award, select=select,
                 outcome=outcome, outcomes=outcomes, weights=weights, normalisers=norm,
                 n_projects=n, col_names=names)


def _resource_rows(rows: _Rows, problem: Problem, share) -> None:
    use = problem.resource_use
    if use.shape[1] == 0:
        return
    caps = problem.resources.set_index("resource")["capacity"].reindex(use.columns).to_numpy(float)
    scale = np.where(caps > 0, caps, 1.0)
    U = sp.csr_array(use.to_numpy(float).T / scale[:, None])
    rows.add("resource", U @ share, -np.inf, caps / scale, list(use.columns), row_scales=scale)


def _area_rows(rows: _Rows, problem: Problem, scenario: Scenario, award, select, total_col,
               eligible) -> None:
    p = problem.projects
    n = len(p)
    for level, key, frame in (("region", "region", problem.regions),
                              ("territory", "territory_id", problem.territories)):
        if frame is None or not len(frame):
            continue
        M, labels = membership(p[key])
        limits = frame.set_index(key).reindex(labels)
        for bound, lo_hi in (("floor", 0), ("cap", 1)):
            if bound not in limits:
                continue
            value = limits[bound].to_numpy(float)
            on = np.isfinite(value)
            if not on.any():
                continue
            block = M[np.flatnonzero(on)] @ award
            rhs = value[on] / MEUR
            lo, hi = (rhs, np.inf) if lo_hi == 0 else (-np.inf, rhs)
            rows.add(f"{level}_{bound}", block, lo, hi, np.asarray(labels)[on])
        # a floor on a region or territory with no project at all is checked by diagnosis
    if total_col is None:
        return
    total = sp.csr_array((np.ones(1), ([0], [total_col])), shape=(1, award.shape[1]))
    rows.add("total_awarded", sp.csr_array(np.ones((1, n))) @ award - total, 0.0, 0.0,
             ["total"])
    if scenario.theme_min or scenario.theme_max:
        M, labels = membership(p["theme"])
        index = {t: i for i, t in enumerate(labels)}
        for name, shares, lo_hi in (("theme_min", scenario.theme_min, 0),
                                    ("theme_max", scenario.theme_max, 1)):
            themes = [t for t in sorted(shares)]
            if not themes:
                continue
            block = sp.vstack([M[[index[t]]] @ award if t in index
                               else sp.csr_array((1, award.shape[1])) for t in themes])
            frac = np.array([shares[t] for t in themes])
            block = sp.csr_array(block - sp.csr_array(frac[:, None]) @ total)
            lo, hi = (0.0, np.inf) if lo_hi == 0 else (-np.inf, 0.0)
            rows.add(name, block, lo, hi, themes)
    if scenario.fairness_band is not None and problem.territories is not None and \
            len(problem.territories):
        basis = problem.territories.groupby("region")[scenario.fairness_basis].sum(min_count=1)
        M, labels = membership(p["region"], keep=eligible)
        weight = basis.reindex(labels).fillna(0.0).to_numpy(float)
        if weight.sum() > 0:
            fair = weight / weight.sum()
            b = scenario.fairness_band
            block = M @ award
            rows.add("fairness_max", block - sp.csr_array(((1 + b) * fair)[:, None]) @ total,
                     -np.inf, 0.0, labels)
            rows.add("fairness_min", block - sp.csr_array(((1 - b) * fair)[:, None]) @ total,
                     0.0, np.inf, labels)


def _selection_rows(rows: _Rows, problem: Problem, scenario: Scenario, select, eligible) -> None:
    p = problem.projects
    n = len(p)
    ids = p["project_id"].to_numpy(object)
    site = p["is_site"].to_numpy(bool)
    if scenario.sites_max is not None and site.any():
        rows.add("sites", sp.csr_array(site[None, :].astype(float)) @ select, -np.inf,
                 scenario.sites_max, ["sites clés en main"])
    ha = p["net_artificialised_ha"].to_numpy(float)
    # a negative limit (net renaturation required) binds even when no project has hectares
    if scenario.sites_max_net_ha is not None and ((ha != 0).any() or scenario.sites_max_net_ha < 0):
        rows.add("net_artificialisation", sp.csr_array(ha[None, :]) @ select, -np.inf,
                 scenario.sites_max_net_ha, ["net artificialisation"])
    if scenario.coverage > 0:
        M, labels = membership(p["territory_id"], keep=eligible)
        need = np.minimum(scenario.coverage, np.asarray(M.sum(axis=1)).ravel())
        rows.add("coverage", M @ select, need, np.inf, labels)
    requires = p["requires"].to_numpy(object)
    lengths = np.fromiter(map(len, requires), int, count=n)
    if lengths.any():
        child = np.repeat(np.arange(n), lengths)
        parent_ids = np.fromiter(itertools.chain.from_iterable(requires), object,
                                 count=int(lengths.sum()))
        parent = pd.Index(ids).get_indexer(parent_ids)
        m = len(child)
        D = sp.csr_array((np.concatenate([np.ones(m), -np.ones(m)]),
                          (np.concatenate([np.arange(m)] * 2), np.concatenate([child, parent]))),
                         shape=(m, n))
        labels = ids[child].astype(object) + " requires " + parent_ids
        rows.add("requires", D @ select, -np.inf, 0.0, labels)
    groups = p["exclusive_group"]
    if (groups != "").any():
        M, labels = membership(groups)
        crowded = np.asarray(M.sum(axis=1)).ravel() > 1
        rows.add("exclusive", M[np.flatnonzero(crowded)] @ select, -np.inf, 1.0,
                 np.asarray(labels)[crowded])
