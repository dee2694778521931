"""Reduced-cost fixing from an LP's duals, with each selection's partial award counted.

The textbook fixing reads a selection's reduced cost alone: a selection at a bound of the LP
whose reduced cost exceeds ``U − L`` cannot move in an allocation worth more than ``L``. On
allocation models many selections say nothing that way: a partial project's selection ``x``
carries no objective of its own (its award ``a`` does), and ``x`` and ``a`` sit basic at a
bound together, with a reduced cost of 0. On the bundled `balanced` after the cover cuts, 569
of the 1,985 selections have a reduced cost of 0 at a bound (557 of them partial projects'):
the textbook fixing fixes 1,353 and leaves 632 to the final MILP. What does cost is the
pair: funding ``x = 1`` forces ``a ≥ min_award``, which the LP prices through ``a``'s own
reduced cost and the duals of the rows ``a − min·x ≥ 0``, ``a − max·x ≤ 0``. Counting those
fixes 1,905 and leaves 80; the final MILP that proves the optimum then takes 0.05 s instead
of 0.30 s (``benchmarks/RESULTS.md``, issue 16).

The argument, exact for *any* row duals ``y`` (not only optimal ones). With ``d = c − Aᵀy``,
every allocation ``x'`` (rows ``A x'`` within ``[row_lo, row_hi]``, columns within their
bounds) is worth ``c x' = y (A x') + d x' = U_y − Σ_i t_i − Σ_k s_k``, where

    U_y = Σ_i max(y_i row_lo_i, y_i row_hi_i) + Σ_k max(d_k col_lo_k, d_k col_hi_k),
    t_i = max(y_i row_lo_i, y_i row_hi_i) − y_i (A x')_i ≥ 0,
    s_k = max(d_k col_lo_k, d_k col_hi_k) − d_k x'_k ≥ 0.

So ``U_y`` bounds every allocation (it is the LP's bound when ``y`` is its optimal dual), and
any subset of the terms bounds what an allocation loses from it. For a selection ``j`` set to
``v``, the terms that depend on ``j`` and its *partners* alone (a continuous column ``k`` tied
to ``j`` by rows over ``j`` and ``k`` only: a partial award) are: ``s_j(v)``, and for each
partner ``min over a`` of ``s_k(a) + Σ t_i`` over those two-column rows, a linear function of
``a`` on the interval those rows and ``k``'s bounds leave (so its minimum is at an end). If
that loss exceeds ``U_y − L``, no allocation with ``x_j = v`` is worth ``L``: ``j`` is fixed at
its other value. Nothing here assumes the duals optimal, or even feasible: a dual that needs
an infinite bound is dropped (its row's ``y`` is taken as 0) and the bound is computed, not
read from the LP, so rounding in the LP's solution can make the fixing weaker, never wrong.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

# the loss must exceed U − L by this (relative to U) for a selection to be fixed: rounding in
# sums of a few thousand terms, with room to spare
MARGIN = 1e-7


def fixings(model, y: np.ndarray, worth: float) -> tuple[np.ndarray, np.ndarray]:
    """Column bounds ``(lo, hi)`` of ``model`` with every selection fixed that cannot take its
    other value in an allocation worth more than ``worth``, by the row duals ``y`` (see the
    module); the model's own bounds where the duals prove nothing."""
    lo, hi = np.array(model.col_lo, float), np.array(model.col_hi, float)
    A = sp.csc_array(model.A)
    row_lo, row_hi = np.asarray(model.row_lo, float), np.asarray(model.row_hi, float)
    y = np.asarray(y, float)
    # a dual that would need an infinite bound bounds nothing: taken as 0
    y = np.where(((y > 0) & ~np.isfinite(row_hi)) | ((y < 0) & ~np.isfinite(row_lo)), 0.0, y)
    d = np.asarray(model.c, float) - A.T @ y
    # a reduced cost at rounding level (below 1e-15) is taken as 0, so that a free column
    # (an outcome's total) still bounds nothing away: what it could add, at any value the
    # rows allow, is far below MARGIN
    d = np.where(np.abs(d) < 1e-15, 0.0, d)
    row_top = _top(y, row_lo, row_hi)
    col_top = _top(d, lo, hi)
    if not (np.all(np.isfinite(row_top)) and np.all(np.isfinite(col_top))):
        return lo, hi  # some column's reduced cost needs an infinite bound: no bound here
    bound = float(row_top.sum() + col_top.sum() + model.offset)
    allowed = bound - worth + MARGIN * max(1.0, abs(bound))
    integer = np.asarray(model.integer, bool)
    binary = integer & (lo < hi) & (hi - lo == 1)
    losses = [col_top - _times(d, side) for side in (lo, hi)]  # s_j at each end
    for k, side in enumerate((lo, hi)):
        _add_partners(losses[k], model, y, d, row_top, col_top, binary, side)
    # a value that loses more than allowed is ruled out; where both are (only by rounding,
    # since any allocation worth L keeps one) nothing is fixed
    no_lo = binary & (losses[0] > allowed)
    no_hi = binary & (losses[1] > allowed)
    up, down = no_lo & ~no_hi, no_hi & ~no_lo
    lo[up] = hi[up]
    hi[down] = lo[down]
    return lo, hi


