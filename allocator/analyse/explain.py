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

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from allocator.backends import SolveOptions
from allocator.core.format import euros, number
from allocator.core.lang import BLOCKED, phrase
from allocator.core.problem import Problem
from allocator.core.rules import rule
from allocator.core.scenario import Scenario
from allocator.core.status import Status
from allocator.formulate import MEUR, Change, Model
from allocator.runtime.resolves import Resolves
from allocator.solve.solution import Solution

TOL = 1e-6
# what a price or a shadow price says when its re-solve found no allocation in the time the
# command's limit left it (or was left none)
NOT_PRICED = phrase("not_priced")


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
    steps = []
    for r in rows.itertuples():
        family = rule(r.rule)
        step, label = family.step, family.step_words
        if step is None:  # 1% of the limit, in the direction that relaxes it
            step = (0.01 if r.side == "hi" else -0.01) * abs(r.limit)
        if r.rule == "resource":
            label = phrase("capacity", amount=number(0.01 * r.limit * r.scale))
        steps.append((step, label))
        if family.shadow == "dual":
            continue
        lo, hi = model.row_lo[r.row], model.row_hi[r.row]
        lo, hi = (lo, hi + step) if r.side == "hi" else (lo + step, hi)
        changes.append(Change(rows=([r.row], [lo], [hi]), start=values))
    return {"rows": rows, "steps": steps, "changes": changes}


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
                          note=NOT_PRICED if np.isnan(dual) else
                          phrase("dual_only"))
        else:
            out = next(answers)
            if out.values is None or out.objective is None:
                record.update(resolve_per_step=np.nan, trust="LP dual",
                              note=NOT_PRICED if out.status == Status.NO_SOLUTION
                              else phrase("resolve_status", status=out.status))
            else:
                gain = out.objective - solution.objective
                record["resolve_per_step"] = gain
                for o, d in zip(model.outcomes, _outcome_totals(model, out.values) - base):
                    record[f"Δ{o}"] = d
                agree = abs(gain - dual) <= 0.1 * max(abs(gain), abs(dual), 1e-12) and \
                    (np.sign(gain) == np.sign(dual) or max(abs(gain), abs(dual)) < 1e-9)
                record["trust"] = "both agree" if agree else "re-solve"
                record["note"] = "" if agree else phrase("dual_vs_resolve")
        records.append(record)
    return pd.DataFrame(records)


def explanations(problem: Problem, scenario: Scenario, model: Model, solution: Solution,
                 award: np.ndarray, funded: np.ndarray, *, near_misses: int = 20,
                 resolver: Resolves) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reasons and shadow prices together, their re-solves in one batch (so the two workers
    stay busy to the end): (reason, price_of_inclusion and displaces per project; shadow
    prices).

    Shadow prices: one row per binding rule — rule, subject, limit (user units), step,
    lp_dual_per_step (objective per step from the LP with selections fixed), resolve_per_step
    (objective gained by an actual re-solve), Δ<outcome> per step from the re-solve, trust,
    note.
    """
    assert solution.values is not None  # explained solutions have an allocation
    why = reasons(problem, scenario, model, solution, award, funded)
    order = near_miss_positions(problem, model, funded, near_misses) \
        if near_misses and solution.objective is not None else np.zeros(0, int)
    plan = _shadow_plan(problem, model, solution)
    first = plan["changes"] if plan is not None else []  # the longer re-solves first
    outs = resolver.map(first + inclusion_changes(model, solution, order))
    shadow = binding_rows(model, solution.values) if plan is None else \
        _shadow_frame(model, solution, plan, outs[:len(first)])
    prices = _inclusion_prices(problem, model, solution, order, outs[len(first):])
    for i, (cost, gone) in zip(order, prices):
        why.loc[i, "price_of_inclusion"] = np.nan if cost is None else cost
        why.loc[i, "displaces"] = gone
    return why, shadow


def value_per_meur(problem: Problem, model: Model) -> np.ndarray:
    """Each project's objective per €M of its maximum award, funded in full."""
    p = problem.projects
    n = len(p)
    value = np.asarray(model.c[:n], float).copy()  # objective per full selection (x column)
    part = np.flatnonzero(p["partial"].to_numpy(bool))
    value[part] = model.c[n:n + len(part)] * p["max_award"].to_numpy(float)[part] / MEUR
    return np.where(p["max_award"] > 0, value / (p["max_award"].to_numpy(float) / MEUR), 0.0)


