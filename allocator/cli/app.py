"""What every command shares: the context (-q, -v, --debug, --force), the common options, the
one mapping from failures to messages and exit codes, and the output tail.

Exit codes: 0 success; 1 solved but infeasible, or no solution in time; 2 bad input or usage;
3 an internal error (a bug: please report it with the output of ``--debug``); 130 interrupted
(Ctrl-C), 143 terminated (SIGTERM).
Data and ``--json`` go to stdout; messages go to stderr, in the language of ``--lang``, else
of the scenario once one is chosen, else English.
"""
from __future__ import annotations

import functools
import json
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import click

from allocator.backends import BackendUnavailable, SolverRefused
from allocator.core.findings import ERROR, Finding, InputError
from allocator.core.format import printable
from allocator.core.lang import LANGS, Words, phrase, words
from allocator.core.scenario import Scenario, choose_scenario
from allocator.core.version import __version__
from allocator.report.files import OutputError, check_output

MAX_SHOWN = 60


class Failed(Exception):
    """A run that ends without what was asked (exit ``code``), ``message`` saying why."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


class Terminated(BaseException):
    """SIGTERM, raised where the program is so that every ``finally`` runs: worker processes
    are stopped and temporary folders removed, as on Ctrl-C (a BaseException, so that no
    ``except Exception`` on the way swallows it)."""


def _terminate(signum, frame):
    raise Terminated


class Context:
    force = False  # --force: replace existing outputs that allocator did not write
    lang: str | None = None  # --lang, else the chosen scenario's: the language of messages

    def __init__(self, quiet=False, verbose=False, debug=False):
        self.quiet, self.verbose, self.debug = quiet, verbose, debug
        # the instant the command started, from which its time limit counts (reading and
        # validating the input count against it)
        self.started = time.monotonic()

    def say(self, message: str) -> None:
        if not self.quiet:
            click.echo(printable(message), err=True)

    @property
    def words(self) -> Words:
        return words(self.lang)

    def scenario(self, problem, name, overrides, **flags) -> Scenario:
        """The scenario to run (``choose_scenario``); messages speak its language from here
        on, unless --lang said otherwise."""
        scenario = choose_scenario(problem, name, overrides, **flags)
        self.lang = self.lang or scenario.lang
        return scenario

    @property
    def progress(self) -> bool | None:
        """Progress bars: on a terminal (None lets the pool decide), never with -q."""
        return False if self.quiet else None

    def check(self, *paths: Path | None, inputs: tuple = ()) -> None:
        """Refuse, before any work, outputs that cannot or must not be written, and one path
        given for two outputs (the second would replace the first)."""
        seen: set[Path] = set()
        for path in paths:
            if path is not None:
                check_output(path, inputs=inputs, force=self.force)
                if path.resolve() in seen:
                    raise OutputError(phrase("output.twice", path=path))
                seen.add(path.resolve())

    def write(self, path: Path | None, writer: Callable, *args, inputs: tuple | None = None
              ) -> None:
        """``writer(*args, path, inputs=inputs)`` when a path was given, and say so."""
        if path is None:
            return
        written = writer(*args, path) if inputs is None else writer(*args, path, inputs=inputs)
        for p in written if isinstance(written, list) else [path]:
            self.say(self.words.phrase("wrote", path=p))

    def show(self, as_json: bool, data: Callable[[], object], text: Callable[[], str],
             output: Path | None = None) -> None:
        """JSON on stdout with ``--json``; else the text, unless it went to a file and -q."""
        if as_json:
            click.echo(json.dumps(data(), ensure_ascii=False, default=str))
        elif output is None or not self.quiet:
            click.echo(printable(text()))


def show_findings(ctx: Context, findings: list[Finding]) -> None:
    errors = [f for f in findings if f.severity == ERROR]
    warnings = [f for f in findings if f.severity != ERROR]
    shown = errors + ([] if ctx.quiet else warnings)
    w = ctx.words
    for f in shown[:MAX_SHOWN]:
        click.echo(printable(f.said(w)), err=True)
    if len(shown) > MAX_SHOWN:
        click.echo(w.phrase("cli.more", n=len(shown) - MAX_SHOWN), err=True)
    if errors:
        click.echo(w.phrase("cli.fix", errors=len(errors), warnings=len(warnings)), err=True)


def lang_option(command, help="Language of the messages (default: en)."):
    """--lang, for every command that reads input; it reaches ``Context.lang``."""
    def remember(click_ctx, param, value):
        if value is not None:
            click_ctx.find_object(Context).lang = value
        return value
    return click.option("--lang", type=click.Choice(LANGS), expose_value=False,
                        callback=remember, help=help)(command)


def force_option(command):
    """--force, for commands that write files; it reaches ``Context.check``."""
    def remember(click_ctx, param, value):
        click_ctx.find_object(Context).force = value
        return value
    return click.option("--force", is_flag=True, expose_value=False, callback=remember,
                        help="Replace output files that exist, even ones allocator did not "
                             "write (those it wrote are replaced anyway).")(command)


def guarded(command):
    """Turn expected failures into messages and exit codes; tracebacks only with --debug.

    Also gives every command -q, -v and --debug, so they work after the command's name too,
    and the ``Context`` as its first argument.
    """
    command = click.pass_obj(command)

    @click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
    @click.option("-v", "--verbose", is_flag=True, help="Show the solver's log.")
    @click.option("--debug", is_flag=True, help="Show tracebacks.")
    @functools.wraps(command)
    def wrapper(*args, quiet=False, verbose=False, debug=False, **kwargs):
        ctx: Context = click.get_current_context().obj
        ctx.quiet, ctx.verbose = ctx.quiet or quiet, ctx.verbose or verbose
        ctx.debug = ctx.debug or debug
        code, message = 0, None
        try:
            for param in click.get_current_context().command.params:
                if isinstance(param, WrittenFile) and param.name is not None:
                    refuse_unless_ending_in(kwargs.get(param.name), param.opts[-1],
                                            param.suffixes)
            return command(*args, **kwargs)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except KeyboardInterrupt:
            code, message = 130, ctx.words.phrase("cli.interrupted")
        except Terminated:
            code, message = 143, ctx.words.phrase("cli.terminated")
        except Exception as exc:
            if ctx.debug:
                raise
            code, message = _failure(ctx, exc)
        if message:
            click.echo(printable(message), err=True)
        raise SystemExit(code)
    return wrapper


def _failure(ctx: Context, exc: Exception) -> tuple[int, str | None]:
    """The exit code and message of a failure: the one mapping of the command line."""
    w = ctx.words
    if isinstance(exc, InputError):
        show_findings(ctx, exc.findings)
        return 2, None
    if isinstance(exc, (OutputError, BackendUnavailable)):
        return 2, w.phrase("cli.error", message=w.sentence(str(exc)))
    if isinstance(exc, SolverRefused):
        return 2, w.phrase("cli.solver_range", message=exc)
    if isinstance(exc, Failed):
        return exc.code, None if ctx.quiet else w.sentence(str(exc))
    return 3, w.phrase("cli.internal", error=f"{type(exc).__name__}: {exc}")


class WrittenFile(click.Option):
    """An option naming a file the command writes, whose name must end in one of
    ``suffixes``: the writer would otherwise write its own format under the name given (a
    workbook called out.txt). ``guarded`` refuses any other name before the command runs."""

    def __init__(self, *args, suffixes: tuple[str, ...], **kwargs):
        super().__init__(*args, **kwargs)
        self.suffixes = suffixes


def file_option(*names: str, suffixes: tuple[str, ...], help: str):
    return click.option(*names, cls=WrittenFile, suffixes=suffixes, help=help,
                        type=click.Path(dir_okay=False, path_type=Path))


def bad_option(option: str, key: str, **fields) -> NoReturn:
    """Refuse an option's value as the input's are refused: a finding (the message
    ``phrase(key, **fields)``), exit 2."""
    raise InputError([Finding(ERROR, option, phrase(key, **fields))])


def refuse_unless_ending_in(path: Path | None, name: str, suffixes: tuple[str, ...]) -> None:
    """Refuse a file name ``path`` given as ``name`` that ends in none of ``suffixes``."""
    if path is None or path.suffix.lower() in suffixes:
        return
    if len(suffixes) == 1:
        bad_option(name, "output.kind", path=path, suffix=suffixes[0])
    bad_option(name, "output.kinds", path=path, suffixes=", ".join(suffixes[:-1]),
               suffix=suffixes[-1])


def output_option(help: str, suffixes: tuple[str, ...] = (".xlsx",)):
    """-o/--output: a file the command writes."""
    return file_option("-o", "--output", suffixes=suffixes, help=help)


def json_option(what: str):
    """--json: print ``what`` as JSON on stdout, for scripts."""
    return click.option("--json", "as_json", is_flag=True, help=f"Print {what} as JSON on stdout.")


def scenario_options(command=None, *, many=False):
    """--scenario, --set, --backend, --time-limit, --gap, --lang. With ``many``
    (``@scenario_options(many=True)``), --scenario may be repeated and ``scenario_name`` is a
    tuple. --lang reaches the command as the override ``lang=…`` (the scenario's parameter,
    which the writers read) and as ``Context.lang`` (for what no scenario carries)."""
    if command is None:
        return functools.partial(scenario_options, many=many)
    command = lang_option(_with_lang(command), help="Language of the outputs and messages "
                          "(default: the scenario's lang parameter, else en).")
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
                     help="Solver: highs (default), scip, cpsat, cbc, or pulp:<SOLVER>; "
                          "every re-solve of the run uses it too."),
        click.option("--time-limit", type=float, envvar="ALLOCATOR_TIME_LIMIT",
                     show_envvar=True, help="Seconds the command may take: its solves and what "
                     "follows them (solve and explain: from the start, reading the input "
                     "included); what it leaves no time for says so."),
        click.option("--gap", type=float,
                     help="Relative gap at which the solver stops (default 1e-6); "
                          "\"optimal\" only when proven within 1e-6."),
    ]):
        command = option(command)
    return command


def _with_lang(command):
    """--lang as the override ``lang=…`` of the scenario, which the writers read."""
    @functools.wraps(command)
    def wrapper(*args, overrides=(), **kwargs):
        lang = click.get_current_context().find_object(Context).lang
        if lang is not None:
            overrides = (*overrides, f"lang={lang}")
        return command(*args, overrides=overrides, **kwargs)
    return wrapper


def execution_options(command):
    """--workers and --scheduler: where many solves run (see ``runtime.pool``)."""
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
    signal.signal(signal.SIGTERM, _terminate)
