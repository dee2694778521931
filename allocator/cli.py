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
    from .template import write_template
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


def scenario_options(command):
    for option in reversed([
        click.option("-s", "--scenario", "scenario_name", metavar="NAME|FILE.toml",
                     help="A scenario of the workbook's scenarios sheet, or a TOML file "
                          "(default: the sheet's first scenario, or built-in defaults)."),
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
              help="Write the result workbook (.xlsx) here.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")
@click.option("--export-model", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the model as .mps or .lp, for audit.")
@guarded
@click.pass_obj
def solve(ctx: Context, workbook, scenario_name, overrides, backend, time_limit, gap, output,
          as_json, export_model):
    """Allocate the envelope for WORKBOOK under a scenario.

    Exit 0 when optimal or feasible, 1 when infeasible or no solution was found in time,
    2 on bad input.

    \b
    Examples:
      allocator solve scenarios/territoires-industrie.xlsx -o out.xlsx
      allocator solve scenarios/territoires-industrie.xlsx --scenario jobs_first --json
      allocator solve IN.xlsx --set budget=80e6 --set weight.jobs=2 --backend scip
    """
    from . import load
    from .analyse import analyse
    from .report import summary_text, to_json, write_result
    from .solve import solve as run_solve

    problem = load(workbook)
    _show_findings(ctx, list(problem.warnings)) if ctx.verbose else None
    scenario = resolve_scenario(problem, scenario_name, overrides, backend, time_limit, gap)
    if output is not None:
        from .files import check_output
        check_output(output, inputs=(workbook,))
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
    result = analyse(problem, scenario, model, solution)
    if output is not None and solution.ok:
        write_result(result, output, inputs=(workbook,))
        ctx.say(f"wrote {output}")
    if as_json:
        click.echo(json.dumps(to_json(result), ensure_ascii=False, default=str))
    elif output is None or not ctx.quiet:
        click.echo(summary_text(result))
    if not solution.ok:
        ctx.say(f"no allocation: the problem is {solution.label}")
        sys.exit(1)


if __name__ == "__main__":
    main()
