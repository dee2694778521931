"""A project that costs nothing is fundable: all or nothing, at no cost to the envelope, its
outcomes whole with its selection. The optimum is checked by brute force over subsets, greedy,
MES and Phragmén against pabutools run here on the same hand-made file."""
from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

import allocator
from allocator.formulate import ideal

pabutools = pytest.importorskip("pabutools")
from pabutools.election import (  # noqa: E402
    AbstractApprovalProfile,
    Additive_Cardinal_Sat,
    Cost_Sat,
    parse_pabulib,
)
from pabutools.rules import (  # noqa: E402
    completion_by_rule_combination,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
    sequential_phragmen,
)

# a tight budget: 100 buys B and D (or C and D) but not all three; Z costs nothing
APPROVAL = """META
key;value
budget;100
vote_type;approval
PROJECTS
project_id;cost;votes
B;60;4
C;50;3
D;40;2
Z;0;2
VOTES
voter_id;vote
v1;B,Z
v2;B,C
v3;B,D
v4;B,C,Z
v5;C,D
"""
CUMULATIVE = """META
key;value
budget;100
vote_type;cumulative
PROJECTS
project_id;cost;votes
B;60;9
C;50;7
D;40;4
Z;0;5
VOTES
voter_id;vote;points
v1;B,Z;3,2
v2;B,C;3,2
v3;B,D;3,2
v4;C,Z;2,3
v5;C,D;3,2
"""


