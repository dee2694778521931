"""Monte Carlo on the bundled workbook: serial, two local processes, a two-worker Dask cluster.

``allocator uncertainty scenarios/territoires-industrie.xlsx --samples 200`` against 200 times
one solve. "One solve" is ``solve.solve`` on the central estimate (formulate + HiGHS, median of
6: 3 before the runs, 3 after; in this process, without the watchdog's child, as the draws
run): what running ``allocator solve`` 200 times would pay at the very least, before reading
the workbook and writing results each time. The other baseline is what an analyst would
otherwise run 200 times: the command ``allocator solve IN --near-misses 0 --json`` (read,
validate, solve, analyse with shadow prices, JSON; median of 3). Each Monte Carlo run is timed
whole (central solve, draws, tables), the draws alone (``Batch.seconds``), and the solver
seconds summed over the draws (the work, whatever the parallelism). The three runs use the same
seed, and must agree bit for bit.

    python -m benchmarks uncertainty            # 200 samples
    python -m benchmarks uncertainty --quick    # 10 samples
"""
from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.bench_read import _load, _machine

BUNDLED = Path(__file__).resolve().parents[1] / "scenarios" / "territoires-industrie.xlsx"
SEED = 1


def _same(a, b) -> bool:
    return all(x.equals(y) for x, y in ((a.frequency, b.frequency),
                                        (a.distribution, b.distribution),
                                        (a.draws.drop(columns="seconds"),
                                         b.draws.drop(columns="seconds"))))


def run(quick: bool = False) -> str:
    import allocator
    from allocator.analyse.uncertainty import monte_carlo
    from allocator.solve import solve

    samples = 10 if quick else 200
    problem = allocator.load(BUNDLED)
    scenario = problem.scenario()
    load_before = _load()
    singles = []

    def time_one_solve(times: int):
        for _ in range(times):
            t0 = time.perf_counter()
            solve(problem, scenario, watchdog=False)
            singles.append(time.perf_counter() - t0)

    runs = {}

    def measure(label, **where):
        t0 = time.perf_counter()
        u = monte_carlo(problem, scenario, samples=samples, seed=SEED, progress=False, **where)
        runs[label] = (u, time.perf_counter() - t0)

    commands = []
    for _ in range(3):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "allocator.cli", "solve", str(BUNDLED),
                        "--near-misses", "0", "--json", "-q"], check=True, capture_output=True)
        commands.append(time.perf_counter() - t0)
    command = statistics.median(commands)
    time_one_solve(3)
    measure("serial (this process)", workers=1)
    measure("2 local processes", workers=2)
    from distributed import LocalCluster
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None, silence_logs=40) as cluster:
        measure("Dask LocalCluster, 2 workers × 1 thread", workers=2,
                scheduler=cluster.scheduler_address)
    time_one_solve(3)  # before and after: the load of a shared machine drifts
    one = statistics.median(singles)
    load_after = _load()

    reference = next(iter(runs.values()))[0]
    rows = []
    for label, (u, wall) in runs.items():
        solver = float(u.draws["seconds"].sum())
        rows.append(f"| {label} | {wall:.1f} | {u.batch.seconds:.1f} | {solver:.1f} | "
                    f"{u.batch.seconds / (samples * one):.2f} | {wall / (samples * one):.2f} | "
                    f"{wall / (samples * command):.3f} | "
                    f"{'yes' if _same(reference, u) else 'NO'} |")
    stats = reference.draws["seconds"]
    lines = [
        "## Uncertainty", "",
        f"`allocator uncertainty` on `scenarios/territoires-industrie.xlsx` (2,000 projects, "
        f"scenario `{scenario.name}`), {samples} samples, seed {SEED}. One solve (formulate + "
        f"HiGHS on the central estimate, median of 3 before and 3 after the runs: "
        f"{min(singles):.2f}–{max(singles):.2f} s): **{one:.2f} s**, so {samples} × one solve "
        f"= {samples * one:.0f} s. A draw re-solves the worker's HiGHS model with a new "
        "objective, near the central allocation (`backends.highs.nearby.Nearby`): solver time per "
        f"draw median {stats.median():.3f} s ({stats.median() / one:.2f} of one solve), 90th "
        f"percentile {stats.quantile(0.9):.3f} s, max {stats.max():.2f} s.",
        "",
        f"One `allocator solve` command (read, validate, solve, shadow prices, JSON; median "
        f"of 3): **{command:.2f} s**, so {samples} commands = {samples * command:.0f} s.", "",
        "| run | wall s (whole) | wall s (draws) | solver s (sum over draws) | draws / "
        f"({samples} × one solve) | whole / ({samples} × one solve) | whole / ({samples} "
        "commands) | same results |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
        *rows, "",
        f"Load average {load_before} before, {load_after} after (2 cores shared with other "
        "work: the parallel figures are only as good as the cores that were free).",
        "",
        f"Command: `python -m benchmarks uncertainty{' --quick' if quick else ''}`. Machine: "
        f"{_machine()}.", ""]
    return "\n".join(lines)
