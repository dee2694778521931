"""Cover cuts: the valid inequalities that make an allocation model's LP bound tight.

A territory cap is a small knapsack: at most ``cap`` euros over a dozen projects, each taken
whole (or, when partial, at least at its minimum award). The LP relaxation fills every binding
cap to the cent with a fraction of a project, which no allocation can do: on the bundled
workbook its bound is 1.8e-3 above the optimum, and that gap (not the LP) is what a MILP
solver spends its time closing. Dropping the territory caps leaves a gap of 1.9e-5, so it is
theirs. Five cover inequalities close it to 4.3e-5 (``tests/test_cuts.py``); regional floors
under a small envelope leave a gap of the same kind, closed the same way.

For a row read as ``Σ w_j y_j ≤ cap`` over selections ``y`` (a **knapsack**), a *cover* ``C``
is a set of selections that cannot all be funded, ``Σ_C w_j > cap``, hence the cut
``Σ_{E(C)} y_j ≤ |C| − 1``, valid for every allocation, where the extended cover ``E(C)`` adds
every selection at least as heavy as the heaviest of ``C``.

Knapsacks are read from any row of the model (either side, whichever is finite), relaxing
what is not a selection: a continuous column tied to a selection (a partial project's award,
``min_award × x ≤ award ≤ max_award × x``) counts at whichever of the two ties loosens the
row, as that multiple of its selection; another continuous column at whichever of its own
bounds loosens the row (an infinite one: no knapsack). A selection left with a negative
weight is complemented, ``w x = w − |w| (1 − x)``, so ``y`` is ``x`` or ``1 − x``: a floor
``Σ award ≥ floor`` reads as a knapsack over the projects left out, and its covers say "at
least one of these must be funded". So a cut only ever removes points no allocation reaches.

**Precedence** (``requires``: a project is funded only if another is, ``x_a ≤ x_b``) makes
covers far stronger (*induced covers*, Boyd 1993, "Polyhedral results for the
precedence-constrained knapsack problem"). Funding ``a`` funds every project it requires, so
``a`` weighs, in a knapsack, its own weight plus theirs: a set ``L`` whose closure ``cl(L)``
(``L`` and everything it requires, transitively) overflows the cap cannot all be funded,
``Σ_L y_j ≤ |L| − 1``, though ``L`` alone may not overflow it. On the bundled workbook's Monte
Carlo draws the LP funds a quarter of a project and of the one it requires, in the same
territory: no cover of single weights is broken, and that one pair leaves a gap of 9.4e-4
that the induced cover closes. Implications are read from two-selection rows ``a·x_i + b·x_j
≤ 0`` (``a > 0 > b``); between complemented selections they run the other way, and between a
complemented and a plain one they are no precedence, so they are not used.

Separation is the textbook greedy one (Crowder, Johnson and Padberg 1983; Nemhauser and
Wolsey, *Integer and Combinatorial Optimization*, II.2), on closures: per knapsack whose LP
slack is less than its heaviest closure, take selections by increasing ``(1 − y*_j) /
w(cl(j))`` until their closure overflows the cap, drop those not needed to overflow it, and
keep the cut when ``y*`` breaks it. The extension adds every selection outside the closure
at least as heavy as the heaviest closure of the cover (without precedence: the heaviest
item), which any swap keeps overflowing.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

TOL = 1e-9
MIN_VIOLATION = 1e-4  # a cut broken by less moves the bound by nothing worth a row


@dataclass(frozen=True)
class Knapsacks:
    """``W`` (knapsacks × columns): the weight of each selection in each knapsack;
    ``capacity``; ``source``: the model row each knapsack was read from; ``closure``: per
    knapsack, None when no two of its selections are linked by precedence, else the
    reflexive, transitive closure over its items (items × items, in ``W``'s row order: row
    ``i`` marks what funding item ``i`` funds)."""
    W: sp.csr_array
    capacity: np.ndarray
    source: np.ndarray
    closure: tuple
    reach: np.ndarray  # per entry of ``W``: the weight of its item's closure in its knapsack


@dataclass(frozen=True)
class Cuts:
    """Cover cuts ``A x ≤ hi``, each with the model row it came from (``source``): a change
    that loosens that row takes its cuts away."""
    A: sp.csr_array
    hi: np.ndarray
    source: np.ndarray

    def __len__(self) -> int:
        return len(self.hi)

    def without(self, rows) -> "Cuts":
        """The cuts that do not come from ``rows``."""
        keep = ~np.isin(self.source, np.asarray(rows))
        return Cuts(sp.csr_array(self.A[np.flatnonzero(keep)]), self.hi[keep], self.source[keep])

    def __add__(self, other: "Cuts") -> "Cuts":
        return Cuts(sp.csr_array(sp.vstack([self.A, other.A])),
                    np.concatenate([self.hi, other.hi]),
                    np.concatenate([self.source, other.source]))


def no_cuts(n_cols: int) -> Cuts:
    return Cuts(sp.csr_array((0, n_cols)), np.zeros(0), np.zeros(0, int))


def knapsacks(model) -> Knapsacks:
    """Every row of ``model`` that reads as a knapsack with a cover (see the module)."""
    A = sp.coo_array(model.A)
    n_rows, n_cols = A.shape
    binary = np.asarray(model.integer, bool) & (model.col_lo >= 0) & (model.col_hi <= 1)
    pairs = _two_entry_rows(model)
    (floor_sel, floor_w), (ceil_sel, ceil_w) = _linked(pairs, binary)
    r, j = A.row, A.col
    col_lo, col_hi = np.asarray(model.col_lo, float), np.asarray(model.col_hi, float)
    ws, caps, sources = [], [], []
    for sign, rhs in ((1.0, np.asarray(model.row_hi, float)),
                      (-1.0, -np.asarray(model.row_lo, float))):
        a = sign * A.data
        cap = np.where(np.isfinite(rhs), rhs, 0.0)
        usable = np.isfinite(rhs)
        # a continuous column counts at its selection-set floor or ceiling where the row is
        # loosest with it, else at its own bound (an infinite one: no knapsack)
        by_floor = ~binary[j] & (a > 0) & (floor_sel[j] >= 0)
        by_ceil = ~binary[j] & (a < 0) & (ceil_sel[j] >= 0)
        other = ~binary[j] & ~by_floor & ~by_ceil
        bound = np.where(a > 0, col_lo[j], col_hi[j])
        usable[r[other & ~np.isfinite(bound)]] = False
        fine = other & np.isfinite(bound)
        np.add.at(cap, r[fine], -a[fine] * bound[fine])
        direct = binary[j]
        S = sp.csr_array((
            np.concatenate([a[direct], a[by_floor] * floor_w[j[by_floor]],
                            a[by_ceil] * ceil_w[j[by_ceil]]]),
            (np.concatenate([r[direct], r[by_floor], r[by_ceil]]),
             np.concatenate([j[direct], floor_sel[j[by_floor]], ceil_sel[j[by_ceil]]]))),
            shape=(n_rows, n_cols))
        S.sum_duplicates()
        S.eliminate_zeros()
        # a selection with a negative weight is complemented: w·x = w − |w|·(1 − x)
        entry_row = np.repeat(np.arange(n_rows), np.diff(S.indptr))
        negative = S.data < 0
        cap += np.bincount(entry_row[negative], -S.data[negative], minlength=n_rows)
        total = np.bincount(entry_row, np.abs(S.data), minlength=n_rows)
        keep = np.flatnonzero(usable & (np.diff(S.indptr) >= 2) & (total > cap + TOL)
                              & (cap >= -TOL))
        ws.append(S[keep])
        caps.append(cap[keep])
        sources.append(keep)
    W = sp.csr_array(sp.vstack(ws))
    closure = _closures(W, _implications(pairs, binary))
    reach = np.abs(W.data)
    for k, c in enumerate(closure):
        if c is not None:
            span = slice(W.indptr[k], W.indptr[k + 1])
            reach[span] = c @ reach[span]
    return Knapsacks(W, np.concatenate(caps), np.concatenate(sources), closure, reach)


def _two_entry_rows(model) -> tuple[np.ndarray, ...]:
    """The rows of ``model`` over two columns: their columns ``c0``, ``c1``, coefficients
    ``v0``, ``v1`` and bounds ``lo``, ``hi`` (what ties an award to its selection, and what
    says a project requires another)."""
    A = sp.csr_array(model.A)
    two = np.flatnonzero(np.diff(A.indptr) == 2)
    at = A.indptr[two]
    return (A.indices[at], A.indices[at + 1], A.data[at], A.data[at + 1],
            np.asarray(model.row_lo)[two], np.asarray(model.row_hi)[two])


def _implications(pairs: tuple, binary: np.ndarray) -> sp.csr_array:
    """Columns × columns, ``R[i, j]`` when every allocation funding selection ``i`` funds
    ``j``, transitively (read from two-selection rows ``a·x_i + b·x_j ≤ 0``, ``a > 0 > b``:
    ``x_i = 1`` forces ``x_j ≥ a / |b| > 0``)."""
    n_cols = len(binary)
    c0, c1, v0, v1, lo, hi = pairs
    ok = binary[c0] & binary[c1] & (v0 * v1 < 0)
    at_most = ok & (hi == 0) & ~np.isfinite(lo)  # the positive one implies the negative one
    at_least = ok & (lo == 0) & ~np.isfinite(hi)  # the other way round
    positive, negative = np.where(v0 > 0, c0, c1), np.where(v0 > 0, c1, c0)
    src = np.concatenate([positive[at_most], negative[at_least]])
    dst = np.concatenate([negative[at_most], positive[at_least]])
    R = sp.csr_array((np.ones(len(src)), (src, dst)), shape=(n_cols, n_cols), dtype=bool)
    while True:  # chains of ``requires`` are short: a few products
        wider = sp.csr_array(R + R @ R, dtype=bool)
        if wider.nnz == R.nnz:
            return R
        R = wider


def _closures(W: sp.csr_array, R: sp.csr_array) -> tuple:
    """Per knapsack of ``W``, its items' closure under ``R`` (see ``Knapsacks``), or None."""
    out = [None] * W.shape[0]
    if not R.nnz:
        return tuple(out)
    # every implication (i → j) between two items of a knapsack: W's entries are sorted by
    # (knapsack, column), so an entry is found by binary search on that key
    n_cols = W.shape[1]
    entry_row = np.repeat(np.arange(W.shape[0]), np.diff(W.indptr))
    key = entry_row.astype(np.int64) * n_cols + W.indices
    R = sp.csr_array(R)
    fan = np.diff(R.indptr)[W.indices]  # implications out of each entry's column
    src = np.repeat(np.arange(W.nnz), fan)
    within = np.arange(len(src)) - np.repeat(np.cumsum(fan) - fan, fan)
    dst_col = R.indices[R.indptr[W.indices[src]] + within]
    wanted = entry_row[src].astype(np.int64) * n_cols + dst_col
    dst = np.minimum(np.searchsorted(key, wanted), len(key) - 1)
    found = key[dst] == wanted
    src, dst = src[found], dst[found]
    # between complemented selections (y = 1 − x) a precedence runs the other way
    plain = (W.data[src] > 0) & (W.data[dst] > 0)
    complemented = (W.data[src] < 0) & (W.data[dst] < 0)
    i = np.concatenate([src[plain], dst[complemented]])
    j = np.concatenate([dst[plain], src[complemented]])
    if not len(i):
        return tuple(out)
    linked = np.unique(entry_row[i])
    # each linked knapsack's items × items, built at once (a matrix made one by one from
    # coordinates cost ~0.14 ms each: 6 of a bundled solve's ~130 ms): every item of those
    # knapsacks on its own diagonal, then the implications, ordered by (item, item) entry
    items = np.flatnonzero(np.isin(entry_row, linked))
    row = np.concatenate([items, i])
    col = np.concatenate([items, j])
    order = np.lexsort((col, row))
    row, col = row[order], col[order]
    once = np.concatenate([[True], (row[1:] != row[:-1]) | (col[1:] != col[:-1])])
    row, col = row[once], col[once]
    ends = np.searchsorted(row, W.indptr[linked + 1])
    starts = np.searchsorted(row, W.indptr[linked])
    for kk, a, b in zip(linked, starts, ends):
        first, n = W.indptr[kk], W.indptr[kk + 1] - W.indptr[kk]
        indptr = np.searchsorted(row[a:b], first + np.arange(n + 1))
        out[kk] = sp.csr_array((np.ones(b - a, bool), col[a:b] - first, indptr), shape=(n, n))
    return tuple(out)


