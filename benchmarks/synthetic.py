"""Seeded synthetic instances of any size, with every rule of the programme switched on.

The distributions follow ``scenarios/make_workbook.py`` (itself calibrated on public figures of
*Territoires d'industrie*: lognormal investments with a €2.7M median, aid-intensity caps of
15/25/35%, ~€19k of aid per job, 6% of projects candidate sites), but every column is drawn
from whole arrays so that 100,000 projects take well under a second. The envelope, the site
limit and every cap scale with N as at the programme's own ratio (2,000 projects for €100M),
so that the rules bind as much at N = 100,000 as at N = 1,000.

Rules on: budget; 13 regional caps; 183 territory caps; theme shares (a floor for the
ecological transition, a ceiling for attractiveness); site limit and zero net
artificialisation; ``requires`` chains and pairs; exclusive groups; locks in and out; four
yearly payment ceilings (``spend_<year>`` resources); partial funding (``min_award``) for 30%
of projects; aid-intensity caps.

    frames = synthetic.tables(10_000, seed=1)       # dict of DataFrames laid out like sheets
    problem, scenario = synthetic.problem(10_000)   # validated through allocator.from_tables
"""
from __future__ import annotations

import numpy as np
import pandas as pd

SEED = 20240601
REFERENCE_N = 2000          # the programme: ~2,000 candidate projects …
REFERENCE_BUDGET = 100e6    # … for a €100M envelope
N_TERRITORIES = 183
YEARS = (2024, 2025, 2026, 2027)
YEAR_SHARE = (0.15, 0.35, 0.35, 0.25)  # yearly payment ceilings, share of the envelope
REGIONS = ("Auvergne-Rhône-Alpes", "Bourgogne-Franche-Comté", "Bretagne",
           "Centre-Val de Loire", "Corse", "Grand Est", "Hauts-de-France", "Île-de-France",
           "Normandie", "Nouvelle-Aquitaine", "Occitanie", "Pays de la Loire",
           "Provence-Alpes-Côte d'Azur")
REGION_WEIGHT = (26, 14, 10, 11, 2, 20, 22, 6, 14, 20, 18, 12, 8)  # territories per region ≈
THEMES = ("ecological_transition", "innovation", "skills_recruitment", "industrial_land",
          "attractiveness")
THEME_P = (0.29, 0.22, 0.17, 0.14, 0.18)
SCENARIO = "synthetic"


