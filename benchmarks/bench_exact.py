"""Time to the proven optimum at the default gap (1e-6 relative, or the whole-number optimum of
an objective in steps): allocator against bare HiGHS, CBC and SCIP on the model allocator
exports, in the same run.

For each instance the model is formulated once and written as MPS (by HiGHS's writer, as
``H.build(model).writeModel``: the same arrays ``--export-model`` writes through PuLP); then,
each in a fresh spawned process:

- ``allocator``: ``solve_model(model, "highs", SolveOptions(gap=1e-6))``, the default path (LP
  first, RENS, cover cuts, reduced-cost fixing, HiGHS's MILP), the model already in memory;
- ``HiGHS``: highspy reads the MPS file and solves it with its defaults;
- ``CBC``: the cbc binary PuLP ships, on the MPS file (``-solve``);
- ``SCIP``: OR-Tools' model_builder reads the MPS file and SCIP solves it;

each told the same gaps (``backends.stopping_gaps``: relative 1e-6, or an absolute gap below
the objective's step, where it has one). A bare solver's time counts reading the file.
The solvers take turns, one repeat each in a fresh process, as many rounds as repeats (a
first solve in a process is no slower than the next: bundled `balanced` 0.159 s against
0.155–0.170). Times are medians of the repeats; the ratio is allocator's time over the
fastest bare solver that proved the optimum. Every solver's objective is checked against
allocator's.

Instances: the four presets of the bundled workbook; synthetic N = 1,000 / 2,000 / 10,000 /
100,000 (and 1,000,000 in the full run, with build time and peak memory: issue 16's target 4);
OR-Library mknap1 (7), three mknapcb1 instances, Pisinger's three 0-1 knapsacks of 10,000
items. The synthetic rows draw ``benchmarks/scaling.png``.
"""
from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench_solve import _cpu, _peaks, isolated

GAP = 1e-6
SOLVERS = ("allocator", "HiGHS", "CBC", "SCIP")
SYNTHETIC = (1_000, 2_000, 10_000, 100_000)
HUGE = 1_000_000
CB1 = (1, 8, 15)  # three of the ten cb1 instances HiGHS proves fastest (tests/test_orlib.py)
KNAPSACKS = ("knapPI_1_10000_1000_1", "knapPI_2_10000_1000_1", "knapPI_3_10000_1000_1")
PRESETS = ("balanced", "jobs_first", "skills_first", "regional_equity")


def specs(quick: bool) -> list[tuple]:
    """The instances, as (kind, key)."""
    out: list[tuple] = [("bundled", p) for p in (PRESETS[:1] if quick else PRESETS)]
    out += [("synthetic", n) for n in (SYNTHETIC[:1] if quick else SYNTHETIC + (HUGE,))]
    from benchmarks.instances import data_dir
    if (data_dir() / "orlib" / "mknap1.txt").is_file():
        out += [("mknap1", i) for i in (range(2) if quick else range(7))]
        if not quick:
            out += [("mknapcb1", i) for i in CB1]
    if not quick and (data_dir() / "knapsack" / "large_scale").is_dir():
        out += [("knapsack", k) for k in KNAPSACKS]
    return out


def label(spec) -> str:
    kind, key = spec
    if kind == "synthetic":
        return f"synthetic {key:,}"
    if kind in ("mknap1", "mknapcb1"):
        return f"mknap1-{key + 1}" if kind == "mknap1" else f"mknapcb1 5.100-{key:02d}"
    return f"bundled `{key}`" if kind == "bundled" else str(key)


def limits(spec) -> float:
    kind, key = spec
    if kind == "synthetic":
        return 60.0 if key >= HUGE else 120.0
    return 60.0


def repeats(spec, quick: bool) -> int:
    kind, key = spec
    if quick or (kind == "synthetic" and key >= 10_000) or kind == "mknapcb1":
        return 1
    return 3


# ----------------------------------------------------------------------------- tasks

