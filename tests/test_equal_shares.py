"""The Method of Equal Shares and sequential Phragmén against pabutools, the reference library
of participatory budgeting, computed here from pabutools itself on the Pabulib corpus; MES under
a programme's rules on a hand-made case; what voters get.

pabutools parses each file on its own (``parse_pabulib``), so the ballots, costs and budget it
runs on do not come from allocator's reader. Ties: both break them by project id as text.
Timing: pabutools takes seconds on the largest files (Wawer, Ochota, Toulouse, Amsterdam 285)
and minutes on Łódź 2022 (90,494 voters): those run only with ALLOCATOR_SLOW_ELECTIONS=1
(32 minutes: not in CI, whose ALLOCATOR_SLOW_TESTS runs the OR-Library optima). ``add1`` reruns
MES once per unit of currency added to each voter's share, hundreds of times; it is
checked on the two files where both libraries take well under a second.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import allocator
from allocator.analyse.voters import voter_measures
from allocator.core.ballots import APPROVAL, Ballots
from allocator.solve.equal_shares import equal_shares
from benchmarks.instances import data_dir

pabutools = pytest.importorskip("pabutools")
from pabutools.election import (  # noqa: E402
    AbstractApprovalProfile,
    AbstractOrdinalProfile,
    Additive_Cardinal_Sat,
    ApprovalBallot,
    ApprovalProfile,
    CardinalBallot,
    CardinalProfile,
    Cost_Sat,
    Instance,
    Project,
    parse_pabulib,
)
from pabutools.rules import (  # noqa: E402
    completion_by_rule_combination,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
    sequential_phragmen,
)

DATA = data_dir() / "pabulib"
FILES = sorted(p.name for p in DATA.glob("*.pb")) if DATA.is_dir() else []
SLOW = {"Poland_Lodz_2022.pb", "Poland_Warszawa_2020_Wawer.pb", "Poland_Warszawa_2023_Ochota.pb",
        "France_Toulouse_2022.pb", "Netherlands_Amsterdam_285.pb"}
CORPUS = [pytest.param(f, marks=pytest.mark.skipif(
    f in SLOW and not os.environ.get("ALLOCATOR_SLOW_ELECTIONS"),
    reason="pabutools takes long on it: set ALLOCATOR_SLOW_ELECTIONS=1")) for f in FILES]
QUICK_ADD1 = ["Poland_Warszawa_2019_Nadwisle.pb", "Netherlands_Amsterdam_288.pb"]
corpus = pytest.mark.skipif(not FILES, reason=f"Pabulib benchmark data not found at {DATA} "
                                              "(set ALLOCATOR_BENCHMARK_DATA)")


def reference(name: str, completion: str) -> set[str]:
    """pabutools' MES outcome: cost utilities for approval ballots, points otherwise (an
    ordinal ballot scored Borda, max_length minus the position, as Kraków scores it)."""
    instance, profile = parse_pabulib(str(DATA / name))
    sat = Cost_Sat if isinstance(profile, AbstractApprovalProfile) else Additive_Cardinal_Sat
    if isinstance(profile, AbstractOrdinalProfile):
        top = int(instance.meta["max_length"])
        profile = CardinalProfile([CardinalBallot({p: top - k for k, p in enumerate(b)})
                                   for b in profile], instance=instance)
    mes = {"sat_class": sat}
    if completion.startswith("add1"):
        mes["voter_budget_increment"] = 1
    if completion.endswith("greedy"):
        out = completion_by_rule_combination(instance, profile, [method_of_equal_shares,
                                             greedy_utilitarian_welfare],
                                             [mes, {"sat_class": sat}])
    else:
        out = method_of_equal_shares(instance, profile, **mes)
    return {p.name for p in out}


def ours(name: str, method: str = "mes", completion: str = "none"):
    problem = allocator.load(DATA / name)
    result = allocator.optimise(problem, method=method, completion=completion)
    a = result.allocation
    return set(a.loc[a["funded"], "project_id"]), result


@corpus
@pytest.mark.parametrize("name", CORPUS)
def test_mes_is_pabutools_mes(name):
    funded, result = ours(name)
    assert funded == reference(name, "none")
    assert result.solution.ok and result.totals["awarded"] <= result.totals["budget"]


@corpus
@pytest.mark.parametrize("name", QUICK_ADD1)
@pytest.mark.parametrize("completion", ["add1", "add1-greedy"])
def test_completions_are_pabutools_completions(name, completion):
    assert ours(name, completion=completion)[0] == reference(name, completion)


@corpus
@pytest.mark.parametrize("name", ["Hungary_Budapest_2023_VIII_Jozsefvaros.pb",
                                  "Poland_Czestochowa_2024_Grabowka.pb"])
def test_greedy_completion_is_pabutools(name):
    assert ours(name, completion="greedy")[0] == reference(name, "greedy")


@corpus
@pytest.mark.parametrize("name", [f for f in CORPUS if "Krakow" not in f.values[0]
                                  and "Czestochowa" not in f.values[0]])
def test_phragmen_is_pabutools_phragmen(name):
    instance, profile = parse_pabulib(str(DATA / name))
    assert ours(name, method="phragmen")[0] == {p.name for p in sequential_phragmen(instance,
                                                                                  profile)}


def _election(costs: dict[str, int], approvals: list[list[str]], budget: int):
    """The same tiny approval election for allocator (frames and Ballots) and pabutools."""
    ids = list(costs)
    projects = pd.DataFrame({"project_id": ids, "territory_id": "t", "title": ids,
                             "theme": "innovation", "total_cost": list(costs.values()),
                             "requested": list(costs.values()),
                             "votes": [sum(p in b for b in approvals) for p in ids]})
    scenarios = pd.DataFrame({"parameter": ["budget", "weight.votes", "weight.jobs",
                                            "weight.skills", "weight.innovation", "normalise"],
                              "s": [budget, 1, 0, 0, 0, "none"]})
    problem = allocator.from_tables(projects, territories=pd.DataFrame(
        {"territory_id": ["t"], "name": ["t"], "region": ["r"]}), scenarios=scenarios)
    rows = [v for v, b in enumerate(approvals) for _ in b]
    cols = [ids.index(p) for b in approvals for p in b]
    points = sp.csr_array((np.ones(len(rows), np.int64), (rows, cols)),
                          shape=(len(approvals), len(ids)))
    problem = replace(problem, ballots=Ballots(APPROVAL, np.arange(len(approvals)).astype(str),
                                               points))
    projects_pb = {p: Project(p, c) for p, c in costs.items()}
    instance = Instance(projects_pb.values(), budget_limit=budget)
    profile = ApprovalProfile([ApprovalBallot([projects_pb[p] for p in b]) for b in approvals])
    return problem, instance, profile


def test_a_tie_goes_to_the_smaller_id_as_text():
    """'10' and '9' cost the same and have the same supporters: '10' sorts first as text."""
    problem, instance, profile = _election({"9": 50, "10": 50}, [["9", "10"]] * 4, 60)
    result = allocator.optimise(problem, method="mes", completion="none")
    a = result.allocation
    assert list(a.loc[a["funded"], "project_id"]) == ["10"]
    assert {p.name for p in method_of_equal_shares(instance, profile, sat_class=Cost_Sat)} \
        == {"10"}


def test_mes_keeps_a_territorial_cap_the_plain_rule_breaks():
    """Two districts; north's 8 voters outnumber south's 2, and north's cap is 60. Plain MES
    buys N1 and N2 (north, 40 each: 80 > 60) and S1; under the cap it buys N1 and S1, and
    skips N2, which no longer fits, even when completing greedily."""
    costs = {"N1": 40, "N2": 40, "S1": 20}
    approvals = [["N1", "N2"]] * 8 + [["S1"]] * 2
    problem, instance, profile = _election(costs, approvals, 100)
    plain = allocator.optimise(problem, method="mes", completion="none").allocation
    assert set(plain.loc[plain["funded"], "project_id"]) == {
        p.name for p in method_of_equal_shares(instance, profile, sat_class=Cost_Sat)} == {
        "N1", "N2", "S1"}
    projects = problem.projects.copy()
    projects["territory_id"] = ["north", "north", "south"]
    capped = allocator.from_tables(
        projects[["project_id", "territory_id", "title", "theme", "total_cost", "requested",
                  "votes"]],
        territories=pd.DataFrame({"territory_id": ["north", "south"], "name": ["n", "s"],
                                  "region": ["r", "r"], "cap": [60, None]}),
        scenarios=pd.DataFrame({"parameter": ["budget", "weight.votes", "weight.jobs",
                                              "weight.skills", "weight.innovation",
                                              "normalise"], "s": [100, 1, 0, 0, 0, "none"]}))
    capped = replace(capped, ballots=problem.ballots)
    model, solution = equal_shares(capped, capped.scenario(), completion="none")
    funded = set(capped.projects["project_id"][model.awards(solution.values)[1]])
    assert funded == {"N1", "S1"}
    assert solution.ok and model.holds(solution.values)
    # with the greedy completion, the money left still cannot buy N2 under the cap
    model, solution = equal_shares(capped, capped.scenario(), completion="add1-greedy")
    assert set(capped.projects["project_id"][model.awards(solution.values)[1]]) == {"N1", "S1"}


def test_mes_names_an_unmet_floor():
    """A floor MES does not reach is named, and there is no allocation (as for greedy)."""
    costs = {"N1": 40, "S1": 30, "S2": 30}
    approvals = [["N1"]] * 9 + [["S1"]]
    problem, _, _ = _election(costs, approvals, 100)
    projects = problem.projects[["project_id", "title", "theme", "total_cost", "requested",
                                 "votes"]].assign(territory_id=["north", "south", "south"])
    floored = allocator.from_tables(
        projects, territories=pd.DataFrame({"territory_id": ["north", "south"],
                                            "name": ["n", "s"], "region": ["r", "r"],
                                            "floor": [None, 60]}),
        scenarios=pd.DataFrame({"parameter": ["budget", "weight.votes", "weight.jobs",
                                              "weight.skills", "weight.innovation",
                                              "normalise"], "s": [100, 1, 0, 0, 0, "none"]}))
    floored = replace(floored, ballots=problem.ballots)
    model, solution = equal_shares(floored, floored.scenario(), completion="none")
    assert solution.status == "infeasible" and "south" in solution.message


def test_without_ballots_phragmen_is_refused_saying_why():
    problem = allocator.load("scenarios/territoires-industrie.xlsx")
    with pytest.raises(allocator.InputError, match="need the voters' ballots"):
        allocator.optimise(problem, method="phragmen")


def test_equal_shares_across_territories_and_the_price_in_jobs():
    """A holds 3 of the 4 industrial-job units, so 75 of the envelope's 100; B holds 25. A buys
    A1 then A2 (best jobs per euro); B cannot pay B1 (30) and buys B2. The optimum funds
    A1, A2 and B1: 71 jobs against 66, a price of 5 jobs for funding each in proportion."""
    projects = pd.DataFrame({"project_id": ["A1", "A2", "B1", "B2"],
                             "territory_id": ["A", "A", "B", "B"], "title": list("wxyz"),
                             "theme": "innovation", "total_cost": [60, 10, 30, 20],
                             "requested": [60, 10, 30, 20], "jobs": [60, 5, 6, 1],
                             "skills": 0, "innovation": 0})
    problem = allocator.from_tables(
        projects, territories=pd.DataFrame({"territory_id": ["A", "B"], "name": ["a", "b"],
                                            "region": ["r", "r"], "industrial_jobs": [3, 1]}),
        scenarios=pd.DataFrame({"parameter": ["budget", "weight.jobs", "weight.skills",
                                              "weight.innovation", "normalise"],
                                "s": [100, 1, 0, 0, "none"]}))
    for completion in ("none", None):  # greedy: the 10 left buy nothing more
        mes = allocator.optimise(problem, method="mes", completion=completion)
        a = mes.allocation
        assert set(a.loc[a["funded"], "project_id"]) == {"A1", "A2", "B2"}
        assert mes.totals["jobs"] == 66
    optimum = allocator.optimise(problem, explain=False)
    assert optimum.totals["jobs"] == 71
    with pytest.raises(allocator.InputError, match="territories take --completion greedy"):
        allocator.optimise(problem, method="mes", completion="add1")


def test_single_project_ejr_breaches_are_true_breaches():
    """Every allocation of a small election: a breach our check finds is one pabutools'
    exhaustive EJR test (every group, every set of projects) finds too; and the utilitarian
    pick here breaches it (the 3 voters of C own 3/8 of the budget, C costs less)."""
    from pabutools.analysis.justifiedrepresentation import is_EJR_approval
    costs = {"A": 40, "B": 40, "C": 30, "D": 20}
    approvals = [["A", "B"]] * 5 + [["C"]] * 3
    problem, instance, profile = _election(costs, approvals, 100)
    ids = list(costs)
    found_any = False
    for mask in range(1 << len(ids)):
        funded = np.array([bool(mask >> k & 1) for k in range(len(ids))])
        if sum(c for c, f in zip(costs.values(), funded) if f) > 100:
            continue
        ours_ = voter_measures(problem.ballots, funded, np.array(list(costs.values()), float),
                               np.array(ids), 100)
        chosen = [p for p in instance if p.name in {i for i, f in zip(ids, funded) if f}]
        if ours_.ejr_violations:
            found_any = True
            assert not is_EJR_approval(instance, profile, Cost_Sat, chosen), chosen
    assert found_any
    utilitarian = voter_measures(problem.ballots, np.array([True, True, False, False]),
                                 np.array(list(costs.values()), float), np.array(ids), 100)
    assert utilitarian.ejr_violations == ("C",)


@corpus
def test_voter_measures_by_hand():
    """Nadwiśle's measures recomputed from the file's lines with plain Python."""
    name = "Poland_Warszawa_2019_Nadwisle.pb"
    _, result = ours(name, completion="add1-greedy")
    funded = set(result.allocation.loc[result.allocation["funded"], "project_id"])
    text = (DATA / name).read_text(encoding="utf-8").splitlines()
    projects = text[text.index("PROJECTS") + 2:text.index("VOTES")]
    cost = {line.split(";")[0]: int(line.split(";")[1]) for line in projects}
    ballots = [line.split(";")[1].split(",") for line in text[text.index("VOTES") + 2:]]
    nothing = sum(not (set(b) & funded) for b in ballots) / len(ballots)
    share = np.mean([sum(cost[p] for p in b if p in funded) / sum(cost[p] for p in b)
                     for b in ballots])
    v = result.voters
    assert v.voters == len(ballots)
    assert v.nothing == pytest.approx(nothing, abs=1e-12)
    assert v.mean_cost_share == pytest.approx(share, abs=1e-12)
    assert v.mean_funded == pytest.approx(np.mean([len(set(b) & funded) for b in ballots]))


@corpus
def test_cli_mes_reports_the_voters(tmp_path):
    r = subprocess.run([sys.executable, "-m", "allocator.cli", "solve",
                        str(DATA / "Poland_Warszawa_2019_Nadwisle.pb"), "--method", "mes",
                        "--json", "-o", str(tmp_path / "mes.xlsx")],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["backend"] == "mes" and 0 <= out["voters"]["share_with_nothing"] <= 1
    funded = {row["project_id"] for row in out["allocation"] if row["funded"]}
    assert funded == reference("Poland_Warszawa_2019_Nadwisle.pb", "add1-greedy")
    sheet = pd.read_excel(tmp_path / "mes.xlsx", sheet_name="voters").set_index("measure")
    assert float(sheet.loc["share_with_nothing", "value"]) == pytest.approx(
        out["voters"]["share_with_nothing"])


@corpus
def test_compare_of_an_election_shows_the_rules_the_published_outcome_and_the_voters():
    name = "Poland_Warszawa_2019_Nadwisle.pb"
    c = allocator.compare([DATA / name], greedy="none", workers=1, progress=False)
    base = "max_votes"
    assert c.names == [base, f"{base} (MES)", f"{base} (Phragmén)", f"{base} (published)"]
    a = c.allocations.set_index("project_id")
    text = (DATA / name).read_text(encoding="utf-8").splitlines()
    header = text[text.index("PROJECTS") + 1].split(";")
    rows = [line.split(";") for line in text[text.index("PROJECTS") + 2:text.index("VOTES")]]
    selected = {r[0] for r in rows if r[header.index("selected")] == "1"}
    assert set(a.index[a[f"{base} (published)"] > 0]) == selected
    assert set(a.index[a[f"{base} (MES)"] > 0]) == reference(name, "add1-greedy")
    f = c.fairness.set_index("scenario")
    assert "gini_per_industrial_job" not in f and f["voters"].eq(205).all()
    _, mes = ours(name, completion="add1-greedy")
    assert f.loc[f"{base} (MES)", "share_with_nothing"] == pytest.approx(mes.voters.nothing)


def test_a_project_locked_in_is_funded_first_and_the_voters_share_the_rest():
    """C (nobody's choice) is locked in at 40 of 100: the 10 voters share 60; A (6 voters,
    cost 50) is then beyond its supporters' 36, B (4 voters, 20) is bought. Phragmén counts C
    as spent: B (load 5) comes before A (load 8.3), which would then overspend (110)."""
    costs = {"A": 50, "B": 20, "C": 40}
    approvals = [["A"]] * 6 + [["B"]] * 4
    problem, _, _ = _election(costs, approvals, 100)
    problem = replace(problem, projects=problem.projects.assign(lock=["", "", "in"]))
    model, solution = equal_shares(problem, problem.scenario(), completion="none")
    funded = set(problem.projects["project_id"][model.awards(solution.values)[1]])
    assert funded == {"B", "C"} and model.holds(solution.values)
    model, solution = equal_shares(problem, problem.scenario(), rule="phragmen")
    assert set(problem.projects["project_id"][model.awards(solution.values)[1]]) == {"B", "C"}
