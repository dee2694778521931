"""The solve step at N = 1,000 … 100,000 projects, every rule on, and its scaling.

Instances come from ``benchmarks/synthetic.py`` (seeded), plus the bundled workbook. For each
N, separately timed:

- validate (``allocator.from_tables``) and formulate (``allocator.formulate.model.formulate``);
- the naive PuLP build a newcomer would write from the same tables (per-project dicts,
  ``lpSum`` per rule, projects grouped by region/territory/theme in one pass): the baseline
  for build time, measured in the same run; at N = 1,000 it is also solved (PuLP → HiGHS) and
  its optimum compared with allocator's, to show that it encodes the same rules;
- the MILP per backend (``allocator.backends.solve_model``), gap 1e-4, with a time limit:
  ``highs`` is allocator's default path (LP relaxation first, RENS, cover cuts, reduced-cost
  fixing, then HiGHS's MILP only when the bounds do not meet:
  ``allocator/backends/highs/mip.py``);
  ``highs-plain`` is HiGHS's own MILP on the same arrays (the default path before it); SCIP
  via OR-Tools and CBC via PuLP up to N = 10,000;
- the LP relaxation (HiGHS with its default options, as the issue measured it, and without
  presolve, as allocator's path solves it) and the MILP/LP time ratio (target ≤ 10).

Each measurement runs in a fresh process (spawned), so its peak RSS is its own; CBC runs as a
child process of that one and its peak is reported apart. Times are medians of the repeats
(3 at N ≤ 10,000, 1 above); CPU seconds (process + children) are given beside wall
seconds because the benchmark machine may be shared. The scaling plot
(``benchmarks/solve_scaling.png``, log-log) is drawn from the same run.
"""
from __future__ import annotations

import math
import multiprocessing as mp
import os
import re
import resource
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

SIZES = (1_000, 2_000, 10_000, 100_000)  # the tables
PLOT_SIZES = (1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000)  # the scaling plot
QUICK_SIZES, QUICK_PLOT_SIZES = (1_000,), (1_000, 2_000)
BUNDLED = "bundled"  # scenarios/territoires-industrie.xlsx, its first scenario


def repeats(n, quick: bool) -> int:
    return 1 if quick or (n != BUNDLED and n > 10_000) else 3


GAP = 1e-4
RATIO_TARGET = 10.0  # MILP within 10× the LP relaxation's time
RSS_TARGET_MB = 4096
# solver time limits (s); SCIP and CBC are run up to 10,000 projects only
SMALL = 10_000


def limit(backend: str, n) -> float | None:
    """Time limit for a backend at a size; None: not run there."""
    size = 2_000 if n == BUNDLED else n
    if backend in ("scip", "cbc"):
        return 120 if size <= SMALL else None
    return 60 if size <= 2_000 else 120 if size <= SMALL else 300


BACKENDS = ("highs", "highs-plain", "scip", "cbc")
LABELS = {"highs": "HiGHS, LP first (allocator)", "highs-plain": "HiGHS MILP alone",
          "scip": "SCIP (OR-Tools)", "cbc": "CBC (PuLP)"}


# ----------------------------------------------------------------------------- measuring

