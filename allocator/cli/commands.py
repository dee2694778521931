"""The commands: each parses its options, calls one library function, writes and prints."""
from __future__ import annotations

import functools
import json
import time
from pathlib import Path

import click

from allocator import api
from allocator.cli.app import (
    Context,
    Failed,
    bad_option,
    execution_options,
    file_option,
    force_option,
    guarded,
    json_option,
    lang_option,
    main,
    output_option,
    refuse_unless_ending_in,
    scenario_options,
    show_findings,
)
from allocator.core.findings import InputError
from allocator.core.format import number
from allocator.core.lang import phrase
from allocator.core.status import Status
from allocator.report import json as to_json
from allocator.report import text
from allocator.report.audit import write_model
from allocator.report.comparison import write_comparison
from allocator.report.frontier import plot_frontier, write_frontier
from allocator.report.plots import budget_curve_plot
from allocator.report.review import SUFFIXES, files_of, write_review
from allocator.report.sweep import write_sweep
from allocator.report.template import write_template
from allocator.report.uncertainty import plot_uncertainty, write_uncertainty
from allocator.report.workbook import (
    write_allocation_csv,
    write_budget_curve,
    write_result,
    writing_seconds,
)
from allocator.runtime.workers import GRACE_SECONDS

WORKBOOK = click.argument("workbook", type=click.Path(exists=False, path_type=Path))


def _interrupted(done: int, total: int, what: str) -> Failed:
    return Failed(phrase(f"cli.interrupted_{what}", done=done, total=total), 130)


@main.command()
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@force_option
@lang_option
@guarded
def template(ctx: Context, out: Path):
    """Write a blank input workbook to OUT, ready to fill in Excel.

    Every sheet and column, header comments with the help text, drop-down lists, numeric
    bounds, an instructions sheet and three example rows.

    \b
    Example:
      allocator template projets-2026.xlsx
    """
    refuse_unless_ending_in(out, "OUT", (".xlsx",))
    ctx.check(out)  # a filled-in workbook is not replaced without --force
    ctx.write(out, write_template)


@main.command()
@WORKBOOK
@json_option("the findings")
@lang_option
@guarded
def validate(ctx: Context, workbook: Path, as_json: bool):
    """Check WORKBOOK (.xlsx, or a folder of .csv) and list every problem at once.

    Exit 0 when there are no errors (warnings allowed), 2 when there are.

    \b
    Example:
      allocator validate scenarios/territoires-industrie.xlsx
    """
    try:
        problem = api.load(workbook)
    except InputError as exc:
        if not as_json:
            raise
        click.echo(json.dumps(to_json.document("validate", {
            "valid": False, "findings": [f.to_dict() for f in exc.findings]}),
            ensure_ascii=False, indent=1))
        raise Failed("", 2) from None
    findings = list(problem.warnings)
    if not as_json:
        show_findings(ctx, findings)
    ctx.show(as_json, lambda: to_json.document("validate", {
                 "valid": True, "projects": problem.n,
                 "scenarios": [s.name for s in problem.scenarios],
                 "findings": [f.to_dict() for f in findings]}),
             lambda: ctx.words.phrase(
                 "cli.valid_warnings" if findings else "cli.valid", path=workbook,
                 projects=problem.n, territories=len(problem.territories),
                 scenarios=len(problem.scenarios), warnings=len(findings)))


@main.command()
@WORKBOOK
@scenario_options
@output_option("Write the result here: a workbook (.xlsx), or the allocation alone "
               "(.csv).", suffixes=(".xlsx", ".csv"))
@json_option("the result")
@file_option("--export-model", suffixes=(".mps", ".lp"),
             help="Also write the model as .mps or .lp, for audit.")
@click.option("--near-misses", type=click.IntRange(min=0), default=20, show_default=True,
              help="Best unfunded projects whose price of inclusion is measured (re-solves).")
@click.option("--method", type=click.Choice(["optimal", "greedy", "mes", "phragmen"]),
              default="optimal", show_default=True,
              help="optimal: the MILP optimum; greedy: rank the projects and fund down the list "
                   "under the same rules (a reference); mes, phragmen: the Method of Equal "
                   "Shares, sequential Phragmén, on a Pabulib file's ballots (mes on a "
                   "workbook: equal shares across its territories).")
@click.option("--rank", type=click.Choice(["score", "ratio"]), default="score", show_default=True,
              help="With --method greedy: rank by weighted score, or by score per euro.")
