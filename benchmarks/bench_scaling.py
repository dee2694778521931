"""Issue 16's scaling plot alone: the synthetic rows of ``bench_exact`` (allocator, bare HiGHS,
CBC and SCIP, time to the proven optimum at gap 1e-6; 120 s limit, 60 s at 1,000,000
projects), drawn into ``benchmarks/scaling.png`` without the bundled and public instances.
The rows are kept in ``benchmarks/scaling.json``, so the plot can be drawn again from the
measured figures without measuring again.

    python -m benchmarks scaling                  # 1,000 to 1,000,000 projects (~30 min)
    python -m benchmarks --quick scaling          # 1,000 and 2,000, no plot
    python -m benchmarks.bench_scaling --replot   # the plot again, from scaling.json
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from benchmarks import bench_exact as E

SIZES = E.SYNTHETIC + (E.HUGE,)
PNG = Path(E.__file__).with_name("scaling.png")
ROWS = PNG.with_suffix(".json")


def run(quick: bool = False) -> str:
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    rows = E.measure(quick, only=[("synthetic", n) for n in (SIZES[:2] if quick else SIZES)])
    if not quick:
        ROWS.write_text(json.dumps(rows, indent=1) + "\n")
        E.plot(rows, PNG)
    return "\n".join([
        "## Scaling: time to the proven optimum, synthetic instances\n",
        f"Command: `python -m benchmarks{' --quick' if quick else ''} scaling`. Load average "
        f"{load:.1f} before, {os.getloadavg()[0]:.1f} after (2 CPUs); "
        f"{time.perf_counter() - t0:.0f} s in all. One run per size.\n",
        E.table(rows), "", E.scale_note(rows), ""])


if __name__ == "__main__":
    if sys.argv[1:] != ["--replot"]:
        sys.exit(f"usage: python -m benchmarks.bench_scaling --replot  (redraws {PNG.name} "
                 f"from {ROWS.name}); to measure: python -m benchmarks scaling")
    E.plot(json.loads(ROWS.read_text()), PNG)