def _cpu() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _rss_mb() -> float:
    """Current resident set size of this process, MB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return math.nan


def _peaks() -> dict:
    """Peak RSS (MB) of this process and of its largest finished child."""
    return {"peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "child_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}


def _worker(conn, fn, args):
    try:
        conn.send(fn(*args))
    except BaseException as exc:  # noqa: BLE001 -- report, never hang the parent
        conn.send({"error": f"{type(exc).__name__}: {exc}"})
    finally:
        conn.close()


def isolated(fn, *args, timeout: float) -> dict:
    """``fn(*args)`` in a fresh spawned process, killed after ``timeout`` wall seconds."""
    ctx = mp.get_context("spawn")
    receive, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_worker, args=(send, fn, args))
    t0 = time.perf_counter()
    proc.start()
    send.close()
    if receive.poll(timeout):
        try:
            result = receive.recv()
        except EOFError:
            result = {"error": f"worker died (exit code {proc.exitcode})"}
    else:
        result = {"error": f"killed after {time.perf_counter() - t0:.0f} s wall"}
        proc.kill()
    proc.join()
    return result


def _setup(n):
    base = _rss_mb()
    if n == BUNDLED:
        import allocator
        from allocator.core.scenario import choose_scenario
        from allocator.read import read_workbook
        from allocator.validate.tables import validate
        from benchmarks.bench_end_to_end import BUNDLED as path
        t0 = time.perf_counter()
        book = read_workbook(path)
        t1 = time.perf_counter()
        problem = validate(book)
        scenario = choose_scenario(problem)
        assert allocator
        return base, None, problem, scenario, t1 - t0, time.perf_counter() - t1
    from benchmarks import synthetic
    t0 = time.perf_counter()
    frames = synthetic.tables(n)
    t1 = time.perf_counter()
    problem, scenario = synthetic.problem(n, frames=frames)
    t2 = time.perf_counter()
    return base, frames, problem, scenario, t1 - t0, t2 - t1


# ----------------------------------------------------------------------------- tasks

def build_task(n: int, repeats: int) -> dict:
    """Generate, validate, formulate and hand the model to HiGHS (repeats); shape and peak
    RSS."""
    from allocator.backends.highs import instance as H
    from allocator.formulate import formulate
    base, _frames, problem, scenario, gen, val = _setup(n)
    times, cpus, handover = [], [], []
    for _ in range(repeats):
        c0, t0 = _cpu(), time.perf_counter()
        model = formulate(problem, scenario)
        t1 = time.perf_counter()
        H.build(model)
        times.append(time.perf_counter() - t0)
        handover.append(time.perf_counter() - t1)
        cpus.append(_cpu() - c0)
    return {"generate": gen, "validate": val, "formulate": times, "formulate_cpu": cpus,
            "handover": handover,
            "rows": model.shape[0], "cols": model.shape[1], "nnz": int(model.A.nnz),
            "integers": int(model.integer.sum()), "base_mb": base, **_peaks()}


def naive_task(n: int, repeats: int, check: bool) -> dict:
    """The newcomer's PuLP build (repeats); at small N, also solved to compare optima."""
    from benchmarks import synthetic
    base = _rss_mb()
    frames = synthetic.tables(n)
    times, cpus = [], []
    for _ in range(repeats):
        c0, t0 = _cpu(), time.perf_counter()
        prob = naive_pulp(frames)
        times.append(time.perf_counter() - t0)
        cpus.append(_cpu() - c0)
    out = {"build": times, "build_cpu": cpus, "base_mb": base,
           "n_constraints": len(prob.constraints), "n_variables": len(prob.variables())}
    out.update(_peaks())
    if check:
        import pulp
        saved = os.dup(1)  # highspy prints a banner on stdout, where the report goes
        try:
            with open(os.devnull, "w") as null:
                os.dup2(null.fileno(), 1)
                prob.solve(pulp.HiGHS(msg=False, gapRel=GAP, timeLimit=120))
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        out["objective"] = pulp.value(prob.objective)
        out["status"] = pulp.LpStatus[prob.status]
    return out


