"""An independent statement of the allocation rules, for checking the optimiser.

Nothing here imports ``allocator``'s formulation, validation or solvers: the rules are
re-derived from the input frames (the same frames a test hands to ``allocator.from_tables``)
and the scenario's parameters, following the semantics documented in DESIGN.md and in the
docstring of ``allocator/formulate.py``:

* money is in M€; project i's award ``a_i`` lies in [min_award_i, max_award_i] when it is
  selected and may be funded partially (min_award given and < max_award), equals max_award_i
  when it is selected all-or-nothing, and is 0 when it is not selected;
  max_award_i = min(requested_i, max_aid_rate_i × total_cost_i);
* outcomes, resource use scale with the awarded share a_i / requested_i;
* with ``normalise = none`` the objective is Σ_o w_o Σ_i outcome_io × a_i / requested_i;
* selection rules (sites, net artificialisation, coverage, requires, exclusive groups,
  locks) count selected projects; eligible = not locked out and max_award > 0; coverage
  asks min(k, eligible projects of the territory) funded projects in every territory that
  has an eligible project; fair shares are taken over the regions having an eligible project,
  in proportion to the basis summed over all the region's territories;
* a floor or cap of a region or territory without any project is not a rule of the model (it
  is left to diagnosis).

Every rule is written as rows of one of two linear systems: ``S x`` over the selection vector
and ``G a`` over the award vector, each with lower/upper bounds. Two solvers use them:
``brute_force`` (enumerate all 2^n selections, solve the continuous LP over the awards of the
selected partial projects with ``scipy.optimize.linprog``) and ``milp`` (the whole problem as
one ``scipy.optimize.milp``, for instances too large to enumerate).
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

MEUR = 1e6
OUTCOMES = ("jobs", "skills", "innovation")


def _num(frame: pd.DataFrame | None, column: str, n: int, default=np.nan) -> np.ndarray:
    if frame is None or column not in frame:
        return np.full(n, default, float)
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(float)


def _text(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame:
        return np.array([""] * len(frame), dtype=object)
    return np.array(["" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
                     for v in frame[column]], dtype=object)


@dataclass
class Instance:
    n: int
    ids: list
    requested: np.ndarray      # M€
    max_award: np.ndarray      # M€
    min_award: np.ndarray      # M€ (0 when all-or-nothing)
    partial: np.ndarray
    value: np.ndarray          # objective per M€ awarded
    per_meur: dict             # outcome → per M€ awarded
    lock_in: np.ndarray
    eligible: np.ndarray
    S: np.ndarray              # selection rows
    s_lo: np.ndarray
    s_hi: np.ndarray
    s_names: list
    G: np.ndarray              # award rows
    g_lo: np.ndarray
    g_hi: np.ndarray
    g_names: list
    notes: dict = field(default_factory=dict)

    # ------------------------------------------------------------------ checking
    def violations(self, x: np.ndarray, a: np.ndarray, tol: float = 1e-6) -> list[str]:
        """Rules broken by selection x and awards a (M€), with a relative tolerance."""
        out = []
        x = np.asarray(x, float)
        a = np.asarray(a, float)
        if np.any(np.abs(x - np.round(x)) > tol):
            out.append("selection not integral")
        x = np.round(x)
        if np.any(x[self.lock_in] < 1):
            out.append("lock in")
        if np.any(x[~self.eligible] > 0):
            out.append("lock out / ineligible")
        scale = np.maximum(1.0, self.max_award)
        aon = ~self.partial
        if np.any(np.abs(a[aon] - self.max_award[aon] * x[aon]) > tol * scale[aon]):
            out.append("all-or-nothing award ≠ max_award × selected")
        p = self.partial
        if np.any(a[p] > self.max_award[p] * x[p] + tol * scale[p]) or \
                np.any(a[p] < self.min_award[p] * x[p] - tol * scale[p]):
            out.append("partial award outside [min_award, max_award] × selected")
        for rows, lo, hi, names, v in ((self.S, self.s_lo, self.s_hi, self.s_names, x),
                                       (self.G, self.g_lo, self.g_hi, self.g_names, a)):
            if not len(rows):
                continue
            val = rows @ v
            slack = tol * np.maximum(1.0, np.abs(rows) @ np.abs(v))
            bad = (val < lo - slack) | (val > hi + slack)
            out.extend(f"{names[k]}: {val[k]:.6g} not in [{lo[k]:.6g}, {hi[k]:.6g}]"
                       for k in np.flatnonzero(bad))
        return out

    def objective(self, a) -> float:
        return float(self.value @ np.asarray(a, float))

    def outcome(self, name: str, a) -> float:
        return float(self.per_meur[name] @ np.asarray(a, float))


def build(projects: pd.DataFrame, territories: pd.DataFrame | None, regions: pd.DataFrame | None,
          resources: pd.DataFrame | None, scenario, weights: dict | None = None) -> Instance:
    """The reference rows of an instance. ``scenario`` is read for its parameters only;
    ``weights`` overrides the scenario's weights (for one level of a lexicographic solve)."""
    p = projects.reset_index(drop=True)
    n = len(p)
    ids = [str(v) for v in p["project_id"]]
    total_cost = _num(p, "total_cost", n) / MEUR
    requested = _num(p, "requested", n) / MEUR
    rate = _num(p, "max_aid_rate", n)
    cap = np.where(np.isnan(rate), np.inf, rate * total_cost)
    max_award = np.minimum(requested, cap)
    given_min = _num(p, "min_award", n) / MEUR
    partial = ~np.isnan(given_min) & (given_min < max_award)
    min_award = np.where(partial, given_min, 0.0)
    lock = np.array([s.lower() for s in _text(p, "lock")], dtype=object)
    lock_in = lock == "in"
    eligible = (lock != "out") & (max_award > 0)
    weights = dict(scenario.weights if weights is None else weights)
    per_meur = {}
    for o in set(OUTCOMES) | set(weights) | set(scenario.minimums):
        per_meur[o] = np.nan_to_num(_num(p, o, n, 0.0)) / requested
    value = sum((w * per_meur[o] for o, w in weights.items() if w), np.zeros(n))

    territory = _text(p, "territory_id")
    region_of = {}
    if territories is not None and len(territories):
        region_of = dict(zip(_text(territories, "territory_id"), _text(territories, "region")))
    region = np.array([region_of.get(t, "") for t in territory], dtype=object)
    theme = np.array([s.lower() for s in _text(p, "theme")], dtype=object)

    S, s_lo, s_hi, s_names = [], [], [], []

    def srow(coef, lo, hi, name):
        S.append(np.asarray(coef, float))
        s_lo.append(lo)
        s_hi.append(hi)
        s_names.append(name)

    site = np.array([str(v).strip().lower() in ("1", "true", "yes", "oui", "x")
                     for v in (p["is_site"] if "is_site" in p else [False] * n)])
    if scenario.sites_max is not None:
        srow(site, -np.inf, scenario.sites_max, "sites")
    ha = np.nan_to_num(_num(p, "net_artificialised_ha", n, 0.0))
    if scenario.sites_max_net_ha is not None:
        srow(ha, -np.inf, scenario.sites_max_net_ha, "net artificialisation")
    if scenario.coverage:
        for t in sorted(set(territory[eligible])):
            members = (territory == t) & eligible
            srow(members, min(scenario.coverage, members.sum()), np.inf, f"coverage {t}")
    requires = p["requires"] if "requires" in p else [None] * n
    for child, req in enumerate(requires):
        if req is None or (isinstance(req, float) and math.isnan(req)):
            continue
        for parent in [s.strip() for s in str(req).replace(",", ";").split(";") if s.strip()]:
            coef = np.zeros(n)
            coef[child] += 1
            coef[ids.index(parent)] -= 1
            srow(coef, -np.inf, 0.0, f"{ids[child]} requires {parent}")
    group = _text(p, "exclusive_group")
    for g in sorted(set(group) - {""}):
        srow(group == g, -np.inf, 1.0, f"exclusive {g}")

    G, g_lo, g_hi, g_names = [], [], [], []

    def grow(coef, lo, hi, name):
        G.append(np.asarray(coef, float))
        g_lo.append(lo)
        g_hi.append(hi)
        g_names.append(name)

    ones = np.ones(n)
    grow(ones, -np.inf, scenario.budget / MEUR, "budget")
    for key, frame, values in (("region", regions, region),
                               ("territory_id", territories, territory)):
        if frame is None or not len(frame):
            continue
        floors = dict(zip(_text(frame, key), _num(frame, "floor", len(frame)) / MEUR))
        caps = dict(zip(_text(frame, key), _num(frame, "cap", len(frame)) / MEUR))
        for name in sorted(set(values) - {""}):  # only areas that have projects
            members = values == name
            if not np.isnan(floors.get(name, np.nan)):
                grow(members, floors[name], np.inf, f"{key} floor {name}")
            if not np.isnan(caps.get(name, np.nan)):
                grow(members, -np.inf, caps[name], f"{key} cap {name}")
    if resources is not None and len(resources):
        for r, capacity in zip(_text(resources, "resource"),
                               _num(resources, "capacity", len(resources))):
            column = f"use:{r}" if f"use:{r}" in p else r if r in p else None
            if column is None:
                continue
            use = np.nan_to_num(_num(p, column, n, 0.0))
            grow(use / requested, -np.inf, capacity, f"resource {r}")
    for t, share in sorted(scenario.theme_min.items()):
        grow((theme == t) - share * ones, 0.0, np.inf, f"theme_min {t}")
    for t, share in sorted(scenario.theme_max.items()):
        grow((theme == t) - share * ones, -np.inf, 0.0, f"theme_max {t}")
    if scenario.fairness_band is not None and territories is not None and len(territories):
        basis = np.nan_to_num(_num(territories, scenario.fairness_basis, len(territories)))
        t_region = _text(territories, "region")
        present = sorted(set(region[eligible]) - {""})
        weight = np.array([basis[t_region == r].sum() for r in present])
        if weight.sum() > 0:
            fair = weight / weight.sum()
            b = scenario.fairness_band
            for r, f in zip(present, fair):
                members = (region == r) & eligible
                grow(members - (1 + b) * f * ones, -np.inf, 0.0, f"fairness max {r}")
                grow(members - (1 - b) * f * ones, 0.0, np.inf, f"fairness min {r}")
    for o, floor in sorted(scenario.minimums.items()):
        grow(per_meur[o], floor, np.inf, f"min {o}")

    def arr(rows):
        return np.array(rows, float).reshape(len(rows), n)
    return Instance(n, ids, requested, max_award, min_award, partial, value, per_meur, lock_in,
                    eligible, arr(S), np.array(s_lo, float), np.array(s_hi, float), s_names,
                    arr(G), np.array(g_lo, float), np.array(g_hi, float), g_names)