def _linked(pairs: tuple, binary: np.ndarray) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """For each continuous column, the selection that sets its floor (``col ≥ w × x``), then
    the one that sets its ceiling (``col ≤ w × x``), read from two-entry rows, each with ``w``
    (selection -1 where there is none): a partial project's award, its minimum and maximum."""
    n_cols = len(binary)
    c0, c1, v0, v1, lo, hi = pairs
    swap = binary[c0]  # order each pair as (continuous column, selection)
    col, x = np.where(swap, c1, c0), np.where(swap, c0, c1)
    a, b = np.where(swap, v1, v0), np.where(swap, v0, v1)
    # a·col + b·x ≥ 0 reads col ≥ (−b/a)·x when a > 0 and col ≤ (−b/a)·x when a < 0;
    # a·col + b·x ≤ 0 the other way round
    at_least = ((a > 0) & (lo == 0) & ~np.isfinite(hi)) | ((a < 0) & (hi == 0) & ~np.isfinite(lo))
    at_most = ((a > 0) & (hi == 0) & ~np.isfinite(lo)) | ((a < 0) & (lo == 0) & ~np.isfinite(hi))
    out = []
    for side in (at_least, at_most):
        sel, weight = np.full(n_cols, -1), np.zeros(n_cols)
        ok = ~binary[col] & binary[x] & side
        sel[col[ok]] = x[ok]
        weight[col[ok]] = -b[ok] / a[ok]
        out.append((sel, weight))
    return tuple(out)


