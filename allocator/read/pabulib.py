"""Pabulib ``.pb`` files (participatory-budgeting elections) read as an input workbook.

A ``.pb`` file has sections ``META``, ``PROJECTS`` and ``VOTES``, each a ``;``-separated table
with a header row (https://pabulib.org/format). It becomes the sheets of a workbook:

- ``projects``: ``cost`` as both ``requested`` and ``total_cost`` (all or nothing: a PB
  project is built whole or not at all); ``score`` when the file has one (ordinal and
  cumulative ballots), else ``votes``, as the outcome; the first ``category`` (or
  ``categories``) as the theme (``uncategorised`` when there is none), the full list kept as
  a text column; ``name`` as the title; ``selected`` (the published outcome) kept as a yes/no
  column. Other text columns (district, target, beneficiaries) are kept; other numeric
  columns (coordinates) are dropped, because the validator would take any numeric column for
  an outcome.
- ``territories``: one territory, and one region, for the whole unit (city or district).
- ``themes``: the categories found.
- ``scenarios``: one scenario, ``max_<outcome>``: the election's budget, weight 1 on the votes
  (or score) and 0 on the programme's outcomes, raw units (``normalise = none``) and a zero
  gap, so that its optimum is the utilitarian optimum of the election.

The VOTES section (one line per voter) becomes ``core.ballots.Ballots``: approvals, points
(cumulative) or ranks turned into points by the file's scoring (ordinal: the ``points``
column, else META ``scoring_fn``, else Borda — ``max_length`` minus the position — which must
then reproduce the file's ``score`` column, or, without one, is used with a warning). A
project's outcome is the file's ``votes``/``score`` cell; a file without the column, or an
empty cell, takes it from the ballots, with a warning. A total the ballots contradict is a
warning (the file's own figure is kept).

``budget_per_category`` is no rule of this model: a file whose ``leftover_budget`` line
spends what categories leave on any project is read with a warning (the categories' budgets
then bound only a first round), any other is refused. Honoured:
``min_project_score_threshold`` (a project below it is locked out). A project costing 0 is
fundable: all or nothing, its votes won whole with its selection, at no cost to the budget
(MES buys it first when its voters value it, which under cost utilities they do not, as in
pabutools; Phragmén buys it at no load). Every finding names the file's own line.
"""
from __future__ import annotations

import csv
import io
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from allocator.core.ballots import APPROVAL, CUMULATIVE, ORDINAL, Ballots
from allocator.core.findings import ERROR, WARNING, Finding, InputError
from allocator.core.lang import phrase
from allocator.read.tables import Workbook, from_frames

SECTIONS = ("META", "PROJECTS", "VOTES")
UNCATEGORISED = "uncategorised"
KINDS = {"approval": APPROVAL, "choose-1": APPROVAL, "cumulative": CUMULATIVE,
         "scoring": CUMULATIVE, "ordinal": ORDINAL}
MAX_FINDINGS = 20  # findings of one kind listed before "and N more"


class Section:
    """One section as read: its header, its rows of text cells, and the file line of each."""

    def __init__(self) -> None:
        self.header: list[str] | None = None
        self.rows: list[list[str]] = []
        self.lines: list[int] = []

    def frame(self) -> pd.DataFrame:
        columns = self.header or []
        return pd.DataFrame([(r + [""] * len(columns))[:len(columns)] for r in self.rows],
                            columns=columns, dtype=object)


