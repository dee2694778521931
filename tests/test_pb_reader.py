"""The .pb reader on hand-written files: the VOTES section, the file's scoring, and findings
that name the file's own lines (these run without the Pabulib corpus)."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import allocator

HEAD = "META\nkey;value\nbudget;100\nvote_type;{kind}\n{meta}PROJECTS\n{projects}\nVOTES\n{votes}\n"


def pb(tmp_path, projects: str, votes: str, kind: str = "approval", meta: str = "",
       name: str = "e.pb"):
    path = tmp_path / name
    path.write_text(HEAD.format(kind=kind, meta=meta, projects=projects, votes=votes),
                    encoding="utf-8")
    return path


def validate(path):
    return subprocess.run([sys.executable, "-m", "allocator.cli", "validate", str(path)],
                          capture_output=True, text=True, timeout=120)


def test_approval_ballots_become_the_voter_by_project_matrix(tmp_path):
    problem = allocator.load(pb(tmp_path, "project_id;cost;votes\nA;60;2\nB;50;1\nC;40;0",
                                "voter_id;vote\nv1;A,B\nv2;A"))
    b = problem.ballots
    assert b.kind == "approval" and list(b.voters) == ["v1", "v2"]
    assert b.points.toarray().tolist() == [[1, 1, 0], [1, 0, 0]]


def test_an_empty_votes_cell_is_counted_from_the_ballots_and_said(tmp_path):
    problem = allocator.load(pb(tmp_path, "project_id;cost;votes\nA;60;\nB;50;1",
                                "voter_id;vote\nv1;A,B\nv2;A"))
    assert list(problem.projects["votes"]) == [2, 1]
    said = [str(f) for f in problem.warnings]
    assert any("e.pb PROJECTS row 7 (votes)" in s and "taken from the VOTES" in s for s in said)


def test_an_empty_votes_cell_without_ballots_is_an_error_at_its_line(tmp_path):
    path = tmp_path / "e.pb"
    path.write_text("META\nkey;value\nbudget;100\nPROJECTS\nproject_id;cost;votes\nA;60;\n"
                    "B;50;1\n", encoding="utf-8")
    r = validate(path)
    assert r.returncode == 2 and "e.pb PROJECTS row 6 (votes): empty" in r.stderr, r.stderr


def test_a_vote_for_an_unknown_project_is_located_in_votes(tmp_path):
    r = validate(pb(tmp_path, "project_id;cost;votes\nA;60;1", "voter_id;vote\nv1;A\nv2;Z"))
    assert r.returncode == 2, r.stderr
    assert "e.pb VOTES row 11 (vote): project Z is not in PROJECTS" in r.stderr
    assert "Traceback" not in r.stderr


def test_cumulative_ballots_need_their_points(tmp_path):
    r = validate(pb(tmp_path, "project_id;cost;score\nA;60;3", "voter_id;vote\nv1;A",
                    kind="cumulative"))
    assert r.returncode == 2 and "need a points column" in r.stderr


def test_cumulative_points_are_the_outcome_when_the_file_has_no_score(tmp_path):
    problem = allocator.load(pb(tmp_path, "project_id;cost;votes\nA;60;2\nB;50;1",
                                "voter_id;vote;points\nv1;A,B;3,7\nv2;A;10",
                                kind="cumulative"))
    assert list(problem.projects["score"]) == [13, 7]  # never the vote counts
    assert problem.ballots.points.toarray().tolist() == [[3, 7], [10, 0]]
    assert any("no score column" in f.message for f in problem.warnings)


def test_ordinal_ranks_scored_borda_must_give_the_score_column(tmp_path):
    ok = allocator.load(pb(tmp_path, "project_id;cost;votes;score\nA;60;2;5\nB;50;2;5",
                           "voter_id;vote\nv1;A,B\nv2;B,A", kind="ordinal",
                           meta="max_length;3\n"))
    assert ok.ballots.points.toarray().tolist() == [[3, 2], [2, 3]]
    assert not ok.warnings
    r = validate(pb(tmp_path, "project_id;cost;votes;score\nA;60;2;9\nB;50;2;4",
                    "voter_id;vote\nv1;A,B\nv2;B,A", kind="ordinal", meta="max_length;3\n",
                    name="bad.pb"))
    assert r.returncode == 2, r.stderr
    assert "do not add up to the score column (project A: 5 against 9); add" in r.stderr


def test_a_scoring_fn_scores_the_ranks(tmp_path):
    problem = allocator.load(pb(tmp_path, "project_id;cost;votes\nA;60;2\nB;50;2",
                                "voter_id;vote\nv1;A,B\nv2;B,A", kind="ordinal",
                                meta="scoring_fn;5,1\n"))
    assert problem.ballots.points.toarray().tolist() == [[5, 1], [1, 5]]
    assert list(problem.projects["score"]) == [6, 6]


def test_categories_is_read_as_category(tmp_path):
    problem = allocator.load(pb(tmp_path, "project_id;cost;votes;categories\nA;60;1;green,"
                                "sport\nB;50;1;culture", "voter_id;vote\nv1;A,B"))
    assert list(problem.projects["theme"]) == ["green", "culture"]


def test_a_score_threshold_locks_out_the_projects_below_it(tmp_path):
    path = pb(tmp_path, "project_id;cost;votes\nA;60;1\nB;30;3\nC;30;2",
              "voter_id;vote\nv1;A,B,C\nv2;B,C\nv3;B", meta="min_project_score_threshold;2\n")
    problem = allocator.load(path)
    assert list(problem.projects["lock"]) == ["out", "", ""]
    result = allocator.optimise(problem, explain=False)
    funded = set(result.allocation.loc[result.allocation["funded"], "project_id"])
    assert funded == {"B", "C"}  # A (1 vote) would fit beside B, but is below the threshold
    mes = allocator.optimise(problem, method="mes", completion="add1-greedy").allocation
    assert not mes.set_index("project_id").loc["A", "funded"]


def test_per_category_budgets_without_a_leftover_rule_are_refused_at_their_line(tmp_path):
    r = validate(pb(tmp_path, "project_id;cost;votes;category\nA;60;1;x", "voter_id;vote\nv1;A",
                    meta="budget_per_category;50\n"))
    assert r.returncode == 2, r.stderr
    assert "e.pb META row 5 (budget_per_category): per-category budgets are not applied" \
        in r.stderr


def test_a_bad_budget_and_a_bad_cost_are_each_said_once_at_their_line(tmp_path):
    path = tmp_path / "e.pb"
    path.write_text("META\nkey;value\nbudget;abc\nPROJECTS\nproject_id;cost;votes\nA;x;1\n"
                    "B;-5;1\n", encoding="utf-8")
    r = validate(path)
    assert r.returncode == 2
    assert "e.pb META row 3 (budget): found 'abc'" in r.stderr
    assert r.stderr.count("e.pb PROJECTS row 6 (cost)") == 1
    assert r.stderr.count("e.pb PROJECTS row 7 (cost)") == 1
    assert "(scenarios)" not in r.stderr and "!B" not in r.stderr


def test_a_workbook_has_no_ballots():
    assert allocator.load("scenarios/territoires-industrie.xlsx").ballots is None


def test_ballots_match_the_per_project_counts_of_a_generated_election(tmp_path):
    rng = np.random.default_rng(7)
    ids = [f"p{k}" for k in range(12)]
    ballots = [sorted(rng.choice(ids, size=rng.integers(1, 5), replace=False))
               for _ in range(200)]
    counts = {p: sum(p in b for b in ballots) for p in ids}
    projects = "project_id;cost;votes\n" + "\n".join(f"{p};{10 + k};{counts[p]}"
                                                       for k, p in enumerate(ids))
    votes = "voter_id;vote\n" + "\n".join(f"v{k};{','.join(b)}" for k, b in enumerate(ballots))
    problem = allocator.load(pb(tmp_path, projects, votes))
    assert not problem.warnings
    assert np.asarray(problem.ballots.points.sum(axis=0)).ravel().tolist() == \
        [counts[p] for p in ids]


@pytest.mark.parametrize("kind", ["approval", "cumulative"])
def test_a_voter_with_an_empty_ballot_is_counted_and_said(tmp_path, kind):
    votes = ("voter_id;vote\nv1;A\nv2;" if kind == "approval"
             else "voter_id;vote;points\nv1;A;5\nv2;;")
    problem = allocator.load(pb(tmp_path, "project_id;cost;votes\nA;60;1", votes, kind=kind))
    assert problem.ballots.n_voters == 2
    assert any("empty ballot" in f.message for f in problem.warnings)


def test_a_zero_cost_project_is_valid_and_a_negative_one_refused_once_at_its_line(tmp_path):
    ok = validate(pb(tmp_path, "project_id;cost;votes\nA;0;1\nB;50;1", "voter_id;vote\nv1;A,B"))
    assert ok.returncode == 0, ok.stderr
    r = validate(pb(tmp_path, "project_id;cost;votes\nA;-5;1\nB;50;1", "voter_id;vote\nv1;A,B"))
    assert r.returncode == 2
    assert r.stderr.count("e.pb PROJECTS row 7 (cost)") == 1, r.stderr
    assert "found '-5': expected a number, 0 or more" in r.stderr