def solve_task(n, backend: str, repeats: int, time_limit: float, relax: bool,
               lp_presolve: bool = True) -> dict:
    """Solve the formulated model with one backend (repeats). ``highs-plain``: HiGHS's own
    MILP on the arrays; ``lp_presolve=False``: the LP relaxation without HiGHS's presolve."""
    from allocator.backends import SolveOptions, solve_model
    from allocator.backends.highs import instance as H
    from allocator.formulate import formulate
    base, _frames, problem, scenario, _, _ = _setup(n)
    model = formulate(problem, scenario)
    runs = []
    for _ in range(repeats):
        options = SolveOptions(time_limit=time_limit, gap=GAP, relax=relax)
        c0, t0 = _cpu(), time.perf_counter()
        if backend == "highs-plain" or (backend == "highs" and relax):
            h = H.build(model, relax)
            if not lp_presolve:
                h.setOptionValue("presolve", "off")
            out = H.run(h, model, options)
        else:
            out = solve_model(model, backend, options)
        runs.append({"wall": time.perf_counter() - t0, "cpu": _cpu() - c0,
                     "solver_seconds": out.seconds, "status": out.status,
                     "objective": out.objective, "bound": out.bound, "solver": out.solver,
                     "version": out.version, "message": out.message})
        if backend == "highs" and not relax and out.log:
            runs[-1]["log_head"] = "\n".join(out.log.splitlines()[:6])
    return {"runs": runs, "base_mb": base, **_peaks()}


# ----------------------------------------------------------------------------- the baseline

def naive_pulp(frames):
    """What a newcomer writes: per-project dicts, one lpSum per rule, money in M€.

    Same rules as ``allocator.formulate.model`` under the synthetic scenario: budget, partial
    awards, aid-intensity caps, yearly ceilings, regional and territory caps, theme shares,
    site limit, net artificialisation, requires, exclusive groups, locks; objective the
    weighted sum of outcomes each divided by its ideal (fractional-knapsack) value.

    Money is in M€, as in allocator: in euros the objective's coefficients (~1e-9 per euro)
    fall below HiGHS's dual feasibility tolerance and PuLP → HiGHS then reports "Optimal"
    for an allocation 0.07% below the optimum (N = 1,000).
    """
    M = 1e6
    import pulp
    projects = frames["projects"].to_dict("records")
    territories = {t["territory_id"]: t for t in frames["territories"].to_dict("records")}
    regions = {r["region"]: r for r in frames["regions"].to_dict("records")}
    capacity = {r["resource"]: r["capacity"] / M for r in frames["resources"].to_dict("records")}
    params = dict(zip(frames["scenarios"].iloc[:, 0], frames["scenarios"].iloc[:, 1]))
    budget = float(params["budget"]) / M
    weights = {k.split(".", 1)[1]: float(v) for k, v in params.items() if k.startswith("weight.")}

    prob = pulp.LpProblem("allocation", pulp.LpMaximize)
    x, award, max_award = {}, {}, {}
    for p in projects:
        pid = p["project_id"]
        cap = p["requested"] / M
        if p["max_aid_rate"] == p["max_aid_rate"]:  # not NaN
            cap = min(cap, p["max_aid_rate"] * p["total_cost"] / M)
        max_award[pid] = cap
        x[pid] = pulp.LpVariable(f"x_{pid}", cat="Binary")
        if p["lock"] == "in":
            x[pid].lowBound = 1
        if p["lock"] == "out":
            x[pid].upBound = 0
        if p["min_award"] == p["min_award"] and p["min_award"] / M < cap:
            a = pulp.LpVariable(f"a_{pid}", lowBound=0, upBound=cap)
            prob += a <= cap * x[pid]
            prob += a >= p["min_award"] / M * x[pid]
            award[pid] = a
        else:
            award[pid] = cap * x[pid]

    total = pulp.lpSum(award.values())
    prob += total <= budget, "budget"
    for r, cap in capacity.items():
        prob += pulp.lpSum(p[r] / p["requested"] * award[p["project_id"]]
                           for p in projects if p[r]) <= cap, r
    by_region, by_territory, by_theme, by_group = {}, {}, {}, {}
    for p in projects:
        pid = p["project_id"]
        by_territory.setdefault(p["territory_id"], []).append(pid)
        by_region.setdefault(territories[p["territory_id"]]["region"], []).append(pid)
        by_theme.setdefault(p["theme"], []).append(pid)
        if isinstance(p["exclusive_group"], str):
            by_group.setdefault(p["exclusive_group"], []).append(pid)
    for r, ids in by_region.items():
        if regions[r]["cap"] == regions[r]["cap"]:
            prob += pulp.lpSum(award[i] for i in ids) <= regions[r]["cap"] / M, f"region_{r}"
    for t, ids in by_territory.items():
        if territories[t]["cap"] == territories[t]["cap"]:
            prob += pulp.lpSum(award[i] for i in ids) <= territories[t]["cap"] / M, f"territory_{t}"
    for k, v in params.items():
        if k.startswith("theme_min."):
            prob += pulp.lpSum(award[i] for i in by_theme.get(k[10:], [])) >= float(v) * total
        if k.startswith("theme_max."):
            prob += pulp.lpSum(award[i] for i in by_theme.get(k[10:], [])) <= float(v) * total
    prob += pulp.lpSum(x[p["project_id"]] for p in projects if p["is_site"]) \
        <= int(params["sites.max"]), "sites"
    prob += pulp.lpSum(p["net_artificialised_ha"] * x[p["project_id"]] for p in projects
                       if p["net_artificialised_ha"]) <= float(params["sites.max_net_ha"]), "zan"
    for p in projects:
        if isinstance(p["requires"], str):
            for other in p["requires"].split(";"):
                prob += x[p["project_id"]] <= x[other]
    for g, ids in by_group.items():
        if len(ids) > 1:
            prob += pulp.lpSum(x[i] for i in ids) <= 1, f"exclusive_{g}"

    objective = []
    for outcome, w in weights.items():
        if not w:
            continue
        # the ideal: best value per euro first, until the envelope is spent (fractional)
        ranked = sorted((p for p in projects if p["lock"] != "out" and p[outcome] > 0),
                        key=lambda p: -p[outcome] / p["requested"])
        left, ideal = budget, 0.0
        for p in ranked:
            reach = max_award[p["project_id"]]
            value = p[outcome] * reach / (p["requested"] / M)
            if reach <= left:
                ideal, left = ideal + value, left - reach
            else:
                ideal += value * left / reach
                break
        objective += [w / ideal * p[outcome] / (p["requested"] / M) * award[p["project_id"]]
                      for p in projects if p[outcome]]
    prob += pulp.lpSum(objective)
    return prob


