"""The command line: thin sentences over the library.

Exit codes: 0 success; 1 solved but infeasible, or no solution in time; 2 bad input or usage;
3 an internal error (a bug: please report it with the output of ``--debug``).
Data and ``--json`` go to stdout; messages go to stderr.
"""
from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import click

from . import __version__
from .backends import BackendUnavailable
from .findings import ERROR, Finding, InputError
from .files import OutputError

MAX_SHOWN = 60


class Context:
    force = False  # --force: replace existing outputs that allocator did not write

    def __init__(self, quiet=False, verbose=False, debug=False):
        self.quiet, self.verbose, self.debug = quiet, verbose, debug

    def say(self, message: str):
        if not self.quiet:
            click.echo(message, err=True)


def _show_findings(ctx: Context, findings: list[Finding], as_json: bool = False):
    if as_json:
        return
    errors = [f for f in findings if f.severity == ERROR]
    warnings = [f for f in findings if f.severity != ERROR]
    shown = errors + ([] if ctx.quiet else warnings)
    for f in shown[:MAX_SHOWN]:
        click.echo(str(f), err=True)
    if len(shown) > MAX_SHOWN:
        click.echo(f"… and {len(shown) - MAX_SHOWN} more (use --json for the full list)", err=True)
    if errors:
        click.echo(f"{len(errors)} error(s), {len(warnings)} warning(s): fix the errors and run "
                   "again", err=True)


def force_option(command):
    """--force, for commands that write files; it reaches ``check_output`` through the Context."""
    def remember(click_ctx, param, value):
        click_ctx.find_object(Context).force = value
        return value
    return click.option("--force", is_flag=True, expose_value=False, callback=remember,
                        help="Replace output files that exist, even ones allocator did not "
                             "write (those it wrote are replaced anyway).")(command)


def guarded(command):
    """Turn expected failures into messages and exit codes; tracebacks only with --debug.

    Also gives every command -q, -v and --debug, so they work after the command's name too.
    """
    @click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
    @click.option("-v", "--verbose", is_flag=True, help="Show the solver's log.")
    @click.option("--debug", is_flag=True, help="Show tracebacks.")
    @functools.wraps(command)
    def wrapper(*args, quiet=False, verbose=False, debug=False, **kwargs):
        ctx: Context = click.get_current_context().obj
        ctx.quiet, ctx.verbose, ctx.debug = ctx.quiet or quiet, ctx.verbose or verbose, ctx.debug or debug
        try:
            return command(*args, **kwargs)
        except InputError as exc:
            if ctx.debug:
                raise
            _show_findings(ctx, exc.findings)
            sys.exit(2)
        except (OutputError, BackendUnavailable) as exc:
            if ctx.debug:
                raise
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as exc:  # a bug: say so plainly
            if ctx.debug:
                raise
            click.echo(f"internal error: {type(exc).__name__}: {exc}\nrerun with --debug for "
                       "the traceback, and please report it", err=True)
            sys.exit(3)
    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="allocator")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
@click.option("-v", "--verbose", is_flag=True, help="Show the solver's log.")
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@click.pass_context
def main(ctx, quiet, verbose, debug):
    """Share a public funding envelope among projects: exact, fast, explainable.

    \b
    Example:
      allocator template my-projects.xlsx
      allocator validate my-projects.xlsx
      allocator solve scenarios/territoires-industrie.xlsx -o allocation.xlsx
    """
    ctx.obj = Context(quiet, verbose, debug)


@main.command()
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@force_option
@guarded
@click.pass_obj
def template(ctx: Context, out: Path):
    """Write a blank input workbook to OUT, ready to fill in Excel.

    Every sheet and column, header comments with the help text, drop-down lists, numeric
    bounds, an instructions sheet and three example rows.

    \b
    Example:
      allocator template projets-2026.xlsx
    """
    from .files import check_output
    from .template import write_template
    check_output(out, force=ctx.force)  # a filled-in workbook is not replaced without --force
    write_template(out)
    ctx.say(f"wrote {out}")


