"""External instances with known optima: OR-Library multi-dimensional knapsacks and Pisinger's
0-1 knapsacks, solved through allocator (frames → validate → formulate → backend).

Each item is a project (profit as ``jobs``, weights as ``use:r1`` … ``use:rm``), each knapsack
constraint a resource, the budget never binds; the scenario weighs jobs alone in raw units.

- mknapcb1 (n=100, m=5), mknapcb4 (n=100, m=10), mknap1 (7 small): the value each backend
  reaches in 10 s (gap 0 asked) and its gap to the best known value (Chu & Beasley 1998;
  optimal for mknap1 and cb1).
- large_scale 0-1 knapsacks (n = 100 … 10,000): time to the proven optimum, per backend.

``python -m benchmarks.bench_orlib --ten-seconds [FILE…]`` (default mknapcb1.txt mknapcb4.txt):
issue 16's target 3, allocator's default solve for 10 s on every instance of the files.

Data: ``../shared/data/benchmarks`` beside the repository, or ``ALLOCATOR_BENCHMARK_DATA``.
"""
from __future__ import annotations

import statistics
import time

import numpy as np
import pandas as pd

from benchmarks.bench_solve import _cpu  # CBC runs as a child: its CPU counts
from benchmarks.instances import data_dir, read_knapsack, read_orlib

BACKENDS = ("highs", "scip", "cbc")
TIME_LIMIT = 10.0
KNAPSACK_LIMIT = 60.0


def to_problem(inst: dict):
    """The instance as allocator tables, validated: a Problem and its scenario."""
    import allocator
    n, m = inst["n"], inst["m"]
    projects = pd.DataFrame({
        "project_id": [f"item-{j + 1}" for j in range(n)], "territory_id": "T1",
        "title": [f"Item {j + 1}" for j in range(n)], "theme": "innovation",
        "total_cost": 1e6, "requested": 1e6, "jobs": inst["profit"],
        **{f"use:r{i + 1}": inst["weights"][i] for i in range(m)}})
    resources = pd.DataFrame({"resource": [f"r{i + 1}" for i in range(m)],
                              "capacity": inst["capacity"]})
    scenarios = pd.DataFrame({"parameter": ["budget", "weight.jobs", "weight.skills",
                                            "weight.innovation", "normalise", "gap"],
                              "knapsack": [2e6 * n + 1e6, 1, 0, 0, "none", 0]})
    problem = allocator.from_tables(projects, resources=resources, scenarios=scenarios)
    return problem, problem.scenario("knapsack")


def solve_instance(inst: dict, backend: str, time_limit: float) -> dict:
    """Value reached (funded profit, checked feasible), status, wall and CPU seconds."""
    from allocator.backends import SolveOptions, solve_model
    from allocator.formulate import formulate
    problem, scenario = to_problem(inst)
    model = formulate(problem, scenario)
    c0, t0 = _cpu(), time.perf_counter()
    out = solve_model(model, backend, SolveOptions(time_limit=time_limit, gap=0.0, threads=1))
    wall, cpu = time.perf_counter() - t0, _cpu() - c0
    value = None
    if out.values is not None:
        x = np.round(out.values[:inst["n"]]) > 0.5
        if (inst["weights"] @ x <= inst["capacity"] + 1e-9).all():
            value = float(inst["profit"][x].sum())
    return dict(value=value, status=out.status, bound=out.bound, wall=wall, cpu=cpu)


def _gap(value, best) -> float | None:
    return None if value is None else (best - value) / best


def _fmt_gap(g) -> str:
    if g is None:
        return "—"
    return "0" if abs(g) < 5e-10 else f"{g:.2%}" if g >= 0 else f"−{-g:.2%}"


def mknap_section(quick: bool) -> str:
    root = data_dir() / "orlib"
    best = pd.read_csv(root / "mknap_best_known.csv").set_index(["file", "index_in_file"])
    files = ("mknapcb1.txt", "mknapcb4.txt", "mknap1.txt")
    lines = [f"### OR-Library multi-dimensional knapsack: value reached in {TIME_LIMIT:g} s\n",
             "Gap = (best known − value) / best known; a negative gap would beat the best "
             "known value. Status `optimal` means the solver proved it (gap 0 asked); "
             "`feasible` means it stopped at the time limit. One thread per solver.\n"]
    summary = []
    for fname in files:
        problems = read_orlib(root / fname)
        picks = range(len(problems))
        if quick:
            picks = [0] if fname != "mknapcb1.txt" else [0, 1]
        head = "| instance | n×m | best known | " + " | ".join(
            f"{b} value | {b} gap | {b} status | {b} s" for b in BACKENDS) + " |"
        rows = [head, "|" + "---|" * (3 + 4 * len(BACKENDS))]
        per = {b: [] for b in BACKENDS}
        for k in picks:
            inst = problems[k]
            target = float(best.loc[(fname, k), "best_known"])
            name = str(best.loc[(fname, k), "instance"])
            cells = [name, f"{inst['n']}×{inst['m']}", f"{target:g}"]
            for b in BACKENDS:
                r = solve_instance(inst, b, TIME_LIMIT)
                g = _gap(r["value"], target)
                per[b].append((g, r))
                cells += ["—" if r["value"] is None else f"{r['value']:g}", _fmt_gap(g),
                          r["status"], f"{r['wall']:.1f}"]
            rows.append("| " + " | ".join(cells) + " |")
        lines.append(f"**{fname}** ({len(picks)} instances)\n")
        lines += rows + [""]
        for b in BACKENDS:
            gaps = [g for g, _ in per[b] if g is not None]
            summary.append((fname, b, len(per[b]),
                            sum(1 for g in gaps if abs(g) < 5e-10),
                            sum(1 for _, r in per[b] if r["status"] == "optimal"),
                            statistics.mean(gaps) if gaps else None, max(gaps) if gaps else None,
                            statistics.median(r["wall"] for _, r in per[b]),
                            sum(r["cpu"] for _, r in per[b])
                            / max(1, sum(r["wall"] for _, r in per[b]))))
    lines += ["**Summary**\n",
              "| file | backend | instances | reached best known | proved optimal | mean gap | "
              "worst gap | median s | CPU/wall |", "|---|---|---|---|---|---|---|---|---|"]
    for fname, b, k, hit, opt, mean, worst, med, ratio in summary:
        lines.append(f"| {fname} | {b} | {k} | {hit} | {opt} | {_fmt_gap(mean)} | "
                     f"{_fmt_gap(worst)} | {med:.1f} | {ratio:.2f} |")
    return "\n".join(lines) + "\n"