def separate(ks: Knapsacks, x: np.ndarray) -> Cuts:
    """Extended (induced) cover cuts that ``x`` breaks by at least ``MIN_VIOLATION``, one per
    knapsack at most (see the module); a complemented selection (negative weight) enters a
    cover as ``1 − x``."""
    W = ks.W
    n_cols = W.shape[1]
    entry_row = np.repeat(np.arange(W.shape[0]), np.diff(W.indptr))
    y = np.where(W.data > 0, x[W.indices], 1.0 - x[W.indices])  # each item's value in x
    weight, reach = np.abs(W.data), ks.reach
    slack = ks.capacity - np.bincount(entry_row, weight * y, minlength=W.shape[0])
    heaviest = np.zeros(W.shape[0])
    np.maximum.at(heaviest, entry_row, reach)
    # a cut kept has Σ (1 − y) ≤ 1 − MIN_VIOLATION over its cover, so every member has
    # y ≥ MIN_VIOLATION: where those do not overflow the cap there is none to find (most
    # knapsacks, most of the time)
    live = np.bincount(entry_row, weight * (y >= MIN_VIOLATION), minlength=W.shape[0])
    rows, cols, values, sources = [], [], [], []
    his: list[float] = []
    for k in np.flatnonzero((slack < heaviest) & (live > ks.capacity + TOL)):
        span = slice(W.indptr[k], W.indptr[k + 1])
        items, w, sign = W.indices[span], weight[span], np.sign(W.data[span])
        gap = np.clip(1.0 - y[span], 0.0, 1.0)
        found = _cover(w, reach[span], gap, ks.capacity[k], ks.closure[k])
        if found is None:
            continue
        cover, covered = found
        if gap[cover].sum() > 1.0 - MIN_VIOLATION:
            continue
        extended = np.union1d(cover, np.flatnonzero(~covered & (w >= reach[span][cover].max())))
        rows.append(np.full(len(extended), len(his)))
        cols.append(items[extended])
        values.append(sign[extended])
        his.append(len(cover) - 1.0 - np.sum(sign[extended] < 0))
        sources.append(ks.source[k])
    if not his:
        return no_cuts(n_cols)
    A = sp.csr_array((np.concatenate(values), (np.concatenate(rows), np.concatenate(cols))),
                     shape=(len(his), n_cols))
    return Cuts(A, np.asarray(his, float), np.asarray(sources))