def write(tmp_path, text: str, name: str = "zero.pb"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def funded(result) -> set[str]:
    a = result.allocation
    assert np.isfinite(a["share_of_request"].to_numpy(float)).all()
    return set(a.loc[a["funded"], "project_id"])


def brute_force(costs: dict[str, int], votes: dict[str, int], budget: int) -> set[str]:
    feasible = [set(s) for k in range(len(costs) + 1)
                for s in itertools.combinations(sorted(costs), k)
                if sum(costs[p] for p in s) <= budget]
    top = max(sum(votes[p] for p in s) for s in feasible)
    best = [s for s in feasible if sum(votes[p] for p in s) == top]
    assert len(best) == 1, "the case must have one optimum"
    return best[0]


def pabutools_rule(path, rule: str) -> set[str]:
    instance, profile = parse_pabulib(str(path))
    sat = Cost_Sat if isinstance(profile, AbstractApprovalProfile) else Additive_Cardinal_Sat
    if rule == "phragmen":
        out = sequential_phragmen(instance, profile)
    elif rule == "greedy":
        out = greedy_utilitarian_welfare(instance, profile, sat_class=sat)
    elif rule == "mes":
        out = method_of_equal_shares(instance, profile, sat_class=sat)
    else:  # MES completed by the utilitarian greedy
        out = completion_by_rule_combination(instance, profile, [method_of_equal_shares,
                                             greedy_utilitarian_welfare],
                                             [{"sat_class": sat}, {"sat_class": sat}])
    return {p.name for p in out}


@pytest.mark.parametrize("text", [APPROVAL, CUMULATIVE], ids=["approval", "cumulative"])
def test_the_optimum_funds_what_costs_nothing_as_brute_force_does(tmp_path, text):
    problem = allocator.load(write(tmp_path, text))
    p = problem.projects
    costs = dict(zip(p["project_id"], p["requested"].astype(int)))
    votes = dict(zip(p["project_id"], p["votes"].astype(int)))
    result = allocator.optimise(problem)
    expected = brute_force(costs, votes, 100)
    assert "Z" in expected and funded(result) == expected
    a = result.allocation.set_index("project_id")
    assert a.loc["Z", "award"] == 0 and a.loc["Z", "share_of_request"] == 1
    assert a["award"].sum() <= 100
    # its votes count whole: the objective is the brute force's best
    assert result.solution.objective == pytest.approx(sum(votes[q] for q in expected))


# Phragmén reads approval ballots only
RULES = [pytest.param(text, rule, id=f"{name}-{rule}")
         for name, text in (("approval", APPROVAL), ("cumulative", CUMULATIVE))
         for rule in ("greedy", "phragmen", "mes", "mes-greedy")
         if not (rule == "phragmen" and text is CUMULATIVE)]


@pytest.mark.parametrize("text,rule", RULES)
def test_greedy_mes_and_phragmen_treat_it_as_pabutools_does(tmp_path, text, rule):
    path = write(tmp_path, text)
    problem = allocator.load(path)
    if rule == "greedy":
        result = allocator.optimise(problem, method="greedy")
    elif rule == "phragmen":
        result = allocator.optimise(problem, method="phragmen")
    else:
        result = allocator.optimise(problem, method="mes",
                                    completion="none" if rule == "mes" else "greedy")
    expected = pabutools_rule(path, rule)
    assert funded(result) == expected
    # pabutools' MES values what costs nothing by its cost under cost utilities: not at all
    valued = not (rule == "mes" and text is APPROVAL)
    assert ("Z" in expected) == valued


def test_greedy_by_ratio_ranks_what_costs_nothing_first(tmp_path):
    result = allocator.optimise(allocator.load(write(tmp_path, APPROVAL)), method="greedy",
                                rank="ratio")
    # Z's ratio is infinite; then B (4/60), C (3/50: over the budget left), D (2/40)
    assert funded(result) == {"Z", "B", "D"}


def test_the_ideal_normaliser_counts_what_costs_nothing_whole():
    values = np.array([5.0, 4.0, 3.0])
    cost = np.array([0.0, 2.0, 2.0])
    # 5 for nothing, then 4 for 2, then half of 3 for the last 1
    assert ideal(values, cost, 3.0) == pytest.approx(5 + 4 + 1.5)
    assert math.isfinite(ideal(values[:1], cost[:1], 0.0))


def test_a_reason_for_it_reads_costs_nothing(tmp_path):
    problem = allocator.load(write(tmp_path, APPROVAL))
    a = allocator.optimise(problem).allocation.set_index("project_id")
    assert a.loc["Z", "reason"] == ("funded: it costs the envelope nothing "
                                    "(it offers 2 votes for €0)")
    reasons = " ".join(str(r) for r in a["reason"]).lower()
    assert "nan" not in reasons and "inf" not in reasons


def test_a_negative_cost_is_still_refused_at_its_line(tmp_path):
    path = write(tmp_path, APPROVAL.replace("D;40;2", "D;-40;2"))
    with pytest.raises(allocator.InputError) as e:
        allocator.load(path)
    text = str(e.value)
    assert "zero.pb PROJECTS row 9 (cost)" in text and "expected a number, 0 or more" in text


def test_a_workbook_project_requesting_nothing_is_funded_whole(tmp_path):
    """In a workbook, `requested` 0 (total_cost ≥ 0) is allowed: jobs come whole with it, under
    the ideal normaliser too, and the budget is spent on the rest as brute force says."""
    requested = {"P1": 600_000, "P2": 500_000, "P3": 400_000, "P4": 0}
    jobs = {"P1": 12, "P2": 11, "P3": 7, "P4": 3}
    projects = pd.DataFrame({
        "project_id": list(requested), "territory_id": ["T1", "T1", "T2", "T2"],
        "title": list(requested), "theme": "innovation",
        "total_cost": [1_000_000, 800_000, 400_000, 50_000],
        "requested": list(requested.values()), "jobs": list(jobs.values())})
    territories = pd.DataFrame({"territory_id": ["T1", "T2"], "name": ["a", "b"],
                                "region": ["R1", "R1"]})
    problem = allocator.from_tables(projects, territories)
    expected = brute_force(requested, jobs, 1_000_000)
    assert "P4" in expected
    for normalise in ("none", "ideal"):
        scenario = allocator.Scenario(budget=1_000_000, weights={"jobs": 1.0},
                                      normalise=normalise)
        result = allocator.optimise(problem, scenario)
        assert funded(result) == expected, normalise
        assert np.isfinite(result.solution.objective)
        a = result.allocation.set_index("project_id")
        assert a.loc["P4", "award"] == 0
        assert "nothing" in a.loc["P4", "reason"]
    for rank in ("score", "ratio"):
        greedy = allocator.optimise(problem, allocator.Scenario(budget=1_000_000,
                                                                weights={"jobs": 1.0}),
                                    method="greedy", rank=rank)
        assert "P4" in funded(greedy)
