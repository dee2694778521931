"""The ``--json`` output of every command, one documented schema (README, "JSON output").

Every command prints one object: ``schema_version`` (``SCHEMA_VERSION``, raised when a key
changes meaning or goes), ``command`` (its name) and the command's payload. Keys are snake_case
(``snake``: lower case, ``Δ`` as ``delta_``, any other run of characters as ``_``); names that
are data — scenarios, parameters, projects — are values, never keys: frames laid out one
column per scenario are given one record per row and scenario. Numbers are numbers (NaN and
infinities as null).
"""
from __future__ import annotations

import json
import re

import pandas as pd

from allocator.analyse.allocation import Result
from allocator.analyse.compare import Comparison
from allocator.analyse.frontier import Frontier
from allocator.analyse.sweep import Sweep
from allocator.analyse.uncertainty import Uncertainty, robust_comparison
from allocator.core.scenario import Scenario

SCHEMA_VERSION = 1


def document(command: str, payload: dict) -> dict:
    """The object a command prints: its schema version, its name, then its payload."""
    return {"schema_version": SCHEMA_VERSION, "command": command, **_snake_keys(payload)}


def snake(key: object) -> str:
    """A key in snake_case: "Δ jobs_first" → "delta_jobs_first", "estimate:jobs" →
    "estimate_jobs", "projects funded in every draw" → "projects_funded_in_every_draw"."""
    text = str(key).replace("Δ", "delta_").lower()
    return re.sub(r"[^0-9a-z]+", "_", text).strip("_") or "_"


def _snake_keys(value):
    if isinstance(value, dict):
        return {snake(k): _snake_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_snake_keys(v) for v in value]
    return value


def records(frame: pd.DataFrame | None) -> list:
    """A frame as one object per row (``document`` puts the keys in snake_case)."""
    return [] if frame is None else json.loads(frame.to_json(
        orient="records", double_precision=10, default_handler=str))


def by_scenario(frame: pd.DataFrame, names: list[str]) -> list:
    """A frame with one column per scenario (and ``Δ <name>``, ``index <name>`` beside) as
    one record per row and scenario: its other columns, then scenario, value, delta (from
    the first scenario; null for it) and index (first = 100) where the frame has them."""
    wide = {c for n in names for c in (n, f"Δ {n}", f"index {n}")}
    keys = [c for c in frame.columns if c not in wide]
    out = []
    for row in records(frame):
        for n in names:
            item = {**{k: row[k] for k in keys}, "scenario": n, "value": row.get(n)}
            for prefix, key in (("Δ ", "delta"), ("index ", "index")):
                if f"{prefix}{n}" in frame.columns:
                    item[key] = row.get(f"{prefix}{n}")
            out.append(item)
    return out


def parameters(scenario: Scenario) -> list[dict]:
    """A scenario's parameters as records: parameter (its dotted name), value."""
    return [{"parameter": k, "value": v} for k, v in scenario.parameters().items()]


def comparison_json(comparison: Comparison) -> dict:
    """Every frame of a comparison; those with a column per scenario one record per row and
    scenario."""
    c = comparison
    wide = {"outcomes": c.outcomes, "regions": c.regions, "themes": c.themes,
            "territories": c.territories, "status_changes": c.changes,
            "parameters": c.parameters}
    flat = {"fairness": c.fairness, "optimum_vs_greedy": c.greedy, "runs": c.runs_table}
    return {"scenarios": c.names, **{k: by_scenario(v, c.names) for k, v in wide.items()},
            **{k: records(v) for k, v in flat.items()}}


def result_json(result: Result) -> dict:
    """One JSON-able object: status, objective, bound, gap, scenario, totals, allocation."""
    return {**result.run, "scenario": {"name": result.scenario.name,
                                       "parameters": parameters(result.scenario)},
            "totals": result.totals,
            "outcomes": records(result.outcomes),
            "shadow_prices": records(result.shadow_prices),
            "diagnosis": None if result.diagnosis is None else {
                "summary": result.diagnosis.attrs.get("summary"),
                "rules": records(result.diagnosis)},
            **({"voters": result.voters.to_dict()} if result.voters is not None else {}),
            "allocation": records(result.allocation)}


def frontier_json(f: Frontier) -> dict:
    out = {"x": f.x, "y": f.y, "scenario": f.scenario.name, "removed": f.removed,
           "points": records(f.points), "references": records(f.references)}
    if f.allocations is not None:
        ids = f.allocations["project_id"].to_numpy()
        out["allocations"] = [
            {"point": int(c.split()[1]),
             "awards": [{"project_id": str(i), "award": float(a)}
                        for i, a in zip(ids, f.allocations[c]) if a > 0]}
            for c in f.allocations.columns if c.startswith("point ")]
    return out


def uncertainty_json(u: Uncertainty) -> dict:
    return {"summary": u.summary, "status": u.nominal.solution.label,
            "objective": u.nominal.solution.objective,
            "robust": None if u.robust is None else records(robust_comparison(u)),
            "outcome_distribution": records(u.distribution),
            "selection_frequency": records(u.frequency), "draws": records(u.draws)}


def sweep_json(s: Sweep) -> dict:
    """Where the sweep ran, and one record per scenario (its varied parameters in
    ``parameters``)."""
    varied = [v.key for v in s.parameters]
    rows = []
    for row in records(s.table):
        rows.append({**{k: v for k, v in row.items() if k not in varied},
                     "parameters": [{"parameter": k, "value": row[k]} for k in varied]})
    return {"executor": s.batch.executor, "interrupted": s.batch.interrupted,
            "seconds": round(s.batch.seconds, 3), "scenarios": rows}