def _model(spec, keep: bool = False):
    """The allocator model of an instance, with build seconds (validate + formulate); with
    ``keep``, its problem and scenario too."""
    import allocator
    from allocator.formulate import formulate
    kind, key = spec
    t0 = time.perf_counter()
    if kind == "bundled":
        from benchmarks.bench_end_to_end import BUNDLED
        problem = allocator.load(BUNDLED)
        scenario = problem.scenario(key)
    elif kind == "synthetic":
        from benchmarks import synthetic
        frames = synthetic.tables(key)
        t0 = time.perf_counter()
        problem, scenario = synthetic.problem(key, frames=frames)
    else:
        from benchmarks.bench_orlib import to_problem
        from benchmarks.instances import data_dir, read_knapsack, read_orlib
        if kind == "knapsack":
            inst = read_knapsack(data_dir() / "knapsack" / "large_scale" / key)
        else:
            inst = read_orlib(data_dir() / "orlib" / f"{kind}.txt")[key]
        problem, scenario = to_problem(inst)
    t1 = time.perf_counter()
    model = formulate(problem, scenario)
    if keep:
        return model, t1 - t0, time.perf_counter() - t1, problem, scenario
    return model, t1 - t0, time.perf_counter() - t1


def prepare_task(spec, path: str) -> dict:
    """Formulate, write the MPS file, and the gaps every solver is told."""
    from allocator.backends import SolveOptions, objective_step, stopping_gaps
    from allocator.backends.highs import instance as H
    model, _, _ = _model(spec)
    h = H.build(model)
    h.writeModel(path)
    step = objective_step(model)
    rel, absolute = stopping_gaps(SolveOptions(gap=GAP), step)
    return {"rows": model.shape[0], "cols": model.shape[1], "nnz": int(model.A.nnz),
            "step": step, "rel": rel, "abs": absolute}


def allocator_task(spec, limit: float, n: int) -> dict:
    from allocator.solve.run import solve
    model, validate, formulate, problem, scenario = _model(spec, keep=True)
    runs = []
    for _ in range(n):
        c0, t0 = _cpu(), time.perf_counter()
        # the library's solve, as `allocator solve` runs it: the ranking's allocation first,
        # then HiGHS LP first in a watched child (its CPU counted by ``_cpu``)
        _, out = solve(problem, scenario, model=model, gap=GAP, time_limit=limit,
                       backend="highs")
        runs.append({"wall": time.perf_counter() - t0, "cpu": _cpu() - c0,
                     "proven": out.status == "optimal", "objective": out.objective,
                     "bound": out.bound})
    return {"runs": runs, "validate": validate, "formulate": formulate, **_peaks()}


def highs_task(path: str, rel: float, absolute: float, limit: float, n: int) -> dict:
    from allocator.backends.highs.instance import new_highs
    runs = []
    for _ in range(n):
        t0 = time.perf_counter()
        h = new_highs()
        h.setOptionValue("output_flag", False)
        h.readModel(path)
        for key, value in (("mip_rel_gap", rel), ("time_limit", limit), ("random_seed", 0)):
            h.setOptionValue(key, value)
        if absolute:
            h.setOptionValue("mip_abs_gap", absolute)
        h.run()
        info = h.getInfo()
        found = info.primal_solution_status == 2  # else its objective reads inf
        runs.append({"wall": time.perf_counter() - t0,
                     "proven": h.modelStatusToString(h.getModelStatus()) == "Optimal",
                     "objective": info.objective_function_value if found else None,
                     "bound": info.mip_dual_bound})
    return {"runs": runs, **_peaks()}


def scip_task(path: str, rel: float, absolute: float, limit: float, n: int) -> dict:
    from ortools.linear_solver.python import model_builder as mb
    runs = []
    for _ in range(n):
        t0 = time.perf_counter()
        model = mb.Model()
        model.import_from_mps_file(path)
        solver = mb.Solver("scip")
        solver.set_time_limit_in_seconds(limit)
        solver.set_solver_specific_parameters(
            f"limits/gap = {rel}\nlimits/absgap = {absolute}\nrandomization/randomseedshift = 0")
        status = solver.solve(model)
        ok = status in (mb.SolveStatus.OPTIMAL, mb.SolveStatus.FEASIBLE)
        runs.append({"wall": time.perf_counter() - t0,
                     "proven": status == mb.SolveStatus.OPTIMAL,
                     "objective": solver.objective_value if ok else None,
                     "bound": solver.best_objective_bound if ok else None})
    return {"runs": runs, **_peaks()}


def cbc_binary() -> str:
    import pulp
    return pulp.apis.PULP_CBC_CMD().path


