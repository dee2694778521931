"""One hand-made instance per rule family, with its optimum worked out by hand.

Every scenario uses ``normalise = none`` and a weight of 1 on jobs (skills where said), so the
objective is Σ_i jobs_i × award_i / requested_i; amounts are in M€ in the comments. Each case is
built so that dropping the rule would change the answer (the "without the rule" line), which is
asserted too where it is cheap.
"""
from __future__ import annotations

import math

import pandas as pd
import pytest

import allocator
from allocator.solve import solve

M = 1e6


def project(pid, cost_m, jobs, *, territory="T1", theme="innovation", requested_m=None,
            **extra):
    """A project row: total_cost = requested = cost_m M€ unless requested_m is given."""
    return {"project_id": pid, "territory_id": territory, "title": pid, "theme": theme,
            "total_cost": cost_m * M, "requested": (requested_m or cost_m) * M,
            "jobs": float(jobs), **extra}


def territories(*rows):
    """(id, region, extra dict) tuples → territories frame."""
    return pd.DataFrame([{"territory_id": t, "name": t, "region": r, **x} for t, r, x in rows])


def scenario(budget_m, **kw):
    kw.setdefault("weights", {"jobs": 1.0})
    kw.setdefault("sites_max", None)
    kw.setdefault("sites_max_net_ha", None)
    return allocator.Scenario(budget=budget_m * M, normalise="none", gap=0.0, **kw)


def run(rows, scen, **sheets):
    problem = allocator.from_tables(pd.DataFrame(rows), **sheets)
    model, sol = solve(problem, scen, backend="highs", gap=0.0, time_limit=20)
    if not sol.ok:
        return sol, None
    ids = problem.projects["project_id"]
    award = dict(zip(ids, model.award @ sol.values * M))
    return sol, award


def funded(award):
    return {k for k, v in award.items() if v > 1e-3}


def assert_awards(award, expected_m):
    """Funded projects are exactly those of expected_m, with those awards (M€)."""
    assert funded(award) == set(expected_m), award
    for pid, amount in expected_m.items():
        assert award[pid] == pytest.approx(amount * M, rel=1e-6), (pid, award)  # solver tolerance


def test_budget():
    # P1 0.5 M€/10 jobs, P2 0.4/6, P3 0.3/5; budget 0.7. P1 leaves 0.2 (nothing fits): 10;
    # P2+P3 = 0.7: 11. Optimum {P2, P3}, 11 (the best ratio, P1 first, is not optimal).
    rows = [project("P1", 0.5, 10), project("P2", 0.4, 6), project("P3", 0.3, 5)]
    sol, award = run(rows, scenario(0.7))
    assert sol.objective == pytest.approx(11)
    assert_awards(award, {"P2": 0.4, "P3": 0.3})


def test_partial_funding():
    # P1 1 M€/20 jobs, partial from 0.4; P2 0.5/8 all-or-nothing; budget 1.2.
    # P1 full alone: 20. P2 + P1 at 0.7: 8 + 14 = 22. Optimum 22.
    # P3 has min_award = requested: all or nothing (1.2 would not fit beside anything useful).
    rows = [project("P1", 1.0, 20, min_award=0.4 * M), project("P2", 0.5, 8),
            project("P3", 1.2, 1, min_award=1.2 * M)]
    sol, award = run(rows, scenario(1.2))
    assert sol.objective == pytest.approx(22)
    assert_awards(award, {"P1": 0.7, "P2": 0.5})


def test_partial_funding_respects_min_award():
    # P1 1 M€/20 jobs partial from 0.6; P2 0.5/8; budget 1.0. P2 + P1 at 0.5 is below P1's
    # minimum, so: P1 alone at 1.0 (20) beats P2 + nothing (8). Optimum P1 = 1.0, 20.
    rows = [project("P1", 1.0, 20, min_award=0.6 * M), project("P2", 0.5, 8)]
    sol, award = run(rows, scenario(1.0))
    assert sol.objective == pytest.approx(20)
    assert_awards(award, {"P1": 1.0})


def test_max_aid_rate():
    # P1: cost 2, requests 1, rate 0.3 → award capped at 0.6 (all or nothing: exactly 0.6),
    # outcome 30 × 0.6 / 1 = 18. P2 0.5/10. Budget 1.0: P1 + P2 = 1.1 does not fit.
    # Optimum P1 at 0.6: 18 (without the cap P1 would cost 1.0 and give 30).
    # P3: cost 1, requests 1, partial from 0.1, rate 0.2 → at most 0.2; 5 jobs per M€ → 1.
    rows = [project("P1", 2.0, 30, requested_m=1.0, max_aid_rate=0.3), project("P2", 0.5, 10),
            project("P3", 1.0, 5, min_award=0.1 * M, max_aid_rate=0.2)]
    sol, award = run(rows, scenario(1.0))
    # P1 (0.6) + P3 (≤ 0.2, fits: 0.8) = 18 + 1 = 19; P2 + P3 = 10 + 1 = 11.
    assert sol.objective == pytest.approx(19)
    assert_awards(award, {"P1": 0.6, "P3": 0.2})