def parse(path: str | Path) -> tuple[dict[str, str], dict[str, Section]]:
    """META as a dict (values, and ``line.<key>`` the line of each), and each section read."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([Finding(ERROR, p.name, phrase("pb.unreadable", error=exc))]) from None
    meta: dict[str, str] = {}
    sections = {name: Section() for name in SECTIONS}
    section = None
    # a field may be as long as the file: csv's 128 KB default limit would stop the read
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";", quotechar='"')
    for record in reader:
        if len(record) == 1 and record[0].strip().upper() in SECTIONS:
            section = record[0].strip().upper()
            continue
        if section is None or not record or not any(cell.strip() for cell in record):
            continue
        here = sections[section]
        if here.header is None:
            here.header = [h.strip() for h in record]
            continue
        if section == "META":
            key = record[0].strip()
            meta[key] = ";".join(record[1:]).strip()
            meta[f"line.{key}"] = str(reader.line_num)
        else:
            here.rows.append(record)
            here.lines.append(reader.line_num)
    projects = sections["PROJECTS"]
    if not projects.rows or "project_id" not in (projects.header or []):
        raise InputError([Finding(ERROR, p.name, phrase("pb.not_pb"))])
    declared = meta.get("num_projects", "").strip()
    if declared and declared.isdigit() and int(declared) != len(projects.rows):
        raise InputError([Finding(ERROR, p.name, phrase("pb.count", declared=declared,
                                                        listed=len(projects.rows)))])
    return meta, sections


def outcome_column(projects: pd.DataFrame, kind: str | None = None) -> str:
    """``score`` when the file has it, or when its ballots give points (cumulative,
    ordinal), else ``votes``."""
    return "score" if "score" in projects or kind in (CUMULATIVE, ORDINAL) else "votes"


def number(text: str) -> Fraction | None:
    """A decimal as the file writes it (``1 234,5`` too), exactly; None when not a number."""
    try:
        value = Fraction(text.replace(" ", "").replace("\u00a0", "").replace(",", "."))
    except (ValueError, ZeroDivisionError):
        return None
    return value


class Findings(list):
    """Findings of a ``.pb`` file, each at the file's own line; the same complaint about
    many lines is listed up to MAX_FINDINGS times, then counted."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.counts: dict[tuple[str, str], list] = {}

    def add(self, severity: str, section: str, message: str, line: int | None = None,
            column: str | None = None, kind: str = "") -> None:
        count = self.counts.setdefault((section, kind or message), [severity, 0])
        count[1] += 1
        if count[1] <= MAX_FINDINGS:
            self.append(Finding(severity, f"{self.name} {section}", message, row=line,
                                column=column))

    def close(self) -> None:
        for (section, _), (severity, count) in self.counts.items():
            if count > MAX_FINDINGS:
                self.append(Finding(severity, f"{self.name} {section}",
                                    phrase("pb.more", n=count - MAX_FINDINGS)))

    def raise_errors(self) -> None:
        self.close()
        if any(f.severity == ERROR for f in self):
            raise InputError(list(self))