# ----------------------------------------------------------------------------- report

def _med(values):
    """The median of the values measured (None and NaN: not measured)."""
    values = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    return statistics.median(values) if values else math.nan


def _s(x, digits=2):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    return f"{x:.{digits}f}" if x < 100 else f"{x:.0f}"


def _gap(run: dict) -> float | None:
    if run.get("objective") is None or run.get("bound") is None or not np.isfinite(run["bound"]):
        return None
    return max(0.0, run["bound"] - run["objective"]) / max(abs(run["objective"]), 1e-9)


def _name(n) -> str:
    return "bundled workbook (2,000)" if n == BUNDLED else f"{n:,}"


def measure(quick: bool) -> dict:
    """Every measurement of the run, each in a fresh process."""
    sizes = QUICK_SIZES if quick else SIZES
    plot = QUICK_PLOT_SIZES if quick else PLOT_SIZES
    every = sorted(set(sizes) | set(plot))
    data = {"builds": {}, "naives": {}, "solves": {}, "lps": {}, "lps_off": {},
            "sizes": sizes, "plot": plot, "load": [os.getloadavg()[0]]}
    for n in [BUNDLED] + every:
        reps = repeats(n, quick)
        if n != BUNDLED:
            data["builds"][n] = isolated(build_task, n, reps, timeout=900)
            data["naives"][n] = isolated(naive_task, n, reps, n <= 1_000, timeout=1800)
        data["lps"][n] = isolated(solve_task, n, "highs", reps, 600, True, timeout=600 * reps + 300)
        data["lps_off"][n] = isolated(solve_task, n, "highs", reps, 600, True, False,
                                      timeout=600 * reps + 300)
        for b in BACKENDS:
            lim = limit(b, n)
            if lim is None or (n == BUNDLED and b in ("scip", "cbc")):
                continue
            data["solves"][n, b] = isolated(solve_task, n, b, reps, lim, False,
                                            timeout=reps * (2 * lim + 60) + 300)
    data["load"].append(os.getloadavg()[0])
    return data


