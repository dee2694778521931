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
   no full MILP runs (at 10,000 and 100,000 projects); on a model of few rows (a knapsack)
   the items cheapest to move are freed too (its core);
3. otherwise the LP is solved again with the cover cuts it breaks, until it breaks none or
   ``MAX_CUT_ROUNDS`` are done (a lower ``U``), and RENS runs again from it, over its
   support: every selection it funds, even in part, is free (so some can be dropped to round
   others up);
4. when the bounds still do not meet, reduced-cost fixing (exact, ``fixing``): a selection
   whose move to its other value costs more than ``U - L`` by the LP's duals (its reduced
   cost, and its partial award's, through the rows that tie the two) cannot change in any
   allocation better than ``L``, so it is fixed; the MILP over the rest starts from ``L``.
   Its dual bound, capped by ``U``, is a bound of the whole problem (anything it excluded is
   worth less than ``L``). When no RENS found an allocation, there is nothing to fix against:
   HiGHS's own MILP runs on the whole model, as HiGHS runs alone (``own_milp``).

"Within the gap" means the relative gap asked, or, for an objective in whole steps (0-1
knapsacks, votes), a bound less than a step above the allocation: the whole-number optimum
(``base.stopping_gaps``). Where the final MILP has a search to make (its start more than
``rival.RACE_GAP`` below the bound), CBC solves the same restricted model on the other core
and the first to prove the optimum wins (``rival``).

