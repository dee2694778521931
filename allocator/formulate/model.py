"""The model: a maximisation MILP in matrix form, solver-neutral, frozen, with the maps that
give its columns meaning (each project's award and selection, each outcome's total) and its
rows' rule families (``RowGroup``). Model algebra lives here too: a model with rows, columns,
bounds or the objective changed (``Change``), whether an allocation keeps its rules, and the
model with its fixed columns taken out (``Restricted``).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import scipy.sparse as sp

from allocator.core.rules import Rule, rule

MEUR = 1e6  # model money unit
INT_TOL = 1e-6  # a selection within this of 0 or 1 is integral


@dataclass(frozen=True)
class RowGroup:
    """Consecutive rows of one rule family (``core.rules``), e.g. the caps of every region.

    ``labels`` name each row's subject (a region, a theme, "P-0007 requires P-0003");
    ``scale`` turns a row's value back into user units (1e6 for rows kept in M€), or
    ``row_scales`` row by row (a resource row is kept in shares of its capacity).
    """
    name: str
    start: int
    stop: int
    labels: tuple[str, ...]
    unit: str = "€"
    scale: float = MEUR
    help: str = ""
    row_scales: tuple[float, ...] = ()

    @classmethod
    def of(cls, name: str, labels, *, start: int = 0, unit: str | None = None,
           row_scales=()) -> "RowGroup":
        """The group of ``labels`` rows of the family ``name``, as the registry states it
        (``unit``: where the family leaves it to each use, as an outcome minimum's)."""
        family = rule(name)
        unit = family.unit if unit is None else unit
        assert unit is not None  # every use of a family without a unit gives one
        labels = tuple(map(str, labels))
        return cls(name, start, start + len(labels), labels, unit,
                   MEUR if family.euros else 1.0, family.help, tuple(float(s) for s in row_scales))

    @property
    def rule(self) -> Rule:
        return rule(self.name)

    def __len__(self) -> int:
        return self.stop - self.start

    def in_user_units(self, k: int, value: float) -> float:
        """Row ``k``'s ``value`` (a limit, an activity) in the unit users read."""
        return value * (self.row_scales[k] if self.row_scales else self.scale)


@dataclass(frozen=True)
class Change:
    """What a re-solve changes in a solved model, and what it may start from.

    ``cols``/``rows``: (indices, lower bounds, upper bounds) of the columns or rows moved;
    ``cost``: the objective of every column; ``start``: a known allocation, the centre of the
    search; ``bound``: an objective bound valid for the changed model (the unchanged
    optimum's, when the change only restricts); ``relax``: the LP relaxation only, with duals.
    """
    cols: tuple | None = None
    rows: tuple | None = None
    cost: np.ndarray | None = None
    start: np.ndarray | None = None
    bound: float | None = None
    relax: bool = False

    @property
    def moves_bounds(self) -> bool:
        return self.cols is not None or self.rows is not None


@dataclass(frozen=True)
class Model:
    """A MILP in matrix form (maximisation), with the maps that give it meaning.

    ``award`` (N × n_cols, M€) and ``select`` (N × n_cols) express each project's award and
    selection in the columns; ``outcome`` (K × n_cols) each outcome's total; ``weights`` the
    objective's coefficient of each outcome row (``c = weights @ outcome``).
    """
    c: np.ndarray
    A: sp.csr_array
    row_lo: np.ndarray
    row_hi: np.ndarray
    col_lo: np.ndarray
    col_hi: np.ndarray
    integer: np.ndarray
    groups: tuple[RowGroup, ...]
    award: sp.csr_array
    select: sp.csr_array
    outcome: sp.csr_array
    outcomes: tuple[str, ...]
    weights: np.ndarray
    normalisers: np.ndarray
    n_projects: int
    offset: float = 0.0
    col_names: tuple[str, ...] = field(default=(), repr=False)

    @property
    def shape(self) -> tuple[int, int]:
        return self.A.shape

    def group(self, name: str) -> RowGroup | None:
        return next((g for g in self.groups if g.name == name), None)

    def row_names(self) -> list[str]:
        names: list[str] = []
        for g in self.groups:
            names.extend(f"{g.name}[{label}]" for label in g.labels)
        return names

    def with_objective(self, c: np.ndarray) -> "Model":
        return replace(self, c=np.asarray(c, float))

    def with_rows(self, A: sp.spmatrix, lo, hi, group: RowGroup) -> "Model":
        """The same model with rows appended (lexicographic levels, epsilon constraints)."""
        start = self.A.shape[0]
        g = replace(group, start=start, stop=start + A.shape[0])
        return replace(self, A=sp.csr_array(sp.vstack([self.A, sp.csr_array(A)])),
                        row_lo=np.concatenate([self.row_lo, lo]),
                        row_hi=np.concatenate([self.row_hi, hi]), groups=self.groups + (g,))

    def with_columns(self, A: sp.spmatrix, c, lo, hi, integer=None) -> "Model":
        """The same model with columns appended (slacks, auxiliary variables); the maps
        (award, select, outcome) give them no weight."""
        k = A.shape[1]

        def pad(M):
            return sp.csr_array(sp.hstack([M, sp.csr_array((M.shape[0], k))]))
        return replace(self, A=sp.csr_array(sp.hstack([self.A, sp.csr_array(A)])),
                        c=np.concatenate([self.c, np.broadcast_to(c, (k,))]),
                        col_lo=np.concatenate([self.col_lo, np.broadcast_to(lo, (k,))]),
                        col_hi=np.concatenate([self.col_hi, np.broadcast_to(hi, (k,))]),
                        integer=np.concatenate([self.integer, np.zeros(k, bool) if integer is None
                                                else np.broadcast_to(integer, (k,))]),
                        award=pad(self.award), select=pad(self.select), outcome=pad(self.outcome),
                        col_names=self.col_names + tuple(f"aux{j}" for j in range(k))
                        if self.col_names else ())

    def with_bounds(self, col_lo=None, col_hi=None) -> "Model":
        return replace(self, col_lo=self.col_lo if col_lo is None else col_lo,
                        col_hi=self.col_hi if col_hi is None else col_hi)

    def changed(self, change: Change) -> "Model":
        """The model with ``change``'s column bounds, row bounds and objective."""
        changes: dict[str, Any] = {}
        if change.cols is not None:
            idx, lo, hi = (np.asarray(a) for a in change.cols)
            changes["col_lo"], changes["col_hi"] = self.col_lo.copy(), self.col_hi.copy()
            changes["col_lo"][idx], changes["col_hi"][idx] = lo, hi
        if change.rows is not None:
            idx, lo, hi = (np.asarray(a) for a in change.rows)
            changes["row_lo"], changes["row_hi"] = self.row_lo.copy(), self.row_hi.copy()
            changes["row_lo"][idx], changes["row_hi"][idx] = lo, hi
        if change.cost is not None:
            changes["c"] = np.asarray(change.cost, float)
        return replace(self, **changes) if changes else self

    def nonnegative_rows(self) -> np.ndarray:
        """Which rows have no negative coefficient: funding only adds to them, so an upper
        bound there is a knapsack (the budget, a resource, a cap)."""
        entries = sp.coo_array(self.A)
        return np.bincount(entries.row[entries.data < 0], minlength=self.shape[0]) == 0

    def holds(self, values: np.ndarray, tol: float = 1e-7) -> bool:
        """Whether an allocation keeps every rule and bound (to HiGHS's feasibility tolerance,
        scaled as the rows are) and is integral where it must be."""
        v = np.asarray(values, float)
        if np.any(v < self.col_lo - tol) or np.any(v > self.col_hi + tol):
            return False
        if np.any(np.abs(v[self.integer] - np.round(v[self.integer])) > INT_TOL):
            return False
        activity = self.A @ v
        slack = tol * np.maximum(1.0, np.abs(activity))
        return bool(np.all(activity >= self.row_lo - slack)
                    and np.all(activity <= self.row_hi + slack))

    def awards(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Award (€, rounded to the cent) and selection of each project from column values."""
        selected = np.asarray(self.select @ values).ravel() > 0.5
        award = np.asarray(self.award @ values).ravel() * MEUR
        return np.where(selected, np.round(award, 2), 0.0), selected

    def totals(self, values: np.ndarray) -> dict[str, float]:
        """Objective, euros awarded, projects funded and each outcome of column values."""
        award, selected = self.awards(values)
        achieved = np.asarray(self.outcome @ values).ravel()
        return {"objective": float(self.c @ values + self.offset),
                "awarded": float(award.sum()), "projects_funded": int(selected.sum()),
                **{o: float(v) for o, v in zip(self.outcomes, achieved)}}

    def restricted(self, lo: np.ndarray, hi: np.ndarray) -> "Restricted | None":
        """The model with column bounds ``lo``, ``hi`` and its fixed columns taken out
        (``restrict``); None when the bounds alone break a row."""
        return restrict(self, lo, hi)


@dataclass(frozen=True)
class Restricted:
    """A model with its fixed columns taken out (their part moved into the row bounds and the
    offset) and the rows left without a free column dropped: what
    ``backends.highs.instance.build`` reads.

    HiGHS's presolve does the same, but slowly on a big model with few free columns (0.3 s
    at 10,000 projects to leave 651 of 12,925 columns); a sparse column slice takes ms.
    """
    c: np.ndarray
    A: sp.csc_array
    row_lo: np.ndarray
    row_hi: np.ndarray
    col_lo: np.ndarray
    col_hi: np.ndarray
    integer: np.ndarray
    offset: float
    keep: np.ndarray
    values: np.ndarray  # the full column vector, free columns at 0

    def expand(self, v: np.ndarray) -> np.ndarray:
        full = self.values.copy()
        full[self.keep] = v
        return full


def restrict(model, lo: np.ndarray, hi: np.ndarray) -> Restricted | None:
    """``model`` with column bounds ``lo``, ``hi`` and the fixed columns taken out; None when
    the bounds alone break a row.

    Rows left with one free column become bounds of that column (a partial project's award
    is 0 once its selection is fixed at 0, in [min, max] once fixed at 1), which may fix more
    columns: a few passes of that, then rows left without a free column are dropped.
    """
    lo, hi = np.asarray(lo, float).copy(), np.asarray(hi, float).copy()
    A = sp.csr_array(model.A)
    integer = np.asarray(model.integer, bool)
    rows = np.ones(A.shape[0], bool)  # rows still in the model
    for _ in range(4):
        fixed = lo >= hi
        values = np.where(fixed, lo, 0.0)
        activity = A @ values
        row_lo, row_hi = model.row_lo - activity, model.row_hi - activity
        free_nz = A.copy()
        free_nz.data = np.where(fixed[A.indices], 0.0, A.data)
        free_nz.eliminate_zeros()
        count = np.diff(free_nz.indptr)
        tol = 1e-9 * np.maximum(1.0, np.abs(activity))
        empty = rows & (count == 0)
        if np.any(row_lo[empty] > tol[empty]) or np.any(row_hi[empty] < -tol[empty]):
            return None
        rows &= count > 0
        single = np.flatnonzero(rows & (count == 1))
        if not len(single):
            break
        j = free_nz.indices[free_nz.indptr[single]]
        a = free_nz.data[free_nz.indptr[single]]
        low = np.where(a > 0, row_lo[single], row_hi[single]) / a
        high = np.where(a > 0, row_hi[single], row_lo[single]) / a
        new_lo, new_hi = lo.copy(), hi.copy()
        np.maximum.at(new_lo, j, low)
        np.minimum.at(new_hi, j, high)
        snap = 1e-9 * np.maximum(1.0, np.abs(new_lo))
        new_lo[integer] = np.ceil(new_lo[integer] - 1e-6)
        new_hi[integer] = np.floor(new_hi[integer] + 1e-6)
        if np.any(new_lo > new_hi + snap):
            return None
        close = new_hi - new_lo <= snap
        new_hi[close] = new_lo[close]  # a range of rounding error is a fixed value
        lo, hi = new_lo, new_hi
        rows[single] = False
    fixed = lo >= hi
    keep = np.flatnonzero(~fixed)
    values = np.where(fixed, lo, 0.0)
    activity = A @ values
    live = np.flatnonzero(rows)
    Ak = sp.csc_array(A[live][:, keep])
    return Restricted(c=model.c[keep], A=Ak, row_lo=(model.row_lo - activity)[live],
                      row_hi=(model.row_hi - activity)[live], col_lo=lo[keep],
                      col_hi=hi[keep], integer=integer[keep],
                      offset=float(model.offset + model.c @ values), keep=keep, values=values)
