"""The budget curve of the bundled workbook against single solves, in the same run.

Issue target: 21 points in well under 21 times one solve (the curve reuses one HiGHS model
and starts each point from the previous allocation).
"""
from __future__ import annotations

import statistics
import time
from pathlib import Path

import numpy as np

import allocator
from allocator.budget_curve import budget_curve
from allocator.solve import solve

BUNDLED = Path(__file__).resolve().parents[1] / "scenarios" / "territoires-industrie.xlsx"


def run(quick: bool = False) -> str:
    problem = allocator.load(BUNDLED)
    scenario = problem.scenario("balanced")
    steps = 5 if quick else 21
    singles = []
    for _ in range(1 if quick else 3):
        t0 = time.perf_counter()
        solve(problem, scenario, watchdog=False)
        singles.append(time.perf_counter() - t0)
    one = statistics.median(singles)
    t0 = time.perf_counter()
    curve = budget_curve(problem, scenario, np.linspace(50e6, 150e6, steps))
    total = time.perf_counter() - t0
    return "\n".join([
        "## Budget curve", "",
        f"Command: `python -m benchmarks budget_curve` ({'quick' if quick else 'full'}). "
        "Bundled workbook, scenario `balanced`, €50M to €150M.", "",
        "| points | one solve (median) s | curve s | curve ÷ one solve | ÷ points |",
        "|---|---|---|---|---|",
        f"| {steps} | {one:.2f} | {total:.2f} | {total / one:.1f} | "
        f"{total / one / steps:.2f} |", "",
        f"All points {'optimal' if (curve['status'] == 'optimal').all() else 'NOT all optimal'}.",
        ""])