Small models (up to ``DIRECT_COLUMNS``) skip all this: the fixed cost of four HiGHS instances
is more than HiGHS's own presolve and search of the whole model, which runs alone, CBC
joining it on the other core once it has searched ``RACE_AFTER`` seconds (``plain_milp``);
but on a small model of 0-1 selections under upper limits alone (a multi-dimensional
knapsack, ``rival.packing``) CBC leads, alone for its first ``rival.JOIN_AFTER`` seconds
(``cbc_lead``: made by the watchdog's process, as CBC runs as a program of its own).

Every solution reported (``on_solution``, for the watchdog) carries a bound valid for the
whole model, never a sub-problem's. Measured in ``benchmarks/bench_solve.py`` and
``bench_exact.py``.
"""
from __future__ import annotations

import functools
import time
from dataclasses import replace

import numpy as np
import scipy.sparse as sp

from allocator.backends.base import (
    Lead,
    SolveOptions,
    SolverOutput,
    budget_bound,
    objective_step,
    relative_gap,
    settled,
    stopping_gaps,
)
from allocator.backends.highs import cuts as C
from allocator.backends.highs import fixing as F
from allocator.backends.highs import instance as H
from allocator.backends.highs import rival as R
from allocator.core.status import Status
from allocator.formulate import INT_TOL, RowGroup

MIN_RENS_SECONDS = 2.0  # RENS gets at least this long, or a fifth of the limit …
RENS_SHARE = 0.2
# HiGHS's heuristics that solve sub-MIPs of their own (its RINS, its RENS, and the sub-MIP over
# the root's reduced costs): in a sub-MIP that is itself a search near an allocation
# (``nearby``) they nest, and in a final MILP that has only a proof to make they find nothing
# new (see PROOF_GAP)
NO_SUB_MIPS: dict = {"mip_heuristic_run_rins": False, "mip_heuristic_run_rens": False,
                     "mip_heuristic_run_root_reduced_cost": False}
# HiGHS's MIP presolve costs ~0.2 s even on a 173 × 665 sub-MIP that ``restrict`` already
# reduced (0.014 s without it, at 10,000 projects)
RENS_OPTIONS: dict = {"presolve": "off"}
# RENS over the LP's support without HiGHS's restarts: at 1e-6 on the bundled `balanced` it
# restarted four times (each dropping the columns its root fixed) and took 0.17 s of CPU,
# 0.086 s without; at 1e-4, 0.05–0.06 s either way
SUPPORT_OPTIONS: dict = {"mip_allow_restart": False}
# … and stopped within this relative gap of its own bound, when the gap asked is finer: it has
# an allocation to find, not a proof to make, since the final MILP proves the whole model from
# it (and over more selections). On the bundled `balanced` at 1e-6 it found the optimum in
# its root's first cut round, then went on (more rounds, a sub-MIP) to prove it within its
# restricted model; at 3e-5 it stops there: the solve 0.236 → 0.203 s (load 3–4), synthetic
# 2,000 projects 0.373 → 0.270 s, 1,000 and 10,000 unchanged. At 1e-5 it saved nothing; at
# 7e-5 `balanced` stopped at an allocation 7.8e-5 below the bound, which the final MILP then
# had to better (0.256 s).
# The same holds for a re-solve's RENS (``nearby``), which ``finish`` follows: the bundled
# workbook's shadow prices and 20 near misses, one after the other, took 3.74 s against 4.44
# (`balanced`), 1.39 against 1.71 (`skills_first`), 7.78 against 8.07 (`jobs_first`),
# medians of 3–5 taking turns, the same optima to 1e-13; 40 Monte Carlo draws of `balanced`,
# 4.34 against 5.65 solver seconds.
# Not for an objective in whole steps (knapsacks, votes), whose RENS stops at its whole-number
# optimum already: a relative 3e-5 there can be many steps
SUPPORT_GAP = 3e-5
# every solve of a restricted model: HiGHS's MIP accepts rows broken by up to 1e-6 (its
# default), and without its presolve (then postsolve) nothing cleans that: an award 3.4e-7 M€
# over a territory cap was returned (tests/test_bruteforce.py); 1e-7 is its LP tolerance
SUB_OPTIONS = {"mip_feasibility_tolerance": 1e-7}
# the LP relaxation without presolve: half the time at every size measured (0.12 → 0.06 s at
# 10,000 projects, 10.2 → 8.5 s at 100,000), the same optimum
LP_OPTIONS: dict = {"presolve": "off"}
# … and by the primal simplex where the columns outnumber the rows FEW_ROWS times or more:
# HiGHS's dual simplex there grows with the square of the columns in one iteration (its
# ratio test over every bound flip), 0.13 s on a 0-1 knapsack of 10,000 items (2 rows)
# against 0.03 s primal, 0.035 against 0.011 at 5,000; on allocation models (rows about
# half the columns) the primal is the slower, 0.044 against 0.013 s on the bundled
# `balanced`, 0.59 against 0.09 at 10,000 synthetic projects
FEW_ROWS = 100
PRIMAL: dict = {"simplex_strategy": 4}
DUAL = 1  # HiGHS's default simplex_strategy
# every HiGHS solve here runs on one thread (the LP, its re-solves with cuts, RENS), as the
# final MILP does (``finish``): HiGHS sizes one thread pool per process, at the first solve's
# count, and a later solve that asks for another count has to stop that pool and start one
# again (``instance.run``). In the fresh process a solve runs in (the watchdog's), an LP at
# HiGHS's default count (2 on 2 cores) then the final MILP at 1 cost that restart: 78 against
# 59 ms (medians of 11) for knapPI_3_10000_1000_1's whole path. The simplex is serial either
# way; CBC, when it races, has the other core
ONE_THREAD = 1
# the final MILP starts from RENS's allocation, most often the optimum, and is left to prove
# it: HiGHS's restarts (ten on the bundled `balanced`, each dropping inactive columns and
# starting the root again) took 2.5 of its 3.2 s to reach a gap of 1e-6; without, 0.5 s
MILP_OPTIONS: dict = {"mip_allow_restart": False}
# a final MILP whose start is within PROOF_GAP of the bound has a proof to make, not an
# allocation to find: HiGHS's sub-MIP heuristics (``NO_SUB_MIPS``) then only cost time. On
# the bundled `balanced` at 1e-6 (start 4.3e-5 below the bound, already the optimum) they
# made 18 sub-MIPs, nested 10 deep, 0.40 of the final MILP's 0.59 s; without them it takes
# 0.17 s (9 nodes against 11). On `jobs_first` (start 3.1e-4 below) they find the better
# allocation: without them, 148 nodes against 22
PROOF_GAP = 1e-4
# … nor its feasibility jump, which looks for a first allocation before the root: without
# it the bundled final MILPs took 48 against 54 ms (`balanced`), 27 against 31 (`skills_first`)
PROOF_OPTIONS: dict = {**NO_SUB_MIPS, "mip_heuristic_run_feasibility_jump": False}
# up to this many columns a model goes straight to one HiGHS MILP on the whole model, CBC
# racing it: there the LP-first path's fixed cost (four HiGHS instances) is more than HiGHS's
# presolve and search of the whole model. Measured in process (benchmarks/RESULTS.md, issue
# 16, target 2): 0-1 knapsacks of 100 and 200 items 0.006–0.11 s whole against 0.02–0.16 s
# LP first, of 500 items 0.07–0.18 against 0.04–0.09; synthetic allocation models of
# 257–333 columns 0.07–0.24 against 0.23–0.74, of 516–786 columns 0.31–0.68 against
# 0.50–0.96, of ~1,300 columns 0.8–6.0 against 1.5–4.0
DIRECT_COLUMNS = 400
# … and CBC joins once HiGHS has searched this long: HiGHS ends most small models sooner
# (mknap1's five smallest in 0.005–0.04 s), and starting and stopping CBC costs ~25 ms
RACE_AFTER = 0.05
MAX_CUT_ROUNDS = 10  # the bundled workbook needs 2; each round costs an LP from its basis
# RENS in a re-solve also frees the selections cheapest to move (by reduced cost, those at a
# bound: ~570 of 2,000 are basic at 0 or 1, with a reduced cost of 0 that says nothing). On
# the bundled workbook's Monte Carlo draws the optimum differs from the LP's rounding in
# selections ranked up to ~36th by that measure: with 40 free, RENS proves 53 draws of 60,
# against 28 with the fractional ones alone
FLIPS = 40
RC_ZERO = 1e-9


def met(objective: float | None, bound: float | None, gaps: tuple[float, float]) -> bool:
    """Whether ``objective`` is proven within the relative or the absolute gap of ``gaps``
    (``stopping_gaps``) of ``bound`` (below 1e-9 relative, rounding)."""
    g = relative_gap(objective, bound)
    if g is None:
        return False
    assert objective is not None and bound is not None  # a gap is known
    rel, absolute = gaps
    return g <= max(rel, 1e-9) or bound - objective <= absolute


def improves(out: SolverOutput, L: float | None) -> bool:
    """Whether ``out`` has an allocation worth more than ``L`` (None: no allocation yet)."""
    return out.objective is not None and (L is None or out.objective > L)


def solve(model, options: SolveOptions, lead: Lead | None = None) -> SolverOutput:
    """A maximisation MILP, LP first (see the module's docstring), or, for a small model, one
    MILP on the whole model (``direct``), taking over from ``lead`` (``cbc_lead``, made by
    the caller) when given; same contract as ``highs.solve``."""
    t0 = time.perf_counter() if lead is None else lead.started
    deadline = time.perf_counter() + options.time_limit
    if direct(model):
        return plain_milp(model, options, deadline, t0, [one_milp(model)], race=True,
                          lead=lead if lead is not None else cbc_lead(model, options))
    notes: list[str] = []
    gaps = stopping_gaps(options, objective_step(model))
    start, L0, B0 = opening(model, options, notes)
    options = replace(options, opening=None)  # used: not handed on to sub-solves

    # 1. the LP relaxation: its bound, values and reduced costs
    h, lp = relaxation(model, options, deadline)
    if lp.status == Status.INFEASIBLE:
        return replace(lp, seconds=time.perf_counter() - t0, bound=None,
                       message="Infeasible (LP relaxation)")
    if lp.values is None or lp.status != Status.OPTIMAL:
        notes.append(f"LP relaxation: {lp.message}")
        if start is not None and time_left(deadline) < MIN_RENS_SECONDS:
            return standing(model, start, L0, B0, t0, notes, lp.message)
        # unbounded, or out of time on a model without a start: HiGHS's own way
        return plain_milp(model, replace(options, start=start), deadline, t0, notes)
    assert lp.objective is not None  # it has values (``SolverOutput``)
    notes.append(f"LP relaxation: bound {lp.objective:.10g} in {lp.seconds:.3f} s")
    U, x = lp.objective, lp.values

    # 2. RENS: the MILP over the selections the LP leaves fractional; enough at scale. With
    # few rows the LP leaves at most that many fractional, and the optimum differs from its
    # rounding in the items cheapest to move (a knapsack's core: Balas and Zemel 1980,
    # Pisinger 1995), so those are freed too: on Pisinger's knapPI_2 of 10,000 items RENS
    # then finds the optimum, which the LP bound proves (0.50 s → 0.10 s in all); on
    # allocation models it costs more than it finds (the bundled `balanced`'s RENS 0.012 →
    # 0.076 s, for the same allocation once the cover cuts are in)
    rens = run_rens(model, x, U, options, deadline, notes,
                    reduced=np.asarray(h.getSolution().col_dual, float) if few_rows(model)
                    else None)
    whole = model  # without the cuts' rows, for a MILP that has no allocation to start from
    if rens.values is None or not met(rens.objective, U, gaps):
        # 3. cover cuts tighten the bound (``cuts.py``), and RENS runs again from their LP
        lp, cuts = tighten(h, model, lp, C.knapsacks(model), options)
        if lp.status == Status.INFEASIBLE:  # cuts remove no allocation: there is none
            return replace(lp, seconds=time.perf_counter() - t0, bound=None,
                           message="Infeasible (LP relaxation with cover cuts)")
        if lp.values is None or lp.status != Status.OPTIMAL:
            return plain_milp(model, options, deadline, t0,
                              notes + [f"LP with cuts: {lp.message}"])
        assert lp.objective is not None  # it has values (``SolverOutput``)
        U, x = lp.objective, lp.values
        notes.append(f"{len(cuts)} cover cuts: bound {U:.10g}")
        model = with_cuts(model, cuts)
        if len(cuts):
            again = run_rens(model, x, U, options, deadline, notes, support=True)
            if improves(again, rens.objective):
                rens = again
    del h
    if start is not None and not improves(rens, L0):  # the ranking's allocation is better
        rens = replace(rens, values=start, objective=L0)
    if rens.values is None:
        # nothing to fix against and nothing to prove: the MILP has an allocation to find,
        # the whole of HiGHS's work, which it does best as it runs alone (``own_milp``)
        return own_milp(whole, options, deadline, t0, notes + ["no allocation to start from"])
    # 4. proven by the LP bound, or reduced-cost fixing and the MILP from RENS's allocation
    return finish(model, options, deadline, t0, notes, lp.row_duals, U, rens.values,
                  rens.objective, MILP_OPTIONS)


def opening(model, options: SolveOptions, notes: list
            ) -> tuple[np.ndarray | None, float | None, float | None]:
    """The caller's ``opening`` allocation (``solve.run.opening``: the ranking's), with its
    worth and a bound that needs no LP (``budget_bound``), when it holds every rule; reported
    at once, so that a solve stopped before its LP still has an allocation."""
    start = options.opening
    if start is None or not model.holds(start):
        return None, None, None
    start = np.asarray(start, float)
    worth = float(model.c @ start + model.offset)
    bound = budget_bound(model)
    notes.append(f"start: {worth:.10g} (bound without an LP: "
                 + ("none" if bound is None else f"{bound:.10g}") + ")")
    if options.on_solution is not None:
        options.on_solution(start, worth, np.inf if bound is None else bound)
    return start, worth, bound


def standing(model, start: np.ndarray, worth: float | None, bound: float | None, t0: float,
             notes: list, why: str) -> SolverOutput:
    """The start as the answer, with its bound without an LP, when no time is left to better
    it after the LP (``why``)."""
    step = objective_step(model)
    message = f"the start stands: no time left after the LP relaxation ({why})"
    return settled(SolverOutput(Status.FEASIBLE, start, worth, bound,
                                time.perf_counter() - t0, "HiGHS", highspy_version(),
                                "\n".join(notes) + "\n", None, message), step)


def relaxation(model, options: SolveOptions, deadline: float):
    """The LP relaxation solved: (its HiGHS instance, kept for the cuts, and the output)."""
    h = H.build(model, relax=True)
    few = few_rows(model)
    for key, value in {**LP_OPTIONS, **(PRIMAL if few else {})}.items():
        h.setOptionValue(key, value)
    lp = H.run(h, model, replace(options, relax=True, on_solution=None, start=None,
                                 time_limit=time_left(deadline), threads=ONE_THREAD))
    if few:  # the cuts' re-solves start from a basis the new rows make infeasible
        h.setOptionValue("simplex_strategy", DUAL)
    return h, lp


def run_rens(model, x: np.ndarray, U: float, options: SolveOptions, deadline: float,
          notes: list, support: bool = False, reduced: np.ndarray | None = None,
          proven_after: bool = False) -> SolverOutput:
    """RENS: every selection the LP (values ``x``, bound ``U``) leaves integral fixed there,
    the MILP over the fractional ones. With ``support``, only those the LP leaves unfunded
    are fixed: the MILP chooses which of the projects the LP funds, even in part, to keep,
    so the fractional ones can be rounded up by dropping others (on the bundled workbook
    the optimum does exactly that: 2 up, 3 dropped, all within the LP's support). With the
    LP's ``reduced`` costs, the ``FLIPS`` selections at a bound that cost least to move are
    free too. Over the support, or with ``proven_after`` (a final MILP proves the whole model
    from its allocation), it stops within ``SUPPORT_GAP`` of its own bound."""
    integer = model.integer
    fractional = integer & (np.abs(x - np.round(x)) > INT_TOL)
    fixed = integer & ~fractional
    if support:
        fixed &= x <= model.col_lo + INT_TOL
    if reduced is not None:
        fixed[cheapest(fixed & (np.abs(reduced) > RC_ZERO), reduced, FLIPS)] = False
    lo, hi = model.col_lo.copy(), model.col_hi.copy()
    lo[fixed] = hi[fixed] = np.clip(np.round(x[fixed]), model.col_lo[fixed], model.col_hi[fixed])
    limit = min(time_left(deadline), max(MIN_RENS_SECONDS, RENS_SHARE * options.time_limit))
    report = options.on_solution
    # over the support the sub-MILP is larger (470 selections on the bundled workbook), and
    # HiGHS's presolve pays for itself: 0.055 s against 0.14 s without
    rens = run_restricted(model, lo, hi, replace(
        options, start=None, time_limit=limit, threads=ONE_THREAD,
        gap=max(options.gap, SUPPORT_GAP) if (support or proven_after)
        and objective_step(model) is None
        else options.gap,
        on_solution=None if report is None else (lambda v, o, b: report(v, o, U))),
        scale=U, **(SUPPORT_OPTIONS if support else RENS_OPTIONS))
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
        assert lp.values is not None  # solved to optimality: the caller's, then checked below
        new = C.separate(knapsacks, lp.values)
        if not len(new):
            break
        _add_rows(h, new.A, np.full(len(new), -np.inf), new.hi)
        added = added + new
        lp = H.run(h, model, replace(options, relax=True, on_solution=None, start=None,
                                     threads=ONE_THREAD))
        if lp.values is None or lp.status != Status.OPTIMAL:
            break
    return lp, added


def with_cuts(model, cuts: C.Cuts):
    """``model`` with the cuts as rows below its own (the columns, and so every allocation's
    values, unchanged)."""
    if not len(cuts):
        return model
    return model.with_rows(cuts.A, np.full(len(cuts), -np.inf), cuts.hi, RowGroup.of(
        "cover_cut", [f"cut {k}" for k in range(len(cuts))]))


def _add_rows(h, A, lo, hi) -> None:
    A = sp.csr_array(A)
    h.addRows(A.shape[0], np.asarray(lo, float), np.asarray(hi, float), A.nnz,
              A.indptr[:-1].astype(np.int32), A.indices.astype(np.int32),
              A.data.astype(float))


def finish(model, options: SolveOptions, deadline: float, t0: float, notes: list,
           duals: np.ndarray | None, U: float, start: np.ndarray | None, L: float | None,
           milp_options: dict) -> SolverOutput:
    """Given the row duals of the model's LP relaxation (``duals``), a bound ``U`` of the
    model and an allocation ``start`` worth ``L`` (or None): done when they meet within the
    gap, else reduced-cost fixing against ``L`` (``fixing``) and the MILP from ``start``."""
    version = highspy_version()
    step = objective_step(model)
    gaps = stopping_gaps(options, step)
    if start is None:
        L = None
    if L is not None and met(L, U, gaps):
        assert start is not None  # L is its worth
        notes.append(f"proven within {relative_gap(L, U):.2e} of the bound {U:.10g}: no search")
        if options.on_solution is not None:
            options.on_solution(start, L, U)
        return settled(SolverOutput(Status.OPTIMAL, start, L, U, time.perf_counter() - t0, "HiGHS",
                                    version, "\n".join(notes) + "\n", None,
                                    "Optimal (bound met)"), step)
    lo, hi = np.array(model.col_lo, float), np.array(model.col_hi, float)
    if L is not None and duals is not None:
        free = model.integer & (lo < hi)
        lo, hi = F.fixings(model, duals, L)
        notes.append(f"reduced-cost fixing: {int((free & (lo >= hi)).sum())} of "
                     f"{int(free.sum())} selections fixed")
    if L is not None and U - L <= PROOF_GAP * max(abs(L), 1e-9):
        milp_options = {**milp_options, **PROOF_OPTIONS}
    report = options.on_solution
    # on one thread: at the exact gap HiGHS's search on one thread or two ends ULPs apart
    # (the bundled shadow prices differed in their 12th digit with ALLOCATOR_THREADS), and
    # where CBC races it, CBC has the other core
    out = run_restricted(model, lo, hi, replace(
        options, start=start, time_limit=time_left(deadline), threads=ONE_THREAD,
        on_solution=None if report is None else (lambda v, o, b: report(v, o, min(b, U)))),
        # the gap asked, made absolute at the start's worth: the allocation HiGHS ends at is
        # worth at least that, so its gap by our measure is within the one asked; at the LP
        # bound (4e-5 above the optimum on the bundled `balanced`), HiGHS stopped at 1e-6 of
        # the bound and the allocation read 1.00004e-6 of its own worth, not proven
        scale=U if L is None else L, race=R.wanted(L, U, options), **milp_options)
    log = "\n".join(notes) + "\n" + out.log
    seconds = time.perf_counter() - t0
    if out.objective is None or (L is not None and out.objective < L - 1e-9 * max(1.0, abs(L))):
        if L is None:
            return replace(out, seconds=seconds, log=log)
        # nothing better than the start: it stands, proven only if the search finished
        bound = U if out.bound is None or out.values is None else min(U, max(out.bound, L))
        status = Status.OPTIMAL if (out.values is not None and out.status == Status.OPTIMAL) or \
            met(L, bound, gaps) else Status.FEASIBLE
        return settled(SolverOutput(status, start, L, bound, seconds, "HiGHS", version, log,
                                    None, out.message), step)
    bound = U if out.bound is None else min(U, max(out.bound, out.objective))
    status = out.status
    if status == Status.FEASIBLE and met(out.objective, bound, gaps):
        status = Status.OPTIMAL
    return settled(SolverOutput(status, out.values, out.objective, bound, seconds, "HiGHS",
                                version, log, None, out.message), step)


def run_restricted(model, lo, hi, options: SolveOptions, scale: float | None = None,
                   race: bool = False, **highs_options) -> SolverOutput:
    """Solve ``model`` with column bounds ``lo``, ``hi``, the fixed columns taken out first;
    values (and those passed to ``on_solution``) are full column vectors. ``highs_options``:
    HiGHS options for this solve.

    The fixed columns' part of the objective is added back here, not handed to HiGHS as an
    offset: HiGHS 1.16 then misvalues a MIP start in its presolved space (it reported 1.097
    for an allocation worth 0.917 on a 6-project case of tests/test_bruteforce.py). Without
    the offset its relative gap would apply to the free columns' part alone, far stricter than
    asked: ``scale`` turns the gap asked into an absolute one; it is the worth of an
    allocation the solve is sure to reach (the start's), so that stopping there is stopping
    within the gap asked by ``relative_gap``, or the LP bound where none is known.
    With ``race``, CBC solves the same restricted model beside HiGHS (``rival``).
    """
    r = model.restricted(lo, hi)
    if r is None:
        return SolverOutput(Status.INFEASIBLE, None, None, None, 0.0, "HiGHS", "", "", None,
                            "Infeasible (fixed columns)")
    report = options.on_solution
    if not len(r.keep):  # every column fixed, every row checked: nothing left to solve
        if report is not None:
            report(r.values, r.offset, r.offset)
        return SolverOutput(Status.OPTIMAL, r.values.copy(), r.offset, r.offset, 0.0, "HiGHS",
                            highspy_version(), "", None, "Optimal (all columns fixed)")
    start = None if options.start is None else np.asarray(options.start)[r.keep]
    offset = r.offset
    r = replace(r, offset=0.0)

    def worth(v):  # what an allocation is worth, from its values (never HiGHS's word)
        return float(r.c @ v) + offset

    h = H.build(r)
    if scale is not None and np.isfinite(scale):
        # the gap asked of the whole model, as an absolute one (or the objective's step,
        # when it has one: ``instance.run`` takes the larger)
        h.setOptionValue("mip_abs_gap", max(1e-9, options.gap * abs(scale)))
    for key, value in {**SUB_OPTIONS, **highs_options}.items():
        h.setOptionValue(key, value)
    rival = R.Race(r, options) if race else None
    if rival is not None:
        rival.watch(h)
    try:
        # highs.run itself re-solves when HiGHS misvalues the start
        out = H.run(h, r, replace(options, start=start, on_solution=None if report is None
                                  else (lambda v, o, b: report(r.expand(v), worth(v),
                                                               b + offset))))
        if rival is not None:
            out = _better(out, rival.rival, model, options, r.expand)
    finally:
        if rival is not None:
            rival.stop()
    return replace(out, values=None if out.values is None else r.expand(out.values),
                   objective=None if out.values is None else worth(out.values),
                   bound=None if out.bound is None else out.bound + offset)


def _better(out: SolverOutput, rival: R.Rival | None, model, options: SolveOptions,
            expand=None) -> SolverOutput:
    """HiGHS's answer ``out`` on the model the rival solves too (``model``, or ``model``
    restricted, whose values ``expand`` makes whole) or CBC's, whichever proved the optimum
    (HiGHS's when both), else the better allocation with HiGHS's bound; CBC's only when it
    keeps every rule of ``model``."""
    if out.status == Status.OPTIMAL or rival is None:  # proven, or ended before CBC began
        return out
    values, proven = rival.result(wait=0.0 if out.status == Status.INFEASIBLE
                                  else R.STOP_SECONDS)
    if values is None or not model.holds(values if expand is None else expand(values)):
        return out
    raced = rival.model
    worth = float(raced.c @ values) + float(raced.offset)
    if not proven and out.objective is not None and worth <= out.objective:
        return out
    bound = out.bound
    if proven:
        mine = R.proven_bound(worth, raced, options)
        # HiGHS stopped before its root has no finite bound (nan here)
        bound = min(bound, mine) if bound is not None and np.isfinite(bound) else mine
    return replace(out, status=Status.OPTIMAL if proven else Status.FEASIBLE, values=values,
                   objective=worth, bound=bound, solver="HiGHS and CBC",
                   message=("CBC proved the optimum first" if proven
                            else "CBC found the better allocation"))


@functools.cache
def highspy_version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("highspy")
    except PackageNotFoundError:
        return ""


def time_left(deadline: float) -> float:
    return max(0.0, deadline - time.perf_counter())


def few_rows(model) -> bool:
    """Whether the columns outnumber the rows ``FEW_ROWS`` times or more (a knapsack)."""
    return model.shape[0] * FEW_ROWS <= model.shape[1]


def direct(model) -> bool:
    """Whether ``model`` is small enough to go straight to one MILP (``DIRECT_COLUMNS``)."""
    return model.shape[1] <= DIRECT_COLUMNS


def plain_milp(model, options: SolveOptions, deadline: float, t0: float, notes: list,
               race: bool = False, highs_options: dict | None = None,
               lead: Lead | None = None) -> SolverOutput:
    """HiGHS's own MILP on the whole model (its presolve and restarts), on one thread as the
    final MILP, rows kept to 1e-7 as every other solve here (or ``highs_options``); with
    ``race``, CBC solves the same model on the other core, joining once HiGHS has searched
    ``RACE_AFTER`` seconds (``rival.Race``), and the first to prove the optimum stops the
    other; after CBC's ``lead`` on a knapsack, its answer, or HiGHS joins the CBC still at
    work (alone when CBC ended without an allocation)."""
    race = race and R.racing(options)
    ahead = None
    if lead is not None:
        if lead.out is not None:
            return lead.out
        notes = notes + list(lead.notes)
        ahead = lead.running
        race = ahead is not None
    options = replace(options, time_limit=time_left(deadline), threads=ONE_THREAD)
    rival = R.Race(model, options, after=RACE_AFTER, rival=ahead) if race else None
    try:  # CBC may be running already: stopped whatever happens
        h = H.build(model)
        for key, value in (SUB_OPTIONS if highs_options is None else highs_options).items():
            h.setOptionValue(key, value)
        if rival is not None:
            rival.watch(h)
        out = H.run(h, model, options)
        if rival is not None:
            out = _better(out, rival.rival, model, options)
    finally:
        if rival is not None:
            rival.stop()
    return settled(replace(out, seconds=time.perf_counter() - t0,
                           log="\n".join(notes) + "\n" + out.log), objective_step(model))


def own_milp(model, options: SolveOptions, deadline: float, t0: float, notes: list
             ) -> SolverOutput:
    """HiGHS's MILP as HiGHS runs alone (``plain_milp`` at its own feasibility tolerance,
    1e-6), for a model where the LP-first path found no allocation to start from. Finding one
    is then most of the work, and rows kept to 1e-7 make it harder for HiGHS's heuristics
    (the bundled `regional_equity`, whose fairness band has coefficients down to 5e-5: 4.8 s
    at 1e-7 against 1.1 s at 1e-6, one thread, 9 nodes against 3). An allocation HiGHS ends
    at is checked at 1e-7 (``holds``), as are those reported on the way; should it break a
    row beyond that, the MILP runs again at 1e-7. HiGHS's own options stay: without restarts
    `regional_equity` took 0.77× as long, but synthetic 5,000 and 10,000 projects 2× and 1.5×;
    without its RENS heuristic 1.5× (benchmarks/RESULTS.md, helper `equity2`)."""
    report = options.on_solution
    if report is not None:
        def report_held(values, objective, bound):
            if model.holds(values):
                report(values, objective, bound)
        options = replace(options, on_solution=report_held)
    out = plain_milp(model, options, deadline, t0, notes, highs_options={})
    if out.values is None or model.holds(out.values):
        return out
    return plain_milp(model, replace(options, on_solution=report), deadline, t0, notes + [
        "HiGHS's allocation broke a row beyond 1e-7: solved again at that tolerance"])


def one_milp(model) -> str:
    return f"{model.shape[1]} columns: one MILP on the whole model"


def cbc_lead(model, options: SolveOptions) -> Lead | None:
    """CBC alone on a small knapsack (``direct``, ``rival.packing``), for ``rival.JOIN_AFTER``
    seconds or the whole limit when shorter: its answer when it ended with an allocation
    under every rule (``cbc_answer``); else the CBC still at work for HiGHS to join, or, when
    it ended without such an allocation, neither (HiGHS then solves alone). None for any
    other model, or where CBC may not race (``rival.racing``) or is not installed. CBC runs
    as a program of its own, so the watchdog makes this opening itself (``Backend.lead``):
    a proof within it costs no watched child (~15 ms, the whole of a bare solver's time on
    OR-Library's mknap1)."""
    if not (direct(model) and R.racing(options) and R.packing(model)
            and R.cbc_program() is not None):
        return None
    t0 = time.perf_counter()
    deadline = t0 + options.time_limit
    rival = R.Rival(model, replace(options, time_limit=time_left(deadline)))
    try:
        left = time_left(deadline)
        joins = left > R.JOIN_AFTER
        ended = rival.ended(R.JOIN_AFTER if joins else left + R.OVERRUN_SECONDS)
    except BaseException:  # Ctrl-C: CBC stops with it
        rival.stop()
        raise
    if not ended and joins:
        return Lead(t0, running=rival, notes=(
            f"a knapsack: CBC alone for {R.JOIN_AFTER:g} s, then HiGHS beside it",))
    if not ended:  # past its own time limit: what it found is not known
        rival.stop()
        return Lead(t0, notes=(f"CBC was stopped {R.OVERRUN_SECONDS:g} s after its time "
                               "limit, without an allocation",))
    out = cbc_answer(model, rival, options, t0, [one_milp(model)])
    return Lead(t0, out=out) if out is not None else Lead(t0, notes=(
        "CBC ended without an allocation: HiGHS's MILP alone",))


def cbc_answer(model, rival: R.Rival, options: SolveOptions, t0: float, notes: list
               ) -> SolverOutput | None:
    """What CBC, which led alone on a knapsack (``cbc_lead``) and has ended, found: its
    allocation, proven or with the bound it printed; None when it ended without one that
    keeps every rule."""
    try:
        values, proven = rival.result(wait=0.0)
        printed = rival.printed()
    finally:
        rival.stop()
    if values is None or not model.holds(values):
        return None
    worth = float(model.c @ values + model.offset)
    bound = R.proven_bound(worth, model, options) if proven else R.cbc_bound(printed, worth)
    if options.on_solution is not None:
        options.on_solution(values, worth, np.inf if bound is None else bound)
    notes.append(f"a knapsack ({model.shape[1]} selections under {model.shape[0]} upper "
                 "limits): CBC alone")
    return settled(SolverOutput(
        Status.OPTIMAL if proven else Status.FEASIBLE, values, worth, bound,
        time.perf_counter() - t0, "CBC", R.cbc_version(printed),
        "\n".join(notes) + "\n" + printed, None,
        "CBC proved the optimum" if proven else "CBC stopped at the time limit"),
        objective_step(model))


# ----------------------------------------------------------------------------- re-solves


def cheapest(candidates: np.ndarray, reduced: np.ndarray, count: int) -> np.ndarray:
    """The ``count`` columns among ``candidates`` (a mask) of smallest reduced cost in size."""
    rest = np.flatnonzero(candidates)
    return rest[np.argsort(np.abs(reduced[rest]), kind="stable")[:count]]
