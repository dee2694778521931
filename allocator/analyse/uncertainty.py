"""How sure is the allocation? Monte Carlo over outcome ranges, and a robust allocation.

**Draws.** A project's outcome with a range (``jobs_low``/``jobs_high``, …) is drawn from the
triangular distribution with minimum ``low``, mode the central estimate and maximum ``high``
(by its inverse CDF, so that a range of zero width simply gives the estimate); an outcome
without a range keeps its estimate. Draw ``i`` of seed ``s`` uses its own generator,
``numpy.random.default_rng([s, i])``: a draw is the same whichever worker makes it, in whatever
order, so a seeded run gives identical results on one process, on many, or on a Dask cluster
(as long as every draw is solved to the gap: one stopped by its time limit depends on how fast
the machine was; the ``draws`` table gives each draw's status).

**Solves.** A draw changes only the outcome values, so only the objective changes: the model is
formulated once in each worker, with its backend's ``Resolver`` (other backends solve each
draw afresh from the central allocation). With HiGHS it holds the cover cuts and optimal
basis of the central LP (``backends.highs.nearby``); a draw solves its LP from that basis,
RENS around it (its fractional selections and the 40 cheapest to move free), then
reduced-cost fixing and the MILP over what is left, only when that allocation does not meet
the draw's LP bound (exact to the gap, as a cold solve; 0.4–0.5 of its time on the bundled
workbook). Every draw starts from a fresh HiGHS instance at the same basis, so results do not
depend on which draws a worker did before. Weights keep the normalisers of the central
estimate, so every draw is scored on the same scale. Epsilon constraints (``min.<outcome>``)
stay at the central estimate: they are policy commitments made on the estimates.
Lexicographic priorities are not supported here.

**Reports.** Each project's *selection frequency* (the share of draws whose optimum funds it,
the core index of Robust Portfolio Modeling) and whether it is funded in every draw, in none
or in some; the distribution (mean, 5th, 50th and 95th percentiles) of each outcome achieved by
the allocation of the central estimate, held fixed while outcomes are drawn.

**Robust allocation** (``gamma``): Bertsimas–Sim budgeted uncertainty. For each weighted outcome
at most Γ projects fall from their estimate to their low value, the worst Γ for the allocation
chosen; the allocation maximises the weighted outcome in that worst case. With ``d_ik`` the
fall of project i on outcome k and ``s_i`` its share of request (linear in the columns), the
worst case of outcome k is ``Σ v_ik s_i − max_{|S| ≤ Γ} Σ_{i∈S} d_ik s_i``; the inner maximum
is an LP whose dual gives a linear MILP with new columns ``z_k ≥ 0``, ``p_ik ≥ 0``:

    maximise  Σ_k w_k Σ_i v_ik s_i − Σ_k (Γ z_k + Σ_i p_ik)
    s.t.      w_k d_ik s_i − z_k − p_ik ≤ 0        for every i with d_ik > 0

(kept in objective units, scaled by the weight w_k, so that coefficients stay near 1). A
fractional Γ lets one more project fall part of the way. The robust allocation is reported
beside the nominal one: objective at the estimates, in the Γ worst case, and over the draws.
"""
from __future__ import annotations

import math
import threading
from dataclasses import dataclass, replace
from typing import cast

import numpy as np
import pandas as pd
import scipy.sparse as sp

from allocator.analyse.allocation import Result, analyse
from allocator.backends import OUT_OF_TIME, Resolver, SolveOptions, backend
from allocator.core.findings import ERROR, Finding, InputError
from allocator.core.format import number
from allocator.core.lang import phrase
from allocator.core.problem import Problem
from allocator.core.scenario import Scenario
from allocator.formulate import (
    MEUR,
    Change,
    Model,
    RowGroup,
    formulate,
    request_scale,
    share_of_request,
)
from allocator.runtime.pool import Batch, collect, default_workers
from allocator.solve import solve

