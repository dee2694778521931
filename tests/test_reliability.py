"""Reliability: bad and hostile inputs, nothing lost, solver faults, determinism.

The bad-input corpus (tests/bad_inputs.py) runs through the command line as subprocesses, all
at once on a few threads (each run is mostly interpreter start-up), and each case is then
checked on its own: exit code, every expected fragment, no traceback, the input unchanged,
no output left behind by a refused run, and the time taken. Hostile files run under a 500 MB
address-space limit.
"""
from __future__ import annotations

import csv
import errno
import hashlib
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
import types
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import scipy.sparse as sp
from bad_inputs import CASES, Bad, csv_folder, xlsx
from corpus import base

import allocator
from allocator import backends
from allocator.core import format as fmt
from allocator.formulate import formulate
from allocator.solve import solve
from allocator.solve.greedy import unmet
from allocator.solve.run import EARLY_COLUMNS
from allocator.solve.ties import break_ties
from allocator.solve.watchdog import GRACE_SECONDS

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "scenarios" / "territoires-industrie.xlsx"
MEMORY_LIMIT = 500 << 20


def _limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def cli(*args, hostile=False, env=None, timeout=300):
    """Run the CLI; returns (result, seconds)."""
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "allocator.cli", *map(str, args)],
                       capture_output=True, text=True, timeout=timeout, env=env,
                       preexec_fn=_limit_memory if hostile else None)
    return r, time.perf_counter() - t0


def digest(path: Path) -> str | None:
    if not path.is_file():
        return None
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ----------------------------------------------------------------------------- the corpus

@dataclass
class Ran:
    result: subprocess.CompletedProcess
    seconds: float
    folder: Path
    before: str | None
    after: str | None
    files_before: set
    files_after: set


def _run_case(case, folder: Path) -> Ran:
    folder.mkdir(parents=True, exist_ok=True)
    path = case.build(folder)
    fill = {"input": path, "folder": folder}
    args = [a.format(**fill) for a in case.args]
    command = [case.command, *args] if case.command == "template" else [case.command, path, *args]
    before, files = digest(path), set(folder.rglob("*"))
    result, seconds = cli(*command, hostile=case.hostile)
    return Ran(result, seconds, folder, before, digest(path), files, set(folder.rglob("*")))


@pytest.fixture(scope="module")
def corpus_runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad")
    # the cases with a time to keep run first, one at a time, then the rest four at a time
    timed = [c for c in CASES if c.seconds < Bad.seconds]
    runs = {c.id: _run_case(c, root / c.id) for c in timed}
    rest = [c for c in CASES if c not in timed]
    with ThreadPoolExecutor(4) as pool:
        runs.update(zip([c.id for c in rest], pool.map(lambda c: _run_case(c, root / c.id), rest)))
    return runs


def test_the_corpus_is_large_and_named_uniquely():
    assert len(CASES) >= 50
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case, corpus_runs):
    ran = corpus_runs[case.id]
    r = ran.result
    said = r.stderr + r.stdout
    assert r.returncode == case.code, f"{case.id}: exit {r.returncode}\n{said[-3000:]}"
    for fragment in case.fragments:
        assert fragment in said, f"{case.id}: {fragment!r} not in\n{said[-3000:]}"
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr, r.stderr
    assert ran.seconds < case.seconds, f"{case.id} took {ran.seconds:.1f} s"
    assert ran.after == ran.before, "the input was modified"
    if case.code != 0:  # a refused run writes nothing (no output, no temporary file)
        assert ran.files_after == ran.files_before, ran.files_after - ran.files_before
    if case.check is not None:
        case.check(r, ran.folder)


def test_bombs_are_refused_in_bounded_time_and_memory(corpus_runs):
    """The issue's measure: each bomb refused within 5 s under a 500 MB address-space limit
    (the limit is RLIMIT_AS, so the interpreter and its libraries count against it too)."""
    for name in ("xml_entity_bomb", "xml_bomb_utf16", "zip_bomb", "lying_zip_header",
                 "cell_at_XFD1048576"):
        ran = corpus_runs[name]
        assert ran.result.returncode == 2 and ran.seconds < 5, (name, ran.seconds)
        assert "refused" in ran.result.stderr, ran.result.stderr


# ----------------------------------------------------------------------------- hostile text

TRAPS = {"P-0001": "=HYPERLINK(\"http://example.com\",\"clic\")", "P-0002": "+33 1 23 45 67 89",
         "P-0003": "-5 % de CO2", "P-0004": "@SUM(A1:A9)"}
NOTES = {"P-0005": "\t=1+2", "P-0006": "\r=cmd|' /C calc'!A0"}


def _trap_input(folder: Path) -> Path:
    grids = base()
    grids["projects"][0].append("note")
    for row in grids["projects"][1:]:
        row[2] = TRAPS.get(row[0], row[2])
        row.append(NOTES.get(row[0], ""))
    return csv_folder(folder, grids)


def test_text_that_looks_like_a_formula_stays_text(tmp_path):
    source = _trap_input(tmp_path)
    before = {p.name: digest(p) for p in source.iterdir()}
    out_xlsx, out_csv = tmp_path / "out.xlsx", tmp_path / "out.csv"
    for out in (out_xlsx, out_csv):
        r, _ = cli("solve", source, "-o", out, "--near-misses", "0", "-q")
        assert r.returncode == 0, r.stderr
    assert {p.name: digest(p) for p in source.iterdir()} == before
    book = openpyxl.load_workbook(out_xlsx)  # not read-only: data_type says what a cell is
    formulas = [f"{ws.title}!{c.coordinate}" for ws in book for row in ws.iter_rows()
                for c in row if c.data_type == "f"]
    assert formulas == []
    rows = list(book["allocation"].iter_rows(values_only=True))
    header = rows[0]
    by_id = {r[header.index("project_id")]: r for r in rows[1:]}
    for pid, title in TRAPS.items():
        assert by_id[pid][header.index("title")] == title
    for pid, note in NOTES.items():  # a CR is stored as OOXML's _x000D_, which openpyxl keeps
        assert by_id[pid][header.index("note")].replace("_x000D_", "\r") == note
    with open(out_csv, newline="", encoding="utf-8") as f:
        records = {r["project_id"]: r for r in csv.DictReader(f)}
    for pid, title in TRAPS.items():  # OWASP: a leading ' makes it text in any spreadsheet
        assert records[pid]["title"] == "'" + title
    for pid, note in NOTES.items():
        assert records[pid]["note"] == "'" + note
    assert records["P-0006"]["title"] == "Ligne de recyclage"  # plain text untouched