@click.option("--completion", type=click.Choice(["none", "add1", "greedy", "add1-greedy"]),
              help="With --method mes: raise the voters' shares one currency unit at a time "
                   "(add1: one MES run per unit, minutes on the largest elections), then fund "
                   "down the votes per cost (greedy), both (the default for an election), or "
                   "neither. A workbook's territories: greedy (default) or none.")
@force_option
@guarded
def solve(ctx: Context, workbook, scenario_name, overrides, backend, time_limit, gap, output,
          as_json, export_model, near_misses, method, rank, completion):
    """Allocate the envelope for WORKBOOK under a scenario.

    Exit 0 when optimal or feasible, 1 when infeasible or no solution was found in time,
    2 on bad input.

    \b
    Examples:
      allocator solve scenarios/territoires-industrie.xlsx -o out.xlsx
      allocator solve scenarios/territoires-industrie.xlsx --scenario jobs_first --json
      allocator solve IN.xlsx --set budget=80e6 --set weight.jobs=2 --backend scip
      allocator solve IN.xlsx --method greedy --rank ratio -o ranking.xlsx
      allocator solve Poland_Warszawa_2020_Wawer.pb --method mes --completion add1-greedy
    """
    problem = api.load(workbook)
    if ctx.verbose:
        show_findings(ctx, list(problem.warnings))
    scenario = ctx.scenario(problem, scenario_name, overrides, backend=backend,
                            time_limit=time_limit, gap=gap)
    inputs = (workbook,)
    ctx.check(output, export_model, inputs=inputs)
    writing = writing_seconds(problem.n, output)
    if writing > max(GRACE_SECONDS, ctx.started + scenario.time_limit - time.monotonic()):
        # past the limit whatever the solve does (a million rows to a workbook): said now,
        # and not taken from the solve (what takes less than a limit's grace goes unsaid)
        ctx.say(ctx.words.phrase("writing_late", path=output, seconds=f"{writing:.0f}",
                                 rows=number(problem.n)))
        writing = 0.0
    result = api.optimise(problem, scenario, method=method, rank=rank, completion=completion,
                          near_misses=near_misses, verbose=ctx.verbose, started=ctx.started,
                          after=writing)
    solution = result.solution
    if ctx.verbose and solution.log:
        click.echo(solution.log, err=True)
    ctx.write(export_model, write_model, result.model, inputs=inputs)
    if output is not None and output.suffix.lower() == ".csv":
        if solution.ok:
            ctx.write(output, write_allocation_csv, result, inputs=inputs)
    elif solution.ok or result.diagnosis is not None:
        ctx.write(output, write_result, result, inputs=inputs)
    ctx.show(as_json, lambda: to_json.document("solve", to_json.result_json(result)),
             lambda: text.result_summary(result), output)
    if not solution.ok:
        raise Failed(f"no allocation: {solution.message}" if method != "optimal" else
                     f"no allocation: the problem is {solution.label}"
                     if solution.status in (Status.INFEASIBLE, Status.UNBOUNDED) else
                     f"no allocation: {solution.message or solution.label}")


@main.command()
@WORKBOOK
@click.option("-p", "--project", "project_ids", multiple=True, required=True, metavar="ID",
              help="Project to explain (repeatable).")
@scenario_options
@json_option("the explanation")
@guarded
def explain(ctx: Context, workbook, project_ids, scenario_name, overrides, backend, time_limit,
            gap, as_json):
    """Say why projects of WORKBOOK are funded or not, and what forcing them in would cost.

    \b
    Example:
      allocator explain scenarios/territoires-industrie.xlsx --project P-0412
    """
    problem = api.load(workbook)
    scenario = ctx.scenario(problem, scenario_name, overrides, backend=backend,
                            time_limit=time_limit, gap=gap)
    why = api.explain(problem, scenario, project_ids, verbose=ctx.verbose, started=ctx.started)
    if not why.ok:
        raise Failed(f"no allocation: the problem is {why.solution.label}")
    ctx.show(as_json, lambda: to_json.document("explain", {
        "projects": to_json.records(why.projects)}),
        lambda: text.explanation(why, scenario.lang))


@main.command("budget-curve")
@WORKBOOK
@click.option("--from", "start", type=float, default=50e6, show_default=True,
              help="Smallest envelope (€).")