def test_region_floor_and_cap():
    # R1 (T1): P1 0.6/12, P2 0.5/9; R2 (T2): P3 0.4/4. Budget 1.5 fits all (25), but
    # R1's cap 0.8 admits only one of P1, P2 (→ P1), and R2's floor 0.3 needs P3.
    # Optimum {P1, P3}: 16. With R2's floor alone the optimum would be all three.
    rows = [project("P1", 0.6, 12), project("P2", 0.5, 9), project("P3", 0.4, 4, territory="T2")]
    terr = territories(("T1", "R1", {}), ("T2", "R2", {}))
    regions = pd.DataFrame({"region": ["R1", "R2"], "cap": [0.8 * M, None],
                            "floor": [None, 0.3 * M]})
    sol, award = run(rows, scenario(1.5), territories=terr, regions=regions)
    assert sol.objective == pytest.approx(16)
    assert_awards(award, {"P1": 0.6, "P3": 0.4})
    # a floor out of reach makes the problem infeasible
    regions.loc[1, "floor"] = 0.5 * M
    sol, _ = run(rows, scenario(1.5), territories=terr, regions=regions)
    assert sol.status == "infeasible"


def test_territory_floor_and_cap():
    # T1: P1 0.6/12, P2 0.5/9 (cap 1.0 → not both); T2: P3 0.4/1 (floor 0.2 → P3 in).
    # Budget 1.0: P3 (0.4) + P1 (0.6) = 13 fits; P1 + P2 would break the cap and the budget.
    rows = [project("P1", 0.6, 12), project("P2", 0.5, 9), project("P3", 0.4, 1, territory="T2")]
    terr = territories(("T1", "R1", {"cap": 1.0 * M}), ("T2", "R1", {"floor": 0.2 * M}))
    sol, award = run(rows, scenario(1.0), territories=terr)
    assert sol.objective == pytest.approx(13)
    assert_awards(award, {"P1": 0.6, "P3": 0.4})


def test_resource_use_scales_with_award():
    # staff capacity 6. P1 1 M€/10 jobs/4 staff, partial from 0; P2 1/7/3; P3 1/6/3; budget 3.
    # {P2, P3}: 13 (staff 6). P2 + P1 at 0.75 (staff 3 + 3): 7 + 7.5 = 14.5.
    # P3 + P1 at 0.75: 13.5. P1 alone: 10. Optimum P2 + P1 at 0.75 M€: 14.5.
    rows = [project("P1", 1.0, 10, min_award=0.0, **{"use:staff": 4}),
            project("P2", 1.0, 7, **{"use:staff": 3}), project("P3", 1.0, 6, **{"use:staff": 3})]
    resources = pd.DataFrame({"resource": ["staff"], "capacity": [6.0]})
    sol, award = run(rows, scenario(3.0), resources=resources)
    assert sol.objective == pytest.approx(14.5)
    assert_awards(award, {"P1": 0.75, "P2": 1.0})


def test_theme_max_share():
    # P1 innovation 1/20, P2 attractiveness 1/10, P3 attractiveness 0.5/3; budget 2.5 fits all
    # (33), but innovation ≤ 35% of the total awarded: with P1 (1.0) the total must reach
    # 2.86 > 2.5. Optimum {P2, P3}: 13.
    rows = [project("P1", 1.0, 20), project("P2", 1.0, 10, theme="attractiveness"),
            project("P3", 0.5, 3, theme="attractiveness")]
    sol, award = run(rows, scenario(2.5, theme_max={"innovation": 0.35}))
    assert sol.objective == pytest.approx(13)
    assert_awards(award, {"P2": 1.0, "P3": 0.5})


