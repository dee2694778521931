"""The command line end to end, as a subprocess, on the bundled workbook."""
from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from verify import verify

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "scenarios" / "territoires-industrie.xlsx"
PRESETS = ["balanced", "jobs_first", "skills_first", "regional_equity"]


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "allocator.cli", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=600)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("backend", ["highs", "scip"])
@pytest.mark.parametrize("scenario", PRESETS)
def test_solve_each_preset_to_proven_optimality_and_verify(tmp_path, scenario, backend):
    before = digest(BUNDLED)
    out = tmp_path / "out.xlsx"
    r = run("solve", BUNDLED, "--scenario", scenario, "--backend", backend, "-o", out, "--json",
            "--near-misses", "0")
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    assert result["status"] == "optimal"
    assert result["gap"] is not None and result["gap"] <= 1e-4
    assert abs(result["objective"] - result["bound"]) <= 1e-4 * abs(result["objective"]) + 1e-9
    assert verify(BUNDLED, out) == []
    assert digest(BUNDLED) == before, "the input workbook was modified"
    book = openpyxl.load_workbook(out, read_only=True)
    assert book.sheetnames == ["summary", "allocation", "by_region", "by_territory", "by_theme",
                               "outcomes", "shadow_prices", "scenario", "run"]
    header = [c.value for c in next(book["allocation"].iter_rows(max_row=1))]
    assert {"reason", "price_of_inclusion", "displaces"} <= set(header)


def test_backends_agree_on_the_bundled_workbook():
    objectives = {}
    for backend in ("highs", "scip", "cbc"):
        r = run("solve", BUNDLED, "--scenario", "jobs_first", "--backend", backend,
                "--gap", "1e-7", "--json", "--near-misses", "0")
        assert r.returncode == 0, r.stderr
        objectives[backend] = json.loads(r.stdout)["objective"]
    reference = objectives["highs"]
    for backend, value in objectives.items():
        assert value == pytest.approx(reference, rel=1e-6), objectives


def test_json_output_holds_the_contract():
    r = run("solve", BUNDLED, "--json", "--set", "budget=60e6", "--set", "weight.jobs=2",
            "--near-misses", "3")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    for key in ("status", "objective", "bound", "gap", "scenario", "totals", "allocation"):
        assert key in data
    params = {p["parameter"]: p["value"] for p in data["scenario"]["parameters"]}
    assert params["budget"] == 60e6 and params["weight.jobs"] == 2
    awarded = sum(p["award"] for p in data["allocation"])
    assert awarded == pytest.approx(data["totals"]["awarded"])
    assert awarded <= 60e6 + 0.01
    assert {"project_id", "award", "funded"} <= set(data["allocation"][0])
    assert sum(p["funded"] for p in data["allocation"]) == data["totals"]["projects_funded"]
    near = [p for p in data["allocation"] if p["displaces"]]
    assert len(near) == 3 and not any(p["funded"] for p in near)
    for p in near:  # a price, or the reason why it cannot be forced in at all
        assert (p["price_of_inclusion"] is not None and p["price_of_inclusion"] >= 0) or \
            p["displaces"].startswith("cannot be forced in")
    assert all(p["reason"] for p in data["allocation"])
    assert any(s["rule"] == "budget" for s in data["shadow_prices"])


