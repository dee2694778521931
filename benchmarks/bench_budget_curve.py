"""The budget curve of the bundled workbook against single solves, in the same run.

Issue target: 21 points in well under 21 times one solve. Measured side by side, medians of 3
(1 with ``--quick``, 5 points):

- one solve: ``solve.solve`` on the scenario (formulate + HiGHS, LP first), what the curve's
  ratio is taken against;
- the curve, ``budget_curve.budget_curve``, on 2 worker processes (the default) and on 1;
- the same points solved cold, one ``highs_mip.solve`` each on the model (formulated once, as
  the curve does) with its budget moved (what the curve would cost without the path from
  point to point), summed.

The four take turns within each repeat, so that a drift in the machine's load touches all.

    python -m benchmarks budget_curve
"""
from __future__ import annotations

import statistics
import time
from pathlib import Path

import numpy as np

import allocator
from allocator.analyse.budget_curve import budget_curve
from allocator.backends import SolveOptions
from allocator.backends.highs import mip as highs_mip
from allocator.formulate import MEUR, Change, formulate
from allocator.solve import solve
from benchmarks.bench_read import _load, _machine

BUNDLED = Path(__file__).resolve().parents[1] / "scenarios" / "territoires-industrie.xlsx"


def run(quick: bool = False) -> str:
    problem = allocator.load(BUNDLED)
    scenario = problem.scenario("balanced")
    steps, repeats = (5, 1) if quick else (21, 3)
    budgets = np.linspace(50e6, 150e6, steps)
    options = SolveOptions.from_scenario(scenario)

    def cold():  # formulated once, as the curve is, then one solve per point
        model = formulate(problem, scenario)
        row = model.group("budget").start
        return [highs_mip.solve(model.changed(Change(rows=([row], [-np.inf], [b / MEUR]))),
                                options) for b in budgets]
    runs = {"one": lambda: solve(problem, scenario, watchdog=False),
            "two": lambda: budget_curve(problem, scenario, budgets),
            "serial": lambda: budget_curve(problem, scenario, budgets, workers=1),
            "cold": cold}
    times, last = {k: [] for k in runs}, {}
    load_before = _load()
    for _ in range(repeats):  # taking turns: the load of a shared machine drifts
        for k, fn in runs.items():
            t0 = time.perf_counter()
            last[k] = fn()
            times[k].append(time.perf_counter() - t0)
    load_after = _load()
    one, two_workers, one_worker, cold_time = (statistics.median(times[k]) for k in runs)
    curve, serial, colds = last["two"], last["serial"], last["cold"]
    agree = max((abs(a - c.objective) / abs(c.objective)
                 for a, c in zip(curve["objective"], colds) if c.objective is not None),
                default=float("nan"))
    same = curve.drop(columns="seconds").equals(serial.drop(columns="seconds"))
    rows = [("one solve (formulate + HiGHS)", one),
            ("the curve, 2 worker processes (default)", two_workers),
            ("the curve, 1 process", one_worker),
            (f"{steps} cold solves, one per point (summed)", cold_time)]
    return "\n".join([
        "## Budget curve", "",
        f"Command: `python -m benchmarks budget_curve{' --quick' if quick else ''}`. Bundled "
        f"workbook, scenario `balanced`, €50M to €150M in {steps} points; medians of {repeats}. "
        f"Machine: {_machine()}; load average {load_before} before, {load_after} after.", "",
        "| run | wall s | ÷ one solve |", "|---|---:|---:|",
        *[f"| {label} | {t:.2f} | {t / one:.1f} |" for label, t in rows], "",
        f"All points {'optimal' if (curve['status'] == 'optimal').all() else 'NOT all optimal'}"
        f"; largest difference from the cold solves {agree:.1e} (each is exact to the gap "
        f"{scenario.gap:g}); 1 and 2 processes give {'identical' if same else 'DIFFERENT'} "
        "curves. Solver seconds per point (2 processes): "
        + ", ".join(f"{s:.2f}" for s in curve["seconds"]) + ".", ""])