# ---------------------------------------------------------------------------- brute force

@dataclass
class Best:
    objective: float | None
    x: np.ndarray | None = None
    a: np.ndarray | None = None
    lps: int = 0

    @property
    def feasible(self) -> bool:
        return self.objective is not None


def _selections(inst: Instance) -> np.ndarray:
    """Every selection (rows of 0/1) that keeps the locks and the selection rules."""
    X = np.array(list(itertools.product((0.0, 1.0), repeat=inst.n))).reshape(-1, inst.n)
    ok = np.all(X[:, inst.lock_in] == 1, axis=1) & np.all(X[:, ~inst.eligible] == 0, axis=1)
    if len(inst.S):
        val = X @ inst.S.T
        tol = 1e-9
        ok &= np.all((val >= inst.s_lo - tol) & (val <= inst.s_hi + tol), axis=1)
    return X[ok]


def _fixed_awards_hold(inst: Instance, A: np.ndarray) -> np.ndarray:
    """Which award vectors (rows of ``A``) keep every award rule."""
    if not len(A):
        return np.zeros(0, bool)
    val = A @ inst.G.T
    tol = 1e-9 * np.maximum(1.0, np.abs(A) @ np.abs(inst.G).T)
    return np.all((val >= inst.g_lo - tol) & (val <= inst.g_hi + tol), axis=1)