# ----------------------------------------------------------------------------- nothing lost

def test_outputs_are_replaced_only_when_allocator_wrote_them(tmp_path):
    source = xlsx(base(), tmp_path)
    out = tmp_path / "out.xlsx"
    for _ in range(2):  # the second run replaces the first's output: allocator wrote it
        r, _ = cli("solve", source, "-o", out, "--near-misses", "0", "-q")
        assert r.returncode == 0, r.stderr
    out.write_bytes(b"an analyst's own file")
    r, _ = cli("solve", source, "-o", out, "--near-misses", "0", "-q")
    assert r.returncode == 2 and "pass --force" in r.stderr
    assert out.read_bytes() == b"an analyst's own file"
    r, _ = cli("solve", source, "-o", out, "--near-misses", "0", "-q", "--force")
    assert r.returncode == 0, r.stderr
    assert openpyxl.load_workbook(out).sheetnames[0] == "summary"


def test_sigkill_while_writing_leaves_the_old_output(tmp_path):
    """allocator solve killed outright in the middle of writing a large workbook: the previous
    output is still there, whole; the next run removes the dead run's temporary file."""
    small = xlsx(base(), tmp_path / "small")
    out = tmp_path / "out.xlsx"
    r, _ = cli("solve", small, "-o", out, "--near-misses", "0", "-q")
    assert r.returncode == 0, r.stderr
    old = digest(out)
    sys.path.insert(0, str(ROOT))
    from benchmarks import synthetic
    large = tmp_path / "large"
    large.mkdir()
    for name, frame in synthetic.tables(20_000, seed=3).items():
        frame.to_csv(large / f"{name}.csv", index=False)
    child = subprocess.Popen([sys.executable, "-m", "allocator.cli", "solve", large, "--method",
                              "greedy", "-o", out, "-q"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    pattern = ".out.xlsx.*.tmp"
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob(pattern)) and time.monotonic() < deadline:
        time.sleep(0.005)
    assert list(tmp_path.glob(pattern)), "the writer never started"
    # xlsxwriter builds the workbook, then zips it into the temporary file: kill while it
    # zips if that is seen within 3 s, else mid-build
    started = time.monotonic()
    while time.monotonic() - started < 3 and not any(p.stat().st_size
                                                     for p in tmp_path.glob(pattern)):
        time.sleep(0.001)
    child.send_signal(signal.SIGKILL)
    assert child.wait() == -signal.SIGKILL, "the run finished before it could be killed"
    assert digest(out) == old
    assert openpyxl.load_workbook(out).sheetnames[0] == "summary"
    assert list(tmp_path.glob(pattern)), "SIGKILL cannot clean up: the temporary file is there"
    r, _ = cli("solve", small, "-o", out, "--near-misses", "0", "-q")
    assert r.returncode == 0, r.stderr
    assert list(tmp_path.glob(pattern)) == []


# ----------------------------------------------------------------------------- solver faults

def _sleep(model, solver, options):
    time.sleep(300)


def _improve_then_hang(model, solver, options):
    options.on_solution(_FEASIBLE[0], _FEASIBLE[1], _FEASIBLE[1] * 1.1)
    time.sleep(300)


def _crash(model, solver, options):
    os.abort()


_FEASIBLE: list = []  # (values, objective) of the small problem, set by the fixture


@pytest.fixture
def small_problem(tmp_path, monkeypatch):
    problem = allocator.load(xlsx(base(), tmp_path))
    scenario = problem.scenario()
    _, solution = solve(problem, scenario, watchdog=False)
    _FEASIBLE[:] = [solution.values, solution.objective]
    for name, fn in (("sleepy", _sleep), ("improver", _improve_then_hang), ("crasher", _crash)):
        module = types.ModuleType(f"allocator.backends.{name}")
        module.solve, module.is_available = fn, lambda solver: True
        # registered here only: the forked child inherits it
        monkeypatch.setitem(sys.modules, module.__name__, module)
        monkeypatch.setitem(backends.BACKENDS, name, (name, name))
    return problem, scenario


@pytest.mark.parametrize("backend,status,label", [
    ("sleepy", "feasible", "feasible, within "),
    ("improver", "feasible", "feasible, within 10.00%")])
def test_a_hanging_solver_is_stopped_shortly_after_the_limit(small_problem, backend, status, label):
    problem, scenario = small_problem
    t0 = time.perf_counter()
    model, solution = solve(problem, scenario, backend=backend, time_limit=0.5, watchdog=True)
    elapsed = time.perf_counter() - t0
    assert 0.5 + GRACE_SECONDS - 0.1 < elapsed < 0.5 + GRACE_SECONDS + 1.0, elapsed
    assert solution.status == status and solution.label.startswith(label)
    if backend == "sleepy":  # nothing streamed: the ranking's allocation, found after the
        # solve on a model this small (``run.solve``), stands
        assert model.shape[1] < EARLY_COLUMNS
        assert "the ranking by value per euro" in solution.message
        assert solution.gap is not None and 0 <= solution.gap < 1
        assert not unmet(model, solution.values)
    else:  # the best solution streamed before the hang is kept, with its gap
        assert np.array_equal(solution.values, _FEASIBLE[0])
        assert "stopped 1 s after the time limit" in solution.message


def test_a_solve_the_watchdog_stopped_names_its_solver_without_a_blank_version(small_problem):
    from allocator.report.text import result_summary
    problem, scenario = small_problem
    result = allocator.optimise(problem, scenario, backend="sleepy", time_limit=0.5,
                                explain=False)
    assert result.solution.version == ""  # the watchdog ended it: no solver said its version
    status = next(line for line in result_summary(result).splitlines()
                  if line.startswith("status"))
    assert "(sleepy, " in status, status


def test_a_crashing_solver_is_reported_with_the_backends_available(small_problem):
    problem, scenario = small_problem
    _, solution = solve(problem, scenario, backend="crasher", watchdog=True)
    assert solution.status == "no solution" and solution.values is None
    assert "the crasher solver crashed (killed by SIGABRT)" in solution.message
    assert "other backends available here: highs, scip" in solution.message


def test_highs_streams_its_improving_solutions():
    problem = allocator.load(BUNDLED)
    from allocator.backends import SolveOptions, highs
    from allocator.formulate import formulate
    model = formulate(problem, problem.scenario("balanced"))
    seen = []
    out = highs.solve(model, "highs", SolveOptions(on_solution=lambda v, o, b: seen.append(o)))
    assert seen and seen == sorted(seen) and seen[-1] <= out.objective + 1e-9


def test_a_time_limit_that_expires_keeps_the_best_allocation_with_its_gap(tmp_path,
                                                                           monkeypatch):
    # the bundled workbook is proven to the default gap in ~0.1 s; to a gap of 0 it is not
    # within 0.3 s, though an allocation 7.6e-5 below the bound is known by then. The limit
    # counts reading the workbook (~0.5 s): it is read before the command, in this process
    from click.testing import CliRunner

    from allocator import api
    from allocator.cli import main
    problem = allocator.load(BUNDLED)
    monkeypatch.setattr(api, "load", lambda path: problem)
    out = tmp_path / "out.xlsx"
    t0 = time.perf_counter()
    r = CliRunner().invoke(main, ["solve", str(BUNDLED), "--time-limit", "0.3", "--gap", "0",
                                  "--near-misses", "0", "-o", str(out)])
    seconds = time.perf_counter() - t0
    assert r.exit_code == 0, r.output
    status = next(line for line in r.output.splitlines() if line.startswith("status"))
    assert "feasible, within " in status, r.output
    assert "gap 0.00%" not in status  # a gap too small for two decimals gets more of them
    run = dict(openpyxl.load_workbook(out)["run"].iter_rows(min_row=2, values_only=True))
    assert run["status"].startswith("feasible, within ") and run["status"] in status
    assert seconds < 20


def test_no_allocation_in_time_exits_1_saying_so(tmp_path):
    sys.path.insert(0, str(ROOT))
    from benchmarks import synthetic
    folder = tmp_path / "hard"
    folder.mkdir()
    for name, frame in synthetic.tables(20_000, seed=5).items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    # 10 ms: not even the LP relaxation of 20,000 projects is solved (60 ms at 10,000)
    r, seconds = cli("solve", folder, "--time-limit", "0.01", "--near-misses", "0", "--json")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "no allocation was found within the time limit (0.01 s)" in r.stderr
    assert json.loads(r.stdout)["status"] == "no solution"
    assert seconds < 30


def _ending(monkeypatch, seconds: float, message: str):
    """Make every solve end after ``seconds`` without an allocation, saying ``message``."""
    import allocator.solve.run as S

    def fake(model, backend, options):
        time.sleep(seconds)
        return backends.SolverOutput(backends.Status.NO_SOLUTION, None, None, None, seconds,
                                     backend, "", "", None, message)
    monkeypatch.setattr(S, "solve_model", fake)


def test_a_solver_giving_up_early_keeps_its_own_reason(monkeypatch):
    _ending(monkeypatch, 0.0, "Not Solved")
    problem = allocator.load(BUNDLED)
    _, solution = solve(problem, problem.scenario(), time_limit=5, watchdog=False)
    assert solution.status == "no solution"
    assert "ended without an allocation (Not Solved)" in solution.message
    assert "time limit" not in solution.message


def test_a_solver_stopped_by_its_time_limit_says_so(monkeypatch):
    import allocator.solve.run as S
    _ending(monkeypatch, 0.3, "Time limit reached")
    problem = allocator.load(BUNDLED)
    _, solution = solve(problem, problem.scenario(), time_limit=0.3, watchdog=False)
    # the ranking's allocation, found first, stands (feasible, with its gap) …
    assert solution.status == "feasible" and solution.gap is not None
    assert solution.message.startswith("the solver found no better allocation in time")
    # … and where there is none (a rule it cannot meet, or no time to find it), it says so
    monkeypatch.setattr(S, "opening", lambda *args: None)
    _, solution = solve(problem, problem.scenario(), time_limit=0.3, watchdog=False)
    assert solution.message.startswith("no allocation was found within the time limit (0.3 s)")


def test_the_ranking_is_found_before_the_solve_only_where_it_can_be_a_start(
        small_problem, monkeypatch):
    # on a model of ``EARLY_COLUMNS`` or more HiGHS starts from it (and at 1,000,000 projects
    # reports it at once); below, it is found only when the solve ends without an allocation,
    # and then stands
    import allocator.solve.run as S
    calls: list = []
    ranking = S.ranked_allocation
    monkeypatch.setattr(S, "ranked_allocation", lambda *args: calls.append(args) or ranking(*args))
    problem, scenario = small_problem
    model, solution = solve(problem, scenario, watchdog=False)
    assert model.shape[1] < S.EARLY_COLUMNS and solution.status == "optimal" and calls == []
    large = allocator.load(BUNDLED)
    model, solution = solve(large, large.scenario(), watchdog=False)
    assert solution.status == "optimal" and calls == []  # 2,000 projects: RENS is better
    monkeypatch.setattr(S, "EARLY_COLUMNS", model.shape[1])  # as if it were a large model
    model, solution = solve(large, large.scenario(), watchdog=False)
    assert solution.status == "optimal" and len(calls) == 1
    _ending(monkeypatch, 0.3, "Time limit reached")
    model, solution = solve(problem, scenario, time_limit=0.3, watchdog=False)
    assert len(calls) == 2 and solution.status == "feasible"
    assert solution.message.startswith("the solver found no better allocation in time")
    assert model.holds(solution.values) and not unmet(model, solution.values)


# ----------------------------------------------------------------------------- determinism

# what a proof leaves behind depends on the search that made it (threads, branching): the
# bound and so the proven gap; and figures of re-solves with partial awards carry the
# solver's rounding (~1e-15 absolute)
PATH_DEPENDENT = {"bound", "gap", "proven gap", "levels"}


def _cells(path: Path) -> dict:
    """Every sheet's cell values, the run's timings and the proof's bound aside, numbers to
    nine significant digits."""
    book = openpyxl.load_workbook(path, read_only=True)

    def cell(v):
        return float(f"{v:.9g}") if isinstance(v, float) else v

    sheets = {ws.title: [tuple(map(cell, row)) for row in ws.iter_rows(values_only=True)]
              for ws in book}
    for name in ("run", "summary"):
        sheets[name] = [row for row in sheets[name] if not row or row[0] not in PATH_DEPENDENT]
    run = dict(sheets["run"])
    del run["build_seconds"], run["solve_seconds"]
    sheets["run"] = run
    return sheets


def test_same_input_same_output_whatever_the_threads(tmp_path):
    outputs = []
    for threads in ("1", "2"):
        out = tmp_path / f"out{threads}.xlsx"
        r, _ = cli("solve", BUNDLED, "-o", out, "--near-misses", "5", "-q",
                   env={**os.environ, "ALLOCATOR_THREADS": threads})
        assert r.returncode == 0, r.stderr
        outputs.append(_cells(out))
    assert outputs[0] == outputs[1]


def test_ties_between_identical_projects_go_to_the_smaller_id(tmp_path):
    grids = base()
    p1 = grids["projects"][1]
    # two copies of P-0001 under other ids and titles, the larger id first
    grids["projects"][1:1] = [["P-0009", *p1[1:2], "copie B", *p1[3:]],
                              ["P-0007", *p1[1:2], "copie A", *p1[3:]]]
    grids["scenarios"][1][1] = 1_100_000  # room for some of the three, not all
    problem = allocator.load(xlsx(grids, tmp_path))
    ids = problem.projects["project_id"].tolist()
    model, solution = solve(problem, problem.scenario(), watchdog=False)
    funded = {pid for pid, x in zip(ids, solution.values[:len(ids)]) if x > 0.5}
    copies = ["P-0001", "P-0007", "P-0009"]
    chosen = [pid for pid in copies if pid in funded]
    assert 0 < len(chosen) < 3 and chosen == copies[:len(chosen)], funded
    # whatever the solver returns, the same rule applies: fund P-0009 alone, get P-0001
    values = solution.values.copy()
    values[[ids.index(c) for c in copies]] = [0, 0, 1]
    fixed = break_ties(problem, model, values)
    assert fixed[[ids.index(c) for c in copies]].tolist() == [1, 0, 0]


# Pabulib files missing what they need: written here, so they run without the Pabulib corpus
@pytest.mark.parametrize("text, said", [
    ("META\nkey;value\ndescription;no budget\nPROJECTS\nproject_id;cost;votes\n1;100;5\n",
     ["META has no budget"]),
    ("META\nkey;value\nbudget;1000\nPROJECTS\nproject_id;votes\n1;5\n",
     ["PROJECTS has no cost column"]),
    ("META\nkey;value\nbudget;1000\nPROJECTS\nproject_id;cost\n1;100\n",
     ["PROJECTS has neither a votes nor a score column"]),
    ("META\nkey;value\nPROJECTS\nproject_id;name\n1;a\n",
     ["META has no budget", "PROJECTS has no cost column",
      "PROJECTS has neither a votes nor a score column"]),
])
def test_a_pb_file_missing_what_it_needs_says_all_of_it(tmp_path, text, said):
    bad = tmp_path / "short.pb"
    bad.write_text(text, encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "allocator.cli", "validate", str(bad)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    for words in said:
        assert f"short.pb: {words}" in r.stderr, r.stderr


@pytest.mark.parametrize("gap, shown", [(7.6e-5, "0.0076%"), (4.3e-7, "0.000043%"),
                                        (0.001, "0.10%"), (0.5, "50.00%"), (0.0, "0.00%"),
                                        (1.4e-14, "0.00%"), (-2e-17, "0.00%")])
def test_a_gap_is_shown_with_two_significant_digits_below_one_percent(gap, shown):
    from allocator.core.format import percent
    assert percent(gap) == shown


def _children(pid: int) -> set[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    found = set()
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines()
                          if ":\t" in line)
        except OSError:  # ended meanwhile
            continue
        if fields.get("PPid", "").strip() == str(pid):
            found.add(int(status.parent.name))
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process table from /proc")
def test_sigterm_stops_the_workers_and_leaves_no_temporary_folder(tmp_path):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    out = tmp_path / "mc.xlsx"
    proc = subprocess.Popen([sys.executable, "-m", "allocator.cli", "uncertainty", BUNDLED,
                             "--samples", "2000", "--workers", "2", "-o", out],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "TMPDIR": str(scratch)})
    deadline = time.monotonic() + 60
    while len(_children(proc.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)  # the nominal solve's watchdog first, then the two draw workers
    workers = _children(proc.pid)
    assert workers, "no worker process was started"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143 and "terminated" in err and "Traceback" not in err, err
    time.sleep(0.5)
    alive = [pid for pid in workers if Path(f"/proc/{pid}").exists()
             and "zombie" not in Path(f"/proc/{pid}/status").read_text()]
    assert not alive, f"workers outlived their parent: {alive}"
    assert not out.exists()
    assert not list(scratch.iterdir()), list(scratch.iterdir())


@pytest.mark.parametrize("args, named", [
    (["--time-limit", "1e300"], "'time_limit': 1e+300 is out of range"),
    (["--set", "weight.jobs=1e12"], "'weight.jobs': 1e+12 is out of range"),
    (["--set", "budget=1e300"], "'budget': 1e+300 is out of range")])
def test_numbers_out_of_any_solver_s_range_are_bad_input(args, named):
    r = subprocess.run([sys.executable, "-m", "allocator.cli", "solve", BUNDLED, *args],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and named in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_a_model_the_solver_refuses_is_bad_input_not_a_bug(monkeypatch):
    from click.testing import CliRunner

    import allocator.solve.run as S
    import allocator.solve.watchdog as W
    from allocator.cli import main

    def refuse(model, backend, options, lead=None):
        raise backends.SolverRefused("HiGHS refused to solve: excessive dual values")
    for module in (S, W):  # in this process, or in the watchdog's child
        monkeypatch.setattr(module, "solve_model", refuse)
    r = CliRunner().invoke(main, ["solve", str(BUNDLED), "--near-misses", "0"])
    assert r.exit_code == 2, r.output
    assert "HiGHS refused to solve" in r.output and "weights closer together" in r.output
    assert "internal error" not in r.output


def test_a_long_output_name_is_written_and_an_overlong_one_refused(tmp_path):
    # the temporary name beside the output must not be what breaks the system's 255 bytes
    long = tmp_path / ("a" * 250 + ".csv")
    r = subprocess.run([sys.executable, "-m", "allocator.cli", "solve", BUNDLED, "-o", long,
                        "--near-misses", "0", "-q"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and long.is_file(), r.stderr
    too_long = tmp_path / ("b" * 260 + ".csv")
    r = subprocess.run([sys.executable, "-m", "allocator.cli", "solve", BUNDLED, "-o", too_long,
                        "--near-misses", "0"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "at most 255 bytes" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EACCES, errno.EROFS])
def test_what_the_system_refuses_a_writer_is_said_and_leaves_nothing(tmp_path, code):
    from allocator.report.files import OutputError, atomic_output
    out = tmp_path / "out.xlsx"
    with pytest.raises(OutputError, match="cannot be written"):
        with atomic_output(out) as tmp:
            tmp.write_bytes(b"half")
            raise OSError(code, os.strerror(code))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_a_utf16_csv_without_its_bom_is_read(tmp_path, encoding):
    text = ("project_id,territory_id,title,theme,total_cost,requested,jobs\n"
            "P1,t1,atelier,innovation,100000,100000,3\n")
    (tmp_path / "projects.csv").write_bytes(text.encode(encoding))
    problem = allocator.load(tmp_path)
    assert list(problem.projects["project_id"]) == ["P1"]
    assert problem.projects["title"].iloc[0] == "atelier"


def test_a_csv_field_longer_than_128_kb_is_read(tmp_path):
    title = "x" * 200_000
    (tmp_path / "projects.csv").write_text(
        "project_id,territory_id,title,theme,total_cost,requested,jobs\n"
        f'P1,t1,"{title}",innovation,100000,100000,3\n', encoding="utf-8")
    assert allocator.load(tmp_path).projects["title"].iloc[0] == title


_PROJECTS_CSV = ("project_id,territory_id,title,theme,total_cost,requested,jobs\n"
                 "P1,t1,atelier,innovation,1000000,1000000,3\n"
                 "P2,t1,hall,innovation,1000000,1000000,2\n")


def test_a_projects_csv_given_alone_is_read_with_the_sheets_beside_it(tmp_path):
    (tmp_path / "projects.csv").write_text(_PROJECTS_CSV, encoding="utf-8")
    (tmp_path / "scenarios.csv").write_text("parameter,tight\nbudget,1e6\n", encoding="utf-8")
    problem = allocator.load(tmp_path / "projects.csv")
    assert [s.name for s in problem.scenarios] == ["tight"]  # not the defaults' €100M
    assert any("read with the other sheets of its folder: scenarios.csv" in f.message
               for f in problem.warnings)


def test_two_files_for_one_sheet_are_an_error_unless_one_was_given(tmp_path):
    (tmp_path / "projects.csv").write_text(_PROJECTS_CSV, encoding="utf-8")
    stale = _PROJECTS_CSV.replace("P2,", "P9,")
    (tmp_path / "projets.csv").write_text(stale, encoding="utf-8")
    with pytest.raises(allocator.InputError, match="a second file for the sheet 'projects'"):
        allocator.load(tmp_path)
    problem = allocator.load(tmp_path / "projects.csv")
    assert list(problem.projects["project_id"]) == ["P1", "P2"]
    assert any("projets.csv" in f.sheet and "not read" in f.message for f in problem.warnings)


def test_a_csv_named_for_no_sheet_is_not_read_as_another(tmp_path):
    (tmp_path / "projects.csv").write_text(_PROJECTS_CSV, encoding="utf-8")
    (tmp_path / "mes_projets_2026.csv").write_text(_PROJECTS_CSV, encoding="utf-8")
    with pytest.raises(allocator.InputError, match="read as the sheet its name says"):
        allocator.load(tmp_path / "mes_projets_2026.csv")


def test_a_header_below_title_rows_is_found_and_said(tmp_path):
    rows = ["Programme Territoires d'industrie, appel 2026", *[""] * 23]  # the header: row 25
    (tmp_path / "projects.csv").write_text("\n".join(rows) + "\n" + _PROJECTS_CSV,
                                           encoding="utf-8")
    problem = allocator.load(tmp_path)
    assert list(problem.projects["project_id"]) == ["P1", "P2"]
    assert list(problem.projects["row"]) == [26, 27]
    assert any("the header is on row 25" in f.message for f in problem.warnings)


def test_a_pabulib_file_listing_fewer_projects_than_it_declares_is_refused(tmp_path):
    pb = tmp_path / "short.pb"
    pb.write_text("META\nkey;value\nnum_projects;4\nbudget;100\nvote_type;approval\n"
                  "PROJECTS\nproject_id;cost;votes\n1;40;10\n2;50;7\n", encoding="utf-8")
    with pytest.raises(allocator.InputError, match="num_projects 4 but the PROJECTS section "
                                                   "lists 2"):
        allocator.load(pb)


def test_control_characters_of_an_id_do_not_reach_the_terminal(tmp_path):
    (tmp_path / "projects.csv").write_text(
        _PROJECTS_CSV.replace("P2,t1", "P2\x1b[2J\x07,t1").replace("P1,t1", "P1,t1") +
        "P2\x1b[2J\x07,t1,again,innovation,1000000,1000000,1\n", encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "allocator.cli", "validate", tmp_path],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "P2\\x1b[2J\\x07" in r.stderr, r.stderr
    assert "\x1b" not in r.stderr and "\x07" not in r.stderr


def test_an_output_under_a_file_says_the_file_is_no_folder(tmp_path):
    (tmp_path / "file.xlsx").write_bytes(b"not a folder")
    r = subprocess.run([sys.executable, "-m", "allocator.cli", "solve", BUNDLED, "-o",
                        tmp_path / "file.xlsx" / "out.xlsx", "--near-misses", "0"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "is a file, not a folder" in r.stderr, r.stderr


def test_a_title_longer_than_an_excel_cell_is_read_whole_and_said(tmp_path):
    title = "x" * 40_000
    (tmp_path / "projects.csv").write_text(_PROJECTS_CSV.replace("atelier", title),
                                           encoding="utf-8")
    problem = allocator.load(tmp_path)
    assert problem.projects["title"].iloc[0] == title
    assert any("40 000 characters" in f.message and f.row == 2 for f in problem.warnings)


def test_a_workbook_from_a_pipe_is_refused_saying_so():
    with open(BUNDLED, "rb") as book:  # a file redirected to stdin is a file: it is read
        r = subprocess.run([sys.executable, "-m", "allocator.cli", "solve", "/dev/stdin",
                            "--near-misses", "0"], stdin=book, capture_output=True, text=True,
                           timeout=120)
    assert r.returncode == 0, r.stderr
    cat = subprocess.Popen(["cat", str(BUNDLED)], stdout=subprocess.PIPE)
    assert cat.stdout is not None
    try:
        r = subprocess.run([sys.executable, "-m", "allocator.cli", "solve", "/dev/stdin"],
                           stdin=cat.stdout, capture_output=True, text=True, timeout=120)
    finally:
        cat.stdout.close()  # cat, blocked on a pipe nobody reads, ends
        cat.kill()
        cat.wait()
    assert r.returncode == 2 and "is a pipe or a device, not a file" in r.stderr, r.stderr


def _user_plot(path: Path) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure()
    FigureCanvasAgg(fig)
    fig.add_subplot().plot([1, 2, 3])
    fig.savefig(path)  # matplotlib's own signature, as any plot of the user's has


@pytest.mark.parametrize("name, make", [
    ("front.png", _user_plot),
    ("review.md", lambda p: p.write_text("# Notes on the allocator runs\n", encoding="utf-8")),
    ("review.html", lambda p: p.write_text("<p>allocator review, by hand</p>",
                                           encoding="utf-8"))])
def test_a_users_plot_or_report_is_not_replaced_without_force(tmp_path, name, make):
    from allocator.report.files import MARKER, written_by_allocator
    from allocator.report.plots import outcome_bars
    target = tmp_path / name
    make(target)
    assert not written_by_allocator(target)  # the word "allocator", or matplotlib's, is no mark
    mine = tmp_path / ("mine" + target.suffix)  # and what allocator writes is known as its own
    if target.suffix == ".png":
        outcome_bars(pd.DataFrame({"a": [100.0, 90.0]}, index=["jobs", "skills"]), mine)
    else:
        mine.write_text(MARKER + "\n# Scenario review\n", encoding="utf-8")
    assert written_by_allocator(mine)


def test_a_csv_mixing_encodings_is_read_with_a_warning_saying_how_to_fix_it(tmp_path):
    utf8 = _PROJECTS_CSV.replace("atelier", "crèche").encode("utf-8")
    windows = "P3,t1,hôtel d'entreprises,innovation,1000000,1000000,1\n".encode("cp1252")
    (tmp_path / "projects.csv").write_bytes(utf8 + windows)
    problem = allocator.load(tmp_path)
    assert len(problem.projects) == 3
    assert any("mixes encodings" in f.message and "CSV UTF-8" in f.message
               for f in problem.warnings)
    (tmp_path / "projects.csv").write_bytes(_PROJECTS_CSV.replace("atelier", "crèche")
                                            .encode("cp1252"))  # one encoding: no warning
    assert not any("mixes encodings" in f.message for f in allocator.load(tmp_path).warnings)


# ------------------------------------------------------------------ the command's time limit
# A synthetic OR-Library-like knapsack that no solver proves in seconds: the main solve uses
# its whole share of the limit, so what follows it can only fit in what is left. The bounds
# are generous (a loaded machine, the watchdog's grace, forks); before the limit bounded the
# whole command, `solve --time-limit 2` on such an instance took 23 s and priced everything.
LIMIT = 1.0
MARGIN = 4.0  # seconds over the limit allowed to a command run in this process


@pytest.fixture(scope="module")
def hard(tmp_path_factory):
    from _instances import hard_knapsack, knapsack_workbook
    book = knapsack_workbook(tmp_path_factory.mktemp("hard") / "hard.xlsx", hard_knapsack(),
                             time_limit=LIMIT)
    problem = allocator.load(book)
    return book, problem, problem.scenario("knapsack")


def _timed(call):
    t0 = time.perf_counter()
    out = call()
    return out, time.perf_counter() - t0


@pytest.mark.parametrize("watchdog", [False, True])
def test_a_tiny_time_limit_still_gives_an_allocation_under_every_rule_with_its_gap(
        hard, watchdog):
    # 0.1 s: the LP-first path has no time for RENS and the MILP; the ranking's allocation
    # (found in ~10 ms) is the answer, or better
    _, problem, scenario = hard
    (model, solution), seconds = _timed(lambda: solve(
        problem, scenario, time_limit=0.1, gap=0.0, watchdog=watchdog))
    assert solution.status == "feasible" and solution.values is not None
    assert not unmet(model, solution.values) and model.holds(solution.values)
    assert solution.gap is not None and 0 < solution.gap < 1
    assert solution.label.startswith("feasible, within ")
    assert seconds < 0.1 + GRACE_SECONDS + MARGIN


def test_solve_ends_within_its_time_limit_and_says_what_it_did_not_price(hard):
    from allocator.analyse.explain import NOT_PRICED
    book = hard[0]
    r, seconds = cli("solve", book, "--time-limit", "2", "--json", timeout=120)
    assert r.returncode == 0, r.stderr
    # interpreter start, reading and writing are outside the limit, and cost ~2 s here
    assert seconds < 2 + 8, seconds
    out = json.loads(r.stdout)
    assert out["status"].startswith("feasible")  # the main solve was stopped by its share
    said = [row["displaces"] for row in out["allocation"] if not row["funded"]]
    assert NOT_PRICED in said, said[:25]
    # a near miss not priced in time is never passed off as one that cannot be forced in
    assert not any(d.startswith("cannot be forced in") for d in said)
    r, _ = cli("solve", book, "--time-limit", "2", timeout=120)
    assert "not priced" in r.stdout and "the time limit was reached" in r.stdout, r.stdout


def test_the_limit_counts_reading_and_what_follows_the_solve_says_what_it_left_out(tmp_path):
    """`solve` on 30,000 synthetic projects (a CSV folder, whose reading and validation take
    a good share of the limit) with a limit of 3 s: it ends within the limit and the grace
    (plus the interpreter's start), with an allocation under every rule, and the reasons the
    limit left no time for are counted on the summary, as in the file written."""
    from allocator.analyse.explain import NOT_EXPLAINED
    sys.path.insert(0, str(ROOT))
    from benchmarks import synthetic
    folder = tmp_path / "mid"
    folder.mkdir()
    for name, frame in synthetic.tables(30_000, seed=7).items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    out = tmp_path / "out.csv"
    r, seconds = cli("solve", folder, "--time-limit", "3", "-o", out, timeout=300)
    assert r.returncode == 0, r.stderr
    assert seconds < 3 + GRACE_SECONDS + MARGIN, seconds
    assert "status     feasible" in r.stdout or "status     optimal" in r.stdout, r.stdout
    written = pd.read_csv(out)
    unexplained = int((written["reason"] == NOT_EXPLAINED).sum())
    said = [line for line in r.stdout.splitlines() if line.startswith("not explained")]
    if unexplained:
        assert said == [f"not explained {fmt.show(unexplained, fmt.COUNT)} of "
                        f"{fmt.show(len(written), fmt.COUNT)} projects: the time limit was "
                        "reached (--time-limit)"], r.stdout
    else:
        assert said == [], r.stdout
        assert (written["reason"].fillna("") != "").all()


def test_explain_budget_curve_and_diagnosis_fit_in_the_limit(hard):
    from allocator.analyse.explain import NOT_PRICED
    _, problem, scenario = hard
    ids = list(problem.projects["project_id"][:6])
    why, seconds = _timed(lambda: allocator.explain(problem, scenario, ids))
    assert seconds < LIMIT + MARGIN, seconds
    unfunded = why.projects[~why.projects["funded"]]
    assert (unfunded["displaces"] == NOT_PRICED).any(), unfunded
    assert unfunded.loc[unfunded["displaces"] == NOT_PRICED, "price_of_inclusion"].isna().all()
    curve, seconds = _timed(lambda: allocator.budget_curve(problem, scenario, 1e6, 2e8, 6))
    assert seconds < LIMIT + MARGIN, seconds
    late = curve[curve["note"] == "not solved in time"]
    assert len(late) and late["objective"].isna().all(), curve
    assert (curve["note"] == "").sum() + len(late) == len(curve)


def test_sweep_uncertainty_frontier_and_compare_fit_in_the_limit(hard):
    book, problem, scenario = hard
    done, seconds = _timed(lambda: allocator.sweep(problem, scenario, ["weight.jobs=1,2,3"],
                                                   workers=1, progress=False))
    assert seconds < LIMIT + MARGIN, seconds
    assert "not solved in time" in set(done.table["status"]), done.table
    mc, seconds = _timed(lambda: allocator.monte_carlo(problem, scenario, samples=8, seed=1,
                                                       workers=1, progress=False))
    assert seconds < LIMIT + MARGIN, seconds
    assert "not solved in time" in set(mc.draws["status"]), mc.draws
    assert "not solved in time" in mc.summary["draw_statuses"]
    front, seconds = _timed(lambda: allocator.frontier(problem, scenario, "jobs", "skills", 4))
    assert seconds < LIMIT + MARGIN, seconds
    assert front.unsolved >= 1
    cmp, seconds = _timed(lambda: allocator.compare([book, book], greedy="none", workers=1,
                                                    progress=False))
    assert seconds < LIMIT + MARGIN, seconds
    assert cmp.runs[0].ok and not cmp.runs[1].ok
    assert cmp.runs[1].message.startswith(f"no allocation was found within the time limit "
                                          f"({LIMIT:g} s)"), cmp.runs[1].message


@pytest.mark.parametrize("command", ["budget_curve", "sweep", "monte_carlo", "frontier",
                                     "compare"])
def test_every_command_counts_its_limit_from_the_instant_it_started(hard, command):
    """A command that started ``LIMIT`` seconds ago (its reading took the whole limit) solves
    nothing more and says so, where counting from the call would have spent the limit again."""
    book, problem, scenario = hard
    calls = {
        "budget_curve": lambda s: allocator.budget_curve(problem, scenario, 1e6, 2e8, 3,
                                                         started=s),
        "sweep": lambda s: allocator.sweep(problem, scenario, ["weight.jobs=1,2"], workers=1,
                                           progress=False, started=s),
        "monte_carlo": lambda s: allocator.monte_carlo(problem, scenario, samples=3, seed=1,
                                                       workers=1, progress=False, started=s),
        "frontier": lambda s: allocator.frontier(problem, scenario, "jobs", "skills", 3,
                                                 started=s),
        "compare": lambda s: allocator.compare([book], greedy="none", workers=1,
                                               progress=False, started=s),
    }
    try:
        done, seconds = _timed(lambda: calls[command](time.monotonic() - LIMIT))
    except allocator.NothingToCompare as nothing:  # compare: no run had time to solve
        done, seconds = nothing, 0.0
    assert seconds < GRACE_SECONDS + MARGIN, seconds
    if command == "budget_curve":
        assert (done["note"] == "not solved in time").all(), done
    elif command == "sweep":
        assert set(done.table["status"]) == {"not solved in time"}, done.table
    elif command == "monte_carlo":
        assert not done.ok
    elif command == "frontier":
        assert not done.ok and done.unsolved >= 1
    else:
        assert not any(r.ok for r in done.runs), done.runs
        assert all(r.message.startswith("no allocation was found within the time limit")
                   for r in done.runs), [r.message for r in done.runs]


def test_workers_still_busy_at_the_deadline_are_stopped_and_the_rest_not_run():
    from allocator.runtime.workers import STOPPED, Workers
    t0 = time.monotonic()
    with Workers(2, lambda _, seconds, report: time.sleep(seconds) or seconds,
                 fork=True) as pool:
        got = dict(pool.run([0.0, 30.0, 30.0, 30.0, 0.0], until=t0 + 1.0))
    assert time.monotonic() - t0 < 10
    assert got[0] == 0.0 and [got[k] for k in (1, 2, 3, 4)].count(STOPPED) >= 3, got
    assert sorted(got) == [0, 1, 2, 3, 4]


# ----------------------------------------------------------------------------- processes

def test_closing_a_pool_ends_its_idle_workers_and_kills_a_busy_one():
    # an idle worker is told to end and not waited for (its exit is no part of the caller's
    # time); one still busy with a payload whose answer nobody read is killed
    from allocator.runtime.workers import Workers
    with Workers(2, lambda _, seconds, report: time.sleep(seconds) or seconds,
                 fork=True) as pool:
        (first, _), (second, _) = pool._workers
        stream = pool.run([0.0, 300.0])
        assert next(stream) == (0, 0.0)  # the first worker answered; the second is busy
    first.join(timeout=30)
    assert first.exitcode == 0  # it ended by itself
    assert not second.is_alive() and second.exitcode == -signal.SIGKILL


def test_a_pool_removes_the_folders_that_pools_killed_outright_left(tmp_path, monkeypatch):
    from allocator.runtime.workers import SCRATCH, Workers
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a pid no process has now (reused only after the whole pid space)
    stale = tmp_path / f"{SCRATCH}{gone.pid}-abc"
    stale.mkdir()
    (stale / "highs.log").write_text("left by a parent killed by SIGKILL")
    alive = tmp_path / f"{SCRATCH}1-def"  # init's: a running process, kept
    alive.mkdir()
    with Workers(1, lambda _, x, report: x, fork=True) as pool:
        assert dict(pool.run([7])) == {0: 7}
    assert not stale.exists() and alive.is_dir()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(f"{SCRATCH}{os.getpid()}-")]


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process table from /proc")
def test_after_sigkill_the_workers_die_and_the_next_run_removes_their_folder(tmp_path):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    proc = subprocess.Popen([sys.executable, "-m", "allocator.cli", "uncertainty", BUNDLED,
                             "--samples", "2000", "--workers", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline = time.monotonic() + 60
    while len(_children(proc.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    workers = _children(proc.pid)
    assert workers, "no worker process was started"
    proc.kill()
    proc.wait()
    time.sleep(0.5)
    alive = [pid for pid in workers if Path(f"/proc/{pid}").exists()
             and "zombie" not in Path(f"/proc/{pid}/status").read_text()]
    assert not alive, f"workers outlived their parent: {alive}"
    assert list(scratch.iterdir()), "SIGKILL leaves the pool's folder: this test needs one"
    r = subprocess.run([sys.executable, "-m", "allocator.cli", "solve", BUNDLED,
                        "--near-misses", "0", "-q"], capture_output=True, text=True, env=env,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    assert not list(scratch.iterdir()), list(scratch.iterdir())


def _ties_one_group_at_a_time(problem, model, values):
    """The rule as first written, group by group: members in id order take their group's
    column values sorted in decreasing order (the reference for ``break_ties``)."""
    ids = problem.projects["project_id"].astype(str).to_numpy()
    select, award = sp.csr_array(model.select), sp.csr_array(model.award)
    values = values.copy()
    key = problem.projects[["territory_id", "theme", "requested", "total_cost", "jobs",
                            "min_award"]]
    for _, members in key.groupby(list(key.columns), dropna=False):
        if len(members) < 2:
            continue
        rows = members.index.to_numpy()
        rows = rows[np.argsort(ids[rows], kind="stable")]
        columns = [np.union1d(select.indices[select.indptr[i]:select.indptr[i + 1]],
                              award.indices[award.indptr[i]:award.indptr[i + 1]]) for i in rows]
        taken = sorted((tuple(values[c]) for c in columns), reverse=True)
        for c, v in zip(columns, taken):
            values[c] = v
    return values


@pytest.mark.parametrize("seed", range(3))
def test_ties_are_broken_in_every_group_at_once_as_one_group_at_a_time(seed):
    # many copies of few projects, some partial (two columns each), in shuffled id order
    rng = np.random.default_rng(seed)
    n = 120
    kind = rng.integers(0, 12, n)
    cost = (1 + kind % 4) * 1e5
    partial = kind >= 6
    projects = pd.DataFrame({
        "project_id": [f"P-{k:04d}" for k in rng.permutation(n)], "territory_id": "T1",
        "title": "copy", "theme": "innovation", "total_cost": cost, "requested": cost,
        "jobs": 1.0 + kind, "min_award": np.where(partial, cost / 2, np.nan)})
    problem = allocator.from_tables(projects)
    model = formulate(problem, problem.scenario())
    values = np.zeros(model.shape[1])
    x = np.asarray(model.select.argmax(axis=1)).ravel()
    funded = rng.random(n) < 0.5
    values[x] = funded
    award = sp.csr_array(model.award)
    for i in np.flatnonzero(funded & partial):  # a partial award between its min and max
        for j in award.indices[award.indptr[i]:award.indptr[i + 1]]:
            if j != x[i]:
                values[j] = rng.uniform(cost[i] / 2, cost[i]) / 1e6
    expected = _ties_one_group_at_a_time(problem, model, values)
    assert not np.array_equal(expected, values)  # some ties were broken
    assert np.array_equal(break_ties(problem, model, values), expected)