def read_pb(path: str | Path) -> Workbook:
    """The tables of a ``.pb`` file, as ``read.read_workbook`` returns them for a workbook,
    with the ballots of its VOTES section (``Workbook.ballots``; None when it has none)."""
    p = Path(path)
    meta, sections = parse(p)
    raw = sections["PROJECTS"].frame()
    lines = np.asarray(sections["PROJECTS"].lines)
    found = Findings(p.name)
    budget = _budget(meta, found)
    if "budget_per_category" in meta:
        _category_budgets(meta, found)
    if "categories" in raw and "category" not in raw:
        raw = raw.rename(columns={"categories": "category"})
    if "cost" not in raw:
        found.append(Finding(ERROR, p.name, phrase("pb.no_cost")))
    vote_type = meta.get("vote_type", "approval").strip().lower()
    kind = KINDS.get(vote_type)
    if kind is None:
        found.add(ERROR, "META", phrase("pb.vote_type", given=vote_type, known=", ".join(KINDS)),
                  _line(meta, "vote_type"), "vote_type")
        found.raise_errors()
    assert kind is not None
    ids = raw["project_id"].fillna("").astype(str).str.strip()
    read = ([_amount(cell, "cost", line, found) for cell, line in zip(raw["cost"], lines)]
            if "cost" in raw else [None] * len(raw))
    costs = [Fraction(0) if c is None else c for c in read]
    ballots = _ballots(meta, sections["VOTES"], ids, kind, raw, found)
    profit = outcome_column(raw, kind)
    outcome = _outcome(raw, profit, lines, ballots, found)
    lock = _threshold(meta, outcome, found)
    found.raise_errors()
    unit = " – ".join(dict.fromkeys(v for v in (meta.get("unit", ""), meta.get("subunit")
                                                or meta.get("district", "")) if v)) or p.stem

    def text(column: str) -> pd.Series:
        return raw[column].fillna("").astype(str).str.strip() if column in raw else \
            pd.Series([""] * len(raw), dtype=object)

    categories = text("category")
    first = categories.str.split(",").str[0].str.strip()
    theme = first.where(first != "", UNCATEGORISED)
    title = text("name")
    cost_text = [_decimal(c) for c in costs]
    projects = pd.DataFrame({
        "project_id": ids,
        "territory_id": unit,
        "title": title.where(title != "", ids),
        "theme": theme,
        "total_cost": cost_text,
        "requested": cost_text,
        profit: [_decimal(v) for v in outcome],
    })
    if lock is not None:
        projects["lock"] = lock
    if profit != "votes" and "votes" in raw:
        projects["votes"] = [_decimal(v) for v in _outcome(raw, "votes", lines, ballots, found)]
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
    name = f"max_{profit}"
    parameters = {"description": f"{meta.get('description', p.stem)}: the most {profit} the "
                                 f"budget buys ({meta.get('currency', 'EUR')})",
                  "budget": _decimal(budget), f"weight.{profit}": 1, "weight.jobs": 0,
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
    return replace(book, tables=tables, sheet_names=("META", "PROJECTS"),
                   findings=book.findings + tuple(found), ballots=ballots)


def _category_budgets(meta: dict[str, str], found: Findings) -> None:
    """Per-category budgets: allocator has no such rule. They do not bound the outcome where
    the file says leftover money funds further projects (said in a warning); elsewhere the
    file is refused."""
    where = _line(meta, "budget_per_category"), "budget_per_category"
    if "leftover_budget" in meta:
        found.add(WARNING, "META", phrase(
            "pb.category_budgets", given=meta["budget_per_category"],
            leftover=meta["leftover_budget"], amount=meta.get("budget", "")), *where)
    else:
        found.add(ERROR, "META", phrase("pb.category_refused"), *where)


def _line(meta: dict[str, str], key: str) -> int | None:
    return int(meta[f"line.{key}"]) if f"line.{key}" in meta else None


def _decimal(value: Fraction) -> str:
    """An exact decimal as text (the validator parses it): integers stay integers."""
    return str(value.numerator) if value.denominator == 1 else repr(float(value))


def _amount(cell: object, column: str, line: int, found: Findings) -> Fraction | None:
    """A cell's number, 0 or more; None (and an error at its line) when it is not one."""
    text = "" if cell is None else str(cell).strip()
    value = number(text)
    if value is None or value < 0:
        found.add(ERROR, "PROJECTS", phrase("pb.amount", given=text), int(line), column,
                  kind=f"bad {column}")
        return None
    return value


def _budget(meta: dict[str, str], found: Findings) -> Fraction:
    if "budget" not in meta:
        found.append(Finding(ERROR, found.name, phrase("pb.no_budget")))
        return Fraction(0)
    value = number(meta["budget"])
    if value is None or value < 0:
        found.add(ERROR, "META", phrase("pb.budget", given=meta["budget"]),
                  _line(meta, "budget"), "budget")
        return Fraction(0)
    return value


def _outcome(raw: pd.DataFrame, column: str, lines: np.ndarray, ballots: Ballots | None,
             found: Findings) -> list[Fraction]:
    """Each project's votes or score: the file's cell; from the ballots where the file has no
    such column or leaves a cell empty (said), an error where it cannot."""
    counted = None
    if ballots is not None:
        counted = np.asarray((ballots.points if column == "score" else ballots.supports)
                             .sum(axis=0)).ravel()
    if column not in raw:
        if counted is None:
            found.append(Finding(ERROR, found.name, phrase("pb.no_outcome")))
            return [Fraction(0)] * len(raw)
        found.add(WARNING, "PROJECTS", phrase("pb.counted", column=column), int(lines[0]) - 1)
        return [Fraction(int(v)) for v in counted]
    out, differ = [], []
    for k, (cell, line) in enumerate(zip(raw[column], lines)):
        text = "" if cell is None else str(cell).strip()
        if text == "" and counted is not None:
            found.add(WARNING, "PROJECTS", phrase("pb.empty_counted", n=int(counted[k])),
                      int(line), column, kind=f"empty {column}")
            out.append(Fraction(int(counted[k])))
            continue
        if text == "":
            found.add(ERROR, "PROJECTS", phrase("pb.empty", column=column), int(line), column,
                      kind=f"empty {column}")
            out.append(Fraction(0))
            continue
        value = _amount(text, column, line, found)
        out.append(Fraction(0) if value is None else value)
        if value is not None and counted is not None and value != counted[k]:
            differ.append(f"{raw['project_id'].iloc[k]} ({text} vs {int(counted[k])})")
    if differ:
        found.add(WARNING, "PROJECTS", phrase(
            "pb.differ", column=column, n=len(differ),
            projects=", ".join(differ[:5]) + (" …" if len(differ) > 5 else "")), None, column)
    return out


def _threshold(meta: dict[str, str], outcome: list[Fraction], found: Findings
               ) -> list[str] | None:
    """``min_project_score_threshold``: projects below it are locked out (None: no line)."""
    if "min_project_score_threshold" not in meta:
        return None
    value = number(meta["min_project_score_threshold"])
    if value is None:
        found.add(ERROR, "META", phrase("cell.found",
                                        given=f"'{meta['min_project_score_threshold']}'",
                                        expected=phrase("expect.number")),
                  _line(meta, "min_project_score_threshold"),
                  "min_project_score_threshold")
        return None
    return ["out" if v < value else "" for v in outcome]


def _ballots(meta: dict[str, str], votes: Section, ids: pd.Series, kind: str,
             raw: pd.DataFrame, found: Findings) -> Ballots | None:
    """The VOTES section as a voters × projects matrix of points (None: no VOTES rows)."""
    if not votes.rows:
        return None
    header = votes.header or []
    if "vote" not in header:
        found.add(ERROR, "VOTES", phrase("pb.no_vote"), votes.lines[0] - 1)
        return None
    frame = votes.frame()
    column = {p: k for k, p in enumerate(ids)}
    has_points = "points" in header
    if kind == CUMULATIVE and not has_points:
        found.add(ERROR, "VOTES", phrase("pb.points_needed", given=meta.get("vote_type")),
                  votes.lines[0] - 1)
        return None
    scoring, rank_points = _scoring(meta, kind, has_points, frame, found)
    rows, cols, data = [], [], []
    points_cells = frame["points"] if has_points else [""] * len(frame)
    for v, (cell, pcell, line) in enumerate(zip(frame["vote"], points_cells, votes.lines)):
        named = [x.strip() for x in str(cell or "").split(",") if x.strip()]
        if not named:
            found.add(WARNING, "VOTES", phrase("pb.empty_ballot"), line, "vote",
                      kind="empty ballot")
            continue
        unknown = [x for x in named if x not in column]
        if unknown or len(set(named)) < len(named):
            found.add(ERROR, "VOTES", phrase("pb.unknown", given=", ".join(unknown))
                      if unknown else phrase("pb.twice"), line, "vote",
                      kind="unknown" if unknown else "twice")
            continue
        if has_points:
            given = [number(x) for x in str(pcell or "").split(",") if x.strip()]
            if (len(given) != len(named) or any(g is None or g < 0 or g.denominator != 1
                                                for g in given)):
                found.add(ERROR, "VOTES", phrase("pb.points", given=pcell), line, "points",
                          kind="points")
                continue
            values = [int(g) for g in given]  # type: ignore[arg-type]
        elif kind == ORDINAL:
            values = [rank_points(k) for k in range(len(named))]
        else:
            values = [1] * len(named)
        rows += [v] * len(named)
        cols += [column[x] for x in named]
        data += values
    points = sp.csr_array((np.asarray(data, np.int64), (np.asarray(rows, np.int64),
                                                        np.asarray(cols, np.int64))),
                          shape=(len(frame), len(ids)))
    points.eliminate_zeros()
    ballots = Ballots(kind=kind, voters=frame.get("voter_id", pd.Series(range(len(frame))))
                      .astype(str).to_numpy(), points=points, scoring=scoring)
    if kind == ORDINAL and not has_points and "scoring_fn" not in meta:
        _check_borda(ballots, raw, votes, found)
    return ballots


def _scoring(meta: dict[str, str], kind: str, has_points: bool, frame: pd.DataFrame,
             found: Findings):
    """How an ordinal ballot's positions become points: (description, points of position)."""
    if kind != ORDINAL or has_points:
        return (phrase("scoring.points") if kind == ORDINAL else ""), (lambda k: 1)
    fn = meta.get("scoring_fn", "").strip()
    if fn and all(number(x) is not None for x in fn.split(",")):
        listed = [int(number(x) or 0) for x in fn.split(",")]
        return (phrase("scoring.fn", given=fn),
                lambda k: listed[k] if k < len(listed) else 0)
    if fn and not fn.lower().startswith("borda"):
        found.add(ERROR, "META", phrase("pb.scoring_fn", given=fn), _line(meta, "scoring_fn"),
                  "scoring_fn")
    longest = frame["vote"].fillna("").astype(str).str.count(",").max() + 1 if len(frame) else 1
    top = int(number(meta.get("max_length", "")) or longest)
    return (phrase("scoring.borda", top=top), lambda k: max(top - k, 0))


def _check_borda(ballots: Ballots, raw: pd.DataFrame, votes: Section, found: Findings) -> None:
    """Ranks scored Borda for want of a scoring in the file: its score column must agree."""
    if "score" not in raw:
        found.add(WARNING, "VOTES", phrase("pb.ranks", scoring=ballots.scoring),
                  votes.lines[0] - 1)
        return
    scored = np.asarray(ballots.points.sum(axis=0)).ravel()
    given = pd.to_numeric(raw["score"], errors="coerce").to_numpy(float)
    if not np.array_equal(scored, given):
        k = int(np.flatnonzero(scored != given)[0])
        found.add(ERROR, "VOTES", phrase(
            "pb.borda", scoring=ballots.scoring, given=raw["project_id"].iloc[k],
            scored=f"{scored[k]:g}", figure=f"{given[k]:g}"), votes.lines[0] - 1)