PERCENTILES = (5, 50, 95)
MAX_SAMPLES = 100_000  # a draw keeps a bit per project: 100,000 × 2,000 projects is 200 MB
NOT_IN_TIME = "not solved in time"  # a draw's status when the deadline left it no time


# ---------------------------------------------------------------------------------------------
# ranges and draws

@dataclass(frozen=True)
class Ranges:
    """Outcome ranges as K × N arrays (outcomes in model order, projects in input order)."""
    low: np.ndarray
    central: np.ndarray
    high: np.ndarray
    outcomes: tuple[str, ...]

    @classmethod
    def of(cls, problem: Problem, outcomes) -> "Ranges":
        """The problem's ranges; an outcome without ``_low``/``_high`` columns is fixed."""
        p = problem.projects
        central = np.array([p[o].to_numpy(float) for o in outcomes]).reshape(len(outcomes), -1)
        low = np.array([p[f"{o}_low"].to_numpy(float) if f"{o}_low" in p else central[k]
                        for k, o in enumerate(outcomes)]).reshape(central.shape)
        high = np.array([p[f"{o}_high"].to_numpy(float) if f"{o}_high" in p else central[k]
                         for k, o in enumerate(outcomes)]).reshape(central.shape)
        return cls(low, central, high, tuple(outcomes))

    @property
    def uncertain(self) -> tuple[str, ...]:
        """Outcomes with at least one range of non-zero width."""
        return tuple(o for o, w in zip(self.outcomes, (self.high - self.low).max(axis=1,
                     initial=0.0)) if w > 0)

    def triangular(self, u: np.ndarray) -> np.ndarray:
        """Values at quantiles ``u`` (same shape) of triangular(low, central, high)."""
        a, c, b = self.low, self.central, self.high
        width = b - a
        with np.errstate(invalid="ignore", divide="ignore"):
            mode = np.where(width > 0, (c - a) / width, 0.0)
        left = a + np.sqrt(u * width * (c - a))
        right = b - np.sqrt((1 - u) * width * (b - c))
        return np.where(u < mode, left, right)

    def draw(self, seed: int, index: int) -> np.ndarray:
        """Draw ``index`` of ``seed``: K × N outcome values (its own generator)."""
        return self.triangular(np.random.default_rng([seed, index]).random(self.central.shape))


def share_map(problem: Problem, model: Model) -> sp.csr_array:
    """N × columns map from column values to each project's share of its request."""
    requested = problem.projects["requested"].to_numpy(float)
    select = sp.eye_array(model.n_projects, len(model.c), format="csr")
    return sp.csr_array(sp.diags(MEUR * request_scale(requested)) @ model.award
                        + sp.diags((requested <= 0).astype(float)) @ select)


# ---------------------------------------------------------------------------------------------
# the robust model

def robust_model(problem: Problem, model: Model, ranges: Ranges, gamma: float) -> Model:
    """The Bertsimas–Sim counterpart of ``model`` (see the module docstring)."""
    if gamma < 0 or not math.isfinite(gamma):
        raise InputError([Finding(ERROR, "--robust-gamma", phrase("option.gamma", given=gamma))])
    w = model.weights
    fall = np.clip(ranges.central - ranges.low, 0.0, None) * np.clip(w, 0.0, None)[:, None]
    ks, projects = np.nonzero(fall > 0)
    protected = np.unique(ks)
    n0, r, nz = model.shape[1], len(ks), len(protected)
    z_of = np.full(len(w), -1)
    z_of[protected] = np.arange(nz)
    ids = problem.projects["project_id"].to_numpy(str).astype(object)
    labels = np.asarray(model.outcomes, dtype=object)[ks] + ":" + ids[projects]
    # z_k then p_ik: continuous, ≥ 0, charged in the objective; they enter only the new rows
    extended = model.with_columns(sp.csr_array((model.shape[0], nz + r)),
                                  np.concatenate([np.full(nz, -float(gamma)), -np.ones(r)]),
                                  0.0, np.inf)
    n = extended.shape[1]
    rows = np.arange(r)
    D = sp.csr_array(sp.csr_array((fall[ks, projects], (rows, projects)), shape=(r, problem.n))
                     @ share_map(problem, model))
    D = sp.csr_array((D.data, D.indices, D.indptr), shape=(r, n))  # widened to the new columns
    ZP = sp.csr_array((-np.ones(2 * r), (np.concatenate([rows, rows]),
                                         np.concatenate([n0 + z_of[ks], n0 + nz + rows]))),
                      shape=(r, n))
    return extended.with_rows(D + ZP, np.full(r, -np.inf), np.zeros(r), RowGroup.of(
        "robust_protection", labels))


