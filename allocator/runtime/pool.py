"""Many tasks at once, the same for sweeps, comparisons, frontiers and Monte Carlo.

Execution (``run_tasks``, ``collect``), the same for sweeps and for ``uncertainty``:

- **in this process** when there is one task or one worker;
- **local processes** by default (``workers``, default the number of usable cores):
  ``runtime.workers.Workers``, forked with the problem (each starts a HiGHS thread pool of
  its own, of one thread: the workers already fill the cores);
- **a Dask cluster** given its scheduler address (``tcp://host:8786``): the problem is
  scattered once to every worker (``broadcast=True``) and tasks receive that future, so it
  is not sent again with every task.

Results stream back as tasks finish; a progress bar is drawn on stderr only
when stderr is a terminal. Ctrl-C cancels what has not started, stops the local workers, and
``collect`` returns what was done with ``interrupted=True``.

A task function is a module-level function ``fn(problem, payload) -> result`` (it must be
importable on the workers); results are returned by task index, whatever the finishing order.
"""
from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from typing import Callable, Generator, Sequence

from allocator.backends.highs.instance import new_highs
from allocator.core.findings import ERROR, Finding, InputError
from allocator.core.lang import phrase
from allocator.core.problem import Problem
from allocator.runtime.workers import Workers


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
    h = new_highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.run()
    _SINGLE_THREADED = True


def _worker_state(problem: Problem, fn: Callable) -> tuple[Problem, Callable]:
    _one_solver_thread()
    return problem, fn


def _local_call(state: tuple[Problem, Callable], payload, _report):
    problem, fn = state
    return fn(problem, payload)


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
              scheduler: str | None = None) -> Generator[tuple[int, object], None, None]:
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
    # closing this generator early, or Ctrl-C, leaves the block: the workers are stopped
    with Workers(workers, _local_call, _worker_state, (problem, fn), name="task") as pool:
        yield from pool.run(payloads)


def _run_dask(problem, fn, payloads, scheduler):
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
        from distributed.comm import get_address_host_port
    except ImportError:
        raise InputError([Finding(ERROR, "--scheduler", phrase("option.dask"))]) from None
    try:
        # an address Dask cannot parse leaves a half-made Client that hangs 10 s at exit and
        # prints a traceback: refused before one is made
        get_address_host_port(scheduler)
        client = Client(scheduler, timeout="5s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:  # unreachable, or not an address
        raise InputError([Finding(ERROR, "--scheduler", phrase(
            "option.scheduler", address=scheduler, error=exc))]) from None
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