def test_output_sheets_carry_extra_columns_and_keep_text_as_text(tmp_path):
    out = tmp_path / "out.xlsx"
    assert run("solve", BUNDLED, "-o", out, "--near-misses", "0").returncode == 0
    ws = openpyxl.load_workbook(out)["allocation"]
    header = [c.value for c in ws[1]]
    assert "note" in header, "the analyst's extra column is carried through"
    formulas = [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []


def test_infeasible_rules_exit_1_with_a_diagnosis_and_no_allocation(tmp_path):
    out = tmp_path / "out.xlsx"
    r = run("solve", BUNDLED, "--set", "budget=1e6", "--set", "coverage=1", "-o", out)
    assert r.returncode == 1
    assert "infeasible" in r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    assert "budget is €1.00M" in r.stdout
    sheets = openpyxl.load_workbook(out, read_only=True).sheetnames
    assert "diagnosis" in sheets and "allocation" not in sheets


def test_bad_scenario_parameter_exits_2_naming_it():
    r = run("solve", BUNDLED, "--set", "weight.jobz=2")
    assert r.returncode == 2
    assert "weight.jobz" in r.stderr and "Traceback" not in r.stderr


def test_unknown_backend_names_the_available_ones():
    r = run("solve", BUNDLED, "--backend", "gurobi")
    assert r.returncode == 2
    assert "highs" in r.stderr and "Traceback" not in r.stderr


def test_output_equal_to_input_is_refused(tmp_path):
    copy = tmp_path / "in.xlsx"
    copy.write_bytes(BUNDLED.read_bytes())
    before = digest(copy)
    r = run("solve", copy, "-o", copy, "--near-misses", "0")
    assert r.returncode == 2 and "overwrite the input" in r.stderr
    assert digest(copy) == before


def test_toml_scenario_and_set_precedence(tmp_path):
    toml = tmp_path / "policy.toml"
    toml.write_text('budget = 50e6\n[weight]\njobs = 1\nskills = 0\ninnovation = 0\n',
                    encoding="utf-8")
    r = run("solve", BUNDLED, "--scenario", toml, "--set", "budget=40e6", "--json",
            "--near-misses", "0")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["scenario"]["name"] == "policy"
    params = {p["parameter"]: p["value"] for p in data["scenario"]["parameters"]}
    assert params["budget"] == 40e6  # --set wins over the file
    assert data["totals"]["awarded"] <= 40e6 + 0.01


def test_export_model_writes_an_mps_file(tmp_path):
    mps = tmp_path / "model.mps"
    r = run("solve", BUNDLED, "--export-model", mps, "-q", "--near-misses", "0")
    assert r.returncode == 0, r.stderr
    text = mps.read_text()
    assert text.startswith("*") or "ROWS" in text
    assert "ROWS" in text and "COLUMNS" in text
    # a model file allocator wrote is replaced by the next run, as its other outputs are
    again = run("solve", BUNDLED, "--export-model", mps, "-q", "--near-misses", "0")
    assert again.returncode == 0, again.stderr


def test_validate_bundled_workbook_is_clean():
    r = run("validate", BUNDLED)
    assert r.returncode == 0, r.stderr
    assert "valid" in r.stdout


def test_template_validates(tmp_path):
    t = tmp_path / "t.xlsx"
    assert run("template", t).returncode == 0
    r = run("validate", t)
    assert r.returncode == 0, r.stderr


def test_help_has_an_example_for_every_command():
    for command in ("template", "validate", "solve"):
        r = run(command, "--help")
        assert r.returncode == 0 and "Example" in r.stdout, command


def test_budget_curve_writes_a_table_a_native_chart_and_a_png(tmp_path):
    import zipfile
    out, png = tmp_path / "curve.xlsx", tmp_path / "curve.png"
    r = run("budget-curve", BUNDLED, "--from", "60e6", "--to", "120e6", "--steps", "3",
            "-o", out, "--png", png, "--json")
    assert r.returncode == 0, r.stderr
    points = json.loads(r.stdout)["points"]
    assert [p["budget"] for p in points] == [60e6, 90e6, 120e6]
    assert all(p["awarded"] <= p["budget"] + 0.01 for p in points)
    assert points[0]["objective"] < points[1]["objective"]
    assert any(n.startswith("xl/charts/chart") for n in zipfile.ZipFile(out).namelist())
    assert png.read_bytes().startswith(b"\x89PNG")


def test_explain_one_project_names_its_reason():
    r = run("explain", BUNDLED, "--project", "P-0001", "--json")
    assert r.returncode == 0, r.stderr
    [record] = json.loads(r.stdout)["projects"]
    assert record["project_id"] == "P-0001" and record["reason"].startswith(
        "funded" if record["funded"] else "not funded")
    r = run("explain", BUNDLED, "--project", "P-9999")
    assert r.returncode == 2 and "P-9999" in r.stderr


@pytest.mark.parametrize("suffix", [".mps", ".lp"])
def test_an_exported_model_is_maximised_to_the_same_optimum_by_other_solvers(tmp_path, suffix):
    # the sense is stated in the file (OBJSENSE MAX, or the .lp's Maximize), not left to a
    # comment: HiGHS reading the file and SCIP importing it reach allocator's optimum, they
    # do not minimise (OR-Tools' LP reader refuses PuLP's comment line: SCIP reads the MPS)
    import highspy
    from ortools.linear_solver.python import model_builder as mb
    mps = tmp_path / f"model{suffix}"
    r = run("solve", BUNDLED, "--export-model", mps, "--json", "--near-misses", "0",
            "--gap", "1e-6")
    assert r.returncode == 0, r.stderr
    optimum = json.loads(r.stdout)["objective"]
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 1e-6)
    h.readModel(str(mps))
    h.run()
    assert h.getLp().sense_ == highspy.ObjSense.kMaximize
    assert h.getInfo().objective_function_value == pytest.approx(optimum, rel=2e-6)
    if suffix != ".mps":
        return
    model = mb.Model()
    model.import_from_mps_file(str(mps))
    scip = mb.Solver("scip")
    scip.set_solver_specific_parameters("limits/gap = 1e-6")
    assert scip.solve(model) == mb.SolveStatus.OPTIMAL
    assert scip.objective_value == pytest.approx(optimum, rel=2e-6)