def cbc_task(path: str, rel: float, absolute: float, limit: float, n: int) -> dict:
    runs = []
    program = cbc_binary()  # PuLP imported here, not in the time (~30 ms, mknap1's whole solve)
    with tempfile.TemporaryDirectory(prefix="allocator-cbc-") as tmp:
        solution = os.path.join(tmp, "solution.txt")
        for _ in range(n):
            t0 = time.perf_counter()
            try:
                done = subprocess.run(
                    # the file asks to maximise in an OBJSENSE section, which CBC's reader skips
                    [program, path, "-max", "-ratioGap", repr(rel), "-allowableGap",
                     repr(absolute), "-increment", "0", "-timeMode", "elapsed",
                     "-seconds", repr(limit),
                     "-randomCbcSeed", "0", "-solve", "-solution", solution],
                    capture_output=True, text=True, timeout=limit + OVERRUN)
            except subprocess.TimeoutExpired:
                # CBC past its own limit (at 100,000 projects, still in its root): stopped
                # there, nothing proven; this was the "error" of the former runs
                runs.append(stopped(time.perf_counter() - t0))
                continue
            wall = time.perf_counter() - t0
            head = Path(solution).read_text().splitlines()[0] if os.path.exists(solution) else ""
            value = re.search(r"objective value\s+(-?[0-9.eE+-]+)", head)
            bound = re.search(r"(?:Lower bound|Best possible):\s+(-?[0-9.eE+-]+)", done.stdout)
            runs.append({"wall": wall, "proven": head.startswith("Optimal"),
                         "objective": abs(float(value.group(1))) if value else None,
                         "bound": abs(float(bound.group(1))) if bound else None})
    return {"runs": runs, **_peaks()}


# ----------------------------------------------------------------------------- measure

OVERRUN = 60.0  # seconds a solver may run past its limit (reading a file of 1,000,000
# projects is part of its time) before it is stopped and shown "stopped at the limit"


def stopped(wall: float) -> dict:
    """A run stopped past its limit: no allocation known, nothing proven."""
    return {"wall": wall, "proven": False, "objective": None, "bound": None, "stopped": True}


def bare(task, path: str, gaps: tuple, limit: float, n: int) -> dict:
    """A bare solver's ``task`` in a fresh process, stopped ``OVERRUN`` seconds past its limit
    (per repeat): a solver that overruns its own limit is a point "stopped at the limit" at
    the wall time it was stopped, not an error without a point."""
    t0 = time.perf_counter()
    # a margin past CBC's own timeout, so that its task stops the cbc process first (killing
    # the task would leave it running)
    result = isolated(task, path, *gaps, limit, n, timeout=n * (limit + OVERRUN) + 30)
    if "error" in result and result["error"].startswith("killed after"):
        return {"runs": [stopped((time.perf_counter() - t0) / n)] * n}
    return result

