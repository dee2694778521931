"""Why this allocation: shadow prices of the binding rules, and a reason for every project.

Shadow prices come two ways. The LP duals with every selection fixed at the optimum say what a
marginal euro is worth to the partially funded projects; they can mislead on a MILP, where one
more euro may let a whole project in (or nothing at all). So each binding rule is also re-solved
with its limit moved by a meaningful step (+€1M on a cap, −€1M on a floor, +1 site, +1% of a
resource) and both are reported, with the one to trust.

Reasons: an unfunded project is blocked by a rule (locked out, requires an unfunded project,
excluded by a funded one, site limit, net artificialisation, a territory or regional cap, a
payment ceiling, a theme's maximum share) or, when nothing blocks it, it yields less per euro
than the cut-off of its region (the least a funded project there yields). For the best near
misses the price of forcing it in is measured: the objective lost when it is locked in, and
the funded projects it would displace.

Re-solves run on the backend that found the optimum, in two forked worker processes
(``runtime.resolves``); with HiGHS they start from what the optimum already knows
(``backends.highs.nearby``: the LP from the optimum's basis with its cover cuts, RENS around
it, a small MILP around the optimum's allocation, the optimum's bound, reduced-cost fixing):
on the bundled workbook the 20 near misses cost 1.9 CPU seconds against 14.2 for cold
re-solves, with the same exactness (each within the solver's gap): see
benchmarks/bench_end_to_end.py.
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from allocator.backends import SolveOptions
from allocator.core.format import euros, number, percent
from allocator.core.lang import BLOCKED, LETS_IN, phrase
from allocator.core.problem import Problem
from allocator.core.rules import outcome_units, rule
from allocator.core.scenario import Scenario
from allocator.core.status import Status
from allocator.formulate import MEUR, Change, Model
from allocator.runtime.resolves import Resolves
from allocator.solve.solution import Solution

TOL = 1e-6
# what a price or a shadow price says when its re-solve found no allocation in the time the
# command's limit left it (or was left none)
NOT_PRICED = phrase("not_priced")
# a project's reason when the command's limit left no time to find it
NOT_EXPLAINED = phrase("not_explained")
# seconds per project that reasons take (``obstacles`` and ``reasons``; ~25 s CPU at
# 1,000,000 projects on the benchmark machine): what the re-solves before them leave them
REASON_SECONDS = 25e-6
BLOCK = 4096  # projects given a reason between two readings of the clock


def _outcome_totals(model: Model, values) -> np.ndarray:
    return np.asarray(model.outcome @ values).ravel()


def binding_rows(model: Model, values: np.ndarray) -> pd.DataFrame:
    """Rows of reportable families whose limit is reached, with the side that binds."""
    activity = np.asarray(model.A @ values).ravel()
    out = []
    for g in model.groups:
        if not g.rule.shadow:
            continue
        idx = np.arange(g.start, g.stop)
        hi, lo, act = model.row_hi[idx], model.row_lo[idx], activity[idx]
        at_hi = np.isfinite(hi) & (np.abs(act - hi) <= TOL * np.maximum(1, np.abs(hi)))
        at_lo = np.isfinite(lo) & (np.abs(act - lo) <= TOL * np.maximum(1, np.abs(lo)))
        for k in np.flatnonzero(at_hi | at_lo):
            out.append({"rule": g.name, "subject": g.labels[k], "row": int(idx[k]),
                        "side": "hi" if at_hi[k] else "lo", "limit": hi[k] if at_hi[k] else lo[k],
                        "scale": g.in_user_units(int(k), 1.0), "help": g.help})
    return pd.DataFrame(out, columns=["rule", "subject", "row", "side", "limit", "scale", "help"])


def relaxation(model: Model, row: int, side: str) -> tuple[float, str]:
    """The step by which row ``row`` is relaxed (model units, signed to relax its ``side``)
    and the step in words, as ``core.rules`` states it for the row's family."""
    g = next(g for g in model.groups if g.start <= row < g.stop)
    family = rule(g.name)
    limit = model.row_hi[row] if side == "hi" else model.row_lo[row]
    step, label = family.step, family.step_words
    if step is None:  # 1% of the limit, in the direction that relaxes it
        step = (0.01 if side == "hi" else -0.01) * abs(limit)
    if g.name == "resource":
        label = phrase("capacity", amount=number(0.01 * g.in_user_units(row - g.start, limit)))
    return step, label