def _complete(inst: Instance, x: np.ndarray, fixed: np.ndarray) -> np.ndarray | None:
    """The best awards of selection ``x`` over its partial projects (one LP; the all-or-
    nothing awards are ``fixed``), None when no awards keep the rules."""
    free = np.flatnonzero(inst.partial & (x > 0))
    rhs = inst.G @ fixed
    Gf = inst.G[:, free]
    lo, hi = inst.g_lo - rhs, inst.g_hi - rhs
    rows_ub = np.vstack([Gf[np.isfinite(hi)], -Gf[np.isfinite(lo)]])
    b_ub = np.concatenate([hi[np.isfinite(hi)], -lo[np.isfinite(lo)]])
    res = linprog(-inst.value[free], A_ub=rows_ub, b_ub=b_ub,
                  bounds=list(zip(inst.min_award[free], inst.max_award[free])), method="highs")
    if res.status != 0:
        return None
    a = fixed.copy()
    a[free] = res.x
    return a


def feasible_selections(inst: Instance) -> np.ndarray:
    """Every selection that some awards complete into an allocation keeping every rule."""
    X = _selections(inst)
    fixed = X * np.where(inst.partial, 0.0, inst.max_award)
    has_partial = (X[:, inst.partial] > 0).any(axis=1)
    ok = np.zeros(len(X), bool)
    ok[~has_partial] = _fixed_awards_hold(inst, fixed[~has_partial])
    for k in np.flatnonzero(has_partial):
        ok[k] = _complete(inst, X[k], fixed[k]) is not None
    return X[ok]


