"""Pabulib ``.pb`` files (participatory-budgeting elections) read as an input workbook.

A ``.pb`` file has sections ``META``, ``PROJECTS`` and ``VOTES``, each a ``;``-separated table
with a header row (https://pabulib.org/format). It becomes the sheets of a workbook:

- ``projects``: ``cost`` as both ``requested`` and ``total_cost`` (all or nothing: a PB
  project is built whole or not at all); ``score`` when the file has one (ordinal and
  cumulative ballots), else ``votes``, as the outcome; the first ``category`` as the theme
  (``uncategorised`` when there is none), the full ``category`` list kept as a text column;
  ``name`` as the title; ``selected`` (the published outcome) kept as a yes/no column. Other
  text columns (district, target, beneficiaries) are kept; other numeric columns (coordinates)
  are dropped, because the validator would take any numeric column for an outcome.
- ``territories``: one territory, and one region, for the whole unit (city or district).
- ``themes``: the categories found.
- ``scenarios``: one scenario, ``max_<outcome>``: the election's budget, weight 1 on the votes
  (or score) and 0 on the programme's outcomes, raw units (``normalise = none``) and a zero
  gap, so that its optimum is the utilitarian optimum of the election.

Per-category budgets (``budget_per_category`` in some Dutch files) are not rules here: the
scenario's theme shares are shares of the total awarded, not euro envelopes.

The VOTES section (one line per voter) is not read: the outcome is the per-project total the
file already states.
"""
from __future__ import annotations

import csv
import io
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from allocator.core.findings import ERROR, Finding, InputError
from allocator.read.tables import Workbook, from_frames

SECTIONS = ("META", "PROJECTS", "VOTES")
UNCATEGORISED = "uncategorised"


def parse(path: str | Path) -> tuple[dict[str, str], pd.DataFrame, np.ndarray]:
    """META as a dict, PROJECTS as a frame of strings, and the file line of each project."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([Finding(ERROR, p.name, f"cannot read the Pabulib file: {exc}")]) from None
    meta: dict[str, str] = {}
    header: list[str] | None = None
    columns: list[str] = []  # the PROJECTS header
    rows, lines = [], []
    section = None
    # a field may be as long as the file: csv's 128 KB default limit would stop the read
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";", quotechar='"')
    for record in reader:
        if len(record) == 1 and record[0].strip().upper() in SECTIONS:
            section, header = record[0].strip().upper(), None
            if section == "VOTES":
                break  # one line per voter: not needed, and by far the largest section
            continue
        if not record or not any(cell.strip() for cell in record):
            continue
        if header is None:
            header = [h.strip() for h in record]
            if section == "PROJECTS":
                columns = header
            continue
        if section == "META":
            meta[record[0].strip()] = ";".join(record[1:]).strip()
        elif section == "PROJECTS":
            rows.append((record + [""] * len(columns))[:len(columns)])
            lines.append(reader.line_num)
    if not rows or "project_id" not in columns:
        raise InputError([Finding(ERROR, p.name, "not a Pabulib file: no PROJECTS section with "
                                  "a project_id column (sections META, PROJECTS, VOTES expected)")])
    declared = meta.get("num_projects", "").strip()
    if declared and declared.isdigit() and int(declared) != len(rows):
        raise InputError([Finding(ERROR, p.name, f"META says num_projects {declared} but the "
                                  f"PROJECTS section lists {len(rows)}: the file is cut short "
                                  "or was edited by hand; correct num_projects or the list")])
    projects = pd.DataFrame(rows, columns=columns, dtype=object)
    return meta, projects, np.asarray(lines)


def outcome_column(projects: pd.DataFrame) -> str:
    """``score`` when the file has it (ordinal, cumulative ballots), else ``votes``."""
    return "score" if "score" in projects else "votes"


def read_pb(path: str | Path) -> Workbook:
    """The tables of a ``.pb`` file, as ``read.read_workbook`` returns them for a workbook."""
    p = Path(path)
    meta, raw, lines = parse(p)
    findings = []
    if "budget" not in meta:
        findings.append(Finding(ERROR, p.name, "META has no budget"))
    if "cost" not in raw:
        findings.append(Finding(ERROR, p.name, "PROJECTS has no cost column"))
    profit = outcome_column(raw)
    if profit not in raw:
        findings.append(Finding(ERROR, p.name, "PROJECTS has neither a votes nor a score column"))
    if findings:
        raise InputError(findings)
    unit = " – ".join(dict.fromkeys(v for v in (meta.get("unit", ""), meta.get("subunit")
                                                or meta.get("district", "")) if v)) or p.stem

    def text(column: str) -> pd.Series:
        return raw[column].fillna("").astype(str).str.strip() if column in raw else \
            pd.Series([""] * len(raw), dtype=object)

    categories = text("category")
    first = categories.str.split(",").str[0].str.strip()
    theme = first.where(first != "", UNCATEGORISED)
    title = text("name")
    projects = pd.DataFrame({
        "project_id": text("project_id"),
        "territory_id": unit,
        "title": title.where(title != "", text("project_id")),
        "theme": theme,
        "total_cost": raw["cost"],
        "requested": raw["cost"],
        profit: text(profit).replace("", "0"),
    })
    if profit != "votes" and "votes" in raw:
        projects["votes"] = text("votes").replace("", "0")
    if "category" in raw:
        projects["category"] = categories
    if "selected" in raw:
        # yes/no text rather than 0/1, so that it stays a column and never becomes an outcome
        chosen = pd.to_numeric(text("selected"), errors="coerce").fillna(0) > 0
        projects["selected"] = np.where(chosen, "yes", "no")
    done = set(projects.columns) | {"project_id", "cost", "votes", "score", "name",
                                    "category", "selected"}
    for column in (c for c in raw.columns if c not in done):
        values = text(column)
        numeric = pd.to_numeric(values[values != ""], errors="coerce").notna().all()
        if not numeric:
            projects[column] = values.where(values != "", None)
    budget = meta.get("budget", "").replace(" ", "").replace(",", ".")
    name = f"max_{profit}"
    parameters = {"description": f"{meta.get('description', p.stem)}: the most {profit} the "
                                 f"budget buys ({meta.get('currency', 'EUR')})",
                  "budget": budget, f"weight.{profit}": 1, "weight.jobs": 0,
                  "weight.skills": 0, "weight.innovation": 0, "normalise": "none", "gap": 0}
    frames = {
        "projects": projects,
        "territories": pd.DataFrame({"territory_id": [unit], "name": [unit], "region": [unit]}),
        "themes": pd.DataFrame({"theme": theme.str.lower(), "label": theme})
        .drop_duplicates("theme"),
        "scenarios": pd.DataFrame({"parameter": list(parameters),
                                   name: [str(v) for v in parameters.values()]}),
    }
    book = from_frames(frames, source=str(p))
    # findings then point at the .pb file's own lines and headers, not at imaginary cells
    tables = {k: replace(t, source=f"{p.name} ({k})", text_cells=True)
              for k, t in book.tables.items()}
    tables["projects"] = replace(tables["projects"], source=f"{p.name} PROJECTS", rows=lines,
                                 letters={},
                                 headers={**tables["projects"].headers, "total_cost": "cost",
                                          "requested": "cost", "title": "name"})
    return replace(book, tables=tables, sheet_names=("META", "PROJECTS"))