def near_miss_positions(problem: Problem, model: Model, funded: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` best unfunded projects that may be funded, by value per €M (then id)."""
    p = problem.projects
    ids = p["project_id"].to_numpy(object)
    candidates = np.flatnonzero(~funded & (p["lock"].to_numpy(object) != "out")
                                & (p["max_award"].to_numpy() > 0))
    per_meur = value_per_meur(problem, model)
    return candidates[np.lexsort((ids[candidates], -per_meur[candidates]))][:k]


def reasons(problem: Problem, scenario: Scenario, model: Model, solution: Solution,
            award: np.ndarray, funded: np.ndarray) -> pd.DataFrame:
    """reason, price_of_inclusion and displaces for every project (positional index); the
    prices are left empty for ``explanations`` to fill."""
    p = problem.projects
    n = len(p)
    ids = p["project_id"].to_numpy(object)
    entry = np.where(p["partial"], p["min_award"].fillna(0.0), p["max_award"]).astype(float)
    per_meur = value_per_meur(problem, model)
    lock = p["lock"].to_numpy(object)
    reason = np.full(n, "", dtype=object)
    position = {pid: i for i, pid in enumerate(ids)}

    # funded: locked in, required by another funded project, or above the cut-off
    required_by: dict[int, str] = {}
    for i in np.flatnonzero(funded):
        for other in p["requires"].iloc[i]:
            required_by.setdefault(position[other], ids[i])
    region = p["region"].to_numpy(object)
    free = funded & (lock != "in")
    cutoff = pd.Series(per_meur[free]).groupby(region[free]).min().to_dict()
    for i in np.flatnonzero(funded):
        if lock[i] == "in":
            reason[i] = phrase("funded.locked")
        elif i in required_by and per_meur[i] < cutoff.get(region[i], -np.inf) + 1e-12:
            reason[i] = phrase("funded.required", other=required_by[int(i)])
        else:
            reason[i] = phrase("funded.yield", value=f"{per_meur[i]:.4g}",
                               cutoff=f"{cutoff.get(region[i], per_meur[i]):.4g}",
                               region=region[i] or "its region")

    assert solution.values is not None  # explained solutions have an allocation
    blocked = blocks(problem, scenario, model, solution.values, funded)
    for i in np.flatnonzero(~funded):
        reason[i] = blocked[i] or (
            phrase("unfunded.below", value=f"{per_meur[i]:.4g}", cutoff=f"{cutoff[region[i]]:.4g}",
                   region=region[i] or "its region")
            if region[i] in cutoff and per_meur[i] < cutoff[region[i]] else
            phrase("unfunded.spent", value=f"{per_meur[i]:.4g}", need=euros(entry[i])))

    return pd.DataFrame({"reason": reason, "price_of_inclusion": np.full(n, np.nan),
                         "displaces": np.full(n, "", dtype=object)})


def price_of_inclusion(problem: Problem, model: Model, solution: Solution, positions,
                       resolver: Resolves) -> list[tuple[float | None, str]]:
    """For each project position: objective lost when it is locked in, and whom it displaces."""
    outs = resolver.map(inclusion_changes(model, solution, positions))
    return _inclusion_prices(problem, model, solution, positions, outs)


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
                      outs: list) -> list[tuple[float | None, str]]:
    ids = problem.projects["project_id"].to_numpy(object)
    funded = np.asarray(model.select @ solution.values).ravel() > 0.5
    prices: list[tuple[float | None, str]] = []
    for i, out in zip(positions, outs):
        if funded[i]:
            prices.append((0.0, ""))
        elif out.status == Status.NO_SOLUTION:  # out of time, not a verdict on the rules
            prices.append((None, NOT_PRICED))
        elif out.values is None:
            prices.append((None, phrase("forced_out", status=out.status)))
        else:
            now = np.asarray(model.select @ out.values).ravel() > 0.5
            gone = ids[funded & ~now]
            prices.append((max(0.0, solution.objective - out.objective),
                           ", ".join(gone) if len(gone) <= 10 else
                           phrase("more", first=", ".join(gone[:10]), n=len(gone) - 10)))
    return prices


def blocks(problem: Problem, scenario: Scenario, model: Model, values: np.ndarray,
           funded: np.ndarray) -> np.ndarray:
    """For each unfunded project, the rule that stops it from being added to the allocation
    as it stands, at its entry award ("" for funded ones and those nothing stops): its lock,
    its aid-rate cap, or the first row of the model (by ``core.rules`` block rank) that adding
    it would break."""
    p = problem.projects
    n = len(p)
    lock = p["lock"].to_numpy(object)
    max_award = p["max_award"].to_numpy(float)
    reason = np.full(n, "", dtype=object)
    reason[~funded & (lock == "out")] = phrase("unfunded.locked")
    reason[~funded & (lock != "out") & (max_award <= 0)] = phrase("unfunded.rate")
    candidates = np.flatnonzero(~funded & (reason == ""))
    if not len(candidates):
        return reason
    partial = p["partial"].to_numpy(bool)[candidates]
    entry = np.where(partial, p["min_award"].fillna(0.0).to_numpy(float)[candidates],
                     max_award[candidates]) / MEUR
    # what adding each candidate moves: its selection to 1, a partial award to its entry,
    # and the total awarded (where the model has one) by that entry
    moves = sp.csr_array(model.select)[candidates] + \
        sp.diags(np.where(partial, entry, 0.0)) @ sp.csr_array(model.award)[candidates]
    if "total_awarded" in model.col_names:
        total = model.col_names.index("total_awarded")
        moves = moves + sp.csr_array((entry, (np.arange(len(candidates)),
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
    keep = over & (rank >= 0)
    r, c, d, rank = r[keep], c[keep], d[keep], rank[keep]
    first = np.lexsort((r, rank, c))  # by candidate, then block rank, then row
    seen = np.zeros(len(candidates), bool)
    for k in first:
        if seen[c[k]]:
            continue
        seen[c[k]] = True
        reason[candidates[c[k]]] = BLOCKED[0] + _blocked(
            problem, scenario, model, A, values, int(r[k]), activity, float(d[k]), group_of)
    return reason


def _blocked(problem: Problem, scenario: Scenario, model: Model, A: sp.csr_array,
             values: np.ndarray, row: int, activity: np.ndarray, need: float,
             group_of: np.ndarray) -> str:
    """Row ``row`` of the model, which adding a project (moving it by ``need``) would break,
    in the words of its family."""
    g = model.groups[group_of[row]]
    k = row - g.start
    family, subject = g.rule, g.labels[k]
    shown = {"€": euros, "": number}.get(g.unit, lambda v: f"{v:g}")
    fields = {"subject": subject, "used": shown(g.in_user_units(k, activity[row])),
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
        fields["share"] = f"{scenario.theme_max[subject]:.0%}"
    return family.blocks.format(**fields)


@dataclass(frozen=True)
class Explanation:
    """Why some projects are funded or not.

    ``projects``: one row per project asked — project_id, funded, award (€), reason,
    price_of_inclusion (objective lost when it is forced in; 0 when funded, None when it
    cannot be), displaces (the funded projects it would push out); None when the scenario
    has no allocation (``solution`` says why).
    """
    solution: Solution
    projects: pd.DataFrame | None

    @property
    def ok(self) -> bool:
        return self.projects is not None


def explain_projects(problem: Problem, scenario: Scenario, model: Model, solution: Solution,
                     project_ids, options: SolveOptions) -> Explanation:
    """The reasons (no re-solve), then each project asked priced whatever its rank: locked
    in, one re-solve each on the backend of ``options``."""
    if not solution.ok:
        return Explanation(solution, None)
    assert solution.values is not None  # ok: it has values
    award, funded = model.awards(solution.values)
    why = reasons(problem, scenario, model, solution, award, funded)["reason"].to_numpy()
    positions = problem.index_of(project_ids)
    prices = price_of_inclusion(problem, model, solution, positions, Resolves(model, options))
    return Explanation(solution, pd.DataFrame(
        [{"project_id": pid, "funded": bool(funded[i]), "award": award[i], "reason": why[i],
          "price_of_inclusion": price, "displaces": displaced}
         for pid, i, (price, displaced) in zip(project_ids, positions, prices)],
        columns=["project_id", "funded", "award", "reason", "price_of_inclusion", "displaces"]))