@click.option("--to", "stop", type=float, default=150e6, show_default=True,
              help="Largest envelope (€).")
@click.option("--steps", type=click.IntRange(min=2), default=21, show_default=True,
              help="Points on the curve.")
@scenario_options
@output_option("Write the curve workbook (.xlsx, with a native line chart) here.")
@file_option("--png", suffixes=(".png",), help="Write a PNG plot here.")
@json_option("the curve")
@force_option
@guarded
def budget_curve(ctx: Context, workbook, start, stop, steps, scenario_name, overrides,
                 backend, time_limit, gap, output, png, as_json):
    """Trace what the optimum achieves as the envelope varies, to see where money stops buying.

    Exit 0 with at least one point that has an allocation, 1 with none, 2 on bad input.

    \b
    Example:
      allocator budget-curve scenarios/territoires-industrie.xlsx --from 50e6 --to 150e6 --steps 21 -o curve.xlsx
    """  # noqa: E501 -- click prints a \b block as written: wrapping changes --help
    if stop < start:
        bad_option("--from/--to", "option.budgets", start=f"{start:g}", stop=f"{stop:g}",
                    steps=steps)
    problem = api.load(workbook)
    scenario = ctx.scenario(problem, scenario_name, overrides, backend=backend,
                            time_limit=time_limit, gap=gap)
    ctx.check(output, png, inputs=(workbook,))
    curve = api.budget_curve(problem, scenario, start, stop, steps, started=ctx.started)
    if curve["objective"].isna().all():
        raise Failed(phrase("cli.no_curve_time" if (curve["note"] != "").any()
                            else "cli.no_curve"))
    ctx.write(output, write_budget_curve, curve, scenario, inputs=(workbook,))
    ctx.write(png, functools.partial(budget_curve_plot, lang=scenario.lang), curve)
    ctx.show(as_json, lambda: to_json.document("budget-curve", {
        "scenario": scenario.name, "points": to_json.records(curve)}),
        lambda: text.table(curve, lang=scenario.lang), output)


@main.command("compare")
@click.argument("sources", nargs=-1, required=True, type=click.Path(exists=False, path_type=Path))
@scenario_options(many=True)
@output_option("Write the comparison workbook (.xlsx, with native charts) here.")
@file_option("--report", suffixes=SUFFIXES,
             help="Write a review report: .html (one self-contained file, opens offline) or "
                   ".md (its plots written beside it).")
@click.option("--greedy", "greedy_scope", type=click.Choice(["each", "first", "none"]),
              default="each", show_default=True,
              help="Greedy references (ranking by score and by score per euro, same rules) for "
                   "each scenario, the first only, or none.")
@click.option("--workers", type=click.IntRange(min=1),
              help="Scenarios solved at once on local processes (default: the cores).")
@json_option("the comparison")
@force_option
@guarded
def compare(ctx: Context, sources, scenario_name, overrides, backend, time_limit, gap,
            output, report, greedy_scope, workers, as_json):
    """Put scenarios side by side: what each funds and achieves, who gains, how fair.

    SOURCES are input workbooks (every scenario of their scenarios sheet is solved, or those
    named with --scenario) and/or result workbooks written by `allocator solve`. The first
    scenario is the reference of every difference. Exit 0 when every scenario has an
    allocation, 1 when some have none, 2 on bad input.

    \b
    Examples:
      allocator compare scenarios/territoires-industrie.xlsx -o review.xlsx --report review.html
      allocator compare IN.xlsx -s balanced -s jobs_first --set budget=80e6 --json
      allocator compare balanced.xlsx jobs_first.xlsx -o review.xlsx --report review.md
    """
    ctx.check(output, *(files_of(report) if report is not None else []), inputs=sources)
    try:
        comparison = api.compare(
            sources, scenario_name, overrides, backend=backend, time_limit=time_limit, gap=gap,
            greedy=greedy_scope, workers=workers, progress=ctx.progress,
            on_source=lambda source, n: ctx.say(f"{source}: solving {n} scenario(s)"),
            started=ctx.started)
    except api.NothingToCompare as exc:
        for r in exc.runs:
            ctx.say(f"{r.name}: {r.status} {r.message}".rstrip())
        raise Failed(str(exc)) from None
    lang = ctx.lang or str(comparison.runs[0].parameters.get("lang") or "en")
    ctx.write(output, functools.partial(write_comparison, lang=lang), comparison, inputs=sources)
    ctx.write(report, functools.partial(write_review, lang=lang), comparison, inputs=sources)
    ctx.show(as_json, lambda: to_json.document("compare", to_json.comparison_json(comparison)),
             lambda: text.table(comparison.outcomes[["metric", *comparison.names]],
                                kinds=dict.fromkeys(comparison.names, "outcome"),
                                rows={"awarded": "€"}, lang=lang), output)
    missing = [r for r in comparison.runs if not r.ok]
    if missing:
        raise Failed("\n".join(f"{r.name}: no allocation ({r.message or r.status})"
                               for r in missing))


