"""Scenario sweeps: the cartesian product of parameter variations, solved side by side.

A sweep is the cartesian product of scenario variations given as ``--set`` pairs::

    budget=60e6:140e6:9        9 evenly spaced values from 60e6 to 140e6 (ends included)
    weight.skills=0.5,1,2      a list of values
    coverage=1                 one value (applied to every scenario of the sweep)

A value is a range only when its three parts are numbers (so ``backend=pulp:GUROBI_CMD``
stays a value); lists use commas, so French decimals need a dot here (``0.5``, not ``0,5``).

The scenarios run on ``runtime.pool``: local processes or a Dask cluster. On local processes
the sweep ends by the longest time limit of its scenarios, counted from its start: a scenario
solved after that is not solved ("not solved in time"); a Dask cluster's clocks are not this
machine's, so there the limit bounds each scenario's solve.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from functools import partial
from typing import Sequence

import numpy as np
import pandas as pd

from allocator.analyse.allocation import solve_scenario
from allocator.analyse.compare import compare_runs, run_of
from allocator.analyse.explain import spending_stopped_by
from allocator.core import format as fmt
from allocator.core.findings import ERROR, Finding, InputError
from allocator.core.lang import LANGS, phrase, words
from allocator.core.problem import Problem
from allocator.core.scenario import Scenario, build_scenario, parse_overrides
from allocator.runtime.pool import Batch, collect
from allocator.solve.watchdog import NO_ALLOCATION_IN_TIME


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
            raise InputError([Finding(ERROR, "--set", phrase("option.set_empty",
                                                             given=f"{key}={text}"))])
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
        raise InputError([Finding(ERROR, "--set", phrase("option.set_range", given=text))])
    return tuple(repr(float(v)) for v in np.linspace(lo, hi, int(count)))


def scenario_name(settings: Sequence[tuple[str, str]], lang: str = "en") -> str:
    """A sweep scenario's name from the parameters it varies, figures as ``core.format``
    writes them, in ``lang``: "budget=€80M weight.skills=0.5", in French
    "budget = 80 M€, weight.skills = 0,5"."""
    w = words(lang)
    return w.say(" ", ", ").join(w.say("{key}={value}", "{key} = {value}", key=key,
                                       value=w.figure(fmt.setting(key, value)))
                                 for key, value in settings)


def sweep_scenarios(problem: Problem, base: Scenario,
                    variations: Sequence[Variation]) -> list[Scenario]:
    """The scenarios of the cartesian product, in order (the last variation varies fastest).

    Every combination is checked before anything is solved; InputError lists every bad one.
    """
    outcomes, themes = problem.outcomes, tuple(problem.themes["theme"])
    # one normalisation for the whole sweep, the base's: re-normalised at each budget, the
    # objective would change its unit from one scenario to the next
    base = base.with_values(normalise_budget=base.ideal_budget)
    scenarios: list[Scenario] = []
    findings: list[Finding] = []
    for combo in itertools.product(*(v.values for v in variations)):
        pairs = [f"{v.key}={value}" for v, value in zip(variations, combo)]
        # named in the language it is written in: its lang, perhaps set by --lang among the pairs
        lang = dict(zip((v.key for v in variations), combo)).get("lang", base.lang)
        varied = [(v.key, value) for v, value in zip(variations, combo) if len(v.values) > 1]
        name = scenario_name(varied, lang if lang in LANGS else "en") if varied else base.name
        scenario, problems = build_scenario(name, parse_overrides(pairs), outcomes=outcomes,
                                            themes=themes, base=base)
        scenarios.append(scenario)
        findings.extend(f for f in problems if f not in findings)
    if any(f.severity == ERROR for f in findings):
        raise InputError(findings)
    return scenarios


@dataclass(frozen=True)
class Sweep:
    """The results of a sweep, in the order of ``scenarios`` (None where not run).

    ``table``: one row per scenario — scenario, each varied parameter (as run), status,
    objective, gap, awarded (€), projects_funded, each outcome achieved,
    spending_stopped_by (when it is not the envelope: see ``explain.spending_stopped_by``),
    normalised_at (€: the envelope whose ideal normalises every scenario's objective, the
    base scenario's; NaN with ``normalise = none``), solve_seconds.
    ``stopped_by``: spending_stopped_by of each scenario ("" where not run).
    """
    variations: tuple[Variation, ...]
    scenarios: tuple[Scenario, ...]
    results: tuple
    batch: Batch
    stopped_by: tuple[str, ...] = ()

    @property
    def parameters(self) -> tuple[Variation, ...]:
        """The variations the table shows: all but the language it is written in (``--lang
        fr`` reaches a sweep as ``lang=fr``, one value that changes no allocation)."""
        return tuple(v for v in self.variations if not (v.key == "lang" and len(v.values) == 1))

    @property
    def table(self) -> pd.DataFrame:
        rows = []
        stopped = self.stopped_by or ("",) * len(self.scenarios)
        for scenario, result, stopped_by in zip(self.scenarios, self.results, stopped):
            params = scenario.parameters()
            row = {"scenario": scenario.name, **{v.key: params.get(v.key) for v in self.parameters}}
            if result is None:
                row["status"] = "not run (interrupted)"
            else:
                s = result.solution
                outcomes = [] if result.outcomes is None else list(result.outcomes["outcome"])
                late = s.values is None and s.message.startswith(NO_ALLOCATION_IN_TIME)
                row.update({"status": "not solved in time" if late else s.label,
                            "objective": s.objective, "gap": s.gap,
                            **{k: result.totals.get(k)
                               for k in ("awarded", "projects_funded", *outcomes)},
                            "spending_stopped_by": stopped_by,
                            "normalised_at": scenario.ideal_budget
                            if scenario.normalise == "ideal" else np.nan,
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
        runs = [run_of(r, source) for r in self.results if r is not None]
        if not any(r.ok for r in runs):
            return None
        return compare_runs(runs, territories=problem.territories)


def run_sweep(problem: Problem, base: Scenario, variations: Sequence[Variation], *,
              workers: int | None = None, scheduler: str | None = None,
              progress: bool | None = None, started: float | None = None) -> Sweep:
    """Solve every scenario of the product of ``variations`` over ``base``; with
    ``started`` (the ``time.monotonic()`` instant the sweep began), by the longest of their
    time limits after it (see the module's docstring)."""
    scenarios = sweep_scenarios(problem, base, variations)
    deadline = None if started is None or scheduler else \
        started + max(s.time_limit for s in scenarios)
    batch = collect(problem, partial(solve_scenario, deadline=deadline), scenarios,
                    workers=workers, scheduler=scheduler, progress=progress, label="scenarios")
    results = tuple(batch.results.get(i) for i in range(len(scenarios)))
    stopped = tuple("" if r is None or not r.solution.ok or r.model is None else
                    spending_stopped_by(problem, r.model, r.solution.values) for r in results)
    return Sweep(tuple(variations), tuple(scenarios), results, batch, stopped)
