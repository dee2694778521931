"""HiGHS on an allocation MILP, LP first: relaxation, RENS, cover cuts, reduced-cost fixing,
then the MILP.

Allocation models have a tiny integrality gap at scale (the LP bound is within 3e-5 of the
optimum at 10,000 and 100,000 projects, where only a handful of selections are fractional),
while HiGHS's own MILP path spends most of its time in presolve (146 of 173 s at 100,000
projects). On smaller models the LP bound is looser (1.8e-3 above the optimum on the bundled
workbook), because of small knapsacks such as territory caps: cover cuts (``cuts.py``) close
most of that. So, before the MILP:

1. the LP relaxation is solved: its objective ``U`` bounds every allocation;
2. RENS: every selection the LP leaves integral is fixed at its LP value and the small MILP
   over the fractional ones is solved; its allocation (objective ``L``) satisfies every rule;
   when ``(U - L) / |L|`` is within the gap asked, ``L`` is proven optimal to that gap and
   no full MILP runs (at 10,000 and 100,000 projects);
3. otherwise the LP is solved again with the cover cuts it breaks, until it breaks none or
   ``MAX_CUT_ROUNDS`` are done (a lower ``U``), and RENS runs again from it, over its support: every selection it funds,
   even in part, is free (so some can be dropped to round others up);
4. when the bounds still do not meet, reduced-cost fixing (exact): a selection at a bound of
   the LP whose reduced cost exceeds ``U - L`` cannot change in any allocation better than
   ``L``, so it is fixed; the MILP over the rest starts from ``L``. Its dual bound, capped by
   ``U``, is a bound of the whole problem (anything it excluded is worth less than ``L``).

Every solution reported (``on_solution``, for the watchdog) carries a bound valid for the
whole model, never a sub-problem's. Measured in ``benchmarks/bench_solve.py``.
"""
from __future__ import annotations

import functools
import time
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

from . import FEASIBLE, INFEASIBLE, OPTIMAL, SolveOptions, SolverOutput, relative_gap
from . import cuts as C
from . import highs as H
from ..formulate import RowGroup

INT_TOL = 1e-6  # a selection within this of 0 or 1 is integral
MIN_RENS_SECONDS = 2.0  # RENS gets at least this long, or a fifth of the limit …
RENS_SHARE = 0.2
# HiGHS's MIP presolve costs ~0.2 s even on a 173 × 665 sub-MIP that ``restrict`` already
# reduced (0.014 s without it, at 10,000 projects)
RENS_OPTIONS = {"presolve": "off"}
# every solve of a restricted model: HiGHS's MIP accepts rows broken by up to 1e-6 (its
# default), and without its presolve (then postsolve) nothing cleans that: an award 3.4e-7 M€
# over a territory cap was returned (tests/test_bruteforce.py); 1e-7 is its LP tolerance
SUB_OPTIONS = {"mip_feasibility_tolerance": 1e-7}
# the LP relaxation without presolve: half the time at every size measured (0.12 → 0.06 s at
# 10,000 projects, 10.2 → 8.5 s at 100,000), the same optimum
LP_OPTIONS = {"presolve": "off"}
MILP_OPTIONS: dict = {}
MAX_CUT_ROUNDS = 10  # the bundled workbook needs 2; each round costs an LP from its basis
# RENS in a re-solve also frees the selections cheapest to move (by reduced cost, those at a
# bound: ~570 of 2,000 are basic at 0 or 1, with a reduced cost of 0 that says nothing). On
# the bundled workbook's Monte Carlo draws the optimum differs from the LP's rounding in
# selections ranked up to ~36th by that measure: with 40 free, RENS proves 53 draws of 60,
# against 28 with the fractional ones alone
FLIPS = 40
RC_ZERO = 1e-9


def _met(objective: float | None, bound: float | None, gap: float) -> bool:
    """Whether ``objective`` is proven within the relative ``gap`` of ``bound`` (below 1e-9,
    rounding)."""
    g = relative_gap(objective, bound)
    return g is not None and g <= max(gap, 1e-9)