def worst_case(ranges: Ranges, shares: np.ndarray, gamma: float) -> np.ndarray:
    """Outcome totals (A × K) of allocations ``shares`` (A × N) when, for each outcome, the Γ
    projects whose fall costs most fall to their low value (a fractional Γ: the next one part
    of the way)."""
    shares = np.atleast_2d(shares)
    falls = np.clip(ranges.central - ranges.low, 0.0, None)[None, :, :] * shares[:, None, :]
    falls = -np.sort(-falls, axis=2)  # largest first
    whole = min(int(math.floor(gamma)), falls.shape[2])
    lost = falls[:, :, :whole].sum(axis=2)
    if whole < falls.shape[2]:
        lost += (gamma - math.floor(gamma)) * falls[:, :, whole]
    return shares @ ranges.central.T - lost


# ---------------------------------------------------------------------------------------------
# draws on the workers

@dataclass(frozen=True)
class DrawTask:
    """A chunk of draws to solve; ``fixed`` (A × N shares of request) are allocations whose
    outcomes are measured under every draw (the central one, the robust one); ``centre``: the
    central optimum's column values, where each draw's search starts; ``deadline``: the
    ``time.monotonic()`` instant by which every draw ends (None: each has the time limit)."""
    scenario: Scenario
    seed: int
    indices: tuple[int, ...]
    fixed: np.ndarray
    centre: np.ndarray
    deadline: float | None = None


@dataclass(frozen=True)
class DrawChunk:
    """What a chunk of S draws gave: ``indices`` (S); ``status`` (S); ``objective`` (S, NaN
    without a solution); ``funded`` (S × N bool); ``achieved`` (S × K outcome totals of each
    draw's own optimum); ``fixed`` (S × A × K outcome totals of the fixed allocations);
    ``seconds`` (S, solver time)."""
    indices: np.ndarray
    status: tuple[str, ...]
    objective: np.ndarray
    funded: np.ndarray
    achieved: np.ndarray
    fixed: np.ndarray
    seconds: np.ndarray


@dataclass
class _Setup:
    problem: Problem
    scenario: Scenario
    model: Model
    share: sp.csr_array
    ranges: Ranges
    resolver: Resolver
    deadline: float | None


_LOCAL = threading.local()  # one model and its backend's ``Resolver`` per worker thread


def _setup(problem: Problem, scenario: Scenario, deadline: float | None) -> _Setup:
    cached = getattr(_LOCAL, "setup", None)
    if cached is not None and cached.problem is problem and cached.scenario == scenario \
            and cached.deadline == deadline:
        return cached
    model = formulate(problem, scenario)
    # one HiGHS thread here as in a worker (``runtime.pool``): at the exact gap HiGHS's MILP
    # gives awards ~1e-7 apart on one thread or two, and the draws would depend on the
    # number of workers
    options = replace(SolveOptions.from_scenario(scenario, deadline=deadline), threads=1)
    _LOCAL.setup = _Setup(problem, scenario, model, share_map(problem, model),
                          Ranges.of(problem, model.outcomes),
                          backend(scenario.backend).resolver(model, options), deadline)
    return _LOCAL.setup


