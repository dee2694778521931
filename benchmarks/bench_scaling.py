"""Issue 16's scaling plot alone: the synthetic rows of ``bench_exact`` (allocator, bare HiGHS,
CBC and SCIP, time to the proven optimum at gap 1e-6; 120 s limit, 60 s at 1,000,000
projects), drawn into ``benchmarks/scaling.png`` without the bundled and public instances.

    python -m benchmarks scaling            # 1,000 to 1,000,000 projects (~20 min)
    python -m benchmarks --quick scaling    # 1,000 and 10,000, no plot
"""
from __future__ import annotations

import os
import time
from pathlib import Path

from benchmarks import bench_exact as E

SIZES = (1_000, 10_000, 100_000, E.HUGE)


def run(quick: bool = False) -> str:
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    rows = E.measure(quick, only=[("synthetic", n) for n in (SIZES[:2] if quick else SIZES)])
    if not quick:
        E.plot(rows, Path(E.__file__).with_name("scaling.png"))
    return "\n".join([
        "## Scaling: time to the proven optimum, synthetic instances\n",
        f"Command: `python -m benchmarks{' --quick' if quick else ''} scaling`. Load average "
        f"{load:.1f} before, {os.getloadavg()[0]:.1f} after (2 CPUs); "
        f"{time.perf_counter() - t0:.0f} s in all. One run per size.\n",
        E.table(rows), "", E.scale_note(rows), ""])