def _cover(w: np.ndarray, reach: np.ndarray, gap: np.ndarray, capacity: float, closure
           ) -> tuple[np.ndarray, np.ndarray] | None:
    """A minimal cover of one knapsack (items' weights ``w``, closure weights ``reach``, LP
    distances to 1 ``gap``), greedy by ``gap / reach``: its items, and which items its closure
    funds (None: the whole knapsack fits)."""
    order = np.argsort(gap / reach, kind="stable")
    if closure is None:
        over = np.searchsorted(np.cumsum(w[order]), capacity + TOL, side="right")
        if over >= len(order):
            return None
        cover = order[:over + 1]
        # minimal: drop members, the least tight first, while the rest still overflows
        for i in cover[np.argsort(-gap[cover], kind="stable")]:
            if w[cover].sum() - w[i] > capacity + TOL:
                cover = cover[cover != i]
        covered = np.zeros(len(w), bool)
        covered[cover] = True
        return cover, covered
    # item m is funded from the first taken item whose closure holds it
    position = np.empty(len(order), int)
    position[order] = np.arange(len(order))
    starts, members = closure.indptr, closure.indices
    owner = np.repeat(np.arange(len(w)), np.diff(starts))
    first = np.full(len(w), len(w))
    np.minimum.at(first, members, position[owner])
    by_first = np.argsort(first, kind="stable")
    over = np.searchsorted(np.cumsum(w[by_first]), capacity + TOL, side="right")
    if over >= len(w):
        return None
    cover = order[:first[by_first[over]] + 1]
    in_cover = np.zeros(len(w), bool)
    in_cover[cover] = True
    funded = np.bincount(members[in_cover[owner]], minlength=len(w))  # by how many members
    total = w[funded > 0].sum()
    for i in cover[np.argsort(-gap[cover], kind="stable")]:
        mine = members[starts[i]:starts[i + 1]]
        alone = w[mine[funded[mine] == 1]].sum()
        if total - alone > capacity + TOL:
            cover = cover[cover != i]
            funded[mine] -= 1
            total -= alone
    return cover, funded > 0