def brute_force(inst: Instance) -> Best:
    """The optimum by enumerating every selection (n ≤ ~12)."""
    X = _selections(inst)
    fixed_award = X * np.where(inst.partial, 0.0, inst.max_award)
    has_partial = (X[:, inst.partial] > 0).any(axis=1)
    best = Best(None)
    # selections without a selected partial project: awards are fixed, check them all at once
    A = fixed_award[~has_partial]
    good = _fixed_awards_hold(inst, A)
    if good.any():
        obj = A[good] @ inst.value
        k = int(np.argmax(obj))
        best = Best(float(obj[k]), X[~has_partial][good][k], A[good][k])
    # selections with partial projects: one LP each, best upper bound first, pruned
    Xp, Fp = X[has_partial], fixed_award[has_partial]
    upper = (Xp * inst.max_award) @ inst.value
    for k in np.argsort(-upper, kind="stable"):
        if best.feasible and upper[k] <= best.objective + 1e-9 * max(1.0, abs(best.objective)):
            break
        a = _complete(inst, Xp[k], Fp[k])
        best.lps += 1
        if a is None:
            continue
        obj = inst.value @ a
        if not best.feasible or obj > best.objective:
            best = Best(float(obj), Xp[k], a, best.lps)
    return best


# ---------------------------------------------------------------------------- one MILP

def milp_optimum(inst: Instance, value: np.ndarray | None = None, extra=(),
                 time_limit: float = 60.0) -> Best:
    """The optimum as one MILP over [x, a] with scipy.optimize.milp (HiGHS, exact gap).

    ``extra``: additional (coef over a, lo, hi) rows, e.g. an earlier level's floor.
    """
    n = inst.n
    value = inst.value if value is None else value
    c = np.concatenate([np.zeros(n), -value])
    lo_x = inst.lock_in.astype(float)
    hi_x = inst.eligible.astype(float)
    bounds = Bounds(np.concatenate([lo_x, np.zeros(n)]),
                    np.concatenate([hi_x, inst.max_award]))
    rows, lo, hi = [], [], []

    def add(Ax, Aa, low, high):
        rows.append(np.hstack([Ax, Aa]))
        lo.append(np.asarray(low, float))
        hi.append(np.asarray(high, float))
    eye = np.eye(n)
    aon = ~inst.partial
    add(-np.diag(inst.max_award)[aon], eye[aon], np.zeros(aon.sum()), np.zeros(aon.sum()))
    p = inst.partial
    add(-np.diag(inst.max_award)[p], eye[p], np.full(p.sum(), -np.inf), np.zeros(p.sum()))
    add(-np.diag(inst.min_award)[p], eye[p], np.zeros(p.sum()), np.full(p.sum(), np.inf))
    if len(inst.S):
        add(inst.S, np.zeros_like(inst.S), inst.s_lo, inst.s_hi)
    add(np.zeros_like(inst.G), inst.G, inst.g_lo, inst.g_hi)
    for coef, low, high in extra:
        add(np.zeros((1, n)), np.asarray(coef, float)[None, :], [low], [high])
    A = np.vstack(rows)
    res = milp(c, constraints=LinearConstraint(A, np.concatenate(lo), np.concatenate(hi)),
               integrality=np.concatenate([np.ones(n), np.zeros(n)]), bounds=bounds,
               options={"mip_rel_gap": 0.0, "time_limit": time_limit})
    if res.status == 2:  # infeasible
        return Best(None)
    assert res.status == 0, res.message
    x, a = res.x[:n], res.x[n:]
    return Best(float(value @ a), x, a)