def _top(dual: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """``max(dual·lo, dual·hi)``, 0 where the dual is 0 (whatever the bounds)."""
    return np.maximum(_times(dual, lo), _times(dual, hi))


def _times(dual: np.ndarray, value: np.ndarray) -> np.ndarray:
    """``dual·value``, 0 where the dual is 0 (whatever the value, infinite included)."""
    with np.errstate(invalid="ignore"):
        return np.where(dual == 0, 0.0, dual * value)


def _add_partners(loss: np.ndarray, model, y: np.ndarray, d: np.ndarray,
                  row_top: np.ndarray, col_top: np.ndarray, binary: np.ndarray,
                  side: np.ndarray) -> None:
    """Add to ``loss`` (per column) what each selection set at ``side`` costs through its
    partners: per two-column row joining it to a continuous column ``k``, grouped by pair,
    the least of ``s_k(a) + Σ t_i`` over the ``a`` those rows and ``k``'s bounds allow."""
    A = sp.csr_array(model.A)
    two = np.flatnonzero(np.diff(A.indptr) == 2)
    at = A.indptr[two]
    c0, c1, v0, v1 = A.indices[at], A.indices[at + 1], A.data[at], A.data[at + 1]
    integer = np.asarray(model.integer, bool)
    swap = binary[c1]
    j, k = np.where(swap, c1, c0), np.where(swap, c0, c1)
    vj, vk = np.where(swap, v1, v0), np.where(swap, v0, v1)
    ok = binary[j] & ~integer[k]
    two, j, k, vj, vk = two[ok], j[ok], k[ok], vj[ok], vk[ok]
    if not len(two):
        return
    pair, index = np.unique(j.astype(np.int64) * A.shape[1] + k, return_inverse=True)
    pj, pk = pair // A.shape[1], pair % A.shape[1]
    # the interval of a: k's bounds, then each row lo ≤ vj·v + vk·a ≤ hi
    a_lo = np.array(model.col_lo, float)[pk]
    a_hi = np.array(model.col_hi, float)[pk]
    rest = vj * side[j]
    r_lo, r_hi = np.asarray(model.row_lo, float)[two] - rest, \
        np.asarray(model.row_hi, float)[two] - rest
    with np.errstate(invalid="ignore", divide="ignore"):
        low = np.where(vk > 0, r_lo / vk, r_hi / vk)
        high = np.where(vk > 0, r_hi / vk, r_lo / vk)
    np.maximum.at(a_lo, index, low)
    np.minimum.at(a_hi, index, high)
    # s_k(a) + Σ t_i = constant + slope·a
    constant = col_top[pk].copy()
    slope = -d[pk]
    np.add.at(constant, index, row_top[two] - y[two] * rest)
    np.add.at(slope, index, -y[two] * vk)
    with np.errstate(invalid="ignore"):
        at_lo = np.where(np.isfinite(a_lo), constant + slope * a_lo, np.inf)
        at_hi = np.where(np.isfinite(a_hi), constant + slope * a_hi, np.inf)
    least = np.minimum(at_lo, at_hi)
    # an infinite end the function falls towards, or both ends infinite: nothing proven
    unbounded = (~np.isfinite(a_lo) & (slope > 0)) | (~np.isfinite(a_hi) & (slope < 0)) | \
        ~np.isfinite(least)
    least = np.where(unbounded, 0.0, np.maximum(least, 0.0))
    # no a fits: the selection cannot take that value at all
    least = np.where(a_lo > a_hi + 1e-9 * np.maximum(1.0, np.abs(a_hi)), np.inf, least)
    np.add.at(loss, pj, least)