@main.command()
@click.argument("workbook", type=click.Path(exists=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@guarded
@click.pass_obj
def validate(ctx: Context, workbook: Path, as_json: bool):
    """Check WORKBOOK (.xlsx, or a folder of .csv) and list every problem at once.

    Exit 0 when there are no errors (warnings allowed), 2 when there are.

    \b
    Example:
      allocator validate scenarios/territoires-industrie.xlsx
    """
    from . import load
    try:
        problem = load(workbook)
    except InputError as exc:
        if as_json:
            click.echo(json.dumps({"valid": False, "findings": [f.to_dict() for f in exc.findings]},
                                  ensure_ascii=False, indent=1))
            sys.exit(2)
        raise
    findings = list(problem.warnings)
    if as_json:
        click.echo(json.dumps({"valid": True, "projects": problem.n,
                               "scenarios": [s.name for s in problem.scenarios],
                               "findings": [f.to_dict() for f in findings]},
                              ensure_ascii=False, indent=1))
        return
    _show_findings(ctx, findings)
    click.echo(f"{workbook}: valid — {problem.n} projects, {len(problem.territories)} "
               f"territories, {len(problem.scenarios)} scenario(s)"
               f"{f', {len(findings)} warning(s)' if findings else ''}")


def scenario_options(command=None, *, many=False):
    """--scenario, --set, --backend, --time-limit, --gap. With ``many`` (``@scenario_options(
    many=True)``), --scenario may be repeated and ``scenario_name`` is a tuple."""
    if command is None:
        return functools.partial(scenario_options, many=many)
    for option in reversed([
        click.option("-s", "--scenario", "scenario_name", metavar="NAME|FILE.toml",
                     multiple=many,
                     help="A scenario of the workbook's scenarios sheet, or a TOML file "
                          + ("(repeatable; default: every scenario of the sheet)." if many else
                             "(default: the sheet's first scenario, or built-in defaults).")),
        click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE",
                     help="Override a scenario parameter, e.g. --set budget=80e6 "
                          "--set weight.jobs=2 (repeatable)."),
        click.option("--backend", envvar="ALLOCATOR_BACKEND", show_envvar=True,
                     help="Solver: highs (default), scip, cpsat, cbc, or pulp:<SOLVER>."),
        click.option("--time-limit", type=float, envvar="ALLOCATOR_TIME_LIMIT",
                     show_envvar=True, help="Seconds the solver may take."),
        click.option("--gap", type=float, help="Relative gap accepted as optimal."),
    ]):
        command = option(command)
    return command


def resolve_scenario(problem, scenario_name, overrides, backend, time_limit, gap):
    """The scenario to run: workbook or TOML, then --set, then flags (flags win)."""
    from .scenario import Scenario, build_scenario, parse_overrides, read_toml
    outcomes, themes = problem.outcomes, tuple(problem.themes["theme"])
    if scenario_name and scenario_name.lower().endswith(".toml"):
        scenario, findings = build_scenario(Path(scenario_name).stem, read_toml(scenario_name),
                                            outcomes=outcomes, themes=themes, base=Scenario())
        if [f for f in findings if f.severity == ERROR]:
            raise InputError(findings)
    else:
        try:
            scenario = problem.scenario(scenario_name)
        except KeyError:
            known = ", ".join(s.name for s in problem.scenarios) or "none"
            raise InputError([Finding(ERROR, "scenarios", f"no scenario '{scenario_name}' in the "
                                      f"workbook (scenarios: {known}); give a name or a .toml "
                                      "file")]) from None
    flags = list(overrides)
    for key, value in (("backend", backend), ("time_limit", time_limit), ("gap", gap)):
        if value is not None:
            flags.append(f"{key}={value}")
    if flags:
        scenario, findings = build_scenario(scenario.name, parse_overrides(flags), outcomes=outcomes,
                                            themes=themes, base=scenario)
        if [f for f in findings if f.severity == ERROR]:
            raise InputError(findings)
    return scenario


@main.command()
@click.argument("workbook", type=click.Path(exists=False, path_type=Path))
@scenario_options
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the result here: a workbook (.xlsx), or the allocation alone "
                   "(.csv).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")