def tables(n: int, seed: int = SEED) -> dict[str, pd.DataFrame]:
    """Sheets of a synthetic workbook with ``n`` projects: projects, territories, regions,
    resources, scenarios (one scenario, named ``synthetic``)."""
    rng = np.random.default_rng([seed, n])
    scale = n / REFERENCE_N
    budget = REFERENCE_BUDGET * scale

    # territories and regions
    w = np.asarray(REGION_WEIGHT, float)
    per_region = 1 + rng.multinomial(N_TERRITORIES - len(REGIONS), w / w.sum())
    t_region = np.repeat(np.arange(len(REGIONS)), per_region)
    ind_jobs = np.round(rng.lognormal(np.log(9000), 0.7, N_TERRITORIES), -2)
    population = np.round(ind_jobs * rng.uniform(6, 14, N_TERRITORIES), -3)
    t_ids = np.array([f"ti-{k + 1:03d}" for k in range(N_TERRITORIES)], dtype=object)
    territories = pd.DataFrame({
        "territory_id": t_ids, "name": [f"Territoire {k + 1}" for k in range(N_TERRITORIES)],
        "region": np.asarray(REGIONS, dtype=object)[t_region],
        "department": [f"{(k % 95) + 1:02d}" for k in range(N_TERRITORIES)],
        "population": population, "industrial_jobs": ind_jobs,
        # a territory may take at most 4.5 times the average territory's share
        "cap": np.full(N_TERRITORIES, np.round(4.5 * budget / N_TERRITORIES, -3)),
    })
    r_jobs = np.bincount(t_region, weights=ind_jobs, minlength=len(REGIONS))
    regions = pd.DataFrame({
        "region": list(REGIONS), "code": [f"{k + 11}" for k in range(len(REGIONS))],
        # a region may take at most 1.2 times its share of industrial jobs (and ≥ €1M·scale)
        "cap": np.round(np.maximum(1.2 * budget * r_jobs / r_jobs.sum(), 1e6 * scale), -3),
    })

    # projects
    tw = ind_jobs ** 0.6
    terr = np.sort(rng.choice(N_TERRITORIES, size=n, p=tw / tw.sum()))
    theme = rng.choice(len(THEMES), size=n, p=THEME_P)
    site = np.zeros(n, bool)
    n_sites = max(2, int(round(0.06 * n)))
    land = np.flatnonzero(theme == 3)
    other = np.flatnonzero(theme != 3)
    k_land = min(len(land), int(round(0.85 * n_sites)))
    site[rng.choice(land, k_land, replace=False)] = True
    site[rng.choice(other, n_sites - k_land, replace=False)] = True

    cost = rng.lognormal(np.log(2.7e6), 1.0, n)
    cost[site] *= 1.6
    cost = np.round(np.clip(cost, 2e5, 5e7), -3)
    p_large = np.clip((np.log(cost) - np.log(1e6)) / (np.log(30e6) - np.log(1e6)), 0.05, 0.9)
    u = rng.random(n)
    rate = np.where(u < p_large, 0.15, np.where(u < p_large + (1 - p_large) * 0.5, 0.25, 0.35))
    req = np.maximum(np.floor(cost * rate * rng.beta(3.5, 3.5, n) / 1000) * 1000, 10_000)
    req = np.minimum(req, np.floor(rate * cost / 1000) * 1000)
    partial = rng.random(n) < 0.30
    min_award = np.where(partial, np.round(req * rng.uniform(0.5, 0.9, n), -3), np.nan)

    jobs = req / 19e3 * np.array([1.1, 1.2, 0.6, 1.3, 0.5])[theme] * rng.lognormal(-0.45, 0.95, n)
    jobs[rng.random(n) < np.array([0.12, 0.08, 0.25, 0.10, 0.30])[theme]] = 0
    jobs = np.round(jobs)
    skills = req / 4e3 * np.array([0.15, 0.25, 2.0, 0.05, 0.4])[theme] * rng.lognormal(-0.3, 0.8, n)
    skills[(theme != 2) & (rng.random(n) < 0.45)] = 0
    skills = np.round(skills)
    inno = np.round(np.where(theme == 1, rng.uniform(5.5, 10, n), rng.beta(2, 3.5, n) * 7.5), 1)

    area = np.clip(rng.lognormal(np.log(22), 1.0, n), 3, 350)
    brown = site & (rng.random(n) < 0.58)
    ha = np.zeros(n)
    green = site & ~brown
    ha[green] = area[green] * rng.uniform(0.1, 1.0, green.sum())
    renat = brown & (rng.random(n) < 0.65)
    ha[renat] = -area[renat] * rng.uniform(0.05, 0.6, renat.sum())
    touch = ~site & ((theme == 3) | (rng.random(n) < 0.03)) & (rng.random(n) < 0.35)
    ha[touch] = rng.uniform(0.3, 6.0, touch.sum()) * np.where(rng.random(touch.sum()) < 0.6, 1, -1)
    ha = np.round(ha, 1)

    # yearly payments: 1–3 consecutive years from a start year, Dirichlet(2) shares
    start = rng.choice(4, size=n, p=(0.22, 0.42, 0.26, 0.10))
    length = np.minimum(4 - start, rng.choice((1, 2, 3), size=n, p=(0.25, 0.45, 0.30)))
    years = np.arange(4)[None, :]
    inside = (years >= start[:, None]) & (years < (start + length)[:, None])
    g = rng.gamma(2.0, size=(n, 4)) * inside
    spend = np.round(req[:, None] * g / g.sum(axis=1, keepdims=True))

    # structure, on disjoint projects, always within one territory (projects sorted by it):
    # chains (a project requires the one before it), pairs of requirements, exclusive groups
    ids = np.array([f"P-{i + 1:06d}" for i in range(n)], dtype=object)
    used = np.zeros(n, bool)
    same_prev = np.r_[False, terr[1:] == terr[:-1]]
    requires = np.full(n, None, dtype=object)
    child = np.flatnonzero(same_prev & (rng.random(n) < 0.025))
    requires[child] = ids[child - 1]
    used[child] = used[child - 1] = True
    same_prev2 = np.r_[False, False, terr[2:] == terr[:-2]]
    two = np.flatnonzero(same_prev2 & ~used & np.r_[False, False, ~used[:-2]]
                         & np.r_[False, ~used[:-1]] & (rng.random(n) < 0.004))
    two = two[np.r_[True, np.diff(two) > 2]] if len(two) else two
    requires[two] = ids[two - 1] + ";" + ids[two - 2]
    used[two] = used[two - 1] = used[two - 2] = True
    group = np.full(n, None, dtype=object)
    head = np.flatnonzero(same_prev & ~used & np.r_[False, ~used[:-1]] & (rng.random(n) < 0.02))
    head = head[np.r_[True, np.diff(head) > 1]] if len(head) else head
    labels = np.array([f"EX-{k + 1:05d}" for k in range(len(head))], dtype=object)
    group[head] = labels
    group[head - 1] = labels
    used[head] = used[head - 1] = True
    cheap = np.flatnonzero(~used & (req <= 300e3) & (ha <= 0) & ~site & ~partial)
    lock = np.full(n, None, dtype=object)
    lock_in = rng.choice(cheap, min(len(cheap), max(1, int(0.0025 * n))), replace=False)
    lock[lock_in] = "in"
    used[lock_in] = True
    free = np.flatnonzero(~used)
    lock[rng.choice(free, max(1, int(0.005 * n)), replace=False)] = "out"

    projects = pd.DataFrame({
        "project_id": ids, "territory_id": t_ids[terr],
        "title": np.char.add("Projet ", np.arange(1, n + 1).astype(str)).astype(object),
        "theme": np.asarray(THEMES, dtype=object)[theme], "total_cost": cost,
        "requested": req, "min_award": min_award, "max_aid_rate": rate, "jobs": jobs,
        "skills": skills, "innovation": inno, "is_site": site, "net_artificialised_ha": ha,
        "requires": requires, "exclusive_group": group, "lock": lock,
        **{f"spend_{y}": spend[:, k] for k, y in enumerate(YEARS)},
    })
    resources = pd.DataFrame({"resource": [f"spend_{y}" for y in YEARS],
                              "capacity": [s * budget for s in YEAR_SHARE],
                              "unit": ["€"] * len(YEARS)})
    params = {
        "description": f"synthetic, {n} projects, every rule on",
        "budget": budget, "weight.jobs": 1, "weight.skills": 1, "weight.innovation": 1,
        "normalise": "ideal", "theme_min.ecological_transition": 0.15,
        "theme_max.attractiveness": 0.20, "sites.max": max(1, int(round(50 * scale))),
        "sites.max_net_ha": 0, "time_limit": 120, "gap": 1e-4,
    }
    scenarios = pd.DataFrame({"parameter": list(params), SCENARIO: list(params.values())})
    return {"projects": projects, "territories": territories, "regions": regions,
            "resources": resources, "scenarios": scenarios}


def problem(n: int, seed: int = SEED, frames: dict | None = None):
    """The validated Problem of ``tables(n, seed)`` and its scenario."""
    import allocator
    frames = frames if frames is not None else tables(n, seed)
    p = allocator.from_tables(frames["projects"], territories=frames["territories"],
                              regions=frames["regions"], resources=frames["resources"],
                              scenarios=frames["scenarios"])
    return p, p.scenario(SCENARIO)
