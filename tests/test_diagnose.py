"""Infeasibility diagnosis names exactly the rules that conflict, with their figures."""
from __future__ import annotations

import pandas as pd

import allocator
from allocator.analyse.diagnose import diagnose
from allocator.formulate import formulate
from allocator.solve import solve

M = 1e6


def base(**changes):
    """Six projects in three territories of two regions; every rule off unless asked."""
    projects = pd.DataFrame({
        "project_id": ["A1", "A2", "B1", "B2", "C1", "C2"],
        "territory_id": ["ta", "ta", "tb", "tb", "tc", "tc"],
        "title": list("abcdef"),
        "theme": ["innovation", "innovation", "skills_recruitment", "innovation",
                  "industrial_land", "innovation"],
        "total_cost": [10 * M] * 6,
        "requested": [2 * M, 1 * M, 3 * M, 1 * M, 2 * M, 1 * M],
        "jobs": [10, 5, 12, 4, 9, 3],
        "lock": [None] * 6, "requires": [None] * 6,
    })
    territories = pd.DataFrame({"territory_id": ["ta", "tb", "tc"], "name": ["A", "B", "C"],
                                "region": ["North", "North", "South"], "cap": [None] * 3})
    regions = pd.DataFrame({"region": ["North", "South"], "floor": [None, None]})
    frames = {"projects": projects, "territories": territories, "regions": regions}
    for key, edit in changes.items():
        edit(frames[key])
    return allocator.from_tables(**frames)


def conflicting(problem, scenario):
    model, solution = solve(problem, scenario)
    assert solution.status == "infeasible"
    return diagnose(problem, scenario, model)


def named(frame):
    return {(r.rule, r.subject) for r in frame.itertuples()}


def test_floors_over_budget():
    def floors(r):
        r["floor"] = [6 * M, 2 * M]
    problem = base(regions=floors)
    found = conflicting(problem, allocator.Scenario(budget=7 * M))
    assert named(found) == {("budget", "envelope"), ("region_floor", "North"),
                            ("region_floor", "South")}
    assert "regional floors add up to €8.00M, the budget is €7.00M" == found.attrs["summary"]
    budget = found.set_index("rule").loc["budget", "to_relax"]
    assert budget == "raise it by at least €1.00M"


def test_theme_minimum_its_projects_cannot_reach():
    problem = base()
    scenario = allocator.Scenario(budget=10 * M, theme_min={"skills_recruitment": 0.5})
    found = conflicting(problem, scenario.with_values(
        weights={"jobs": 1.0}, minimums={"jobs": 40}))
    assert ("theme_min", "skills_recruitment") in named(found)
    text = found.set_index("subject").loc["skills_recruitment", "statement"]
    assert "at least 50%" in text and "€3.00M" in text


def test_a_theme_is_named_by_its_label_and_the_code_it_is_set_by():
    problem = allocator.from_tables(
        base().projects[["project_id", "territory_id", "title", "theme", "total_cost",
                         "requested", "jobs"]],
        themes=pd.DataFrame({"theme": ["innovation", "skills_recruitment", "industrial_land"],
                             "label": ["Innovation", "Compétences (RH)", ""]}))
    found = conflicting(problem, allocator.Scenario(
        budget=10 * M, theme_min={"skills_recruitment": 0.5}, weights={"jobs": 1.0},
        minimums={"jobs": 40}))
    text = found.set_index("subject").loc["skills_recruitment", "statement"]
    assert text.startswith("theme Compétences (RH) (skills_recruitment) must"), text


def test_coverage_impossible_under_a_territory_cap():
    def cap(t):
        t["cap"] = [None, 0.5 * M, None]
    problem = base(territories=cap)
    found = conflicting(problem, allocator.Scenario(budget=20 * M, coverage=1))
    assert named(found) == {("coverage", "tb"), ("territory_cap", "tb")}
    statements = " ".join(found["statement"])
    assert "€1.00M" in statements and "€500 000" in statements


def test_locks_in_over_budget():
    def locks(p):
        p["lock"] = ["in", None, "in", None, "in", None]
    problem = base(projects=locks)
    found = conflicting(problem, allocator.Scenario(budget=5 * M))
    assert named(found) == {("budget", "envelope"), ("lock_in", "A1"), ("lock_in", "B1"),
                            ("lock_in", "C1")}
    assert found.attrs["summary"] == "projects locked in need €7.00M, the budget is €5.00M"


def test_requires_chain_into_a_locked_out_project():
    def chain(p):
        p["requires"] = ["A2", "B1", None, None, None, None]
        p["lock"] = ["in", None, "out", None, None, None]
    problem = base(projects=chain)
    found = conflicting(problem, allocator.Scenario(budget=20 * M))
    assert named(found) == {("lock_in", "A1"), ("requires", "A1 requires A2"),
                            ("requires", "A2 requires B1"), ("lock_out", "B1")}


def test_feasible_problem_has_no_conflict():
    problem = base()
    scenario = allocator.Scenario(budget=5 * M)
    assert diagnose(problem, scenario, formulate(problem, scenario)).empty


def test_a_diagnosis_the_deadline_cuts_short_keeps_a_conflict_and_says_it_is_not_minimal():
    import time
    from dataclasses import replace

    from allocator.analyse.diagnose import NOT_COMPUTED, NOT_REDUCED
    from allocator.backends import SolveOptions

    def floors(r):
        r["floor"] = [6 * M, 2 * M]

    def bystanders(p):  # rules that play no part in the conflict
        p["lock"] = [None, "out", None, None, None, None]
        p["requires"] = [None, None, None, "B1", None, None]
    problem = base(regions=floors, projects=bystanders)
    scenario = allocator.Scenario(budget=7 * M)
    model = formulate(problem, scenario)
    minimal = diagnose(problem, scenario, model)
    late = diagnose(problem, scenario, model, replace(SolveOptions.from_scenario(scenario),
                                                      deadline=time.monotonic()))
    # nothing was proven after the deadline: every rule is kept, and it says so
    assert named(minimal) < named(late)
    assert late.attrs["summary"].endswith(f"({NOT_REDUCED})")
    measured = late["rule"].isin(["budget", "region_floor"])  # by a solve each
    assert set(late.loc[measured, "to_relax"]) == {NOT_COMPUTED}
    assert NOT_REDUCED not in minimal.attrs["summary"]