@pytest.mark.parametrize("special", ["/dev/null", "fifo"])
def test_an_output_that_is_not_a_regular_file_is_refused_and_left_alone(tmp_path, special):
    # named as a workbook, so that only what the name reaches is wrong: a link to the device,
    # or the pipe itself
    target = tmp_path / "out.xlsx"
    if special == "fifo":
        os.mkfifo(target)
    else:
        target.symlink_to(special)
    kind = stat.S_IFMT(target.stat().st_mode)
    r = run("solve", BUNDLED, "-o", target, "--near-misses", "0", "--force")
    assert r.returncode == 2 and "not a regular file" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr
    assert stat.S_IFMT(target.stat().st_mode) == kind  # still the device or the pipe


def test_lang_writes_french_and_english_stays_the_default(tmp_path):
    out = tmp_path / "fr.xlsx"
    r = run("solve", BUNDLED, "--near-misses", "0", "--lang", "fr", "-o", out)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("scénario") and "statut" in r.stdout
    assert f"écrit : {out}" in r.stderr
    book = openpyxl.load_workbook(out, read_only=True)
    assert book.sheetnames[:2] == ["synthèse", "répartition"]
    scenario = dict(book["scénario"].iter_rows(min_row=2, values_only=True))
    assert scenario["lang"] == "fr"
    r = run("solve", BUNDLED, "--near-misses", "0", "--lang", "de")
    assert r.returncode == 2 and "'de' is not one of" in r.stderr
    r = run("solve", BUNDLED, "--near-misses", "0", "--set", "lang=fr", "--set", "budget=1",
            "--set", "min.jobs=100000")
    assert r.returncode == 1 and "statut      infaisable" in r.stdout
    assert "aucune répartition : le problème est infaisable" in r.stderr


@pytest.mark.parametrize("lang, said", [
    ("en", "writing {out} (2 000 rows) will take about 9999 s, past the time limit"),
    ("fr", "l'écriture du fichier {out} (2 000 lignes) prendra environ 9999 s, au-delà de la"),
])
def test_an_output_that_cannot_be_written_within_the_limit_is_said_at_once(
        tmp_path, monkeypatch, lang, said):
    """Writing the result past the limit whatever the solve does (a million rows to a
    workbook) is said before the solve, in the language asked, and the solve keeps its time:
    the allocation is found and written. An output that fits is not mentioned."""
    from click.testing import CliRunner

    import allocator.cli.commands as commands
    from allocator.cli import main
    out = tmp_path / "out.xlsx"
    monkeypatch.setattr(commands, "writing_seconds", lambda n, path: 9999.0 * (n == 2000))
    r = CliRunner().invoke(main, ["solve", str(BUNDLED), "--time-limit", "20", "--near-misses",
                                  "0", "-o", str(out), "--lang", lang])
    assert r.exit_code == 0, r.output
    assert said.format(out=out) in r.output, r.output
    assert openpyxl.load_workbook(out, read_only=True).sheetnames[0] in ("summary", "synthèse")
    monkeypatch.setattr(commands, "writing_seconds", lambda n, path: 0.5)
    r = CliRunner().invoke(main, ["solve", str(BUNDLED), "--time-limit", "20", "--near-misses",
                                  "0", "-o", str(out), "--lang", lang])
    # nothing said of the writing (not "0 s" alone: the status line reads "0.20 s")
    assert r.exit_code == 0 and said.split("{out}")[0] not in r.output, r.output
    assert "--time-limit" not in r.output, r.output