def solve_draws(problem: Problem, task: DrawTask) -> DrawChunk:
    """Solve each draw of a chunk with the worker's model (the task function of ``collect``)."""
    s = _setup(problem, task.scenario, task.deadline)
    model, n = s.model, problem.n
    count = len(task.indices)
    status, objective = [], np.full(count, np.nan)
    funded = np.zeros((count, n), bool)
    achieved = np.full((count, len(model.outcomes)), np.nan)
    fixed = np.empty((count, len(task.fixed), len(model.outcomes)))
    seconds = np.zeros(count)
    for j, index in enumerate(task.indices):
        values = s.ranges.draw(task.seed, index)
        cost = (model.weights @ values) @ s.share
        out = s.resolver.solve(Change(cost=cost, start=task.centre))
        status.append(NOT_IN_TIME if out.message == OUT_OF_TIME else out.status)
        seconds[j] = out.seconds
        fixed[j] = task.fixed @ values.T
        if out.values is not None:
            x = out.values.copy()
            x[model.integer] = np.round(x[model.integer])
            objective[j] = out.objective
            funded[j] = np.asarray(model.select @ x).ravel() > 0.5
            achieved[j] = values @ (s.share @ x)
    return DrawChunk(np.asarray(task.indices), tuple(status), objective, funded, achieved,
                     fixed, seconds)


# ---------------------------------------------------------------------------------------------
# the run

@dataclass(frozen=True)
class Uncertainty:
    """A Monte Carlo run, and the robust allocation when asked.

    ``frequency`` (the ``selection_frequency`` sheet): one row per project — project_id,
        territory_id, region, theme, title, requested, award and funded at the estimate,
        selection_frequency (0–1: the share of the draws solved that fund it), funded_in
        ("every draw", "no draw", "some draws"; "" before any draw), and award_robust,
        funded_robust with Γ.
    ``distribution``: one row per allocation (estimate, robust) and outcome — at_estimate,
        worst_case (Γ worst, with Γ), mean, p5, p50, p95 over the draws; plus a row
        ``objective`` (the weighted objective, on the scale of the scenario).
    ``draws``: one row per completed draw, by index — status, objective (its own optimum),
        projects_funded, each outcome of its optimum, then each outcome of the fixed
        allocations (``estimate:<outcome>``, ``robust:<outcome>``), seconds.
    ``summary``: what was run, and how far it got.
    """
    scenario: Scenario
    seed: int
    samples: int
    gamma: float | None
    nominal: Result
    robust: Result | None
    frequency: pd.DataFrame | None
    distribution: pd.DataFrame | None
    draws: pd.DataFrame | None
    summary: dict
    batch: Batch | None

    @property
    def ok(self) -> bool:
        return self.nominal.solution.ok and (self.robust is None or self.robust.solution.ok)


def _chunks(samples: int, workers: int) -> list[tuple[int, ...]]:
    """Draw indices in chunks: several per worker so that the load evens out, progress moves
    and Ctrl-C loses little (a chunk is kept whole or not at all: at most 5 draws); a task
    costs milliseconds beside its solves, as each worker keeps its model between tasks."""
    size = max(1, min(5, math.ceil(samples / (8 * max(workers, 1)))))
    return [tuple(range(a, min(a + size, samples))) for a in range(0, samples, size)]


