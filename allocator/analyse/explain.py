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
it, a small MILP around the optimum's allocation, the optimum's bound, reduced-cost fixing): on the bundled workbook the 20 near misses cost 1.9 CPU seconds
against 14.2 for cold re-solves, with the same exactness (each within the solver's gap): see
benchmarks/bench_end_to_end.py.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from allocator.backends import SolveOptions
from allocator.core.format import euros
from allocator.formulate import MEUR, Change, Model
from allocator.core.problem import Problem
from allocator.core.scenario import Scenario
from allocator.runtime.resolves import Resolves
from allocator.solve.solution import Solution

TOL = 1e-6
# rule families whose binding rows get a shadow price, with the step a re-solve moves them by
# (in model units, signed to relax the rule) and the user unit of one step
STEPS = {
    "budget": (1.0, "€1M more"), "region_cap": (1.0, "€1M more"),
    "region_floor": (-1.0, "€1M less"), "territory_cap": (1.0, "€1M more"),
    "territory_floor": (-1.0, "€1M less"), "theme_min": (-1.0, "€1M less"),
    "theme_max": (1.0, "€1M more"), "fairness_min": (-1.0, "€1M less"),
    "fairness_max": (1.0, "€1M more"), "resource": (0.01, "1% more"),
    "sites": (1.0, "1 more site"), "net_artificialisation": (1.0, "1 ha more"),
    "coverage": (-1.0, "1 project less"), "min_outcome": (None, "1% less"),
}
# families with one row per territory: many rows bind, so only the LP dual is given
LP_ONLY = {"territory_cap", "territory_floor", "coverage"}


def _outcome_totals(model: Model, values) -> np.ndarray:
    return np.asarray(model.outcome @ values).ravel()


def binding_rows(model: Model, values: np.ndarray) -> pd.DataFrame:
    """Rows of reportable families whose limit is reached, with the side that binds."""
    activity = np.asarray(model.A @ values).ravel()
    out = []
    for g in model.groups:
        if g.name not in STEPS:
            continue
        idx = np.arange(g.start, g.stop)
        hi, lo, act = model.row_hi[idx], model.row_lo[idx], activity[idx]
        at_hi = np.isfinite(hi) & (np.abs(act - hi) <= TOL * np.maximum(1, np.abs(hi)))
        at_lo = np.isfinite(lo) & (np.abs(act - lo) <= TOL * np.maximum(1, np.abs(lo)))
        for k in np.flatnonzero(at_hi | at_lo):
            out.append({"rule": g.name, "subject": g.labels[k], "row": int(idx[k]),
                        "side": "hi" if at_hi[k] else "lo", "limit": hi[k] if at_hi[k] else lo[k],
                        "scale": g.scale, "help": g.help})
    return pd.DataFrame(out, columns=["rule", "subject", "row", "side", "limit", "scale", "help"])


def _shadow_plan(problem: Problem, model: Model, solution: Solution) -> dict | None:
    """The binding rows, their steps and the re-solves that price them (None: none binds)."""
    values = solution.values
    rows = binding_rows(model, values)
    if rows.empty:
        return None
    # the LP with every selection fixed at the optimum (its duals), then one re-solve per row
    integer = np.flatnonzero(model.integer)
    changes = [Change(cols=(integer, values[integer], values[integer]), relax=True)]
    caps = problem.resources.set_index("resource")["capacity"] if len(problem.resources) else {}
    steps = []
    for r in rows.itertuples():
        step, label = STEPS[r.rule]
        if r.rule == "min_outcome":
            step = -0.01 * abs(r.limit)
        elif r.rule == "resource":
            label = f"+{0.01 * caps[r.subject]:,.0f} (1% of capacity)".replace(",", " ")
        steps.append((step, label))
        if r.rule in LP_ONLY:
            continue
        lo, hi = model.row_lo[r.row], model.row_hi[r.row]
        lo, hi = (lo, hi + step) if r.side == "hi" else (lo + step, hi)
        changes.append(Change(rows=([r.row], [lo], [hi]), start=values))
    return {"rows": rows, "steps": steps, "changes": changes, "caps": caps}


def _shadow_frame(model: Model, solution: Solution, plan: dict, outs: list) -> pd.DataFrame:
    rows, steps, caps = plan["rows"], plan["steps"], plan["caps"]
    outs = iter(outs)
    lp = next(outs)
    duals = lp.row_duals if lp.row_duals is not None else np.zeros(model.A.shape[0])
    base = _outcome_totals(model, solution.values)
    records = []
    for r, (step, label) in zip(rows.itertuples(), steps):
        dual = float(duals[r.row]) * abs(step)
        record = {"rule": r.rule, "subject": r.subject, "limit": r.limit * r.scale
                  if r.rule != "resource" else caps.get(r.subject, np.nan),
                  "step": label, "lp_dual_per_step": dual}
        if r.rule in LP_ONLY:
            record.update(resolve_per_step=np.nan, trust="LP dual",
                          note="one row per territory: re-solve not run; the dual is a local rate")
        else:
            out = next(outs)
            if out.values is None or out.objective is None:
                record.update(resolve_per_step=np.nan, trust="LP dual", note=f"re-solve {out.status}")
            else:
                gain = out.objective - solution.objective
                record["resolve_per_step"] = gain
                for o, d in zip(model.outcomes, _outcome_totals(model, out.values) - base):
                    record[f"Δ{o}"] = d
                agree = abs(gain - dual) <= 0.1 * max(abs(gain), abs(dual), 1e-12) and \
                    (np.sign(gain) == np.sign(dual) or max(abs(gain), abs(dual)) < 1e-9)
                record["trust"] = "both agree" if agree else "re-solve"
                record["note"] = ("" if agree else "the LP dual prices a marginal euro; the re-solve "
                                  "shows what a whole step buys once projects can change")
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
            reason[i] = "funded: locked in"
        elif i in required_by and per_meur[i] < cutoff.get(region[i], -np.inf) + 1e-12:
            reason[i] = f"funded: required by {required_by[i]}"
        else:
            reason[i] = (f"funded: yields {per_meur[i]:.4g} per €M, at or above the cut-off "
                         f"{cutoff.get(region[i], per_meur[i]):.4g} of {region[i] or 'its region'}")

    used = _usage(problem, scenario, award, funded)
    for i in np.flatnonzero(~funded):
        reason[i] = _block(problem, scenario, i, award, funded, entry, used, position) or (
            f"not funded: yields {per_meur[i]:.4g} per €M, below the cut-off "
            f"{cutoff[region[i]]:.4g} of {region[i] or 'its region'}"
            if region[i] in cutoff and per_meur[i] < cutoff[region[i]] else
            f"not funded: yields {per_meur[i]:.4g} per €M, but the envelope is spent on "
            f"combinations worth more (€{entry[i]:,.0f} needed)".replace(",", " "))

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
    if bound is not None and not np.isclose(float(model.c @ solution.values + model.offset),
                                            solution.objective, rtol=1e-9, atol=1e-12):
        bound = None
    return [Change(cols=([i], [1.0], [1.0]), start=solution.values, bound=bound)
            for i in positions]


def _inclusion_prices(problem: Problem, model: Model, solution: Solution, positions,
                      outs: list) -> list[tuple[float | None, str]]:
    ids = problem.projects["project_id"].to_numpy(object)
    funded = np.asarray(model.select @ solution.values).ravel() > 0.5
    prices = []
    for i, out in zip(positions, outs):
        if funded[i]:
            prices.append((0.0, ""))
        elif out.values is None:
            prices.append((None, f"cannot be forced in: the rules then are {out.status}"))
        else:
            now = np.asarray(model.select @ out.values).ravel() > 0.5
            gone = ids[funded & ~now]
            prices.append((max(0.0, solution.objective - out.objective),
                           ", ".join(gone[:10]) + (f" and {len(gone) - 10} more" if len(gone) > 10 else "")))
    return prices


def _usage(problem: Problem, scenario: Scenario, award, funded) -> dict:
    p = problem.projects
    awards = pd.Series(award)
    used = {"territory": awards.groupby(p["territory_id"].to_numpy()).sum().to_dict(),
            "region": awards.groupby(p["region"].to_numpy()).sum().to_dict(),
            "theme": awards.groupby(p["theme"].to_numpy()).sum().to_dict(),
            "total": float(award.sum()),
            "sites": int((funded & p["is_site"].to_numpy(bool)).sum()),
            "ha": float(p["net_artificialised_ha"].to_numpy(float)[funded].sum())}
    share = award / p["requested"].to_numpy(float)
    used["resource"] = {r: float((problem.resource_use[r].to_numpy() * share).sum())
                        for r in problem.resource_use.columns}
    # lookups for _block, made once rather than once per unfunded project
    t, regions, resources = problem.territories, problem.regions, problem.resources
    used["territory_cap"] = dict(zip(t["territory_id"], t["cap"])) if len(t) else {}
    used["region_cap"] = dict(zip(regions["region"], regions["cap"])) \
        if regions is not None and "cap" in regions else {}
    used["capacity"] = dict(zip(resources["resource"], resources["capacity"])) \
        if len(resources) else {}
    used["use"] = {r: problem.resource_use[r].to_numpy(float) for r in problem.resource_use.columns}
    groups = p["exclusive_group"].to_numpy(object)
    in_group = funded & (groups != "")
    used["rival"] = pd.Series(p["project_id"].to_numpy(object)[in_group]) \
        .groupby(groups[in_group], sort=False).first().to_dict()
    used["columns"] = {c: p[c].to_numpy(object) for c in (
        "lock", "max_award", "requires", "exclusive_group", "project_id", "is_site",
        "net_artificialised_ha", "territory_id", "region", "requested", "theme")}
    return used


def _block(problem: Problem, scenario: Scenario, i: int, award, funded, entry, used,
           position) -> str:
    """The rule that stops project i from being added to the allocation as it stands."""
    columns = used["columns"]
    row = {c: values[i] for c, values in columns.items()}
    if row["lock"] == "out":
        return "not funded: locked out"
    if row["max_award"] <= 0:
        return "not funded: its aid-rate cap allows no award"
    for other in row["requires"]:
        if not funded[position[other]]:
            why = "locked out" if columns["lock"][position[other]] == "out" else "unfunded"
            return f"not funded: requires {other}, which is {why}"
    rival = used["rival"].get(row["exclusive_group"]) if row["exclusive_group"] else None
    if rival is not None:
        return f"not funded: excluded by {rival} in the same group {row['exclusive_group']}"
    if row["is_site"] and scenario.sites_max is not None and used["sites"] >= scenario.sites_max:
        return f"not funded: site limit reached ({used['sites']} of {scenario.sites_max} sites funded)"
    ha = float(row["net_artificialised_ha"])
    if scenario.sites_max_net_ha is not None and ha > 0 and used["ha"] + ha > scenario.sites_max_net_ha + TOL:
        return (f"not funded: net artificialisation — it would consume {ha:g} ha, and funded "
                f"projects already total {used['ha']:g} ha against a limit of {scenario.sites_max_net_ha:g} ha")
    need = entry[i]
    if used["territory_cap"]:
        cap = used["territory_cap"].get(row["territory_id"], np.nan)
        got = used["territory"].get(row["territory_id"], 0.0)
        if np.isfinite(cap) and got + need > cap + 0.01:
            return (f"not funded: territory cap of {row['territory_id']} reached "
                    f"({euros(got)} of {euros(cap)}; it needs {euros(need)})")
    if problem.regions is not None:
        cap = used["region_cap"].get(row["region"], np.nan)
        got = used["region"].get(row["region"], 0.0)
        if np.isfinite(cap) and got + need > cap + 0.01:
            return (f"not funded: regional cap of {row['region']} reached "
                    f"({euros(got)} of {euros(cap)}; it needs {euros(need)})")
    share = need / row["requested"]
    for r, total in used["resource"].items():
        cap = used["capacity"].get(r)
        extra = used["use"][r][i] * share
        if extra > 0 and total + extra > cap * (1 + 1e-9):
            return (f"not funded: {r} ceiling reached ({total:,.0f} of {cap:,.0f} used; "
                    f"it needs {extra:,.0f} more)").replace(",", " ")
    limit = scenario.theme_max.get(row["theme"])
    if limit is not None and used["theme"].get(row["theme"], 0.0) + need > limit * (used["total"] + need) + 0.01:
        return f"not funded: theme {row['theme']} at its maximum share ({limit:.0%})"
    return ""


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
    award, funded = model.awards(solution.values)
    why = reasons(problem, scenario, model, solution, award, funded)["reason"].to_numpy()
    positions = problem.index_of(project_ids)
    prices = price_of_inclusion(problem, model, solution, positions, Resolves(model, options))
    return Explanation(solution, pd.DataFrame(
        [{"project_id": pid, "funded": bool(funded[i]), "award": award[i], "reason": why[i],
          "price_of_inclusion": price, "displaces": displaced}
         for pid, i, (price, displaced) in zip(project_ids, positions, prices)],
        columns=["project_id", "funded", "award", "reason", "price_of_inclusion", "displaces"]))
