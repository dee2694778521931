"""Re-solves in forked workers (allocator/runtime/resolves.py): a worker that dies is an error that
says so; one that goes silent is stopped, its change reported without a solution, and the
others' results kept."""
from __future__ import annotations

import os
import time

import pytest
from test_uncertainty import make_problem

import allocator
from allocator.backends import SolveOptions, SolverOutput
from allocator.core.status import Status
from allocator.formulate import formulate
from allocator.runtime import resolves as resolve
from allocator.runtime.resolves import Resolves


@pytest.fixture(scope="module")
def model():
    problem, budget = make_problem(8, seed=3)
    return formulate(problem, allocator.Scenario(budget=budget))


def _answer(k: int) -> SolverOutput:
    return SolverOutput(Status.OPTIMAL, None, float(k), None, 0.0, "test", "", "a log", None, "")


def _dies_on_1(nearby, k):
    if k == 1:
        os._exit(3)
    return _answer(k)


def _hangs_on_1(nearby, k):
    if k == 1:
        time.sleep(30)
    return _answer(k)


def test_answers_come_back_in_order_without_their_logs(model):
    outs = Resolves(model, SolveOptions(time_limit=5), workers=2).map(
        list(range(5)), task=lambda resolver, k: _answer(k))
    assert [o.objective for o in outs] == [0, 1, 2, 3, 4] and {o.log for o in outs} == {""}


def test_a_worker_that_dies_is_an_error_saying_so(model):
    with pytest.raises(RuntimeError, match=r"a re-solve worker died \(exit code 3\)"):
        Resolves(model, SolveOptions(time_limit=5), workers=2).map(
            list(range(4)), task=_dies_on_1)


def test_a_silent_worker_is_stopped_and_the_others_results_kept(model, monkeypatch):
    monkeypatch.setattr(resolve, "PATIENCE_SECONDS", 0.5)
    t0 = time.perf_counter()
    outs = Resolves(model, SolveOptions(time_limit=0.1), workers=2).map(
        list(range(4)), task=_hangs_on_1)
    assert time.perf_counter() - t0 < 10
    assert outs[1].values is None and outs[1].message == "re-solve stopped"
    assert [outs[k].objective for k in (0, 2, 3)] == [0, 2, 3]


def _raises_on_1(nearby, k):
    if k == 1:
        raise ValueError("no such rule")
    return _answer(k)


def test_a_task_that_raises_in_a_worker_raises_here_saying_what(model):
    with pytest.raises(RuntimeError, match="ValueError: no such rule"):
        Resolves(model, SolveOptions(time_limit=5), workers=2).map(
            list(range(4)), task=_raises_on_1)
