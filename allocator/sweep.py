"""Many solves at once: scenario sweeps, and the execution machinery Monte Carlo shares.

A sweep is the cartesian product of scenario variations given as ``--set`` pairs::

    budget=60e6:140e6:9        9 evenly spaced values from 60e6 to 140e6 (ends included)
    weight.skills=0.5,1,2      a list of values
    coverage=1                 one value (applied to every scenario of the sweep)

A value is a range only when its three parts are numbers (so ``backend=pulp:GUROBI_CMD``
stays a value); lists use commas, so French decimals need a dot here (``0.5``, not ``0,5``).

Execution (``run_tasks``, ``collect``), the same for sweeps and for ``uncertainty``:

- **in this process** when there is one task or one worker;
- **local processes** by default (``workers``, default the number of usable cores): a
  ``ProcessPoolExecutor`` whose initializer receives the problem once per worker. Workers are
  started by ``forkserver``, not ``fork``: HiGHS keeps a process-wide thread pool that a forked
  child inherits without its threads, and a MIP solve there can hang;
- **a Dask cluster** given its scheduler address (``tcp://host:8786``): the problem is
  scattered once to every worker (``broadcast=True``) and tasks receive that future, so it
  is not sent again with every task.

Results stream back as tasks finish (``as_completed``); a progress bar is drawn on stderr only
when stderr is a terminal. Ctrl-C cancels what has not started, stops the local workers, and
``collect`` returns what was done with ``interrupted=True``.

A task function is a module-level function ``fn(problem, payload) -> result`` (it must be
importable on the workers); results are returned by task index, whatever the finishing order.
"""
from __future__ import annotations

import itertools
import math
import multiprocessing
import os
import signal
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Callable, Iterator, Sequence

import numpy as np
import pandas as pd

from .findings import ERROR, Finding, InputError
from .problem import Problem
from .scenario import Scenario, build_scenario, parse_overrides

# ---------------------------------------------------------------------------------------------
# execution