@click.option("--export-model", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the model as .mps or .lp, for audit.")
@click.option("--near-misses", type=click.IntRange(min=0), default=20, show_default=True,
              help="Best unfunded projects whose price of inclusion is measured (re-solves).")
@click.option("--method", type=click.Choice(["optimal", "greedy"]), default="optimal",
              show_default=True, help="optimal: the MILP optimum; greedy: rank the projects and "
                                      "fund down the list under the same rules (a reference).")
@click.option("--rank", type=click.Choice(["score", "ratio"]), default="score", show_default=True,
              help="With --method greedy: rank by weighted score, or by score per euro.")
@force_option
@guarded
@click.pass_obj
def solve(ctx: Context, workbook, scenario_name, overrides, backend, time_limit, gap, output,
          as_json, export_model, near_misses, method, rank):
    """Allocate the envelope for WORKBOOK under a scenario.

    Exit 0 when optimal or feasible, 1 when infeasible or no solution was found in time,
    2 on bad input.

    \b
    Examples:
      allocator solve scenarios/territoires-industrie.xlsx -o out.xlsx
      allocator solve scenarios/territoires-industrie.xlsx --scenario jobs_first --json
      allocator solve IN.xlsx --set budget=80e6 --set weight.jobs=2 --backend scip
      allocator solve IN.xlsx --method greedy --rank ratio -o ranking.xlsx
    """
    from . import load
    from .analyse import analyse
    from .report import summary_text, to_json, write_result
    from .solve import solve as run_solve

    problem = load(workbook)
    _show_findings(ctx, list(problem.warnings)) if ctx.verbose else None
    scenario = resolve_scenario(problem, scenario_name, overrides, backend, time_limit, gap)
    for path in (output, export_model):
        if path is not None:
            from .files import check_output
            check_output(path, inputs=(workbook,), force=ctx.force)
    if method == "greedy":
        from .greedy import greedy
        model, solution = greedy(problem, scenario, rank=rank)
    else:
        model, solution = run_solve(problem, scenario, verbose=ctx.verbose)
    if ctx.verbose and solution.log:
        click.echo(solution.log, err=True)
    if export_model is not None:
        from .backends.pulp import export
        from .files import atomic_output
        with atomic_output(export_model, inputs=(workbook,)) as tmp:
            export(model, str(tmp.with_suffix(export_model.suffix)))
            Path(tmp.with_suffix(export_model.suffix)).replace(tmp)
        ctx.say(f"wrote {export_model}")
    # a ranking's allocation is not an optimum: re-solve explanations and an infeasibility
    # diagnosis of the model would speak of the optimum, not of it
    result = analyse(problem, scenario, model, solution, near_misses=near_misses,
                     explain=method == "optimal")
    if output is not None and output.suffix.lower() == ".csv":
        if solution.ok:
            from .report import write_allocation_csv
            write_allocation_csv(result, output, inputs=(workbook,))
            ctx.say(f"wrote {output}")
    elif output is not None and (solution.ok or result.diagnosis is not None):
        write_result(result, output, inputs=(workbook,))
        ctx.say(f"wrote {output}")
    if as_json:
        click.echo(json.dumps(to_json(result), ensure_ascii=False, default=str))
    elif output is None or not ctx.quiet:
        click.echo(summary_text(result))
    if not solution.ok:
        ctx.say(f"no allocation: {solution.message}" if method == "greedy" else
                f"no allocation: the problem is {solution.label}"
                if solution.status in ("infeasible", "unbounded") else
                f"no allocation: {solution.message or solution.label}")
        sys.exit(1)


@main.command()
@click.argument("workbook", type=click.Path(exists=False, path_type=Path))
@click.option("-p", "--project", "project_ids", multiple=True, required=True, metavar="ID",
              help="Project to explain (repeatable).")
@scenario_options
@click.option("--json", "as_json", is_flag=True, help="Print the explanation as JSON.")
@guarded
@click.pass_obj
def explain(ctx: Context, workbook, project_ids, scenario_name, overrides, backend, time_limit,
            gap, as_json):
    """Say why projects of WORKBOOK are funded or not, and what forcing them in would cost.

    \b
    Example:
      allocator explain scenarios/territoires-industrie.xlsx --project P-0412
    """
    from . import load
    from .solve import solve as run_solve

    problem = load(workbook)
    scenario = resolve_scenario(problem, scenario_name, overrides, backend, time_limit, gap)
    known = set(problem.projects["project_id"])
    unknown = [pid for pid in project_ids if pid not in known]
    if unknown:
        raise InputError([Finding(ERROR, "projects", f"no project '{pid}' in {workbook}")
                          for pid in unknown])
    model, solution = run_solve(problem, scenario, verbose=ctx.verbose)
    if not solution.ok:
        click.echo(f"no allocation: the problem is {solution.label}", err=True)
        sys.exit(1)
    from .analyse import awards
    from .backends import SolveOptions
    from .explain import price_of_inclusion, reasons
    from .resolve import Resolver
    # the reasons (no re-solve), then the asked projects priced whatever their rank: each
    # locked in, one re-solve each
    award, funded = awards(model, solution.values)
    why = reasons(problem, scenario, model, solution, award, funded)["reason"].to_numpy()
    resolver = Resolver(model, SolveOptions(time_limit=scenario.time_limit, gap=scenario.gap))
    positions = problem.index_of(project_ids)
    prices = price_of_inclusion(problem, model, solution, positions, resolver)
    records = [{"project_id": pid, "funded": bool(funded[i]), "award": award[i],
                "reason": why[i], "price_of_inclusion": price, "displaces": displaced}
               for pid, i, (price, displaced) in zip(project_ids, positions, prices)]
    if as_json:
        click.echo(json.dumps(records, ensure_ascii=False, default=str))
        return
    for r in records:
        click.echo(f"{r['project_id']}: {r['reason']}")
        if not r["funded"] and r["price_of_inclusion"] is not None:
            click.echo(f"  forcing it in would cost {r['price_of_inclusion']:.6g} of the objective"
                       + (f" and displace {r['displaces']}" if r["displaces"] else ""))


@main.command("budget-curve")
@click.argument("workbook", type=click.Path(exists=False, path_type=Path))
@click.option("--from", "start", type=float, default=50e6, show_default=True, help="Smallest envelope (€).")
@click.option("--to", "stop", type=float, default=150e6, show_default=True, help="Largest envelope (€).")
@click.option("--steps", type=click.IntRange(min=2), default=21, show_default=True, help="Points on the curve.")
@scenario_options
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the curve workbook (.xlsx, with a native line chart) here.")
@click.option("--png", type=click.Path(dir_okay=False, path_type=Path), help="Write a PNG plot here.")
@click.option("--json", "as_json", is_flag=True, help="Print the curve as JSON.")
@force_option
@guarded
@click.pass_obj
def budget_curve_command(ctx: Context, workbook, start, stop, steps, scenario_name, overrides,
                         backend, time_limit, gap, output, png, as_json):
    """Trace what the optimum achieves as the envelope varies, to see where money stops buying.

    \b
    Example:
      allocator budget-curve scenarios/territoires-industrie.xlsx --from 50e6 --to 150e6 --steps 21 -o curve.xlsx
    """
    import numpy as np
    from . import load
    from .budget_curve import budget_curve
    from .report import write_budget_curve

    if stop < start:
        raise click.BadParameter("--to must not be below --from")
    problem = load(workbook)
    scenario = resolve_scenario(problem, scenario_name, overrides, backend, time_limit, gap)
    for path in (output, png):
        if path is not None:
            from .files import check_output
            check_output(path, inputs=(workbook,), force=ctx.force)
    curve = budget_curve(problem, scenario, np.linspace(start, stop, steps))
    if output is not None:
        write_budget_curve(curve, scenario, output, inputs=(workbook,))
        ctx.say(f"wrote {output}")
    if png is not None:
        from .plots import budget_curve_plot
        budget_curve_plot(curve, png)
        ctx.say(f"wrote {png}")
    if as_json:
        click.echo(curve.to_json(orient="records", double_precision=10))
    elif output is None or not ctx.quiet:
        click.echo(curve.to_string(index=False, float_format=lambda v: f"{v:,.4g}"))


@main.command("compare")
@click.argument("sources", nargs=-1, required=True, type=click.Path(exists=False, path_type=Path))
@scenario_options(many=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the comparison workbook (.xlsx, with native charts) here.")
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path),
              help="Write a review report: .html (one self-contained file, opens offline) or "
                   ".md (its plots written beside it).")