def monte_carlo(problem: Problem, scenario: Scenario, *, samples: int, seed: int | None = None,
                gamma: float | None = None, workers: int | None = None,
                scheduler: str | None = None, progress: bool | None = None,
                deadline: float | None = None) -> Uncertainty:
    """Solve ``samples`` draws of the outcomes (see the module docstring).

    ``seed`` None draws one (reported in ``summary``, to rerun the same draws).
    ``deadline`` (a ``time.monotonic()`` instant): the central solves (at most
    ``MAIN_SHARE`` of the time left each) and the draws end by then; a draw it leaves no
    time for has the status "not solved in time" (on a Dask cluster, whose clocks are not
    this machine's, each draw has the scenario's time limit instead).
    """
    if scenario.priorities:
        raise InputError([Finding(ERROR, "scenarios", phrase("scenario.priorities",
                                                             name=scenario.name))])
    if not 1 <= samples <= MAX_SAMPLES:
        raise InputError([Finding(ERROR, "--samples", phrase(
            "option.samples", most=number(MAX_SAMPLES), samples=number(samples)))])
    if seed is None:
        # drawn from the OS when none is given: an int, not the sequence it may be given as
        seed = int(cast(int, np.random.SeedSequence().entropy) % 2**32)
    options = SolveOptions.from_scenario(scenario, deadline=deadline)
    model, solution = solve(problem, scenario, options=options.for_main_solve())
    nominal = analyse(problem, scenario, model, solution, explain=False)
    ranges = Ranges.of(problem, model.outcomes)
    requested = problem.projects["requested"].to_numpy(float)
    summary = {"scenario": scenario.name, "samples": samples, "seed": seed,
               "distribution": "triangular(low, estimate, high) per project and outcome",
               "uncertain_outcomes": ", ".join(ranges.uncertain) or "none",
               "robust_gamma": gamma, "backend": scenario.backend}
    robust = None
    if gamma is not None:
        rmodel = robust_model(problem, model, ranges, gamma)
        _, rsolution = solve(problem, scenario, model=rmodel, options=options.for_main_solve())
        robust = analyse(problem, scenario, rmodel, rsolution, explain=False)
    if not solution.ok or (robust is not None and not robust.solution.ok):
        return Uncertainty(scenario, seed, samples, gamma, nominal, robust, None, None, None,
                           {**summary, "samples_done": 0}, None)
    assert solution.values is not None  # ok: it has values
    allocations = {"estimate": (model, solution.values)}
    if robust is not None:
        assert robust.solution.values is not None  # ok: it has values
        allocations["robust"] = (rmodel, robust.solution.values)
    fixed = np.array([share_of_request(*m.awards(v), requested)
                      for m, v in allocations.values()])
    chunks = _chunks(samples, workers or default_workers())
    tasks = [DrawTask(scenario, seed, c, fixed, solution.values,
                      None if scheduler else deadline) for c in chunks]
    try:
        batch = collect(problem, solve_draws, tasks, workers=workers, scheduler=scheduler,
                        units=[len(c) for c in chunks], progress=progress, label="draws")
    finally:  # draws solved here leave their model and HiGHS instance: not past the run
        _LOCAL.__dict__.pop("setup", None)
    done = [batch.results[i] for i in sorted(batch.results)]
    frequency, distribution, draws = _tables(problem, model, ranges, gamma, fixed,
                                             list(allocations), nominal, robust, done)
    counts = frequency["funded_in"].value_counts()
    summary.update({
        "samples_done": len(draws), "interrupted": batch.interrupted, "executor": batch.executor,
        "seconds": round(batch.seconds, 3),
        "draw_statuses": ", ".join(f"{k}: {v}" for k, v in draws["status"].value_counts().items()),
        **{f"projects funded in {k}": int(counts.get(k, 0))
           for k in ("every draw", "some draws", "no draw")}})
    return Uncertainty(scenario, seed, samples, gamma, nominal, robust, frequency, distribution,
                       draws, summary, batch)


