"""Random allocation instances mixing every rule family, as the frames of a workbook.

The same generator serves hypothesis (small instances, shrinking towards rules switched off)
and numpy (medium instances for comparing backends): it draws through a ``Source``.
Amounts lie on a grid of 1 000 € so that a rule either holds with equality or by at least
1 000 €, far above any solver tolerance: the references and the solvers cannot disagree
on a knife edge.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter

import allocator

THEMES = ("ecological_transition", "innovation", "skills_recruitment")
OUTCOMES = ("jobs", "skills", "innovation")


class NumpySource:
    def __init__(self, seed: int):
        self.rng = np.random.default_rng(seed)

    def int(self, lo: int, hi: int) -> int:
        return int(self.rng.integers(lo, hi + 1))

    def pick(self, seq):
        return seq[int(self.rng.integers(len(seq)))]

    def flag(self, p: float) -> bool:
        return bool(self.rng.random() < p)


class HypothesisSource:
    """Draws through hypothesis; ``flag`` shrinks to False, ``int`` to its lower end."""

    def __init__(self, draw):
        from hypothesis import strategies as st
        self.draw, self.st = draw, st

    def int(self, lo: int, hi: int) -> int:
        return self.draw(self.st.integers(lo, hi))

    def pick(self, seq):
        return self.draw(self.st.sampled_from(list(seq)))

    def flag(self, p: float) -> bool:
        return self.draw(self.st.integers(0, 99)) >= round(100 * (1 - p))


@dataclass
class Case:
    projects: pd.DataFrame
    territories: pd.DataFrame
    regions: pd.DataFrame
    resources: pd.DataFrame | None
    scenario: allocator.Scenario

    def frames(self) -> dict:
        return {"projects": self.projects, "territories": self.territories,
                "regions": self.regions, "resources": self.resources}

    def problem(self):
        return allocator.from_tables(**{k: v for k, v in self.frames().items() if v is not None})

    def __repr__(self) -> str:  # readable in a hypothesis falsifying example
        with pd.option_context("display.width", 250, "display.max_columns", 40):
            parts = [f"{k}:\n{v}" for k, v in self.frames().items() if v is not None]
        return "\n".join(parts) + f"\n{self.scenario}"


def make_case(src, n: int, *, n_territories=(2, 4), n_regions=(1, 2), lock_rate=0.12,
              rules: float = 0.3, sites=(0, 3), groups: int = 2) -> Case:
    """A random instance of n projects; each optional rule family is on with chance ``rules``."""
    n_reg = src.int(*n_regions)
    n_ter = src.int(*n_territories)
    regions_names = [f"R{r + 1}" for r in range(n_reg)]
    ter_names = [f"T{t + 1}" for t in range(n_ter)]

    def floor_cap(scale):
        cap = src.int(1, scale) * 100_000 + 5_000 if src.flag(rules) else None
        floor = src.int(0, scale // 3) * 100_000 + 5_000 if src.flag(rules / 2) else None
        if cap is not None and floor is not None and floor > cap:
            floor, cap = cap, floor
        return floor, cap

    territories = []
    for t in ter_names:
        floor, cap = floor_cap(max(3, 2 * n // n_ter))
        territories.append({"territory_id": t, "name": f"territory {t}",
                            "region": src.pick(regions_names), "population": src.int(0, 9),
                            "industrial_jobs": src.int(0, 9), "floor": floor, "cap": cap})
    regions = []
    for r in regions_names:
        floor, cap = floor_cap(max(3, 3 * n // n_reg))
        regions.append({"region": r, "floor": floor, "cap": cap})

    rows = []
    land = src.flag(0.7)  # else no project has hectares (a negative limit must still bind)
    for i in range(n):
        total = src.int(1, 30) * 100_000
        requested = total * src.pick((2, 5, 8, 10)) // 10
        rate = src.pick((0.1, 0.25, 0.3, 0.5, 0.9)) if src.flag(rules) else None
        max_award = min(requested, rate * total) if rate is not None else requested
        min_award = None
        if src.flag(0.5):
            frac = src.pick((0.0, 0.25, 0.5, 1.0))
            min_award = requested if frac == 1.0 and rate is None else \
                (int(max_award * frac) // 10_000) * 10_000
        parents = []
        if i and src.flag(rules / 2):
            parents = sorted({f"P{src.int(1, i)}" for _ in range(src.int(1, 2))})
        lock = ""
        if src.flag(lock_rate):
            lock = src.pick(("in", "out"))
        rows.append({
            "project_id": f"P{i + 1}", "territory_id": src.pick(ter_names),
            "title": f"project {i + 1}", "theme": src.pick(THEMES),
            "total_cost": float(total), "requested": float(requested),
            "min_award": None if min_award is None else float(min_award),
            "max_aid_rate": rate,
            "jobs": float(src.int(0, 50)), "skills": float(src.int(0, 50)),
            "innovation": float(src.int(0, 10)),
            "is_site": src.flag(0.3),
            "net_artificialised_ha": (src.pick((0.0, 0.0, 0.0, -2.0, -0.5, 1.0, 3.0)) if land
                                      else 0.0),
            "requires": ";".join(parents) or None,
            "exclusive_group": (f"G{src.int(1, groups)}" if src.flag(0.5) else None),
            "lock": lock or None,
            "use:staff": float(src.int(0, 5)),
        })
    projects = pd.DataFrame(rows)
    resources = None
    if src.flag(rules + 0.15):
        total_use = projects["use:staff"].sum()
        capacity = float(max(1, int(total_use * src.pick((0.3, 0.6, 0.9)))))
        resources = pd.DataFrame({"resource": ["staff"], "capacity": [capacity]})
    rate = pd.to_numeric(projects["max_aid_rate"], errors="coerce").to_numpy(float)
    max_awards = np.fmin(projects["requested"].to_numpy(float),
                         rate * projects["total_cost"].to_numpy(float))
    budget = (int(max_awards.sum() * src.pick((0.3, 0.5, 0.7, 1.2))) // 10_000) * 10_000 + 5_000

    weights = {o: src.pick((0.0, 0.5, 1.0, 2.0)) for o in OUTCOMES}
    if not any(weights.values()):
        weights["jobs"] = 1.0
    theme_min, theme_max = {}, {}
    if src.flag(rules):
        theme_min[src.pick(THEMES)] = src.pick((0.1, 0.2, 0.3))
    if src.flag(rules):
        t = src.pick(THEMES)
        theme_max[t] = max(theme_min.get(t, 0.0), src.pick((0.4, 0.6)))
    minimums = {}
    if src.flag(rules / 2):
        o = src.pick(OUTCOMES)
        minimums[o] = float(int(projects[o].sum() * src.pick((0.1, 0.3, 0.5))))
    scenario = allocator.Scenario(
        budget=float(budget), weights=weights, normalise="none",
        theme_min=theme_min, theme_max=theme_max, minimums=minimums,
        sites_max=src.int(*sites) if src.flag(rules) else None,
        sites_max_net_ha=src.pick((-1.0, 0.0, 0.0, 2.0)) if src.flag(rules) else None,
        coverage=src.int(1, 2) if src.flag(rules) else 0,
        fairness_band=src.pick((0.3, 0.6, 1.0)) if src.flag(rules / 2) else None,
        fairness_basis=src.pick(("industrial_jobs", "population")),
        gap=0.0, time_limit=30.0)
    return Case(projects, pd.DataFrame(territories), pd.DataFrame(regions), resources, scenario)


# ----------------------------------------------------------------------------- knapsacks

def hard_knapsack(n: int = 250, m: int = 5, seed: int = 0, tightness: float = 0.25) -> dict:
    """A multi-dimensional knapsack made as Chu and Beasley made OR-Library's mknapcb files
    (weights uniform on 1..1000, each capacity a share of its row's total, profits correlated
    with the weights): at n=250, m=5 no solver proves its optimum in seconds. The dict of
    ``benchmarks.instances.read_orlib`` (n, m, profit, weights, capacity)."""
    rng = np.random.default_rng(seed)
    weights = rng.integers(1, 1001, size=(m, n)).astype(float)
    profit = np.round(weights.sum(axis=0) / m + 500 * rng.random(n))
    return dict(n=n, m=m, profit=profit, weights=weights,
                capacity=np.floor(tightness * weights.sum(axis=1)))


def knapsack_workbook(path: Path, inst: dict, time_limit: float = 120) -> Path:
    """A knapsack instance as an input workbook: one project per item (profit as ``jobs``,
    weights as ``use:r1`` … ``use:rm``), one resource per constraint, a budget that never
    binds, and a scenario that weighs jobs alone, in raw units, with a zero gap."""
    n, m = inst["n"], inst["m"]
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("projects")
    header = ["project_id", "territory_id", "title", "theme", "total_cost", "requested",
              "jobs"] + [f"use:r{i + 1}" for i in range(m)]
    sheet.write_row(0, 0, header)
    for j in range(n):
        sheet.write_row(j + 1, 0, [f"item-{j + 1}", "T1", f"Item {j + 1}", "innovation",
                                   1e6, 1e6, float(inst["profit"][j]),
                                   *map(float, inst["weights"][:, j])])
    sheet = book.add_worksheet("resources")
    sheet.write_row(0, 0, ["resource", "capacity"])
    for i, cap in enumerate(inst["capacity"]):
        sheet.write_row(i + 1, 0, [f"r{i + 1}", float(cap)])
    sheet = book.add_worksheet("scenarios")
    params = [("parameter", "knapsack"), ("budget", 2e6 * n + 1e6), ("weight.jobs", 1),
              ("weight.skills", 0), ("weight.innovation", 0), ("normalise", "none"),
              ("gap", 0), ("time_limit", time_limit)]
    for i, row in enumerate(params):
        sheet.write_row(i, 0, row)
    book.close()
    return path