def test_theme_min_share():
    # P1 innovation 1/20, P2 skills_recruitment 1/2 partial from 0; budget 2. Skills ≥ 25%
    # of the total: y / (1 + y) ≥ 0.25 → y ≥ 1/3. Best: P1 + P2 at full 1.0 (22), share 50%.
    # With budget 1.2 instead: P1 + y ≤ 0.2 breaks the share; P2 alone (2) or P1 alone with
    # the share 0 < 25% (no). So budget 1.2: P1 can't be funded unless y ≥ 1/3 → 1.33 > 1.2;
    # optimum P2 alone at 1.0: 2.
    rows = [project("P1", 1.0, 20), project("P2", 1.0, 2, theme="skills_recruitment",
                                            min_award=0.0)]
    sol, award = run(rows, scenario(2.0, theme_min={"skills_recruitment": 0.25}))
    assert sol.objective == pytest.approx(22)
    sol, award = run(rows, scenario(1.2, theme_min={"skills_recruitment": 0.25}))
    assert sol.objective == pytest.approx(2)
    assert_awards(award, {"P2": 1.0})


def test_sites_limit():
    # sites P1 10, P2 8, P3 5, non-site P4 1; at most 2 sites: {P1, P2, P4}: 19.
    rows = [project("P1", 0.1, 10, is_site=True), project("P2", 0.1, 8, is_site=True),
            project("P3", 0.1, 5, is_site=True), project("P4", 0.1, 1)]
    sol, award = run(rows, scenario(10, sites_max=2))
    assert sol.objective == pytest.approx(19)
    assert funded(award) == {"P1", "P2", "P4"}


def test_net_artificialisation():
    # ha: P1 +3 (10 jobs), P2 −2 (2), P3 +1 (4); net ≤ 0 over funded projects.
    # {P2}: 2; {P2, P3}: −1 → 6; anything with P1 is ≥ +1. Optimum {P2, P3}: 6.
    rows = [project("P1", 0.1, 10, net_artificialised_ha=3.0),
            project("P2", 0.1, 2, net_artificialised_ha=-2.0),
            project("P3", 0.1, 4, net_artificialised_ha=1.0)]
    sol, award = run(rows, scenario(10, sites_max_net_ha=0.0))
    assert sol.objective == pytest.approx(6)
    assert funded(award) == {"P2", "P3"}
    # net ≤ −2: only {P2} (−2) or {P2, P3}? (−1 > −2, no) → {P2}: 2
    sol, award = run(rows, scenario(10, sites_max_net_ha=-2.0))
    assert sol.objective == pytest.approx(2)
    assert funded(award) == {"P2"}


def test_negative_net_artificialisation_limit_binds_without_hectares():
    # A negative limit asks for net renaturation; with no project holding hectares the net
    # is 0 whatever is funded, so no allocation meets it (was silently dropped: the row was
    # only built when some project had nonzero hectares).
    rows = [project("P1", 0.1, 10), project("P2", 0.1, 5)]
    sol, _ = run(rows, scenario(10, sites_max_net_ha=-1.0))
    assert sol.status == "infeasible"
    sol, _ = run(rows, scenario(10, sites_max_net_ha=0.0))
    assert sol.objective == pytest.approx(15)


def test_coverage():
    # T1: P1 0.5/10, P2 0.5/9; T2: P3 0.5/1; T3: P4 locked out (not eligible: T3 needs none).
    # Budget 1.0, coverage 1: T2 needs P3 → {P1, P3}: 11 (without coverage: {P1, P2} 19).
    rows = [project("P1", 0.5, 10), project("P2", 0.5, 9), project("P3", 0.5, 1, territory="T2"),
            project("P4", 0.5, 50, territory="T3", lock="out")]
    terr = territories(("T1", "R1", {}), ("T2", "R1", {}), ("T3", "R1", {}))
    sol, award = run(rows, scenario(1.0, coverage=1), territories=terr)
    assert sol.objective == pytest.approx(11)
    assert funded(award) == {"P1", "P3"}
    # coverage 2: T1 needs 2, T2 min(2, 1) = 1 → all three = 1.5 M€ > budget: infeasible;
    # with budget 1.5: {P1, P2, P3} = 20.
    sol, _ = run(rows, scenario(1.0, coverage=2), territories=terr)
    assert sol.status == "infeasible"
    sol, award = run(rows, scenario(1.5, coverage=2), territories=terr)
    assert sol.objective == pytest.approx(20)
    assert funded(award) == {"P1", "P2", "P3"}


def test_requires():
    # P2 (10 jobs) requires P1 (1); P3 6; each 0.5, budget 1.0. {P2, P3} (16) is not allowed;
    # {P1, P2}: 11 beats {P1, P3}: 7 and {P3}: 6.
    rows = [project("P1", 0.5, 1), project("P2", 0.5, 10, requires="P1"), project("P3", 0.5, 6)]
    sol, award = run(rows, scenario(1.0))
    assert sol.objective == pytest.approx(11)
    assert funded(award) == {"P1", "P2"}