def measure(quick: bool, only: list[tuple] | None = None, times: int | None = None
            ) -> list[dict]:
    """Every instance of ``specs(quick)``, or those of ``only``; ``times``: the repeats of
    each, instead of ``repeats``."""
    rows = []
    folder = tempfile.mkdtemp(prefix="allocator-bench-exact-")
    try:
        for spec in specs(quick) if only is None else only:
            path = os.path.join(folder, "model.mps")
            limit, n = limits(spec), times or repeats(spec, quick)
            timeout = n * (limit + 30) + 600
            row = {"spec": spec, "limit": limit, "repeats": n,
                   "model": isolated(prepare_task, spec, path, timeout=timeout)}
            if "error" in row["model"]:
                rows.append(row)
                continue
            gaps = (row["model"]["rel"], row["model"]["abs"])
            # the solvers take turns, one repeat each, so that a noisy moment of a shared
            # machine falls on all of them rather than on one solver's block of repeats
            rounds: dict[str, list[dict]] = {name: [] for name in SOLVERS}
            for _ in range(n):
                rounds["allocator"].append(
                    isolated(allocator_task, spec, limit, 1, timeout=timeout))
                for name, task in (("HiGHS", highs_task), ("CBC", cbc_task),
                                   ("SCIP", scip_task)):
                    rounds[name].append(bare(task, path, gaps, limit, 1))
            row.update({name: _merged(results) for name, results in rounds.items()})
            rows.append(row)
            print(f"<!-- {label(spec)}: " + ", ".join(
                f"{s} {_time(row.get(s, {}))}" for s in SOLVERS) + " -->", flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return rows


def _merged(results: list[dict]) -> dict:
    """One solver's rounds as one result: every run, the first round's other figures (its
    build times) and the largest peaks; the first error, if any round had one."""
    failed = [r for r in results if "error" in r]
    if failed:
        return failed[0]
    merged = {**results[0], "runs": [run for r in results for run in r["runs"]]}
    for key in ("peak_mb", "child_peak_mb"):
        if key in merged:
            merged[key] = max(r[key] for r in results)
    return merged


def _time(result: dict) -> str:
    """Median wall seconds when every repeat proved the optimum, else '>limit' or the error."""
    if "error" in result:
        return f"error ({result['error'][:80]})"  # the reason, read at last
    runs = result.get("runs") or []
    wall = statistics.median(r["wall"] for r in runs) if runs else math.nan
    if runs and all(r["proven"] for r in runs):
        return f"{wall:.2f}"
    if any(r.get("stopped") for r in runs):
        return f"stopped past its limit ({wall:.0f} s)"
    return f"not proven ({wall:.0f} s)"


def proven_seconds(result: dict) -> float | None:
    runs = (result or {}).get("runs") or []
    if "error" in (result or {}) or not runs or not all(r["proven"] for r in runs):
        return None
    return statistics.median(r["wall"] for r in runs)


def _objective(result: dict) -> float | None:
    runs = (result or {}).get("runs") or []
    return runs[-1]["objective"] if runs else None


def table(rows: list[dict]) -> str:
    out = ["| instance | rows × cols | allocator s | HiGHS s | CBC s | SCIP s | allocator ÷ "
           "fastest bare | largest objective difference |",
           "|---|---|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        if "error" in row["model"]:
            out.append(f"| {label(row['spec'])} | error: {row['model']['error']} |||||||")
            continue
        m = row["model"]
        cells = [_time(row[s]) for s in SOLVERS]
        bare = [t for s in SOLVERS[1:] if (t := proven_seconds(row[s])) is not None]
        mine = proven_seconds(row["allocator"])
        ratio = f"**{mine / min(bare):.2f}**" if bare and mine is not None else "—"
        ref = _objective(row["allocator"])
        diffs = [abs(o - ref) / max(1.0, abs(ref)) for s in SOLVERS[1:]
                 if ref is not None and (o := _objective(row[s])) is not None]
        diff = f"{max(diffs):.1e}" if diffs else "—"
        out.append(f"| {label(row['spec'])} | {m['rows']:,} × {m['cols']:,} | "
                   + " | ".join(cells) + f" | {ratio} | {diff} |")
    return "\n".join(out)


def scale_note(rows: list[dict]) -> str:
    lines = []
    for row in rows:
        kind, key = row["spec"]
        a = row.get("allocator") or {}
        if kind != "synthetic" or "runs" not in a:
            continue
        r = a["runs"][0]
        gap = None if r["bound"] is None or r["objective"] is None else \
            max(0.0, r["bound"] - r["objective"]) / abs(r["objective"])
        lines.append(f"- {key:,} projects: validate {a['validate']:.1f} s, formulate "
                     f"{a['formulate']:.1f} s, solve {r['wall']:.1f} s "
                     f"({'proven' if r['proven'] else 'not proven'}, gap "
                     f"{'—' if gap is None else f'{gap:.1e}'}), peak RSS {a['peak_mb']:.0f} MB")
    return "\n".join(lines)


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 4.5))
    synthetic = [r for r in rows if r["spec"][0] == "synthetic" and "allocator" in r]
    colours: dict[str, str] = {}
    for solver, marker in zip(SOLVERS, "osD^"):
        xs, ys, open_x, open_y = [], [], [], []
        for r in synthetic:
            runs = r[solver].get("runs") or []
            if not runs:
                continue
            t = statistics.median(x["wall"] for x in runs)
            (xs if all(x["proven"] for x in runs) else open_x).append(r["spec"][1])
            (ys if all(x["proven"] for x in runs) else open_y).append(t)
        line, = ax.plot(xs, ys, marker=marker, label=solver)
        if open_x:
            ax.scatter(open_x, open_y, marker=marker, facecolors="none",
                       edgecolors=line.get_color(), s=80)
        colours[solver] = line.get_color()
    _label_stopped(ax, synthetic, colours)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(right=2e6)
    ax.set_xlabel("projects (synthetic, every rule on)")
    ax.set_ylabel("wall seconds to the proven optimum (gap 1e-6)")
    ax.set_title("Time to the proven optimum (limit 120 s, 60 s at 1,000,000)\n"
                 "hollow: stopped at the limit, not proven", fontsize=10)
    ax.legend(loc="upper left")
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120, metadata={"Software": "allocator benchmarks"})
    plt.close(fig)


