"""The ``--json`` output of every command: frames as records, numbers as numbers."""
from __future__ import annotations

import json

import pandas as pd

from allocator.analyse.allocation import Result
from allocator.analyse.compare import Comparison
from allocator.analyse.frontier import Frontier
from allocator.analyse.sweep import Sweep
from allocator.analyse.uncertainty import Uncertainty, robust_comparison


def comparison_json(comparison: Comparison) -> dict:
    """Every frame as records, for scripts."""
    c = comparison
    frames = {"outcomes": c.outcomes, "regions": c.regions, "themes": c.themes,
              "territories": c.territories, "status_changes": c.changes,
              "fairness": c.fairness, "optimum_vs_greedy": c.greedy,
              "parameters": c.parameters, "runs": c.runs_table}
    return {"scenarios": c.names, **{k: records(v) for k, v in frames.items()}}


def result_json(result: Result) -> dict:
    """One JSON-able object: status, objective, bound, gap, scenario, totals, allocation."""
    alloc = result.allocation
    rows = records(alloc)
    return {**result.run, "scenario": {"name": result.scenario.name,
                                       **{k: v for k, v in result.scenario.parameters().items()}},
            "totals": result.totals,
            "outcomes": records(result.outcomes),
            "shadow_prices": records(result.shadow_prices),
            "diagnosis": None if result.diagnosis is None else {
                "summary": result.diagnosis.attrs.get("summary"),
                "rules": records(result.diagnosis)},
            **({"voters": result.voters.to_dict()} if result.voters is not None else {}),
            "allocation": rows}


def records(frame: pd.DataFrame | None) -> list:
    return [] if frame is None else json.loads(frame.to_json(
        orient="records", double_precision=10, default_handler=str))


def frontier_json(f: Frontier) -> dict:
    out = {"x": f.x, "y": f.y, "scenario": f.scenario.name, "removed": f.removed,
           "points": json.loads(f.points.to_json(orient="records", double_precision=10)),
           "references": json.loads(f.references.to_json(orient="records", double_precision=10))}
    if f.allocations is not None:
        ids = f.allocations["project_id"].to_numpy()
        out["allocations"] = {c: {str(i): float(a) for i, a in zip(ids, f.allocations[c]) if a > 0}
                              for c in f.allocations.columns if c.startswith("point ")}
    return out


def uncertainty_json(u: Uncertainty) -> dict:
    return {"summary": u.summary, "status": u.nominal.solution.label,
            "objective": u.nominal.solution.objective,
            "robust": None if u.robust is None else records(robust_comparison(u)),
            "outcome_distribution": records(u.distribution),
            "selection_frequency": records(u.frequency), "draws": records(u.draws)}


def sweep_json(s: Sweep) -> dict:
    """Where the sweep ran, and one record per scenario."""
    return {"executor": s.batch.executor, "interrupted": s.batch.interrupted,
            "seconds": round(s.batch.seconds, 3), "scenarios": records(s.table)}