@main.command("frontier")
@WORKBOOK
@click.option("--x", "x", required=True, metavar="OUTCOME",
              help="Outcome on the x axis (kept ≥ ε).")
@click.option("--y", "y", required=True, metavar="OUTCOME",
              help="Outcome on the y axis (maximised).")
@click.option("--points", type=click.IntRange(min=2), default=15, show_default=True,
              help="Grid points between the two anchors (dominated ones are removed).")
@scenario_options
@output_option("Write the frontier workbook (.xlsx, with a native scatter chart) here.")
@file_option("--plot", suffixes=(".png", ".svg", ".pdf"),
             help="Write the plot here (.png, .svg or .pdf; default: beside the workbook, as "
                  ".png).")
@click.option("--allocations", is_flag=True, help="Add each point's allocation (award per "
                                                   "project): a sheet, and in --json.")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Points solved at once on local processes.")
@json_option("the frontier")
@force_option
@guarded
def frontier(ctx: Context, workbook, x, y, points, scenario_name, overrides, backend,
             time_limit, gap, output, plot, allocations, workers, as_json):
    """Trace the Pareto frontier between two outcomes (epsilon-constraint method).

    Each point maximises --y with --x held at or above a value ε, under every other rule of
    the scenario; greedy rankings under the same rules are shown as references. Exit 0 with
    at least one point, 1 with none, 2 on bad input.

    \b
    Examples:
      allocator frontier scenarios/territoires-industrie.xlsx --x jobs --y skills --points 15 -o frontier.xlsx
      allocator frontier IN.xlsx --x jobs --y innovation --points 8 --allocations --json
    """  # noqa: E501 -- click prints a \b block as written: wrapping changes --help
    problem = api.load(workbook)
    scenario = ctx.scenario(problem, scenario_name, overrides, backend=backend,
                            time_limit=time_limit, gap=gap)
    if plot is None and output is not None:
        plot = output.with_suffix(".png")
    ctx.check(output, plot, inputs=(workbook,))
    result = api.frontier(problem, scenario, x, y, points, allocations=allocations,
                          workers=workers, progress=ctx.progress, started=ctx.started)
    if not result.ok:
        raise Failed(phrase("cli.no_frontier_time" if result.unsolved else "cli.no_frontier"))
    if result.unsolved:
        ctx.say(f"{result.unsolved} point(s) not solved within the time limit: the frontier "
                "is coarser (--time-limit)")
    ctx.write(output, write_frontier, result, inputs=(workbook,))
    ctx.write(plot, plot_frontier, result)
    ctx.show(as_json, lambda: to_json.document("frontier", to_json.frontier_json(result)),
             lambda: text.table(
        result.points[["point", x, y, "awarded", "projects_funded", "status"]],
        outcomes=(x, y), lang=scenario.lang), output)


@main.command("uncertainty")
@WORKBOOK
@click.option("--samples", type=click.IntRange(min=1), default=200, show_default=True,
              help="Draws of the outcomes, each solved.")
@click.option("--seed", type=click.IntRange(min=0),
              help="Seed of the draws (default: a random one, reported so the run can be "
                   "repeated); the same seed gives the same results on any number of workers.")
@click.option("--robust-gamma", "gamma", type=click.FloatRange(min=0), metavar="Γ",
              help="Also find the robust allocation: best weighted outcome when, for each "
                   "outcome, the Γ projects that hurt most fall to their low value; compared "
                   "with the nominal one.")
@scenario_options
@execution_options
@output_option("Write the workbook (.xlsx: selection_frequency, outcome_distribution, "
               "robust, draws, summary) here.")
@file_option("--plot", suffixes=(".png", ".svg"),
             help="Write the histograms here (.png or .svg; default: beside the workbook, "
                  "as .png).")
