"""What the exact default costs: the bundled workbook's presets solved at gap 1e-6 against the
same code at 1e-4, and, with ``--against``, against another checkout's 1e-4 (issue 16, target
1: no slower than 1.5× the 1e-4 time of the code the issue was filed on, 3580cc6; the target
is read against the first 1e-4 column).

    python -m benchmarks gap                                   # this checkout, 1e-4 and 1e-6
    python -m benchmarks.bench_gap --against /tmp/filed        # and a checkout's own 1e-4
    python -m benchmarks.bench_gap --presets balanced --rounds 5

(``git worktree add /tmp/filed 3580cc6`` makes the checkout the issue was filed on.)

Each configuration runs in a fresh process with its own code on the path: it loads the
workbook, solves once to warm up, then times ``SOLVES`` solves of
``allocator.solve.run.solve(problem, scenario, gap=…, watchdog=False)``, formulation included
(the watched child's fork would add the same ~15 ms to both gaps). The configurations take
turns, ``rounds`` times, so that a noisy moment of a shared machine falls on each of them; a
figure is the median of all its solves.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
WORKBOOK = HERE / "scenarios" / "territoires-industrie.xlsx"
PRESETS = ("balanced", "jobs_first", "skills_first", "regional_equity")
EXACT, COARSE = 1e-6, 1e-4
TARGET = 1.5
SOLVES = 5

# run in the checkout measured, whose API may be older than this one's: only ``load`` and
# ``solve(problem, scenario, gap=, watchdog=)``, which every revision since the issue has
WORKER = """
import json, sys, time
import allocator
from allocator.solve.run import solve
problem = allocator.load(sys.argv[1])
scenario = problem.scenario(sys.argv[2])
gap, n = float(sys.argv[3]), int(sys.argv[4])
solve(problem, scenario, gap=gap, watchdog=False)
runs = []
for _ in range(n):
    t0 = time.perf_counter()
    _, out = solve(problem, scenario, gap=gap, watchdog=False)
    runs.append([time.perf_counter() - t0, str(out.status), out.objective])
print(json.dumps(runs))
"""


def configurations(against: Path | None) -> list[tuple[str, Path, float]]:
    """(name, checkout, gap) of every configuration measured."""
    out = [("this, 1e-4", HERE, COARSE), ("this, 1e-6", HERE, EXACT)]
    if against is not None:
        out.insert(0, (f"{against.name}, 1e-4", against, COARSE))
    return out


def solves(checkout: Path, preset: str, gap: float, n: int) -> list[list]:
    """``n`` timed solves of ``preset`` at ``gap`` by the code of ``checkout``, in a fresh
    process: [seconds, status, objective] each."""
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    done = subprocess.run([sys.executable, "-c", WORKER, str(WORKBOOK), preset, repr(gap),
                           str(n)], env=env, cwd=checkout, capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(presets, against: Path | None, rounds: int) -> list[dict]:
    rows = []
    for preset in presets:
        runs: dict[str, list] = {name: [] for name, _, _ in configurations(against)}
        for _ in range(rounds):
            for name, checkout, gap in configurations(against):
                runs[name] += solves(checkout, preset, gap, SOLVES)
        rows.append({"preset": preset, "runs": runs})
    return rows


def table(rows: list[dict]) -> str:
    names = list(rows[0]["runs"]) if rows else []
    head = "| preset | " + " | ".join(names) + " | 1e-6 ÷ " + " | 1e-6 ÷ ".join(
        n for n in names if n.endswith("1e-4")) \
        + f" | within {TARGET:g}× of {names[0] if names else ''} | 1e-6 status |"
    out = [head, "|---|" + "---:|" * (2 * len(names) - 1) + "---|---|"]
    for row in rows:
        median = {n: statistics.median(r[0] for r in runs) for n, runs in row["runs"].items()}
        exact = median["this, 1e-6"]
        ratios = [exact / median[n] for n in names if n.endswith("1e-4")]
        statuses = sorted({r[1] for r in row["runs"]["this, 1e-6"]})
        out.append(f"| `{row['preset']}` | " + " | ".join(f"{median[n]:.3f} s" for n in names)
                   + " | " + " | ".join(f"{q:.2f}" for q in ratios)
                   + f" | {'yes' if ratios[0] <= TARGET else '**no**'} | "
                   + ", ".join(statuses) + " |")
    return "\n".join(out)


def report(presets, against: Path | None, rounds: int, command: str) -> str:
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    rows = measure(presets, against, rounds)
    return "\n".join([
        "## Exact by default: the bundled presets at 1e-6 against 1e-4\n",
        f"Command: `{command}`. Load average {load:.1f} before, {os.getloadavg()[0]:.1f} "
        f"after; {time.perf_counter() - t0:.0f} s in all. Medians of {rounds * SOLVES} "
        "solves each (formulation included, in process), configurations taking turns.\n",
        table(rows), ""])


def run(quick: bool = False) -> str:
    return report(PRESETS[:1] if quick else PRESETS, None, 1 if quick else 3,
                  f"python -m benchmarks{' --quick' if quick else ''} gap")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_gap", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--against", type=Path, help="another checkout, measured at 1e-4")
    parser.add_argument("--presets", default=",".join(PRESETS), help="comma-separated")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    presets = [p.strip() for p in args.presets.split(",") if p.strip()]
    print(report(presets, args.against.resolve() if args.against else None, args.rounds,
                 "python -m benchmarks.bench_gap " + " ".join(argv or sys.argv[1:])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