def _tables(problem, model, ranges, gamma, fixed, names, nominal, robust, done):
    outcomes = list(model.outcomes)
    if done:
        index = np.concatenate([c.indices for c in done])
        order = np.argsort(index, kind="stable")

        def stack(attr):
            return np.concatenate([getattr(c, attr) for c in done])[order]
        index, funded = index[order], stack("funded")
        achieved, held = stack("achieved"), stack("fixed")
        status = np.concatenate([np.asarray(c.status, dtype=object) for c in done])[order]
        objective, seconds = stack("objective"), stack("seconds")
    else:
        index, status = np.zeros(0, int), np.zeros(0, dtype=object)
        funded = np.zeros((0, problem.n), bool)
        achieved, held = np.zeros((0, len(outcomes))), np.zeros((0, len(names), len(outcomes)))
        objective = seconds = np.zeros(0)
    solved = ~np.isnan(objective)
    p = problem.projects
    frequency = p[["project_id", "territory_id", "region", "theme", "title", "requested"]].copy()
    frequency["award_estimate"] = nominal.allocation["award"].to_numpy()
    frequency["funded_estimate"] = nominal.allocation["funded"].to_numpy()
    share = funded[solved].mean(axis=0) if solved.any() else np.full(problem.n, np.nan)
    frequency["selection_frequency"] = share
    frequency["funded_in"] = np.select([np.isnan(share), share >= 1, share <= 0],
                                       ["", "every draw", "no draw"], "some draws")
    if robust is not None:
        frequency["award_robust"] = robust.allocation["award"].to_numpy()
        frequency["funded_robust"] = robust.allocation["funded"].to_numpy()

    draws = pd.DataFrame({"draw": index, "status": status, "objective": objective,
                          "projects_funded": funded.sum(axis=1)})
    for k, o in enumerate(outcomes):
        draws[o] = achieved[:, k]
    for a, name in enumerate(names):
        for k, o in enumerate(outcomes):
            draws[f"{name}:{o}"] = held[:, a, k]
    draws["seconds"] = seconds

    # the weighted objective of a fixed allocation under a draw: weights @ outcome totals
    at_estimate = fixed @ ranges.central.T                      # A × K
    worst = worst_case(ranges, fixed, gamma) if gamma is not None else None
    rows = []
    for a, name in enumerate(names):
        series = [(o, held[:, a, k], at_estimate[a, k], None if worst is None else worst[a, k])
                  for k, o in enumerate(outcomes)]
        series.append(("objective", held[:, a, :] @ model.weights, at_estimate[a] @ model.weights,
                       None if worst is None else worst[a] @ model.weights))
        for o, values, estimate, bad in series:
            row = {"allocation": name, "outcome": o, "at_estimate": estimate}
            if gamma is not None:
                row["worst_case"] = bad
            row["mean"] = values.mean() if len(values) else np.nan
            row.update({f"p{q}": np.percentile(values, q) if len(values) else np.nan
                        for q in PERCENTILES})
            rows.append(row)
    return frequency, pd.DataFrame(rows), draws


# ---------------------------------------------------------------------------------------------
# outputs


def robust_comparison(u: Uncertainty) -> pd.DataFrame:
    """Nominal and robust allocations side by side: one row per allocation — status,
    objective at the estimate, in the Γ worst case, mean and 5th percentile over the draws,
    awarded, projects funded, projects funded by one and not the other."""
    # only with Γ, and once both allocations are found (``ok``)
    assert u.robust is not None and u.distribution is not None
    d = u.distribution[u.distribution["outcome"] == "objective"].set_index("allocation")
    rows = []
    for name, result, other in (("estimate", u.nominal, u.robust),
                                ("robust", u.robust, u.nominal)):
        assert result.allocation is not None and other.allocation is not None
        funded = result.allocation["funded"].to_numpy()
        elsewhere = other.allocation["funded"].to_numpy()
        rows.append({"allocation": name, "status": result.solution.label,
                     "objective_at_estimate": d.loc[name, "at_estimate"],
                     "objective_worst_case": d.loc[name, "worst_case"],
                     "objective_mean": d.loc[name, "mean"], "objective_p5": d.loc[name, "p5"],
                     "awarded": result.totals["awarded"],
                     "projects_funded": int(funded.sum()),
                     "funded_only_here": int((funded & ~elsewhere).sum())})
    return pd.DataFrame(rows)