def knapsack_section(quick: bool) -> str:
    root = data_dir() / "knapsack"
    optima = pd.read_csv(root / "optima.csv")
    optima = optima[optima["set"] == "large_scale"].copy()
    optima["kind"] = optima["instance"].str.split("_").str[1].astype(int)
    optima = optima.sort_values(["kind", "n"])
    if quick:
        optima = optima[optima["n"] <= 1000].head(2)
    lines = [f"### 0-1 knapsack (Pisinger large_scale): time to the proven optimum "
             f"(limit {KNAPSACK_LIMIT:g} s)\n",
             "| instance | type | n | optimum | " + " | ".join(f"{b} s" for b in BACKENDS) + " |",
             "|---|---|---|---|" + "---|" * len(BACKENDS)]
    for _, row in optima.iterrows():
        inst = read_knapsack(root / "large_scale" / row["instance"])
        cells = [row["instance"], row["type"], f"{row['n']}", f"{row['optimum']}"]
        for b in BACKENDS:
            r = solve_instance(inst, b, KNAPSACK_LIMIT)
            if r["value"] == row["optimum"] and r["status"] == "optimal":
                cells.append(f"{r['wall']:.2f}")
            elif r["value"] is None:
                cells.append(f"no solution ({r['status']}, {r['wall']:.0f} s)")
            else:
                cells.append(f"**{r['value']:g}** ({r['status']}, {r['wall']:.1f} s)")
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("\nA time is shown when the backend returned the known optimum and proved it; "
                 "otherwise the value it returned (bold), its status and time.")
    return "\n".join(lines) + "\n"


def run(quick: bool = False) -> str:
    if not (data_dir() / "orlib" / "mknap_best_known.csv").is_file():
        return f"## External instances\n\nSkipped: no benchmark data at {data_dir()}.\n"
    t0 = time.perf_counter()
    body = mknap_section(quick) + "\n" + knapsack_section(quick)
    return (f"## External instances\n\n{__doc__.split(chr(10) + chr(10), 1)[1].strip()}\n\n"
            f"{body}\n_Total time: {time.perf_counter() - t0:.0f} s._\n")


def ten_seconds(files: list[str], limit: float = TIME_LIMIT) -> str:
    """Issue 16's target 3: allocator's default solve (HiGHS LP first or direct, CBC racing
    it on the other core, gap 1e-6) on every instance of ``files``, ``limit`` seconds each:
    the mean gap to the best known value, per file and over all (an allocation above the
    best known, which is then only a lower bound of the optimum, counts as a negative gap)."""
    from allocator.backends import SolveOptions, solve_model
    from allocator.formulate import formulate
    root = data_dir() / "orlib"
    best = pd.read_csv(root / "mknap_best_known.csv").set_index(["file", "index_in_file"])
    lines = ["| file | mean gap to best known | reached best known | proven optimal | "
             "ended on CBC's allocation | median s | s in all |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    every: list[float] = []
    for fname in files:
        gaps, reached, proven, cbc, walls = [], 0, 0, 0, []
        for k, inst in enumerate(read_orlib(root / fname)):
            target = float(best.loc[(fname, k), "best_known"])
            problem, scenario = to_problem(inst)
            model = formulate(problem, scenario)
            t0 = time.perf_counter()
            out = solve_model(model, "highs", SolveOptions(time_limit=limit, gap=1e-6))
            walls.append(time.perf_counter() - t0)
            assert out.values is not None, f"{fname} #{k}: no allocation"
            x = np.round(out.values[:inst["n"]]) > 0.5
            assert (inst["weights"] @ x <= inst["capacity"] + 1e-9).all(), f"{fname} #{k}"
            value = float(inst["profit"][x].sum())
            gaps.append((target - value) / target)
            reached += value >= target
            proven += out.status == "optimal"
            cbc += "CBC" in out.solver
        every += gaps
        lines.append(f"| {fname} | {statistics.mean(gaps):.4%} | {reached} of {len(gaps)} "
                     f"| {proven} | {cbc} | {statistics.median(walls):.1f} | {sum(walls):.0f} |")
    lines.append(f"| all | **{statistics.mean(every):.4%}** | | | | | |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    import sys
    if "--ten-seconds" in sys.argv:  # python -m benchmarks.bench_orlib --ten-seconds FILE…
        chosen = [a for a in sys.argv[1:] if not a.startswith("--")]
        print(ten_seconds(chosen or ["mknapcb1.txt", "mknapcb4.txt"]))
    else:
        print(run(quick="--quick" in sys.argv))