@click.option("--greedy", "greedy_scope", type=click.Choice(["each", "first", "none"]),
              default="each", show_default=True,
              help="Greedy references (ranking by score and by score per euro, same rules) for "
                   "each scenario, the first only, or none.")
@click.option("--workers", type=click.IntRange(min=1),
              help="Scenarios solved at once on local processes (default: the cores).")
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON on stdout.")
@force_option
@guarded
@click.pass_obj
def compare_command(ctx: Context, sources, scenario_name, overrides, backend, time_limit, gap,
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
    from . import load
    from .compare import compare, is_result_workbook, read_result, runs_for, to_json, \
        write_comparison
    from .files import check_output

    from .review import SUFFIXES, files_of
    if report is not None and report.suffix.lower() not in SUFFIXES:
        raise click.BadParameter(f"{report}: a review report is .html or .md", param_hint="--report")
    for path in [output, *(files_of(report) if report is not None else [])]:
        if path is not None:
            check_output(path, inputs=sources, force=ctx.force)
    runs, references, territories = [], [], None
    for source in sources:
        if is_result_workbook(source):
            runs.append(read_result(source))
            continue
        problem = load(source)
        names = list(scenario_name) or [s.name for s in problem.scenarios] or [None]
        scenarios = [resolve_scenario(problem, n, overrides, backend, time_limit, gap)
                     for n in names]
        ctx.say(f"{source}: solving {len(scenarios)} scenario(s)")
        got, refs = runs_for(problem, scenarios, greedy=greedy_scope, source=str(source),
                             workers=workers, progress=None if not ctx.quiet else False)
        runs += got
        references += refs
        territories = problem.territories if territories is None else territories
    if not any(r.ok for r in runs):
        for r in runs:
            ctx.say(f"{r.name}: {r.status} {r.message}".rstrip())
        ctx.say("no scenario has an allocation: nothing to compare")
        sys.exit(1)
    comparison = compare(runs, references, territories)
    if output is not None:
        write_comparison(comparison, output, inputs=sources)
        ctx.say(f"wrote {output}")
    if report is not None:
        from .review import write_review
        for written in write_review(comparison, report, inputs=sources):
            ctx.say(f"wrote {written}")
    if as_json:
        click.echo(json.dumps(to_json(comparison), ensure_ascii=False, default=str))
    elif output is None or not ctx.quiet:
        table = comparison.outcomes[["metric", *comparison.names]]
        click.echo(table.to_string(index=False, float_format=lambda v: f"{v:,.1f}"))
    missing = [r for r in comparison.runs if not r.ok]
    for r in missing:
        ctx.say(f"{r.name}: no allocation ({r.status})")
    if missing:
        sys.exit(1)


@main.command("frontier")
@click.argument("workbook", type=click.Path(exists=False, path_type=Path))
@click.option("--x", "x", required=True, metavar="OUTCOME", help="Outcome on the x axis (kept ≥ ε).")
@click.option("--y", "y", required=True, metavar="OUTCOME", help="Outcome on the y axis (maximised).")
@click.option("--points", type=click.IntRange(min=2), default=15, show_default=True,
              help="Grid points between the two anchors (dominated ones are removed).")
@scenario_options
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the frontier workbook (.xlsx, with a native scatter chart) here.")
@click.option("--plot", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the plot here (.png or .svg; default: beside the workbook, as .png).")
@click.option("--allocations", is_flag=True, help="Add each point's allocation (award per "
                                                   "project): a sheet, and in --json.")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Points solved at once on local processes.")
@click.option("--json", "as_json", is_flag=True, help="Print the frontier as JSON on stdout.")
@force_option
@guarded
@click.pass_obj
def frontier_command(ctx: Context, workbook, x, y, points, scenario_name, overrides, backend,
                     time_limit, gap, output, plot, allocations, workers, as_json):
    """Trace the Pareto frontier between two outcomes (epsilon-constraint method).

    Each point maximises --y with --x held at or above a value ε, under every other rule of
    the scenario; greedy rankings under the same rules are shown as references. Exit 0 with
    at least one point, 1 with none, 2 on bad input.

    \b
    Examples:
      allocator frontier scenarios/territoires-industrie.xlsx --x jobs --y skills --points 15 -o frontier.xlsx
      allocator frontier IN.xlsx --x jobs --y innovation --points 8 --allocations --json
    """
    from . import load
    from .files import check_output
    from .frontier import frontier, plot_frontier, to_json, write_frontier

    problem = load(workbook)
    scenario = resolve_scenario(problem, scenario_name, overrides, backend, time_limit, gap)
    if plot is None and output is not None:
        plot = output.with_suffix(".png")
    for path in (output, plot):
        if path is not None:
            check_output(path, inputs=(workbook,), force=ctx.force)
    if plot is not None and plot.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise click.BadParameter(f"{plot}: a plot is .png, .svg or .pdf", param_hint="--plot")
    result = frontier(problem, scenario, x, y, points, allocations=allocations,
                      workers=workers, progress=None if not ctx.quiet else False)
    if not result.ok:
        ctx.say("no frontier: no allocation satisfies the scenario's rules")
        sys.exit(1)
    if output is not None:
        write_frontier(result, output, inputs=(workbook,))
        ctx.say(f"wrote {output}")
    if plot is not None:
        plot_frontier(result, plot)
        ctx.say(f"wrote {plot}")
    if as_json:
        click.echo(json.dumps(to_json(result), ensure_ascii=False, default=str))
    elif output is None or not ctx.quiet:
        click.echo(result.points[["point", x, y, "awarded", "projects_funded", "status"]]
                   .to_string(index=False, float_format=lambda v: f"{v:,.1f}"))


def execution_options(command):
    """--workers and --scheduler: where many solves run (see ``sweep``)."""
    for option in reversed([
        click.option("--workers", type=click.IntRange(min=1),
                     help="Local processes solving at once (default: the number of cores; 1 "
                          "runs in this process)."),
        click.option("--scheduler", envvar="DASK_SCHEDULER_ADDRESS", show_envvar=True,
                     metavar="ADDRESS", help="Run on this Dask cluster instead, e.g. "
                                             "tcp://host:8786 (needs the dask extra)."),
    ]):
        command = option(command)
    return command


def _interrupted(ctx: Context, done: int, total: int, what: str):
    ctx.say(f"interrupted: kept the {done} of {total} {what} that were done")
    sys.exit(130)


@main.command("uncertainty")
@click.argument("workbook", type=click.Path(exists=False, path_type=Path))
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
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the workbook (.xlsx: selection_frequency, outcome_distribution, "
                   "robust, draws, summary) here.")
@click.option("--plot", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the histograms here (.png or .svg; default: beside the workbook, "
                   "as .png).")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON on stdout.")
@force_option
@guarded
@click.pass_obj
def uncertainty_command(ctx: Context, workbook, samples, seed, gamma, scenario_name, overrides,
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
    from . import load
    from .files import check_output
    from .uncertainty import monte_carlo, plot_uncertainty, summary_text, to_json, \
        write_uncertainty

    problem = load(workbook)
    scenario = resolve_scenario(problem, scenario_name, overrides, backend, time_limit, gap)
    if plot is None and output is not None:
        plot = output.with_suffix(".png")
    if plot is not None and plot.suffix.lower() not in (".png", ".svg"):
        raise click.BadParameter(f"{plot}: a plot is .png or .svg", param_hint="--plot")
    for path in (output, plot):
        if path is not None:
            check_output(path, inputs=(workbook,), force=ctx.force)
    u = monte_carlo(problem, scenario, samples=samples, seed=seed, gamma=gamma, workers=workers,
                    scheduler=scheduler, progress=None if not ctx.quiet else False)
    if not u.ok:
        failed = u.nominal if not u.nominal.solution.ok else u.robust
        ctx.say(f"no allocation: the problem is {failed.solution.label}")
        sys.exit(1)
    if output is not None:
        write_uncertainty(u, output, inputs=(workbook,))
        ctx.say(f"wrote {output}")
    if plot is not None and len(u.draws):
        plot_uncertainty(u, plot)
        ctx.say(f"wrote {plot}")
    if as_json:
        click.echo(json.dumps(to_json(u), ensure_ascii=False, default=str))
    elif output is None or not ctx.quiet:
        click.echo(summary_text(u))
    if u.batch.interrupted:
        _interrupted(ctx, len(u.draws), samples, "draws")


@main.command("sweep")
@click.argument("workbook", type=click.Path(exists=False, path_type=Path))
@scenario_options
@execution_options
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the comparison workbook (.xlsx, the layout of `allocator compare`).")
@click.option("--json", "as_json", is_flag=True, help="Print one row per scenario as JSON.")
@force_option
@guarded
@click.pass_obj
def sweep_command(ctx: Context, workbook, scenario_name, overrides, backend, time_limit, gap,
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
    """
    from . import load
    from .compare import write_comparison
    from .files import check_output
    from .sweep import parse_variations, run_sweep

    if not overrides:
        raise click.UsageError("give at least one --set KEY=VALUES to vary")
    variations = parse_variations(overrides)
    problem = load(workbook)
    base = resolve_scenario(problem, scenario_name, (), backend, time_limit, gap)
    if output is not None:
        check_output(output, inputs=(workbook,), force=ctx.force)
    sweep = run_sweep(problem, base, variations, workers=workers, scheduler=scheduler,
                      progress=None if not ctx.quiet else False)
    table = sweep.table
    comparison = sweep.comparison(problem, str(workbook))
    if output is not None and comparison is not None:
        write_comparison(comparison, output, inputs=(workbook,))
        ctx.say(f"wrote {output}")
    if as_json:
        click.echo(json.dumps({"executor": sweep.batch.executor,
                               "interrupted": sweep.batch.interrupted,
                               "seconds": round(sweep.batch.seconds, 3),
                               "scenarios": json.loads(table.to_json(orient="records",
                                                                     double_precision=10))},
                              ensure_ascii=False, default=str))
    elif output is None or not ctx.quiet:
        click.echo(table.drop(columns=["solve_seconds"], errors="ignore")
                   .to_string(index=False, float_format=lambda v: f"{v:,.4g}"))
    if sweep.batch.interrupted:
        _interrupted(ctx, sweep.batch.done, sweep.batch.total, "scenarios")
    missing = [s.name for s, r in zip(sweep.scenarios, sweep.results)
               if r is not None and not r.solution.ok]
    if missing:
        ctx.say(f"no allocation for {len(missing)} scenario(s): {', '.join(missing[:10])}")
        sys.exit(1)


if __name__ == "__main__":
    main()