def relaxed(model: Model, values: np.ndarray, row: int, side: str = "hi") -> Change:
    """A re-solve of the model with row ``row`` relaxed by its step, from ``values``."""
    step = relaxation(model, row, side)[0]
    lo, hi = model.row_lo[row], model.row_hi[row]
    lo, hi = (lo, hi + step) if side == "hi" else (lo + step, hi)
    return Change(rows=([row], [lo], [hi]), start=values)


def _shadow_plan(problem: Problem, model: Model, solution: Solution) -> dict | None:
    """The binding rows, their steps and the re-solves that price them (None: none binds)."""
    values = solution.values
    assert values is not None  # explained solutions have an allocation
    rows = binding_rows(model, values)
    if rows.empty:
        return None
    # the LP with every selection fixed at the optimum (its duals), then one re-solve per row
    integer = np.flatnonzero(model.integer)
    changes = [Change(cols=(integer, values[integer], values[integer]), relax=True)]
    steps, resolved = [], []
    for r in rows.itertuples():
        steps.append(relaxation(model, r.row, r.side))
        if rule(r.rule).shadow == "dual":
            continue
        changes.append(relaxed(model, values, r.row, r.side))
        resolved.append(r.row if r.side == "hi" else -1)
    return {"rows": rows, "steps": steps, "changes": changes, "resolved": resolved}


def _in_euros(model: Model, row: int) -> bool:
    """Whether row ``row`` is a limit in euros."""
    return next(g for g in model.groups if g.start <= row < g.stop).rule.euros


def _in_outcomes(model: Model, change: np.ndarray, euros_moved: float | None) -> str:
    """What a change buys in the outcomes' units ("+95.6 jobs, −12 people trained"), and for a
    step of euros, what each unit of the first outcome costs ("€10 457 per extra job")."""
    text = ", ".join(f"{'+' if d >= 0 else '−'}{_amount(abs(d), o)}"
                     for o, d in zip(model.outcomes, change))
    if euros_moved and len(change) and change[0] > 0:
        return phrase("in_outcomes.cost", amounts=text, cost=euros(abs(euros_moved) / change[0]),
                      unit=outcome_units(model.outcomes[0])[0])
    return text


def _shadow_frame(model: Model, solution: Solution, plan: dict, outs: list) -> pd.DataFrame:
    rows, steps = plan["rows"], plan["steps"]
    answers = iter(outs)
    lp = next(answers)
    duals = lp.row_duals if lp.row_duals is not None else np.full(
        model.A.shape[0], np.nan if lp.status == Status.NO_SOLUTION else 0.0)
    base = _outcome_totals(model, solution.values)
    records = []
    for r, (step, label) in zip(rows.itertuples(), steps):
        dual = float(duals[r.row]) * abs(step)
        record = {"rule": r.rule, "subject": r.subject, "limit": r.limit * r.scale,
                  "step": label, "lp_dual_per_step": dual}
        if rule(r.rule).shadow == "dual":
            record.update(resolve_per_step=np.nan, trust="LP dual",
                          note=NOT_PRICED if np.isnan(dual) else phrase("dual_only"))
        else:
            out = next(answers)
            if out.values is None or out.objective is None:
                record.update(resolve_per_step=np.nan, trust="LP dual",
                              note=NOT_PRICED if out.status == Status.NO_SOLUTION
                              else phrase("resolve_status", status=out.status))
            else:
                gain = out.objective - solution.objective
                record["resolve_per_step"] = gain
                change = _outcome_totals(model, out.values) - base
                for o, d in zip(model.outcomes, change):
                    record[f"Δ{o}"] = d
                record["in_outcomes"] = _in_outcomes(model, change, step * r.scale
                                                     if _in_euros(model, r.row) else None)
                agree = abs(gain - dual) <= 0.1 * max(abs(gain), abs(dual), 1e-12) and \
                    (np.sign(gain) == np.sign(dual) or max(abs(gain), abs(dual)) < 1e-9)
                record["trust"] = "both agree" if agree else "re-solve"
                record["note"] = "" if agree else phrase("dual_vs_resolve")
        records.append(record)
    return pd.DataFrame(records)