@json_option("the results")
@force_option
@guarded
def uncertainty(ctx: Context, workbook, samples, seed, gamma, scenario_name, overrides,
                backend, time_limit, gap, workers, scheduler, output, plot, as_json):
    """Monte Carlo over the outcome ranges of WORKBOOK: how sure is the allocation?

    Each project's outcomes are drawn from triangular(low, estimate, high) (columns
    jobs_low/jobs_high, …) and every draw is solved: the report gives how often each project
    is funded (its selection frequency), those funded in every draw, in none and in between,
    and the spread (mean, 5th and 95th percentiles) of what the allocation of the estimate
    achieves. Exit 0 on success, 1 when the scenario has no allocation, 2 on bad input,
    130 when interrupted (what was done is written).

    \b
    Examples:
      allocator uncertainty scenarios/territoires-industrie.xlsx --samples 200 --seed 1 -o mc.xlsx
      allocator uncertainty IN.xlsx --samples 1000 --robust-gamma 10 --scheduler tcp://host:8786
    """
    problem = api.load(workbook)
    scenario = ctx.scenario(problem, scenario_name, overrides, backend=backend,
                            time_limit=time_limit, gap=gap)
    if plot is None and output is not None:
        plot = output.with_suffix(".png")
    ctx.check(output, plot, inputs=(workbook,))
    u = api.monte_carlo(problem, scenario, samples=samples, seed=seed, gamma=gamma,
                        workers=workers, scheduler=scheduler, progress=ctx.progress,
                        started=ctx.started)
    if not u.ok:
        failed = u.nominal if not u.nominal.solution.ok else u.robust
        assert failed is not None  # the nominal one was ok: the robust one is not
        raise Failed(f"no allocation: the problem is {failed.solution.label}")
    assert u.draws is not None and u.batch is not None  # ok: its draws ran
    ctx.write(output, write_uncertainty, u, inputs=(workbook,))
    if len(u.draws):
        ctx.write(plot, plot_uncertainty, u)
    ctx.show(as_json, lambda: to_json.document("uncertainty", to_json.uncertainty_json(u)),
             lambda: text.uncertainty_summary(u), output)
    if u.batch.interrupted:
        raise _interrupted(len(u.draws), samples, "draws")


@main.command("sweep")
@WORKBOOK
@scenario_options
@execution_options
@output_option("Write the sweep workbook (.xlsx: one row per scenario, each outcome pivoted "
               "by the varied parameters with a line chart).")
@json_option("one row per scenario")
@force_option
@guarded
def sweep(ctx: Context, workbook, scenario_name, overrides, backend, time_limit, gap,
          workers, scheduler, output, as_json):
    """Solve every combination of scenario variations of WORKBOOK, side by side.

    Each --set takes one value, a list (a,b,c) or a range (start:stop:count, evenly spaced,
    ends included); the sweep runs their cartesian product on top of --scenario. Exit 0 when
    every scenario has an allocation, 1 when some have none, 2 on bad input, 130 when
    interrupted (what was done is written).

    \b
    Examples:
      allocator sweep scenarios/territoires-industrie.xlsx --set budget=60e6:140e6:9 --set weight.skills=0.5,1,2 -o sweep.xlsx
      allocator sweep IN.xlsx -s jobs_first --set sites.max=30,40,50 --scheduler tcp://host:8786 --json
    """  # noqa: E501 -- click prints a \b block as written: wrapping changes --help
    if not overrides:
        bad_option("--set", "option.vary")
    problem = api.load(workbook)
    base = ctx.scenario(problem, scenario_name, (), backend=backend, time_limit=time_limit,
                        gap=gap)
    ctx.check(output, inputs=(workbook,))
    done = api.sweep(problem, base, overrides, workers=workers, scheduler=scheduler,
                     progress=ctx.progress, started=ctx.started)
    comparison = done.comparison(problem, str(workbook))
    if comparison is not None:
        ctx.write(output, write_sweep, done, comparison, inputs=(workbook,))
    ctx.show(as_json, lambda: to_json.document("sweep", to_json.sweep_json(done)),
             lambda: text.sweep_table(done), output)
    if done.batch.interrupted:
        raise _interrupted(done.batch.done, done.batch.total, "scenarios")
    missing = [s.name for s, r in zip(done.scenarios, done.results)
               if r is not None and not r.solution.ok]
    if missing:
        raise Failed(phrase("cli.no_allocations", n=len(missing), names=", ".join(missing[:10])))