def plot_scaling(data: dict, path: Path) -> None:
    """Build and solve time against N, log-log, one line per method."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.6), constrained_layout=True)
    ns = [n for n in data["plot"] if "error" not in data["builds"].get(n, {"error": 1})]
    series = [("formulate + hand-over to HiGHS (allocator)",
               [_med(data["builds"][n]["formulate"]) for n in ns], "o-"),
              ("validate (allocator)", [data["builds"][n]["validate"] for n in ns], "s:"),
              ("naive PuLP build", [_med(data["naives"][n]["build"]) if "build" in data["naives"][n]
                                    else math.nan for n in ns], "^--")]
    for label, ys, style in series:
        left.plot(ns, ys, style, label=label)
    left.set(xscale="log", yscale="log", xlabel="projects (N)", ylabel="seconds (median)",
             title="Build: tables → model")
    for b, style in zip(BACKENDS, ("o-", "x--", "s-.", "^:")):
        pts = [(n, _med([r["wall"] for r in data["solves"][n, b]["runs"]]))
               for n in data["plot"] if "runs" in data["solves"].get((n, b), {})]
        if pts:
            right.plot(*zip(*pts), style, label=LABELS[b])
    for key, label, style in (("lps", "LP relaxation (HiGHS defaults)", "k-"),
                              ("lps_off", "LP relaxation (no presolve)", "k:")):
        pts = [(n, _med([r["wall"] for r in data[key][n]["runs"]]))
               for n in data["plot"] if "runs" in data[key].get(n, {})]
        if pts:
            right.plot(*zip(*pts), style, label=label, linewidth=1)
    right.set(xscale="log", yscale="log", xlabel="projects (N)", ylabel="seconds (median)",
              title=f"Solve to a proven gap of {GAP:g}")
    for ax in (left, right):
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("allocator: cost against the number of projects (benchmarks/bench_solve.py)",
                 fontsize=10)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def run(quick: bool = False) -> str:
    t_start = time.perf_counter()
    data = measure(quick)
    sizes, builds, naives, solves = data["sizes"], data["builds"], data["naives"], data["solves"]
    every = sorted(set(sizes) | set(data["plot"]))
    png = Path(__file__).with_name("solve_scaling.png")
    if quick:  # CI checks the plot is drawn; the committed one comes from a full run
        png = Path(tempfile.mkdtemp(prefix="allocator-bench-")) / "solve_scaling.png"
    plot_scaling(data, png)

    out = ["## Solve step\n", __doc__.split("\n\n", 1)[1].strip(), ""]
    out.append("Instance: `benchmarks/synthetic.py` (budget €100M per 2,000 projects, 13 "
               "regional caps, 183 territory caps, theme floor 15% ecological transition and "
               "ceiling 20% attractiveness, site limit 50 per 2,000 projects with zero net "
               "artificialisation, `requires` chains and pairs, exclusive pairs, locks in and "
               "out, four yearly payment ceilings, 30% of projects partial, aid-intensity "
               "caps; weights 1/1/1, `normalise = ideal`).\n")
    out.append(f"Load average {data['load'][0]:.1f} at the start, {data['load'][1]:.1f} at the "
               f"end ({os.cpu_count()} CPUs).\n")

    out += ["### Build: allocator's vectorised formulation against the naive PuLP build\n",
            ("| N | model rows × cols (nnz) | generate s | validate s | formulate + hand-over "
            "to HiGHS s (of which hand-over) | naive PuLP build s | naive / ours (wall) | "
            "naive / ours (CPU) | peak RSS formulate MB | peak RSS naive MB |"),
            "|---|---|---|---|---|---|---|---|---|---|"]
    for n in every:
        b, v = builds[n], naives[n]
        if "error" in b or "error" in v:
            out.append(f"| {n:,} | {b.get('error', '')} {v.get('error', '')} |")
            continue
        f, nv = _med(b["formulate"]), _med(v["build"])
        fc, nc = _med(b["formulate_cpu"]), _med(v["build_cpu"])
        out.append(f"| {n:,} | {b['rows']:,} × {b['cols']:,} ({b['nnz']:,}) | "
                   f"{_s(b['generate'])} | {_s(b['validate'])} | {f:.3f} "
                   f"({_med(b['handover']):.3f}) | {_s(nv)} | "
                   f"**{nv / f:.0f}×** | {nc / max(fc, 1e-3):.0f}× | {b['peak_mb']:.0f} | "
                   f"{v['peak_mb']:.0f} |")
    bases = [builds[n]["base_mb"] for n in every if "base_mb" in builds[n]]
    out.append(f"\nPeak RSS is the whole process's, imports included (about {_med(bases):.0f} MB "
               "after importing allocator). Times are medians; ours starts from the validated "
               "Problem and ends with the model in HiGHS (``backends.highs.build``), the naive "
               "build starts from the raw tables (it validates nothing) and ends with the PuLP "
               "model, before any hand-over. CPU ratios use `getrusage` (10 ms ticks).")
    check = naives.get(1_000, {})
    ours = solves.get((1_000, "highs"), {}).get("runs", [{}])[0].get("objective")
    if "objective" in check and ours is not None and check["objective"] is not None:
        out.append(f"\nSame rules: at N = 1,000 the naive PuLP model, solved by HiGHS through "
                   f"PuLP, reaches {check['objective']:.6f} ({check['status']}); allocator "
                   f"reaches {ours:.6f} (relative difference "
                   f"{abs(check['objective'] - ours) / abs(ours):.1e}, gap asked {GAP:g}).")

    out += ["\n### MILP per backend\n",
            ("| N | backend | time limit s | repeats | status | objective | gap | "
            "solve s (median) | CPU s (median) | vs HiGHS LP first | peak RSS MB |"),
            "|---|---|---|---|---|---|---|---|---|---|---|"]
    for n in [BUNDLED] + every:
        ref = None
        for b in BACKENDS:
            if (n, b) not in solves:
                continue
            r = solves[n, b]
            if "error" in r:
                out.append(f"| {_name(n)} | {b} | {limit(b, n)} | | {r['error']} | | | | | | |")
                continue
            runs = r["runs"]
            wall, cpu = _med([x["wall"] for x in runs]), _med([x["cpu"] for x in runs])
            last = runs[-1]
            gap = _gap(last)
            if b == "highs":
                ref = wall
            peak = f"{r['peak_mb']:.0f} + CBC {r['child_peak_mb']:.0f}" if b == "cbc" \
                else f"{r['peak_mb']:.0f}"
            objective = "—" if last["objective"] is None else format(last["objective"], ".6f")
            out.append(f"| {_name(n)} | {b} | {limit(b, n)} | {len(runs)} | "
                       f"{'/'.join(sorted({x['status'] for x in runs}))} | "
                       f"{objective} | "
                       f"{'—' if gap is None else f'{gap:.1e}'} | {_s(wall)} | {_s(cpu)} | "
                       f"{'1' if b == 'highs' else ('—' if not ref else f'{wall / ref:.1f}×')} | "
                       f"{peak} |")
    out.append("\nSolve s is the wall time of `solve_model` (for CBC: PuLP model build, MPS "
               "file, CBC run, solution read back); CBC's peak RSS is its child process's, "
               "which Linux counts from the fork, so it includes the Python image copied "
               "before exec (an upper bound). Gap is the backend's own "
               "(bound − objective) / objective; CBC through PuLP reports no bound, so its "
               "gap is shown only when it proved optimality (then 0). SCIP and CBC are not "
               f"run above {SMALL:,} projects.")
    big = solves.get((max(sizes), "highs"), {})
    if "peak_mb" in big:
        ok = "met" if big["peak_mb"] <= RSS_TARGET_MB else "**not met**"
        plain_mb = solves.get((max(sizes), "highs-plain"), {}).get("peak_mb", math.nan)
        out.append(f"\nPeak RSS at {max(sizes):,} projects (generate, validate, formulate and "
                   f"solve in one process): **{big['peak_mb']:.0f} MB** with allocator's HiGHS "
                   f"path; HiGHS MILP alone "
                   f"{plain_mb:.0f} MB. "
                   f"Target ≤ {RSS_TARGET_MB / 1024:g} GB: {ok}.")

    out += [f"\n### LP relaxation and the MILP/LP ratio (target ≤ {RATIO_TARGET:g})\n",
            ("| N | LP s (HiGHS defaults) | LP s (no presolve) | MILP s (allocator) | "
            "MILP / LP | MILP / LP (no presolve) | target | how the gap was proven | "
            "gap | HiGHS MILP alone s | its MILP / LP | LP bound − optimum (relative) | "
            "bound after cover cuts − optimum |"),
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for n in [BUNDLED] + list(sizes):
        lp, lpo = data["lps"].get(n, {}), data["lps_off"].get(n, {})
        mi, pl = solves.get((n, "highs"), {}), solves.get((n, "highs-plain"), {})
        if any("error" in x or "runs" not in x for x in (lp, lpo, mi)):
            errors = " ".join(x.get("error", "") for x in (lp, lpo, mi))
            out.append(f"| {_name(n)} | {errors} | | | | | | | | | | | |")
            continue
        lpt = _med([x["wall"] for x in lp["runs"]])
        lpot = _med([x["wall"] for x in lpo["runs"]])
        mit = _med([x["wall"] for x in mi["runs"]])
        plt_ = _med([x["wall"] for x in pl["runs"]]) if "runs" in pl else math.nan
        last = mi["runs"][-1]
        head = last.get("log_head", "")
        cut = re.search(r"(\d+) cover cuts: bound (\S+)", head)
        how = ("LP bound met by RENS" if not cut else
               f"bound after {cut.group(1)} cover cuts met by RENS") \
            if "bound met" in last.get("message", "") else \
            "branch and bound (HiGHS) after cover cuts and reduced-cost fixing"
        lpo_, mio = lp["runs"][-1]["objective"], last["objective"]
        rel = "—" if lpo_ is None or mio is None else f"{(lpo_ - mio) / abs(mio):.1e}"
        rel_cut = "— (not needed)" if not cut or mio is None else \
            f"{(float(cut.group(2)) - mio) / abs(mio):.1e}"
        met = "met" if mit <= RATIO_TARGET * lpt and last["status"] == "optimal" else "**not met**"
        out.append(f"| {_name(n)} | {_s(lpt, 3)} | {_s(lpot, 3)} | {_s(mit)} | "
                   f"**{mit / lpt:.1f}** | {mit / lpot:.1f} | {met} | {how} | "
                   f"{'—' if _gap(last) is None else f'{_gap(last):.1e}'} | {_s(plt_)} | "
                   f"{plt_ / lpt:.1f} | {rel} | {rel_cut} |")
    versions = sorted({f"{x['solver']} ({x['version']})" for r in solves.values()
                       if "runs" in r for x in r["runs"] if x.get("version")})
    out.append(f"\nScaling plot: `benchmarks/solve_scaling.png` (N = "
               f"{', '.join(f'{n:,}' for n in data['plot'])}). Solvers: {', '.join(versions)}. "
               f"Total benchmark time: {time.perf_counter() - t_start:.0f} s.")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    import sys
    print(run(quick="--quick" in sys.argv))