def explanations(problem: Problem, scenario: Scenario, model: Model, solution: Solution,
                 award: np.ndarray, funded: np.ndarray, *, near_misses: int = 20,
                 resolver: Resolves, deadline: float | None = None
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reasons and shadow prices together, their re-solves in one batch (so the two workers
    stay busy to the end): (reason, price_of_inclusion, displaces and price_in_outcomes per
    project; shadow prices). ``deadline`` (a ``time.monotonic()`` instant): the reasons end
    by then, those it leaves no time for saying so (``NOT_EXPLAINED``: all of them when less
    than ``REASON_SECONDS`` a project is left); the re-solves end by the deadline of the
    resolver's options (which leaves the reasons their time), and none runs after it.

    Shadow prices: one row per binding rule — rule, subject, limit (user units), step,
    lp_dual_per_step (objective per step from the LP with selections fixed), resolve_per_step
    (objective gained by an actual re-solve), Δ<outcome> per step from the re-solve,
    in_outcomes (the same in words, with € per extra unit of the first outcome for a step
    in euros), trust, note. A rule's re-solve also says which projects its step lets in
    (see ``reasons``).
    """
    values = solution.values
    assert values is not None  # explained solutions have an allocation
    order = near_miss_positions(problem, model, funded, near_misses) \
        if near_misses and solution.objective is not None else np.zeros(0, int)
    plan = _shadow_plan(problem, model, solution)
    first = plan["changes"] if plan is not None else []  # the longer re-solves first
    priced_rows = plan["resolved"] if plan is not None else []
    # reasons for all or none, when the time left says which (and cut short by the deadline
    # when they take longer than it said)
    stops = obstacles(problem, model, values, funded) \
        if _left(deadline) >= REASON_SECONDS * len(funded) else None
    extra = [r for r in stops.to_verify() if r not in priced_rows] if stops is not None \
        else []
    outs = resolver.map(first + [relaxed(model, values, r) for r in extra]
                        + inclusion_changes(model, solution, order))
    k, m = len(first), len(first) + len(extra)
    shadow = binding_rows(model, values) if plan is None else \
        _shadow_frame(model, solution, plan, outs[:k])
    relaxations = {**dict(zip(priced_rows, outs[1:k])), **dict(zip(extra, outs[k:m]))}
    let_in = entered(model, solution, scenario.gap, relaxations)
    prices = dict(zip(order.tolist(), _inclusion_prices(problem, model, solution, order,
                                                        outs[m:])))
    why = reasons(problem, scenario, model, solution, funded, stops, let_in, prices,
                  deadline) if stops is not None else unexplained(len(funded), prices)
    return why, shadow


def _left(deadline: float | None) -> float:
    return np.inf if deadline is None else deadline - time.monotonic()


def _until(positions: np.ndarray, deadline: float | None) -> Iterator[int]:
    """``positions`` one by one until ``deadline`` passes (the clock read once a ``BLOCK``)."""
    for k, i in enumerate(positions.tolist()):
        if k % BLOCK == 0 and _left(deadline) <= 0:
            return
        yield i


def value_per_meur(problem: Problem, model: Model) -> np.ndarray:
    """Each project's objective per €M of its maximum award, funded in full."""
    p = problem.projects
    n = len(p)
    value = np.asarray(model.c[:n], float).copy()  # objective per full selection (x column)
    part = np.flatnonzero(p["partial"].to_numpy(bool))
    value[part] = model.c[n:n + len(part)] * p["max_award"].to_numpy(float)[part] / MEUR
    reach = p["max_award"].to_numpy(float) / MEUR
    return np.where(reach > 0, value / np.where(reach > 0, reach, 1.0), 0.0)


def near_miss_positions(problem: Problem, model: Model, funded: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` best unfunded projects that may be funded, by value per €M (then id)."""
    p = problem.projects
    ids = p["project_id"].to_numpy(object)
    candidates = np.flatnonzero(~funded & (p["lock"].to_numpy(object) != "out")
                                & (p["max_award"].to_numpy() > 0))
    per_meur = value_per_meur(problem, model)
    return candidates[np.lexsort((ids[candidates], -per_meur[candidates]))][:k]


def entered(model: Model, solution: Solution, gap: float,
            outs: dict) -> dict[int, np.ndarray | None]:
    """For each row relaxed by its step (``outs``: row → its re-solve), the projects funded
    in the re-solve; None when it found no allocation or gained no more than the ``gap``
    (share of the objective): then a project it funds is one of several optima, not let in
    by the step."""
    assert solution.objective is not None  # explained solutions have an allocation
    floor = solution.objective + gap * abs(solution.objective)
    return {row: None if out.values is None or out.objective is None
            or out.objective <= floor else np.asarray(model.select @ out.values).ravel() > 0.5
            for row, out in outs.items()}


def reasons(problem: Problem, scenario: Scenario, model: Model, solution: Solution,
            funded: np.ndarray, stops: "Obstacles", let_in: dict[int, np.ndarray | None],
            prices: dict[int, dict], deadline: float | None = None) -> pd.DataFrame:
    """reason, blocking_rule (the model row the reason names, as ``Model.row_names``,
    ``lock_out`` or ``max_aid_rate``; "" when it names none), price_of_inclusion, displaces
    and price_in_outcomes for every project (positional index). The funded projects, then
    the others, until ``deadline`` (a ``time.monotonic()`` instant): those it leaves no time
    for have the reason ``NOT_EXPLAINED``.

    An unfunded project's reason names a rule only when the rule is shown to stop it: a lock,
    its aid-rate cap, a project it requires, a rival of its exclusive group; or a rule with a
    step (a cap, a ceiling, a limit) that adding it would break, when relaxing the rule by its
    step lets the project in (``let_in``: the re-solve with the row relaxed) or when the
    envelope itself has room for it (so relaxing the rule alone lets the allocation take it
    and gain what it yields). Otherwise the reason says what is true: tied with the projects
    it would displace (``prices``: its price of inclusion, when measured), outranked by the
    cut-off of its region (the least value per €M funded there on its merits), or left out
    although above it because the envelope is spent on combinations worth more.
    """
    p = problem.projects
    n = len(p)
    ids = p["project_id"].to_numpy(object)
    words = _Words(problem, model)
    lock = p["lock"].to_numpy(object)
    region = p["region"].to_numpy(object)
    reason = np.full(n, "", dtype=object)
    position = {pid: i for i, pid in enumerate(ids)}
    required_by: dict[int, str] = {}
    for i in np.flatnonzero(funded).tolist():
        for other in p["requires"].iloc[i]:
            required_by.setdefault(position[other], ids[i])
    # a region's cut-off: the least value per €M among its projects funded on their merits
    # (what costs nothing has no value per €M: it sets none)
    costless = p["requested"].to_numpy(float) <= 0
    free = np.flatnonzero(funded & (lock != "in") & ~costless)
    free = free[np.lexsort((ids[free], words.per_meur[free]))]
    setter = {region[i]: int(i) for i in free[::-1]}
    for i in _until(np.flatnonzero(funded), deadline):
        if lock[i] == "in":
            reason[i] = phrase("funded.locked")
            continue
        if costless[i]:
            reason[i] = phrase("funded.free", offers=words.offers(i))
            continue
        cut = setter[region[i]]  # funded on its merits: its region has a cut-off
        if i in required_by and words.per_meur[i] < words.per_meur[cut] + 1e-12:
            reason[i] = phrase("funded.required", other=required_by[i])
        elif i == cut:
            reason[i] = phrase("funded.cutoff", region=words.place(region[i]),
                               offers=words.offers(i))
        else:
            reason[i] = phrase("funded.standing", standing=words.against(i, cut, region[i]),
                               offers=words.offers(i))

    named = stops.named(let_in)
    names = model.row_names()
    blocking = np.full(n, "", dtype=object)
    objective = abs(solution.objective or 0.0)
    for i in _until(np.flatnonzero(~funded), deadline):
        price = prices.get(i, {}).get("price_of_inclusion")
        rival = setter.get(region[i])
        if stops.fixed[i]:
            reason[i], blocking[i] = stops.fixed[i], stops.fixed_rule[i]
        elif i in named:
            reason[i] = BLOCKED[0] + _blocked(problem, scenario, model, solution.values,
                                              *named[i])
            blocking[i] = names[named[i][0]]
        elif price is not None and price <= TIE * max(1.0, objective):
            reason[i] = phrase("unfunded.tied",
                               others=prices[i]["displaces"] or "the optimum")
        elif price is not None and price <= scenario.gap * objective:
            reason[i] = phrase("unfunded.gap", price=f"{price:.3g}", gap=percent(scenario.gap),
                               gap_value=f"{scenario.gap * objective:.3g}")
        elif words.per_meur[i] <= 0:  # nothing to gain: no rule needs naming
            reason[i] = phrase("unfunded.nothing")
        elif rival is not None and words.per_meur[i] < words.per_meur[rival]:
            reason[i] = phrase("unfunded.outranked", standing=words.against(i, rival, region[i]),
                               rival=ids[rival], offers=words.offers(i),
                               rival_offers=words.offers(rival))
        else:
            standing = phrase("standing.none", region=words.place(region[i])) \
                if rival is None else words.against(i, rival, region[i])
            reason[i] = phrase("unfunded.spent", standing=standing, offers=words.offers(i)) \
                if not stops.over_budget[i] else phrase(
                    "unfunded.spent_left", standing=standing, entry=euros(stops.entry[i]),
                    left=euros(stops.left), offers=words.offers(i))
    reason[reason == ""] = NOT_EXPLAINED  # every project the loops reached has a reason
    return _with_prices(reason, blocking, prices)


def unexplained(n: int, prices: dict[int, dict]) -> pd.DataFrame:
    """What ``reasons`` gives when the limit left no time for any: ``NOT_EXPLAINED``."""
    return _with_prices(np.full(n, NOT_EXPLAINED, dtype=object), np.full(n, "", dtype=object),
                        prices)


def _with_prices(reason: np.ndarray, blocking: np.ndarray, prices: dict[int, dict]
                 ) -> pd.DataFrame:
    """The reasons frame: each project's reason and blocking rule, the ``prices`` of those
    whose inclusion was priced."""
    n = len(reason)
    frame = pd.DataFrame({"reason": reason, "blocking_rule": blocking,
                          "price_of_inclusion": np.full(n, np.nan),
                          "displaces": np.full(n, "", dtype=object),
                          "price_in_outcomes": np.full(n, "", dtype=object)})
    for k, price in prices.items():
        frame.loc[k, ["price_of_inclusion", "displaces", "price_in_outcomes"]] = [
            np.nan if price["price_of_inclusion"] is None else price["price_of_inclusion"],
            price["displaces"], price["price_in_outcomes"]]
    return frame


TIE = 1e-9  # a price of inclusion within this share of the objective is a tie
CLOSE = 0.9  # a rule's step is tried for projects within 10% of their region's cut-off


class _Words:
    """A project's yield in the units of its outcomes, for reasons."""

    def __init__(self, problem: Problem, model: Model):
        p = problem.projects
        self.per_meur = value_per_meur(problem, model)
        weighted = [o for o, w in zip(model.outcomes, model.weights) if w] or list(model.outcomes)
        self.outcomes = weighted
        requested = p["requested"].to_numpy(float)
        self.requested = requested
        # outcomes scale with the share of the request awarded: so many per €M at any award
        self.values = {o: p[o].to_numpy(float) for o in weighted}
        self.subject = (phrase("subject.one", units=outcome_units(weighted[0])[1])
                        if len(weighted) == 1 else phrase("subject.weighted"))

    def offers(self, i: int) -> str:
        """What project ``i`` yields per €M, and what a unit of its first outcome costs; what
        it yields whole when it requests nothing."""
        if self.requested[i] <= 0:
            whole = [_amount(self.values[o][i], o) for o in self.outcomes]
            return phrase("offers.free", amounts=", ".join(whole[:-1]) + " and " + whole[-1]
                          if len(whole) > 1 else whole[0])
        parts = [_amount(self.values[o][i] / self.requested[i] * MEUR, o)
                 for o in self.outcomes]
        amounts = ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]
        first = self.outcomes[0]
        if self.values[first][i] > 0:
            return phrase("offers.cost", amounts=amounts, unit=outcome_units(first)[0],
                          cost=euros(self.requested[i] / self.values[first][i]))
        return phrase("offers", amounts=amounts)

    def against(self, i: int, cut: int, region: str) -> str:
        """How project ``i``'s value per €M stands to the cut-off of ``region``, set by
        project ``cut``."""
        v, c = self.per_meur[i], self.per_meur[cut]
        place = self.place(region)
        if c <= 0 or abs(v - c) <= 1e-9 * max(abs(c), 1e-12):
            return phrase("standing.level", subject=self.subject, region=place)
        share = abs(v - c) / c
        return phrase("standing.below" if v < c else "standing.above", subject=self.subject,
                      share=f"{share:.0%}" if share >= 0.01 else f"{share:.1%}", region=place)

    @staticmethod
    def place(region: str) -> str:
        return region or "its region"


def _figure(v: float) -> str:
    """Three significant digits, thousands spaced."""
    return number(v) if abs(v) >= 100 else f"{v:.3g}"


def _amount(v: float, outcome: str) -> str:
    """So much of an outcome, in its units: "1 job", "23.4 jobs"."""
    figure = _figure(v)
    return f"{figure} {outcome_units(outcome)[0 if figure == '1' else 1]}"


def inclusion_changes(model: Model, solution: Solution, positions) -> list[Change]:
    # forcing a project in restricts the model: the optimum's bound bounds it too (when the
    # solution is of this objective: a lexicographic level's is not)
    bound = solution.bound
    if bound is not None:
        assert solution.objective is not None  # a solver's bound comes with its allocation
        if not np.isclose(float(model.c @ solution.values + model.offset), solution.objective,
                          rtol=1e-9, atol=1e-12):
            bound = None
    return [Change(cols=([i], [1.0], [1.0]), start=solution.values, bound=bound)
            for i in positions]


def _inclusion_prices(problem: Problem, model: Model, solution: Solution, positions,
                      outs: list) -> list[dict]:
    """For each project position: price_of_inclusion (objective lost when it is locked in;
    None when it cannot be), displaces (the funded projects it pushes out) and
    price_in_outcomes (what each outcome gains or loses)."""
    ids = problem.projects["project_id"].to_numpy(object)
    funded = np.asarray(model.select @ solution.values).ravel() > 0.5
    base = _outcome_totals(model, solution.values)
    prices: list[dict] = []
    for i, out in zip(positions, outs):
        if funded[i]:
            prices.append({"price_of_inclusion": 0.0, "displaces": "", "price_in_outcomes": ""})
        elif out.status == Status.NO_SOLUTION:  # out of time, not a verdict on the rules
            prices.append({"price_of_inclusion": None, "displaces": NOT_PRICED,
                           "price_in_outcomes": ""})
        elif out.values is None:
            prices.append({"price_of_inclusion": None, "price_in_outcomes": "",
                           "displaces": phrase("forced_out", status=out.status)})
        else:
            now = np.asarray(model.select @ out.values).ravel() > 0.5
            gone = ids[funded & ~now]
            change = _outcome_totals(model, out.values) - base
            prices.append({
                "price_of_inclusion": max(0.0, solution.objective - out.objective),
                "displaces": ", ".join(gone) if len(gone) <= 10 else
                phrase("more", first=", ".join(gone[:10]), n=len(gone) - 10),
                "price_in_outcomes": _in_outcomes(model, change, None)})
    return prices


@dataclass(frozen=True)
class Obstacles:
    """What stops each unfunded project from joining the allocation as it stands.

    ``fixed``: per project, a reason that no step of a rule changes, in words ("" where
    none): its lock, its aid-rate cap, a project it requires, a rival of its exclusive group;
    ``fixed_rule``: the rule (a model row's name, ``lock_out`` or ``max_aid_rate``).
    ``project``, ``row``, ``need``: for the others, each row of a rule with a step (a cap, a
    ceiling, a limit) that adding the project at its entry award would break, by project then
    block rank (``need``: what the project adds to the row, model units). ``entry``: each
    project's entry award (€); ``over_budget``: whether it is more than the envelope has left
    (``left``, €); ``close``: whether its value per €M is at least ``CLOSE`` of the cut-off
    of its region (or its region has none).
    """
    fixed: np.ndarray
    fixed_rule: np.ndarray
    project: np.ndarray
    row: np.ndarray
    need: np.ndarray
    entry: np.ndarray
    over_budget: np.ndarray
    left: float
    close: np.ndarray

    def to_verify(self, positions=None) -> list[int]:
        """Rows to relax by their step in a re-solve: those stopping a project (of
        ``positions``, default all) that the envelope stops too (where the envelope has
        room, the rules alone stop it) and that comes close to the cut-off of its region
        (one far below it is outranked, and the re-solves would cost seconds)."""
        keep = self.over_budget[self.project] & self.close[self.project]
        if positions is not None:
            keep &= np.isin(self.project, positions)
        return sorted(set(self.row[keep].tolist()))

    def named(self, let_in: dict[int, np.ndarray | None]) -> dict[int, tuple[int, float, bool]]:
        """The rule row to name for each project it is shown to stop: (row, need, whether a
        step of it lets the project in)."""
        out: dict[int, tuple[int, float, bool]] = {}
        for i, row, need in zip(self.project.tolist(), self.row.tolist(), self.need.tolist()):
            if i in out:
                continue
            mask = let_in.get(row)
            if mask is not None and mask[i]:
                out[i] = (row, need, True)
            elif not self.over_budget[i]:
                out[i] = (row, need, False)
        return out


def obstacles(problem: Problem, model: Model, values: np.ndarray,
              funded: np.ndarray) -> Obstacles:
    """For each unfunded project, what stops it from being added to the allocation as it
    stands, at its entry award: its lock, its aid-rate cap, the first row (by ``core.rules``
    block rank) of a rule without a step (a requirement, an exclusive group), or the rows of
    rules with a step (caps, ceilings, limits) that adding it would break."""
    p = problem.projects
    n = len(p)
    lock = p["lock"].to_numpy(object)
    max_award = p["max_award"].to_numpy(float)
    partial = p["partial"].to_numpy(bool)
    entry = np.where(partial, p["min_award"].fillna(0.0).to_numpy(float), max_award)
    fixed = np.full(n, "", dtype=object)
    fixed_rule = np.full(n, "", dtype=object)
    out = ~funded & (lock == "out")
    fixed[out], fixed_rule[out] = phrase("unfunded.locked"), "lock_out"
    capped = (~funded & (lock != "out") & (max_award <= 0)
              & (p["requested"].to_numpy(float) > 0))
    fixed[capped] = phrase("unfunded.rate")
    fixed_rule[capped] = "max_aid_rate"
    budget = model.group("budget")
    left = float("inf") if budget is None else \
        float(model.row_hi[budget.start] - (model.A @ values)[budget.start]) * MEUR
    over_budget = ~funded & (entry > left + 0.01)
    per_meur = value_per_meur(problem, model)
    region = p["region"].to_numpy(object)
    free = funded & (lock != "in") & (p["requested"].to_numpy(float) > 0)
    cutoff = pd.Series(per_meur[free]).groupby(region[free]).min()
    close = per_meur >= CLOSE * pd.Series(region).map(cutoff).fillna(-np.inf).to_numpy(float)
    candidates = np.flatnonzero(~funded & (fixed == ""))
    none = np.zeros(0, int)
    if not len(candidates):
        return Obstacles(fixed, fixed_rule, none, none, np.zeros(0), entry, over_budget, left,
                         close)
    part = partial[candidates]
    step = entry[candidates] / MEUR
    # what adding each candidate moves: its selection to 1, a partial award to its entry,
    # and the total awarded (where the model has one) by that entry
    moves = sp.csr_array(model.select)[candidates] + \
        sp.diags(np.where(part, step, 0.0)) @ sp.csr_array(model.award)[candidates]
    if "total_awarded" in model.col_names:
        total = model.col_names.index("total_awarded")
        moves = moves + sp.csr_array((step, (np.arange(len(candidates)),
                                             np.full(len(candidates), total))),
                                     shape=moves.shape)
    A = sp.csr_array(model.A)
    delta = sp.coo_array(A @ sp.csr_array(moves).T)
    activity = model.A @ values
    r, c, d = delta.row, delta.col, delta.data
    over = activity[r] + d > model.row_hi[r] + 1e-8 * np.maximum(1.0, np.abs(model.row_hi[r]))
    group_of = np.repeat(np.arange(len(model.groups)), [len(g) for g in model.groups])
    rank = np.array([g.rule.block_rank if g.rule.block_rank is not None else -1
                     for g in model.groups])[group_of[r]]
    stepped = np.array([g.rule.step is not None for g in model.groups])[group_of[r]]
    keep = over & (rank >= 0)
    r, c, d, rank, stepped = r[keep], c[keep], d[keep], rank[keep], stepped[keep]
    first = np.lexsort((r, rank, c))  # by candidate, then block rank, then row
    r, c, d, stepped = r[first], c[first], d[first], stepped[first]
    # a rule without a step (ranked first) stops a project whatever the others do
    seen = np.zeros(len(candidates), bool)
    names = model.row_names()
    for k in np.flatnonzero(~stepped):
        if not seen[c[k]]:
            seen[c[k]] = True
            fixed[candidates[c[k]]] = BLOCKED[0] + _blocked(
                problem, None, model, values, int(r[k]), float(d[k]), False)
            fixed_rule[candidates[c[k]]] = names[r[k]]
    keep = ~seen[c]
    return Obstacles(fixed, fixed_rule, candidates[c[keep]], r[keep], d[keep], entry,
                     over_budget, max(0.0, left), close)


def _blocked(problem: Problem, scenario: Scenario | None, model: Model, values, row: int,
             need: float, stepped: bool) -> str:
    """Row ``row`` of the model, which adding a project (moving it by ``need``) would break,
    in the words of its family; ``stepped``: a step of it was shown to let the project in."""
    g = next(g for g in model.groups if g.start <= row < g.stop)
    k = row - g.start
    family, subject = g.rule, g.labels[k]
    # this row's activity alone: called once per blocked project, a product with the whole
    # matrix each time was 2,867 of them at 100,000 projects
    A = sp.csr_array(model.A)
    entries = slice(A.indptr[row], A.indptr[row + 1])
    activity = float(A.data[entries] @ np.asarray(values, float)[A.indices[entries]])
    shown = {"€": euros, "": number}.get(g.unit, lambda v: f"{v:g}")
    fields = {"subject": subject, "used": shown(g.in_user_units(k, activity)),
              "limit": shown(g.in_user_units(k, model.row_hi[row])),
              "need": shown(g.in_user_units(k, need))}
    if g.name == "requires":
        other = subject.split(" requires ", 1)[1]
        locked = problem.projects["lock"].to_numpy(object)[problem.index_of([other])[0]]
        fields.update(other=other, state="locked out" if locked == "out" else "unfunded")
    elif g.name == "exclusive":
        members = A.indices[A.indptr[row]:A.indptr[row + 1]]
        rival = members[values[members] > 0.5]
        fields["other"] = problem.projects["project_id"].iloc[int(rival.min())]
    elif g.name == "theme_max":
        assert scenario is not None  # a theme's share is a rule with a step
        fields["share"] = f"{scenario.theme_max[subject]:.0%}"
    text = family.blocks.format(**fields)
    if stepped:
        text += LETS_IN[0].format(step=relaxation(model, row, "hi")[1])
    return text


def rule_name(model: Model, row: int) -> str:
    """Row ``row`` of the model in a few words: "spend_2026 ceiling", "territorial cap of
    ti-0201", "site limit"."""
    g = next(g for g in model.groups if g.start <= row < g.stop)
    subject = g.labels[row - g.start]
    if g.name == "resource":
        return phrase("stopped.ceiling", subject=subject)
    return g.rule.label if len(g) == 1 else phrase("stopped.of", family=g.rule.label,
                                                   subject=subject)


def spending_stopped_by(problem: Problem, model: Model, values: np.ndarray) -> str:
    """What stops an allocation from spending more, when it is not the envelope: the rules
    that the unfunded projects that would fit in what the envelope has left would break
    (the three that stop most of them, with how many each stops); "" when no unfunded
    project fits in it (the envelope is what stops spending)."""
    _, funded = model.awards(values)
    stops = obstacles(problem, model, values, funded)
    fits = ~funded & ~stops.over_budget & (problem.projects["lock"].to_numpy(object) != "out")
    if not fits.any():
        return ""
    # each project that would break a rule: the first it would break
    projects, at = np.unique(np.asarray(stops.project), return_index=True)
    first = dict(zip(projects.tolist(), np.asarray(stops.row)[at].tolist()))
    stopped = pd.Series([rule_name(model, first[i]) if i in first else stops.fixed_rule[i]
                         for i in np.flatnonzero(fits).tolist()]
                        ).replace("", "nothing (within the gap)")
    counts = stopped.value_counts(sort=False).sort_index()
    counts = counts.sort_values(ascending=False, kind="stable")
    parts = [phrase("stopped.projects" if k > 1 else "stopped.project", stop=rule_row, n=k)
             for rule_row, k in counts.head(3).items()]
    more = len(counts) - 3
    if more > 0:
        parts.append(phrase("stopped.more_rules" if more > 1 else "stopped.more_rule", n=more))
    return "; ".join(parts)


@dataclass(frozen=True)
class Explanation:
    """Why some projects are funded or not.

    ``projects``: one row per project asked — project_id, funded, award (€), reason,
    blocking_rule (see ``reasons``), price_of_inclusion (objective lost when it is forced
    in; 0 when funded, None when it cannot be), displaces (the funded projects it would push
    out), price_in_outcomes (what each outcome gains or loses then); None when the scenario
    has no allocation (``solution`` says why).
    """
    solution: Solution
    projects: pd.DataFrame | None

    @property
    def ok(self) -> bool:
        return self.projects is not None


def explain_projects(problem: Problem, scenario: Scenario, model: Model, solution: Solution,
                     project_ids, options: SolveOptions) -> Explanation:
    """Each project asked, whatever its rank: its reason (the rules that may stop it relaxed
    by their step, one re-solve each) and its price of inclusion (locked in, one re-solve
    each), on the backend of ``options``."""
    if not solution.ok:
        return Explanation(solution, None)
    values = solution.values
    assert values is not None  # ok: it has values
    award, funded = model.awards(values)
    positions = problem.index_of(project_ids)
    stops = obstacles(problem, model, values, funded)
    rows = stops.to_verify(positions)
    outs = Resolves(model, options).map([relaxed(model, values, r) for r in rows]
                                        + inclusion_changes(model, solution, positions))
    prices = _inclusion_prices(problem, model, solution, positions, outs[len(rows):])
    why = reasons(problem, scenario, model, solution, funded, stops,
                  entered(model, solution, scenario.gap, dict(zip(rows, outs))),
                  dict(zip(positions, prices)))
    return Explanation(solution, pd.DataFrame(
        [{"project_id": pid, "funded": bool(funded[i]), "award": award[i],
          "reason": why.at[i, "reason"], "blocking_rule": why.at[i, "blocking_rule"], **price}
         for pid, i, price in zip(project_ids, positions, prices)],
        columns=["project_id", "funded", "award", "reason", "blocking_rule",
                 "price_of_inclusion", "displaces", "price_in_outcomes"]))