def test_exclusive_group():
    # P1 (10) and P2 (8) in group G, P3 (3); budget ample: {P1, P3}: 13.
    rows = [project("P1", 0.1, 10, exclusive_group="G"), project("P2", 0.1, 8, exclusive_group="G"),
            project("P3", 0.1, 3)]
    sol, award = run(rows, scenario(10))
    assert sol.objective == pytest.approx(13)
    assert funded(award) == {"P1", "P3"}


def test_locks():
    # P1 locked in (0.6/1), P2 locked out (0.3/100), P3 0.5/5, P4 0.4/4; budget 1.0.
    # With P1 in, 0.4 is left: P4 (4). Optimum {P1, P4}: 5 (without locks {P2, P3, …}).
    rows = [project("P1", 0.6, 1, lock="in"), project("P2", 0.3, 100, lock="out"),
            project("P3", 0.5, 5), project("P4", 0.4, 4)]
    sol, award = run(rows, scenario(1.0))
    assert sol.objective == pytest.approx(5)
    assert_awards(award, {"P1": 0.6, "P4": 0.4})


def test_fairness_band():
    # industrial_jobs: T1 (R1) 3, T2 (R2) 1, T3 (R3) 4 — but R3's only project is locked
    # out, so fair shares are over R1 and R2: 3/4 and 1/4. Band 0.2: R2 gets between 20% and
    # 30% of the total. R1: P1 1/10, P2 1/9; R2: P3 1/8 (all or nothing), P4 1/5 partial.
    # Budget 3. P1 + P2 (2.0) and R2's y: y / (2 + y) ≤ 0.3 → y ≤ 6/7, ≥ 0.2 → y ≥ 0.5.
    # P3 (1.0) is too much; P4 at 6/7: 19 + 5 × 6/7 = 19 + 30/7.
    # (Counting R3 would give R2 1/8 of the total and a different optimum.)
    rows = [project("P1", 1.0, 10), project("P2", 1.0, 9),
            project("P3", 1.0, 8, territory="T2"),
            project("P4", 1.0, 5, territory="T2", min_award=0.0),
            project("P5", 1.0, 50, territory="T3", lock="out")]
    terr = territories(("T1", "R1", {"industrial_jobs": 3}), ("T2", "R2", {"industrial_jobs": 1}),
                       ("T3", "R3", {"industrial_jobs": 4}))
    sol, award = run(rows, scenario(3.0, fairness_band=0.2), territories=terr)
    assert sol.objective == pytest.approx(19 + 30 / 7)
    assert_awards(award, {"P1": 1.0, "P2": 1.0, "P4": 6 / 7})


def test_epsilon_minimum():
    # P1 jobs 10 skills 0, P2 jobs 2 skills 10, P3 jobs 8 skills 2; each 0.5, budget 1.0.
    # Max jobs {P1, P3}: 18 has 2 skills; min.skills = 5 forces P2: {P1, P2}: 12.
    rows = [project("P1", 0.5, 10, skills=0.0), project("P2", 0.5, 2, skills=10.0),
            project("P3", 0.5, 8, skills=2.0)]
    sol, award = run(rows, scenario(1.0))
    assert sol.objective == pytest.approx(18)
    sol, award = run(rows, scenario(1.0, minimums={"skills": 5.0}))
    assert sol.objective == pytest.approx(12)
    assert funded(award) == {"P1", "P2"}
    sol, _ = run(rows, scenario(1.0, minimums={"skills": 13.0}))  # 12 at most with 2 projects
    assert sol.status == "infeasible"


@pytest.mark.parametrize("tolerance, expected", [(0.0, {"P1"}), (0.15, {"P2"})])
def test_lexicographic(tolerance, expected):
    # budget for one project of 1 M€. P1 jobs 10 skills 0, P2 jobs 9 skills 10, P3 jobs 0
    # skills 12. Jobs first: P1 (10). Giving up 15% of jobs (≥ 8.5) lets skills pick P2 (10);
    # P3 (0 jobs) stays out either way.
    rows = [project("P1", 1.0, 10, skills=0.0), project("P2", 1.0, 9, skills=10.0),
            project("P3", 1.0, 0, skills=12.0)]
    scen = scenario(1.0, weights={"jobs": 1.0, "skills": 1.0}, priorities={"jobs": 1, "skills": 2},
                    tolerances={"jobs": tolerance})
    sol, award = run(rows, scen)
    assert funded(award) == expected
    assert sol.objective == pytest.approx(0.0 if expected == {"P1"} else 10.0)
    assert math.isclose(sol.levels[0]["objective"], 10.0, rel_tol=1e-9)