def solve(model, options: SolveOptions) -> SolverOutput:
    """A maximisation MILP, LP first (see the module's docstring); same contract as
    ``highs.solve``."""
    t0 = time.perf_counter()
    deadline = t0 + options.time_limit
    notes = []

    # 1. the LP relaxation: its bound, values and reduced costs
    h = H.build(model, relax=True)
    for key, value in LP_OPTIONS.items():
        h.setOptionValue(key, value)
    lp = H.run(h, model, replace(options, relax=True, on_solution=None, start=None))
    if lp.status == INFEASIBLE:
        return replace(lp, seconds=time.perf_counter() - t0, bound=None,
                       message="Infeasible (LP relaxation)")
    if lp.values is None or lp.status != OPTIMAL:  # unbounded or out of time: HiGHS's own way
        return _plain(model, options, deadline, t0, [f"LP relaxation: {lp.message}"])
    notes.append(f"LP relaxation: bound {lp.objective:.10g} in {lp.seconds:.3f} s")
    U, x = lp.objective, lp.values

    # 2. RENS: the MILP over the selections the LP leaves fractional; enough at scale
    rens = _rens(model, x, U, options, deadline, notes)
    if rens.values is None or not _met(rens.objective, U, options.gap):
        # 3. cover cuts tighten the bound (``cuts.py``), and RENS runs again from their LP
        lp, cuts = tighten(h, model, lp, C.knapsacks(model), options)
        if lp.status == INFEASIBLE:  # cuts remove no allocation: there is none
            return replace(lp, seconds=time.perf_counter() - t0, bound=None,
                           message="Infeasible (LP relaxation with cover cuts)")
        if lp.values is None or lp.status != OPTIMAL:
            return _plain(model, options, deadline, t0, notes + [f"LP with cuts: {lp.message}"])
        U, x = lp.objective, lp.values
        notes.append(f"{len(cuts)} cover cuts: bound {U:.10g}")
        model = with_cuts(model, cuts)
        if len(cuts):
            again = _rens(model, x, U, options, deadline, notes, support=True)
            if again.values is not None and (rens.values is None
                                             or again.objective > rens.objective):
                rens = again
    reduced = np.asarray(h.getSolution().col_dual, float)
    del h
    # 4. proven by the LP bound, or reduced-cost fixing and the MILP from RENS's allocation
    return finish(model, options, deadline, t0, notes, x, reduced,
                  U, U, rens.values, rens.objective, MILP_OPTIONS)


def _rens(model, x: np.ndarray, U: float, options: SolveOptions, deadline: float,
          notes: list, support: bool = False, reduced: np.ndarray | None = None
          ) -> SolverOutput:
    """RENS: every selection the LP (values ``x``, bound ``U``) leaves integral fixed there,
    the MILP over the fractional ones. With ``support``, only those the LP leaves unfunded
    are fixed: the MILP chooses which of the projects the LP funds, even in part, to keep,
    so the fractional ones can be rounded up by dropping others (on the bundled workbook
    the optimum does exactly that: 2 up, 3 dropped, all within the LP's support). With the
    LP's ``reduced`` costs, the ``FLIPS`` selections at a bound that cost least to move are
    free too."""
    integer = model.integer
    fractional = integer & (np.abs(x - np.round(x)) > INT_TOL)
    fixed = integer & ~fractional
    if support:
        fixed &= x <= model.col_lo + INT_TOL
    if reduced is not None:
        fixed[_cheapest(fixed & (np.abs(reduced) > RC_ZERO), reduced, FLIPS)] = False
    lo, hi = model.col_lo.copy(), model.col_hi.copy()
    lo[fixed] = hi[fixed] = np.clip(np.round(x[fixed]), model.col_lo[fixed], model.col_hi[fixed])
    limit = min(_left(deadline), max(MIN_RENS_SECONDS, RENS_SHARE * options.time_limit))
    report = options.on_solution
    # over the support the sub-MILP is larger (470 selections on the bundled workbook), and
    # HiGHS's presolve pays for itself: 0.055 s against 0.14 s without
    rens = run_restricted(model, lo, hi, replace(
        options, start=None, time_limit=limit,
        on_solution=None if report is None else (lambda v, o, b: report(v, o, U))),
        scale=U, **({} if support else RENS_OPTIONS))
    what = (f"the LP's support ({int((integer & ~fixed).sum())} selections)" if support
            else f"{int(fractional.sum())} fractional selections" if reduced is None
            else f"{int(fractional.sum())} fractional selections and "
                 f"{int((integer & ~fixed).sum() - fractional.sum())} cheapest to move")
    notes.append(f"RENS over {what}: "
                 + (f"{rens.objective:.10g}" if rens.values is not None else rens.message)
                 + f" in {rens.seconds:.3f} s")
    return rens


