"""Reduced-cost fixing with partial awards (allocator/backends/highs/fixing.py): every value it
rules out is checked by an independent MILP (scipy's ``milp`` on the model's arrays, the
selection held at that value) to leave no allocation worth the threshold; and the argument
holds for any row duals, so perturbed duals must never fix wrongly either."""
from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest
import scipy.sparse as sp
from _instances import NumpySource, make_case
from scipy.optimize import Bounds, LinearConstraint, milp

from allocator.backends import SolveOptions
from allocator.backends.highs import instance as H
from allocator.backends.highs.fixing import fixings
from allocator.formulate import formulate


def _best(model, lo, hi) -> float | None:
    """The optimum of ``model`` within column bounds ``lo``, ``hi`` (None: no allocation)."""
    A = sp.csr_array(model.A)
    res = milp(-np.asarray(model.c, float), integrality=np.asarray(model.integer, int),
               bounds=Bounds(lo, hi),
               constraints=LinearConstraint(A, model.row_lo, model.row_hi),
               options={"mip_rel_gap": 0.0})
    return None if res.x is None else float(-res.fun + model.offset)


def _cases():
    """Small models with an allocation and a gap between their LP and their optimum."""
    found = 0
    for k in itertools.count():
        src = NumpySource(5000 + k)
        case = make_case(src, src.int(4, 10), rules=0.4)
        model = formulate(case.problem(), case.scenario)
        optimum = _best(model, model.col_lo, model.col_hi)
        if optimum is None:
            continue
        h = H.build(model, relax=True)
        lp = H.run(h, model, replace(SolveOptions(time_limit=10, gap=0.0), relax=True))
        if lp.row_duals is None or lp.objective is None:
            continue
        yield model, optimum, lp, _worths(model)
        found += 1
        if found == 12:
            return



def _worths(model) -> dict:
    """Per selection and value, the best allocation with the selection held there."""
    out = {}
    for j in np.flatnonzero(model.integer & (model.col_lo < model.col_hi)):
        for v in (model.col_lo[j], model.col_hi[j]):
            lo, hi = np.array(model.col_lo, float), np.array(model.col_hi, float)
            lo[j] = hi[j] = v
            out[j, v] = _best(model, lo, hi)
    return out


def _check(model, y, worths) -> int:
    """At the sharpest threshold for each selection's value (the best allocation that has
    it), that value must not be ruled out; returns how many values were ruled out at the
    optimum's threshold (so that the test is seen to fix something)."""
    for (j, v), worth in worths.items():
        if worth is None:
            continue
        lo, hi = fixings(model, y, worth)
        assert lo[j] <= v <= hi[j], (j, v, worth)
    optimum = max(w for w in worths.values() if w is not None)
    lo, hi = fixings(model, y, optimum)
    return int((model.integer & (lo >= hi) & (model.col_lo < model.col_hi)).sum())


CASES = list(_cases())


@pytest.mark.parametrize("k", range(len(CASES)))
def test_a_value_ruled_out_leaves_no_allocation_worth_the_threshold(k):
    model, _, lp, worths = CASES[k]
    _check(model, lp.row_duals, worths)


def test_the_optimum_fixes_selections():
    assert sum(_check(model, lp.row_duals, worths) for model, _, lp, worths in CASES) >= 20


def test_the_optimum_fixes_selections_whose_own_reduced_cost_is_zero():
    # the partner rows are what fix them: those selections have no objective of their own
    fixed_by_pairs = 0
    for model, optimum, lp, _ in CASES:
        y = lp.row_duals
        d = np.asarray(model.c, float) - sp.csc_array(model.A).T @ y
        lo, hi = fixings(model, y, optimum)
        fixed_by_pairs += int((model.integer & (model.col_lo < model.col_hi) & (lo >= hi)
                               & (np.abs(d) < 1e-12)).sum())
    assert fixed_by_pairs > 0


@pytest.mark.parametrize("k", range(len(CASES)))
def test_any_duals_fix_soundly(k):
    model, _, lp, worths = CASES[k]
    rng = np.random.default_rng(k)
    y = lp.row_duals
    for scale in (1e-3, 1e-1, 1.0):
        noisy = y + scale * rng.standard_normal(len(y)) * np.maximum(np.abs(y), 1e-3)
        _check(model, noisy, worths)
