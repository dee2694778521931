"""Every command's --json follows the one schema the README documents ("JSON output"): an
object with schema_version, command and the documented keys, every key in snake_case."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_uncertainty import RANGED, make_problem, write_workbook

from allocator.cli import main
from allocator.report.json import SCHEMA_VERSION

README = Path(__file__).resolve().parents[1] / "README.md"
SNAKE = re.compile(r"[a-z0-9]+(_[a-z0-9]+)*")


def documented() -> dict[str, list[str]]:
    """command → its top-level keys, from the README's table."""
    text = README.read_text(encoding="utf-8")
    table = text[text.index("<!-- json:begin -->"):text.index("<!-- json:end -->")]
    out = {}
    for line in table.splitlines()[3:]:
        command, keys = line.strip("|").split("|")
        # the keys of the payload: those not inside a parenthesis
        depth, top = 0, []
        for part in re.split(r"([()])", keys):
            depth += {"(": 1, ")": -1}.get(part, 0)
            if depth == 0 and part not in "()":
                top.extend(re.findall(r"`([a-z_]+)`", part))
        out[command.strip().strip("`")] = top
    return out


def keys(value, path="") -> list[tuple[str, str]]:
    """Every (path, key) of a JSON value."""
    if isinstance(value, dict):
        return [(path, k) for k in value] + [x for k, v in value.items()
                                             for x in keys(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [x for v in value for x in keys(v, f"{path}[]")]
    return []


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    problem, budget = make_problem(30, seed=3)
    path = write_workbook(problem, tmp_path_factory.mktemp("json") / "in.xlsx", RANGED)
    return str(path), budget


def commands(book: str, budget: float) -> dict[str, list[str]]:
    b = f"budget={budget}"
    return {
        "validate": ["validate", book],
        "solve": ["solve", book, "--set", b],
        "explain": ["explain", book, "-p", "P1", "-p", "P2", "--set", b],
        "budget-curve": ["budget-curve", book, "--from", str(budget / 2), "--to", str(budget),
                         "--steps", "2"],
        "compare": ["compare", book, "--set", b, "--greedy", "first", "--workers", "1"],
        "frontier": ["frontier", book, "--x", "jobs", "--y", "skills", "--points", "3",
                     "--allocations", "--set", b],
        "uncertainty": ["uncertainty", book, "--samples", "3", "--seed", "1", "--workers", "1",
                        "--set", b],
        "sweep": ["sweep", book, "--set", f"budget={budget / 2},{budget}", "--set",
                  "weight.skills=0.5", "--workers", "1"]}


def test_the_readme_documents_every_command():
    assert set(documented()) == {c.name for c in main.commands.values()} - {"template"}


@pytest.mark.parametrize("command", list(documented()))
def test_json_follows_the_documented_schema(book, command):
    args = commands(*book)[command]
    r = CliRunner().invoke(main, [*args, "--json", "-q"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert isinstance(data, dict)
    assert data["schema_version"] == SCHEMA_VERSION and data["command"] == command
    assert list(data)[2:] == documented()[command]
    bad = [(p, k) for p, k in keys(data) if not SNAKE.fullmatch(k)]
    assert not bad, bad[:5]


def test_tables_by_scenario_keep_names_as_values(book):
    path, budget = book
    r = CliRunner().invoke(main, ["sweep", path, "--set", f"budget={budget / 2},{budget}",
                                  "--workers", "1", "--json", "-q"])
    sweep = json.loads(r.stdout)["scenarios"]
    assert [row["parameters"] for row in sweep] == [
        [{"parameter": "budget", "value": budget / 2}], [{"parameter": "budget", "value": budget}]]
    r = CliRunner().invoke(main, ["compare", path, "--set", f"budget={budget}", "--set",
                                  "weight.jobs=2", "--greedy", "none", "--json", "-q"])
    compared = json.loads(r.stdout)
    jobs = [x for x in compared["outcomes"] if x["metric"] == "jobs"]
    assert [x["scenario"] for x in jobs] == compared["scenarios"]
    assert all(isinstance(x["value"], float) for x in jobs)


def test_invalid_input_is_an_object_too(tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a workbook")
    r = CliRunner().invoke(main, ["validate", str(bad), "--json"])
    data = json.loads(r.stdout)
    assert r.exit_code == 2 and data["command"] == "validate" and data["valid"] is False
    assert data["schema_version"] == SCHEMA_VERSION and data["findings"]