def tighten(h, model, lp: SolverOutput, knapsacks: C.Knapsacks, options: SolveOptions
            ) -> tuple[SolverOutput, C.Cuts]:
    """Rounds of cover cuts (``cuts``) on the LP relaxation held by ``h`` (solved: ``lp``),
    each added to ``h`` and the LP solved again from its basis, until none is broken or
    ``MAX_CUT_ROUNDS`` rounds are done."""
    added = C.no_cuts(h.getNumCol())
    for _ in range(MAX_CUT_ROUNDS):
        new = C.separate(knapsacks, lp.values)
        if not len(new):
            break
        _add_rows(h, new.A, np.full(len(new), -np.inf), new.hi)
        added = added + new
        lp = H.run(h, model, replace(options, relax=True, on_solution=None, start=None))
        if lp.values is None or lp.status != OPTIMAL:
            break
    return lp, added


def with_cuts(model, cuts: C.Cuts):
    """``model`` with the cuts as rows below its own (the columns, and so every allocation's
    values, unchanged)."""
    if not len(cuts):
        return model
    return model.with_rows(cuts.A, np.full(len(cuts), -np.inf), cuts.hi, RowGroup(
        "cover_cut", 0, len(cuts), tuple(f"cut {k}" for k in range(len(cuts))), unit="",
        scale=1.0, help="a cover inequality, valid for every allocation"))


def _add_rows(h, A, lo, hi) -> None:
    A = sp.csr_array(A)
    h.addRows(A.shape[0], np.asarray(lo, float), np.asarray(hi, float), A.nnz,
              A.indptr[:-1].astype(np.int32), A.indices.astype(np.int32),
              A.data.astype(float))


def finish(model, options: SolveOptions, deadline: float, t0: float, notes: list,
           x: np.ndarray, reduced: np.ndarray, lp_bound: float, U: float,
           start: np.ndarray | None, L: float | None, milp_options: dict) -> SolverOutput:
    """Given the LP relaxation of the model (values ``x``, reduced costs ``reduced``,
    objective ``lp_bound``), a bound ``U`` ≤ ``lp_bound`` and an
    allocation ``start`` worth ``L`` (or None): done when they meet within the gap, else
    reduced-cost fixing against ``L`` and the MILP from ``start``."""
    version = highspy_version()
    if start is None:
        L = None
    if L is not None and _met(L, U, options.gap):
        notes.append(f"proven within {relative_gap(L, U):.2e} of the bound {U:.10g}: no search")
        if options.on_solution is not None:
            options.on_solution(start, L, U)
        return SolverOutput(OPTIMAL, start, L, U, time.perf_counter() - t0, "HiGHS", version,
                            "\n".join(notes) + "\n", None, "Optimal (bound met)")
    lo, hi = np.array(model.col_lo, float), np.array(model.col_hi, float)
    if L is not None:
        threshold = (lp_bound - L) + 1e-7 * max(1.0, abs(lp_bound))
        free = model.integer & (lo < hi)
        at_lo = free & (x <= lo + 1e-9) & (-reduced > threshold)
        at_hi = free & (x >= hi - 1e-9) & (reduced > threshold)
        hi[at_lo] = lo[at_lo]
        lo[at_hi] = hi[at_hi]
        notes.append(f"reduced-cost fixing: {int(at_lo.sum() + at_hi.sum())} of "
                     f"{int(free.sum())} selections fixed")
    report = options.on_solution
    out = run_restricted(model, lo, hi, replace(
        options, start=start, time_limit=_left(deadline),
        on_solution=None if report is None else (lambda v, o, b: report(v, o, min(b, U)))),
        scale=U, **milp_options)
    log = "\n".join(notes) + "\n" + out.log
    seconds = time.perf_counter() - t0
    gap = options.gap
    if out.values is None or (L is not None and out.objective < L - 1e-9 * max(1.0, abs(L))):
        if L is None:
            return replace(out, seconds=seconds, log=log)
        # nothing better than the start: it stands, proven only if the search finished
        bound = U if out.bound is None or out.values is None else min(U, max(out.bound, L))
        status = OPTIMAL if (out.values is not None and out.status == OPTIMAL) or \
            _met(L, bound, gap) else FEASIBLE
        return SolverOutput(status, start, L, bound, seconds, "HiGHS", version, log, None,
                            out.message)
    bound = U if out.bound is None else min(U, max(out.bound, out.objective))
    status = out.status
    if status == FEASIBLE and _met(out.objective, bound, gap):
        status = OPTIMAL
    return SolverOutput(status, out.values, out.objective, bound, seconds, "HiGHS", version,
                        log, None, out.message)