def _label_stopped(ax, synthetic: list[dict], colours: dict[str, str]) -> None:
    """What each run stopped at the limit had (its gap, or nothing), left of its marker. Runs
    of one size that stopped with the same words share one label, naming them (at 1,000,000
    HiGHS and CBC both stop at 120 s with no allocation: two labels drawn over each other)."""
    for r in synthetic:
        said: dict[str, list[tuple[str, float]]] = {}
        for solver in SOLVERS:
            runs = r[solver].get("runs") or []
            if runs and not all(x["proven"] for x in runs) and (what := _stopped_with(runs[-1])):
                said.setdefault(what, []).append((solver, runs[-1]["wall"]))
        # stacked one line apart around their markers' middle (at 100,000 three solvers
        # stop within a factor 1.3 of each other, and their labels were drawn over each other)
        if not said:
            continue
        groups = sorted(said.items(), key=lambda item: -max(w for _, w in item[1]))
        y = statistics.geometric_mean(w for _, who in groups for _, w in who)
        texts = [(what if len(who) == 1 else f"{what}\n({', '.join(s for s, _ in who)})", who)
                 for what, who in groups]
        lines = [text.count("\n") + 1 for text, _ in texts]
        top = 9 * sum(lines) / 2  # points above the middle; a line of 7-point text takes 9
        for (text, who), n in zip(texts, lines):
            ax.annotate(text, (r["spec"][1], y), xytext=(-10, top - 9 * n / 2),
                        textcoords="offset points", ha="right", va="center", fontsize=7,
                        color=colours[who[0][0]] if len(who) == 1 else "0.3")
            top -= 9 * n


def _stopped_with(run: dict) -> str:
    """A stopped run's label: its allocation's gap to its bound, or that it had none."""
    if "objective" not in run:
        return ""  # not recorded
    objective, bound = run.get("objective"), run.get("bound")
    if objective is None or not math.isfinite(objective):
        return "no allocation"
    if bound is None or not math.isfinite(bound):
        return "no bound"
    return f"gap {max(0.0, bound - objective) / abs(objective):.2%}"


def run(quick: bool = False) -> str:
    rows, text = report(quick, None, f"python -m benchmarks{' --quick' if quick else ''} exact")
    if not quick:
        plot(rows, Path(__file__).with_name("scaling.png"))
    return text


def report(quick: bool, only: list[tuple] | None, command: str, times: int | None = None
           ) -> tuple[list[dict], str]:
    """The measured rows and their Markdown section."""
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    rows = measure(quick, only, times)
    return rows, "\n".join([
        "## Exact by default: time to the proven optimum against bare solvers\n",
        f"Command: `{command}`. "
        f"Load average {load:.1f} before, {os.getloadavg()[0]:.1f} after (2 CPUs); "
        f"{time.perf_counter() - t0:.0f} s in all. A time is the median of the repeats "
        + (f"({times})" if times else "(3, or 1 from 10,000 projects and on mknapcb1)")
        + ", the solvers taking turns, when every repeat proved the optimum.\n",
        table(rows), "", scale_note(rows), ""])


def main(argv=None) -> int:
    """Some instances only, named by their label (``synthetic 2,000``) or part of it
    (``regional_equity``, ``mknap1-``), without redrawing the plot:

        python -m benchmarks.bench_exact regional_equity mknapcb1
    """
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_exact",
                                     description=main.__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="+", help="parts of instance labels")
    parser.add_argument("--repeats", type=int, help="repeats of each (default: as the suite)")
    args = parser.parse_args(argv)
    labels = {label(s) for s in specs(False)}
    # a whole label is that instance alone ("synthetic 1,000" is part of "synthetic 1,000,000")
    chosen = [s for s in specs(False) if any(
        n == label(s) if n in labels else n in label(s) for n in args.names)]
    if not chosen:
        parser.error("no instance label contains " + ", ".join(args.names) + "; labels: "
                     + ", ".join(label(s) for s in specs(False)))
    _, text = report(False, chosen, "python -m benchmarks.bench_exact "
                     + " ".join(argv or sys.argv[1:]), args.repeats)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
