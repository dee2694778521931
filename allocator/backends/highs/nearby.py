"""Re-solves of a solved model with small changes, near its allocation (the HiGHS resolver)."""
from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import scipy.sparse as sp

from allocator.backends.base import (
    Resolver,
    SolveOptions,
    SolverOutput,
    objective_step,
    stopping_gaps,
)
from allocator.backends.highs import cuts as C
from allocator.backends.highs import instance as H
from allocator.backends.highs.mip import (
    LP_OPTIONS,
    MIN_RENS_SECONDS,
    NO_SUB_MIPS,
    PROOF_GAP,
    RENS_SHARE,
    cheapest,
    finish,
    improves,
    met,
    plain_milp,
    run_rens,
    run_restricted,
    solve,
    tighten,
    time_left,
    with_cuts,
)
from allocator.core.status import Status
from allocator.formulate import INT_TOL, Change

NEIGHBOURS = 100  # selections freed around a known allocation, besides those the change moves


BIG_ROW = 50  # rows over more columns than this (budget, regions, payments) make no neighbourhood


# on restricted re-solves, HiGHS's presolve in its "initial sweep" mode: the bundled
# workbook's 20 near misses took 4.7–5.0 s of solver time with it, 5.6–5.9 s with the full
# presolve, 7.2 s without (two runs each, side by side); on synthetic instances it is neutral
# (1,000 projects: 5.0–5.4 s against 5.2–5.4 s without) or slower (2,000: 2.8–3.2 s
# against 2.4–2.8 s). The realistic workbook decides.
# the search around a known allocation without HiGHS's presolve, nor sub-MIPs of its own: the
# bundled workbook's 20 near misses at 1e-6 took 3.8 s of CPU against 6.2 s with them (the
# same 0.89 s at 1e-4; RENS without them too: no faster at 1e-6, slower at 1e-4)
AROUND_OPTIONS: dict = {"presolve": "off", **NO_SUB_MIPS}
RESOLVE_OPTIONS = {"presolve": "on", "presolve_mode": 1, "mip_allow_restart": False}