@dataclass(frozen=True)
class Restricted:
    """A model with its fixed columns taken out (their part moved into the row bounds and the
    offset) and the rows left without a free column dropped: what ``highs.build`` reads.

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


def run_restricted(model, lo, hi, options: SolveOptions, scale: float | None = None,
                   **highs_options) -> SolverOutput:
    """Solve ``model`` with column bounds ``lo``, ``hi``, the fixed columns taken out first;
    values (and those passed to ``on_solution``) are full column vectors. ``highs_options``:
    HiGHS options for this solve.

    The fixed columns' part of the objective is added back here, not handed to HiGHS as an
    offset: HiGHS 1.16 then misvalues a MIP start in its presolved space (it reported 1.097
    for an allocation worth 0.917 on a 6-project case of tests/test_bruteforce.py). Without
    the offset its relative gap would apply to the free columns' part alone, far stricter than
    asked: ``scale`` (the objective's size) turns the gap asked into an absolute one.
    """
    r = restrict(model, lo, hi)
    if r is None:
        return SolverOutput(INFEASIBLE, None, None, None, 0.0, "HiGHS", "", "", None,
                            "Infeasible (fixed columns)")
    report = options.on_solution
    if not len(r.keep):  # every column fixed, every row checked: nothing left to solve
        if report is not None:
            report(r.values, r.offset, r.offset)
        return SolverOutput(OPTIMAL, r.values.copy(), r.offset, r.offset, 0.0, "HiGHS",
                            highspy_version(), "", None, "Optimal (all columns fixed)")
    start = None if options.start is None else np.asarray(options.start)[r.keep]
    offset = r.offset
    r = replace(r, offset=0.0)

    def worth(v):  # what an allocation is worth, from its values (never HiGHS's word)
        return float(r.c @ v) + offset

    h = H.build(r)
    if scale is not None and options.gap > 0 and np.isfinite(scale):
        h.setOptionValue("mip_abs_gap", max(1e-9, options.gap * abs(scale)))
    for key, value in {**SUB_OPTIONS, **highs_options}.items():
        h.setOptionValue(key, value)
    # highs.run itself re-solves when HiGHS misvalues the start
    out = H.run(h, r, replace(options, start=start, on_solution=None if report is None
                              else (lambda v, o, b: report(r.expand(v), worth(v), b + offset))))
    return replace(out, values=None if out.values is None else r.expand(out.values),
                   objective=None if out.values is None else worth(out.values),
                   bound=None if out.bound is None else out.bound + offset)


@functools.cache
def highspy_version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("highspy")
    except PackageNotFoundError:
        return ""


def _left(deadline: float) -> float:
    return max(0.0, deadline - time.perf_counter())


def _plain(model, options, deadline, t0, notes) -> SolverOutput:
    out = H.run(H.build(model), model, replace(options, time_limit=_left(deadline)))
    return replace(out, seconds=time.perf_counter() - t0, log="\n".join(notes) + "\n" + out.log)


# ----------------------------------------------------------------------------- re-solves

NEIGHBOURS = 100  # selections freed around a known allocation, besides those the change moves
BIG_ROW = 50  # rows over more columns than this (budget, regions, payments) make no neighbourhood
# on restricted re-solves, HiGHS's presolve in its "initial sweep" mode: the bundled
# workbook's 20 near misses took 4.7–5.0 s of solver time with it, 5.6–5.9 s with the full
# presolve, 7.2 s without (two runs each, side by side); on synthetic instances it is neutral
# (1,000 projects: 5.0–5.4 s against 5.2–5.4 s without) or slower (2,000: 2.8–3.2 s
# against 2.4–2.8 s). The realistic workbook decides.
RESOLVE_OPTIONS = {"presolve": "on", "presolve_mode": 1}


class Nearby:
    """Re-solves of one model with a few bounds changed, near a known allocation.

    Near misses (a project forced in) and shadow prices (a rule relaxed by a step) each
    change one or two bounds of a model already solved; a budget curve's points move the
    budget; Monte Carlo draws change the objective. Each re-solve here:

    1. solves the changed LP relaxation from the unchanged model's optimal basis
       (milliseconds), with the cover cuts it breaks: when it is infeasible, so is the MILP;
       when the known allocation still holds and meets its bound, it is the answer;
    2. else RENS around that LP: its fractional selections and the ``FLIPS`` cheapest to
       move are free (enough for most Monte Carlo draws, which change only the objective);
    3. else, when bounds changed, a small MILP around the known allocation: the columns the
       change touches, those of the small rows they are in (their territory, exclusive
       group, ``requires``), the selections the LP moves or leaves fractional, and the
       ``NEIGHBOURS`` selections of smallest reduced cost are free, every other selection
       keeps its value;
    4. stops when the best allocation found meets the bound (the LP's, or ``bound``: the
       optimum of the unchanged model bounds every restriction of it), else fixes selections
       by reduced cost against it and solves the MILP from it (``finish``).

    Exact to the gap asked, as a cold re-solve; on the bundled workbook's 20 near misses,
    1.9 CPU seconds against 14.2 cold (benchmarks/bench_end_to_end.py); a Monte Carlo draw,
    0.4–0.5 of one solve (benchmarks/bench_uncertainty.py).
    """

    def __init__(self, model, options: SolveOptions):
        self.model, self.options = model, options
        self._basis, self._prepared, self._knapsacks = None, False, None
        self._cuts = C.no_cuts(model.shape[1])
        A = sp.csr_array(model.A)
        self._rows, self._cols = A, sp.csc_array(model.A)
        self._small = np.diff(A.indptr) <= BIG_ROW

    def _prepare(self) -> None:
        """Once: the unchanged model's LP relaxation, its cover cuts and its optimal basis."""
        if self._prepared:
            return
        self._knapsacks = C.knapsacks(self.model)
        h = self._instance(self.model)
        lp = H.run(h, self.model, replace(self.options, relax=True, on_solution=None,
                                          start=None))
        if lp.status == OPTIMAL:
            _, self._cuts = tighten(h, self.model, lp, self._knapsacks, self.options)
        self._basis = h.getBasis() if h.getBasis().valid else None
        self._prepared = True

    @staticmethod
    def _instance(model):
        h = H.build(model, relax=True)
        for key, value in LP_OPTIONS.items():  # and warm starts need no presolve
            h.setOptionValue(key, value)
        return h

    def solve(self, *, cols=None, rows=None, cost=None, start=None, bound=None, relax=False
              ) -> SolverOutput:
        """Solve with ``cols``/``rows`` = (indices, lower, upper) and ``cost`` (the objective
        of every column) changed; ``start``: a known allocation, the centre of the search
        (its selections outside the neighbourhood are kept); ``bound``: a bound valid for the
        changed model. ``relax``: the LP relaxation only, with duals."""
        t0 = time.perf_counter()
        m, options = self.model, self.options
        deadline = t0 + options.time_limit
        changed = _changed(m, cols, rows, cost)
        if relax:  # duals: a fresh instance with HiGHS's defaults, as ``Session`` gives them
            # (an LP with binding rows in several families has many dual solutions; warm
            # from another basis and without presolve it gave the budget a dual of 0 where
            # the re-solve shows it is worth 0.012 per €M: tests/test_explain.py)
            out = H.solve(changed, "highs", replace(options, relax=True, on_solution=None))
            return replace(out, seconds=time.perf_counter() - t0, log="")
        self._prepare()
        cuts, knapsacks, dropped = self._cuts, self._knapsacks, np.zeros(0, np.int32)
        moved = self._invalidated(cols, rows)
        if moved is not None:  # their cuts go; the knapsacks are read again
            cuts = self._cuts.without(moved)
            dropped = (m.shape[0] + np.flatnonzero(np.isin(self._cuts.source, moved))
                       ).astype(np.int32)
            knapsacks = C.knapsacks(changed)
        # a fresh instance at the unchanged model's optimal basis for every re-solve, the
        # dropped cuts kept as free rows (the basis counts them): one that re-solved before
        # keeps state that setBasis does not clear, and lands on another of a degenerate
        # LP's optimal vertices (reduced costs 7.6e-5 apart on a bundled draw), so results
        # would depend on the order of the re-solves, and thus on the number of workers
        h = self._instance(with_cuts(changed, self._cuts))
        h.changeRowsBounds(len(dropped), dropped, np.full(len(dropped), -np.inf),
                           np.full(len(dropped), np.inf))
        if self._basis is not None:
            h.setBasis(self._basis)
        lp = H.run(h, m, replace(options, relax=True, on_solution=None, start=None))
        new = C.no_cuts(m.shape[1])
        if lp.status == OPTIMAL:
            lp, new = tighten(h, m, lp, knapsacks, options)
        reduced = np.asarray(h.getSolution().col_dual, float) if lp.values is not None \
            else None
        del h
        if lp.status == INFEASIBLE:  # so is every allocation
            return replace(lp, seconds=time.perf_counter() - t0, bound=None, log="")
        if lp.values is None or lp.status != OPTIMAL:  # unbounded or out of time
            return _plain(changed, options, deadline, t0, [f"LP relaxation: {lp.message}"])
        changed = with_cuts(changed, cuts + new)
        x = lp.values
        U = lp.objective if bound is None else min(lp.objective, bound)
        notes = [f"LP relaxation with {len(cuts) + len(new)} cover cuts: bound "
                 f"{lp.objective:.10g}"]
        L = values = None
        if start is not None and _holds(changed, start):
            L, values = float(changed.c @ start + changed.offset), np.asarray(start, float)
        if not _met(L, U, options.gap):  # RENS around the changed LP, a few flips free
            rens = _rens(changed, x, U, options, deadline, notes, reduced=reduced)
            if rens.values is not None and (L is None or rens.objective > L):
                L, values = rens.objective, rens.values
        # not when only the objective changed: the start's neighbourhood would free every
        # selection the LP moves (60 or so on a Monte Carlo draw), and the MILP that
        # ``finish`` runs costs less (bundled draws, 0.065 against 0.078 s)
        if not _met(L, U, options.gap) and start is not None and \
                (cols is not None or rows is not None):
            free = self._neighbourhood(np.asarray(start, float), x, reduced, cols, rows)
            fix = m.integer & ~free
            lo, hi = changed.col_lo.copy(), changed.col_hi.copy()
            lo[fix] = hi[fix] = np.clip(np.round(start[fix]), lo[fix], hi[fix])
            near = run_restricted(changed, lo, hi, replace(
                options, start=None, on_solution=None,
                time_limit=min(_left(deadline),
                               max(MIN_RENS_SECONDS, RENS_SHARE * options.time_limit))),
                scale=lp.objective, presolve="off")
            if near.values is not None and (L is None or near.objective > L):
                L, values = near.objective, near.values
            notes.append(f"around the known allocation ({int((free & m.integer).sum())} "
                         f"selections free): {near.message}")
        return finish(changed, options, deadline, t0, notes, x, reduced, lp.objective, U,
                      values, L, RESOLVE_OPTIONS)

    def _invalidated(self, cols, rows) -> np.ndarray | None:
        """The rows whose cover cuts a change may invalidate (None: none). A cut is read from
        one row, the selections' 0/1 domain, the bounds of its continuous columns and the rows
        tying a partial award to its selection: moving a row takes its own cuts; moving a
        two-entry row (such a tie) or a continuous column's bounds, every cut."""
        m = self.model
        everything = np.arange(m.shape[0])
        if cols is not None and not np.all(m.integer[np.asarray(cols[0])]):
            return everything
        if rows is None:
            return None
        idx = np.asarray(rows[0])
        if np.any(np.diff(self._rows.indptr)[idx] == 2):
            return everything
        return idx

    def chain(self, changes: list[dict], bound: float | None = None, known=()
              ) -> list[SolverOutput]:
        """Solve each change (kwargs of ``solve``) in order, each from the allocation of the
        one before or from one of the ``known`` allocations, whichever is worth most among
        those that keep the changed model's rules (the first without any, from scratch): a
        path along which an allocation stays feasible, as a budget curve's envelopes in
        ascending order. ``bound``: valid for every model of the path."""
        outs, last = [], None
        for change in changes:
            changed = _changed(self.model, **change)
            holding = [v for v in (last, *known) if v is not None and _holds(changed, v)]
            if holding:
                start = max(holding, key=lambda v: float(changed.c @ v))
                out = self.solve(**change, start=start, bound=bound)
            else:
                out = solve(changed, self.options)
            outs.append(out)
            if out.values is not None:
                last = out.values
        return outs

    def _neighbourhood(self, start, x, reduced, cols, rows) -> np.ndarray:
        m = self.model
        n = len(m.c)
        free = np.zeros(n, bool)
        touched = []
        if cols is not None:
            idx = np.asarray(cols[0])
            free[idx] = True
            by_col = self._cols
            touched.append(np.concatenate([by_col.indices[by_col.indptr[j]:by_col.indptr[j + 1]]
                                           for j in idx]))
        if rows is not None:
            touched.append(np.asarray(rows[0]))
        if touched:
            R = self._rows
            for r in np.unique(np.concatenate(touched)):
                if self._small[r]:
                    free[R.indices[R.indptr[r]:R.indptr[r + 1]]] = True
        integer = m.integer
        free |= integer & (np.abs(x - np.round(x)) > INT_TOL)
        free |= integer & (np.abs(x - start) > INT_TOL)
        free[_cheapest(integer & ~free, reduced, NEIGHBOURS)] = True
        return free


def _cheapest(candidates: np.ndarray, reduced: np.ndarray, count: int) -> np.ndarray:
    """The ``count`` columns among ``candidates`` (a mask) of smallest reduced cost in size."""
    rest = np.flatnonzero(candidates)
    return rest[np.argsort(np.abs(reduced[rest]), kind="stable")[:count]]


def _changed(model, cols=None, rows=None, cost=None):
    """``model`` with ``cols``/``rows`` = (indices, lower, upper) and ``cost`` changed."""
    changes = {}
    if cols is not None:
        idx, lo, hi = (np.asarray(a) for a in cols)
        changes["col_lo"], changes["col_hi"] = model.col_lo.copy(), model.col_hi.copy()
        changes["col_lo"][idx], changes["col_hi"][idx] = lo, hi
    if rows is not None:
        idx, lo, hi = (np.asarray(a) for a in rows)
        changes["row_lo"], changes["row_hi"] = model.row_lo.copy(), model.row_hi.copy()
        changes["row_lo"][idx], changes["row_hi"][idx] = lo, hi
    if cost is not None:
        changes["c"] = np.asarray(cost, float)
    return replace(model, **changes) if changes else model


def _holds(model, values, tol: float = 1e-7) -> bool:
    """Whether an allocation keeps every rule and bound of ``model`` (to HiGHS's feasibility
    tolerance, scaled as the rows are) and is integral where it must be."""
    v = np.asarray(values, float)
    if np.any(v < model.col_lo - tol) or np.any(v > model.col_hi + tol):
        return False
    if np.any(np.abs(v[model.integer] - np.round(v[model.integer])) > INT_TOL):
        return False
    activity = model.A @ v
    slack = tol * np.maximum(1.0, np.abs(activity))
    return bool(np.all(activity >= model.row_lo - slack) and np.all(activity <= model.row_hi + slack))