def default_workers() -> int:
    """The cores this process may use (its CPU affinity where the OS tells it)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


@dataclass(frozen=True)
class Batch:
    """What a set of tasks gave: ``results[i]`` for each task i that finished.

    ``interrupted`` is True when Ctrl-C stopped the run before every task finished;
    ``executor`` says where the tasks ran ("this process", "2 local processes",
    "dask tcp://…").
    """
    results: dict
    total: int
    interrupted: bool
    executor: str
    seconds: float

    @property
    def done(self) -> int:
        return len(self.results)


_PROBLEM: Problem | None = None  # a local worker's copy, set once by _init_worker


_SINGLE_THREADED = False


def _one_solver_thread() -> None:
    """Start HiGHS's process-wide thread pool with one thread, once per worker process.

    The workers already fill the cores: a pool of one thread per process avoids
    oversubscription. The pool is sized by the first solve of the process, so a tiny LP is
    solved with ``threads=1`` before any real one (later solves keep the default, 0, which
    means "the pool as it is").
    """
    global _SINGLE_THREADED
    if _SINGLE_THREADED:
        return
    from .backends.highs import _new_highs
    h = _new_highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.run()
    _SINGLE_THREADED = True


def _init_worker(problem: Problem) -> None:
    global _PROBLEM
    _PROBLEM = problem
    # Ctrl-C reaches the whole process group; only the parent decides what to keep.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _one_solver_thread()


def _local_call(fn: Callable, payload):
    return fn(_PROBLEM, payload)


def _dask_call(fn: Callable, problem: Problem, payload):
    _one_solver_thread()
    return fn(problem, payload)


def _local_workers(n_tasks: int, workers: int | None) -> int:
    """Processes worth starting: no more than tasks; 1 means this process."""
    return max(1, min(workers or default_workers(), n_tasks))


def describe_executor(n_tasks: int, workers: int | None, scheduler: str | None) -> str:
    if scheduler:
        return f"dask {scheduler}"
    local = _local_workers(n_tasks, workers)
    return "this process" if local == 1 else f"{local} local processes"


def run_tasks(problem: Problem, fn: Callable, payloads: Sequence, *, workers: int | None = None,
              scheduler: str | None = None) -> Iterator[tuple[int, object]]:
    """Yield ``(index, fn(problem, payloads[index]))`` as tasks finish.

    In this process for one task or ``workers=1``; on ``workers`` local processes otherwise;
    on the Dask cluster at ``scheduler`` when given. Closing the generator early, or Ctrl-C,
    cancels the tasks not yet started and stops local workers.
    """
    local = _local_workers(len(payloads), workers)
    if scheduler:
        yield from _run_dask(problem, fn, payloads, scheduler)
    elif local == 1:
        for i, payload in enumerate(payloads):
            yield i, fn(problem, payload)
    else:
        yield from _run_local(problem, fn, payloads, local)


def _run_local(problem, fn, payloads, workers):
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        # the server imports these once; each worker forks from it with them loaded (no
        # HiGHS solve has run there, so its thread pool is not yet started)
        context.set_forkserver_preload(["allocator.sweep", "allocator.solve",
                                        "allocator.analyse", "allocator.uncertainty"])
    else:
        context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker,
                               initargs=(problem,))
    futures = {pool.submit(_local_call, fn, p): i for i, p in enumerate(payloads)}
    finished = False
    try:
        for future in as_completed(futures):
            yield futures[future], future.result()
        finished = True
    finally:
        if finished:
            pool.shutdown(wait=True)
        else:
            # a solve in progress may run for its whole time limit: stop the workers now.
            # The executor has no public way to do so, and forgets them once shut down.
            processes = list((getattr(pool, "_processes", None) or {}).values())
            pool.shutdown(wait=False, cancel_futures=True)
            for process in processes:
                process.terminate()
            for process in processes:
                process.join(timeout=5)


def _run_dask(problem, fn, payloads, scheduler):
    try:
        from distributed import Client, as_completed as dask_completed
    except ImportError:
        raise InputError([Finding(ERROR, "--scheduler", "running on a Dask cluster needs the "
                                  "dask extra: pip install 'allocator[dask]'")]) from None
    try:
        client = Client(scheduler, timeout="10s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:  # unreachable, or not an address
        raise InputError([Finding(ERROR, "--scheduler", f"cannot reach the Dask scheduler at "
                                  f"{scheduler}: {exc}")]) from None
    futures = []
    try:
        shared = client.scatter(problem, broadcast=True)
        futures = [client.submit(_dask_call, fn, shared, p, pure=False) for p in payloads]
        index = {f.key: i for i, f in enumerate(futures)}
        for future in dask_completed(futures, loop=client.loop):
            yield index[future.key], future.result()
            future.release()
    finally:
        client.cancel(futures)
        client.close()


def collect(problem: Problem, fn: Callable, payloads: Sequence, *, workers: int | None = None,
            scheduler: str | None = None, units: Sequence[int] | None = None,
            progress: bool | None = None, label: str = "") -> Batch:
    """Run every task (see ``run_tasks``) and gather the results; Ctrl-C keeps what was done.

    ``units`` (per task, e.g. draws in a chunk) advance the progress bar, drawn on stderr
    when ``progress`` is True, or, when None, when stderr is a terminal.
    """
    units = list(units) if units is not None else [1] * len(payloads)
    show = sys.stderr.isatty() if progress is None else progress
    results: dict = {}
    interrupted = False
    t0 = time.perf_counter()
    bar = _progress_bar(sum(units), label) if show else None
    stream = run_tasks(problem, fn, payloads, workers=workers, scheduler=scheduler)
    try:
        for i, result in stream:
            results[i] = result
            if bar is not None:
                bar.update(units[i])
    except KeyboardInterrupt:
        interrupted = True
    finally:
        stream.close()  # cancels and stops workers now, not when the generator is collected
        if bar is not None:
            bar.render_finish()
    return Batch(results, len(payloads), interrupted,
                 describe_executor(len(payloads), workers, scheduler), time.perf_counter() - t0)


def _progress_bar(total: int, label: str):
    import click
    bar = click.progressbar(length=total, label=label, file=sys.stderr, show_pos=True,
                            show_eta=True)
    bar.render_progress()
    return bar


# ---------------------------------------------------------------------------------------------
# sweeps

@dataclass(frozen=True)
class Variation:
    """One ``--set`` pair of a sweep: a parameter and the values it takes (as given)."""
    key: str
    values: tuple[str, ...]


def parse_variations(pairs: Sequence[str]) -> tuple[Variation, ...]:
    """``key=a:b:n`` (n evenly spaced values), ``key=v1,v2,…`` or ``key=v`` → Variations."""
    out = []
    for key, (raw, _) in parse_overrides(pairs).items():
        text = str(raw)
        values = _range(text)
        if values is None:
            values = tuple(v.strip() for v in text.split(",")) if "," in text else (text,)
        if any(not v for v in values):
            raise InputError([Finding(ERROR, "--set", f"'{key}={text}': an empty value in the "
                                      "list")])
        out.append(Variation(key, values))
    return tuple(out)


def _range(text: str) -> tuple[str, ...] | None:
    parts = text.split(":")
    if len(parts) != 3:
        return None
    try:
        lo, hi, count = float(parts[0]), float(parts[1]), float(parts[2])
    except ValueError:
        return None
    if count != int(count) or count < 1 or not (math.isfinite(lo) and math.isfinite(hi)):
        raise InputError([Finding(ERROR, "--set", f"'{text}': a range is start:stop:count, "
                                  "with count a whole number ≥ 1 (e.g. 60e6:140e6:9)")])
    return tuple(repr(float(v)) for v in np.linspace(lo, hi, int(count)))


def _show(value: str) -> str:
    """A parameter value as it appears in a scenario name: numbers short (6e+07, 0.5)."""
    try:
        return f"{float(value):g}"
    except ValueError:
        return value


def sweep_scenarios(problem: Problem, base: Scenario,
                    variations: Sequence[Variation]) -> list[Scenario]:
    """The scenarios of the cartesian product, in order (the last variation varies fastest).

    Every combination is checked before anything is solved; InputError lists every bad one.
    """
    outcomes, themes = problem.outcomes, tuple(problem.themes["theme"])
    scenarios, findings = [], []
    for combo in itertools.product(*(v.values for v in variations)):
        pairs = [f"{v.key}={value}" for v, value in zip(variations, combo)]
        name = " ".join(f"{v.key}={_show(value)}" for v, value in zip(variations, combo)
                        if len(v.values) > 1) or base.name
        scenario, problems = build_scenario(name, parse_overrides(pairs), outcomes=outcomes,
                                            themes=themes, base=base)
        scenarios.append(scenario)
        findings.extend(f for f in problems if f not in findings)
    if any(f.severity == ERROR for f in findings):
        raise InputError(findings)
    return scenarios


def solve_scenario(problem: Problem, scenario: Scenario):
    """One sweep task: solve and analyse (runs on a worker); returns the Result.

    Without explanations: per-project reasons cost dozens of re-solves, and a sweep compares
    totals; ``allocator solve`` on one scenario gives them.
    """
    from .analyse import analyse
    from .solve import solve
    model, solution = solve(problem, scenario)
    return analyse(problem, scenario, model, solution, explain=False)


@dataclass(frozen=True)
class Sweep:
    """The results of a sweep, in the order of ``scenarios`` (None where not run).

    ``table``: one row per scenario — scenario, each varied parameter (as run), status,
    objective, gap, awarded (€), projects_funded, each outcome achieved, solve_seconds.
    """
    variations: tuple[Variation, ...]
    scenarios: tuple[Scenario, ...]
    results: tuple
    batch: Batch

    @property
    def table(self) -> pd.DataFrame:
        rows = []
        for scenario, result in zip(self.scenarios, self.results):
            params = scenario.parameters()
            row = {"scenario": scenario.name, **{v.key: params.get(v.key) for v in self.variations}}
            if result is None:
                row["status"] = "not run (interrupted)"
            else:
                s = result.solution
                outcomes = [] if result.outcomes is None else list(result.outcomes["outcome"])
                row.update({"status": s.label, "objective": s.objective, "gap": s.gap,
                            **{k: result.totals.get(k)
                               for k in ("awarded", "projects_funded", *outcomes)},
                            "solve_seconds": round(s.solve_seconds, 3)})
            rows.append(row)
        return pd.DataFrame(rows)

    @property
    def ok(self) -> bool:
        return not self.batch.interrupted and all(r is not None and r.solution.ok
                                                  for r in self.results)

    def comparison(self, problem: Problem, source: str = ""):
        """The scenarios that have an allocation, side by side (``compare.Comparison``; the
        first is the reference of every difference); None when none has one."""
        from .compare import compare, run_of
        runs = [run_of(r, source) for r in self.results if r is not None]
        if not any(r.ok for r in runs):
            return None
        return compare(runs, territories=problem.territories)


def run_sweep(problem: Problem, base: Scenario, variations: Sequence[Variation], *,
              workers: int | None = None, scheduler: str | None = None,
              progress: bool | None = None) -> Sweep:
    """Solve every scenario of the product of ``variations`` over ``base``."""
    scenarios = sweep_scenarios(problem, base, variations)
    batch = collect(problem, solve_scenario, scenarios, workers=workers, scheduler=scheduler,
                    progress=progress, label="scenarios")
    return Sweep(tuple(variations), tuple(scenarios),
                 tuple(batch.results.get(i) for i in range(len(scenarios))), batch)