class Nearby(Resolver):
    """Re-solves of one model with a few bounds changed, near a known allocation.

    Near misses (a project forced in) and shadow prices (a rule relaxed by a step) each
    change one or two bounds of a model already solved; a budget curve's points move the
    budget; Monte Carlo draws change the objective. Each re-solve here:

    1. solves the changed LP relaxation from the unchanged model's optimal basis
       (milliseconds), with the cover cuts it breaks: when it is infeasible, so is the MILP;
       when the known allocation still holds and meets its bound, it is the answer;
    2. else RENS around that LP: its fractional selections and the ``FLIPS`` cheapest to
       move are free (enough for most Monte Carlo draws, which change only the objective);
    3. else, when bounds changed and RENS's allocation (if any) is not within ``PROOF_GAP``
       of the bound, a small MILP around the known allocation: the columns the
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
        super().__init__(model, options)
        self._basis, self._prepared = None, False
        self._knapsacks: C.Knapsacks | None = None
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
        if lp.status == Status.OPTIMAL:
            _, self._cuts = tighten(h, self.model, lp, self._knapsacks, self.options)
        self._basis = h.getBasis() if h.getBasis().valid else None
        self._prepared = True

    @staticmethod
    def _instance(model):
        h = H.build(model, relax=True)
        for key, value in LP_OPTIONS.items():  # and warm starts need no presolve
            h.setOptionValue(key, value)
        return h

    def solve(self, change: Change) -> SolverOutput:
        """Solve the model with ``change`` (its start: the centre of the search, whose
        selections outside the neighbourhood are kept)."""
        t0 = time.perf_counter()
        m, options = self.model, self.options
        deadline = t0 + options.time_limit
        cols, rows, start, bound = change.cols, change.rows, change.start, change.bound
        changed = m.changed(change)
        if change.relax:  # duals: a fresh instance with HiGHS's defaults, as ``Session`` gives them
            # (an LP with binding rows in several families has many dual solutions; warm
            # from another basis and without presolve it gave the budget a dual of 0 where
            # the re-solve shows it is worth 0.012 per €M: tests/test_explain.py)
            out = H.run(H.build(changed, relax=True), changed,
                        replace(options, relax=True, on_solution=None))
            return replace(out, seconds=time.perf_counter() - t0, log="")
        self._prepare()
        cuts, knapsacks, dropped = self._cuts, self._knapsacks, np.zeros(0, np.int32)
        assert knapsacks is not None  # read by ``_prepare``
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
        if lp.status == Status.OPTIMAL:
            lp, new = tighten(h, m, lp, knapsacks, options)
        reduced = np.asarray(h.getSolution().col_dual, float) if lp.values is not None \
            else None
        del h
        if lp.status == Status.INFEASIBLE:  # so is every allocation
            return replace(lp, seconds=time.perf_counter() - t0, bound=None, log="")
        if lp.values is None or lp.status != Status.OPTIMAL:  # unbounded or out of time
            return plain_milp(changed, options, deadline, t0, [f"LP relaxation: {lp.message}"])
        # both come with its values (``SolverOutput``; the reduced costs, read above)
        assert lp.objective is not None and reduced is not None
        changed = with_cuts(changed, cuts + new)
        x = lp.values
        U = lp.objective if bound is None else min(lp.objective, bound)
        notes = [f"LP relaxation with {len(cuts) + len(new)} cover cuts: bound "
                 f"{lp.objective:.10g}"]
        L = values = None
        gaps = stopping_gaps(options, objective_step(changed))
        if start is not None and changed.holds(start):
            L, values = float(changed.c @ start + changed.offset), np.asarray(start, float)
        if not met(L, U, gaps):  # RENS around the changed LP, a few flips free
            rens = run_rens(changed, x, U, options, deadline, notes, reduced=reduced,
                            proven_after=True)
            if improves(rens, L):
                L, values = rens.objective, rens.values
        # not when only the objective changed: the start's neighbourhood would free every
        # selection the LP moves (60 or so on a Monte Carlo draw), and the MILP that
        # ``finish`` runs costs less (bundled draws, 0.065 against 0.078 s); nor when RENS's
        # allocation is within PROOF_GAP of the bound, where ``finish`` has a proof to make,
        # not an allocation to find: on the bundled `balanced` the search around the known
        # allocation never bettered RENS's (gaps 2e-5 to 5e-5), and its shadow prices and 20
        # near misses took 2.68 against 3.76 s (`skills_first` 1.27 against 1.48, `jobs_first`,
        # whose RENS ends 1e-4 to 7e-4 below, 7.28 against 7.23; medians of 5, taking turns)
        close = L is not None and U - L <= PROOF_GAP * max(abs(L), 1e-9)
        if not met(L, U, gaps) and not close and start is not None and \
                change.moves_bounds:
            free = self._neighbourhood(np.asarray(start, float), x, reduced, cols, rows)
            fix = m.integer & ~free
            lo, hi = changed.col_lo.copy(), changed.col_hi.copy()
            lo[fix] = hi[fix] = np.clip(np.round(start[fix]), lo[fix], hi[fix])
            near = run_restricted(changed, lo, hi, replace(
                options, start=None, on_solution=None,
                time_limit=min(time_left(deadline),
                               max(MIN_RENS_SECONDS, RENS_SHARE * options.time_limit))),
                scale=lp.objective, **AROUND_OPTIONS)
            if improves(near, L):
                L, values = near.objective, near.values
            notes.append(f"around the known allocation ({int((free & m.integer).sum())} "
                         f"selections free): {near.message}")
        # the dropped cuts' rows (free in ``h``) are not rows of ``changed``
        duals = None if lp.row_duals is None else np.delete(lp.row_duals, dropped)
        return finish(changed, options, deadline, t0, notes, duals, U, values, L,
                      RESOLVE_OPTIONS)

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

    def cold(self, change: Change) -> SolverOutput:
        return solve(self.model.changed(change), self.options)

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
        free[cheapest(integer & ~free, reduced, NEIGHBOURS)] = True
        return free
