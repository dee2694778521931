"""Validate what was read and build the Problem: every finding at once, errors and warnings apart.

Each finding names the sheet, the Excel row, the column header as the user wrote it, the value
found and what was expected. Warnings never stop a run; any error raises InputError.
"""
from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

from allocator.core.findings import ERROR, WARNING, Finding, InputError
from allocator.core.lang import phrase
from allocator.core.problem import Problem
from allocator.core.scenario import Scenario, Where, build_scenario
from allocator.core.schema import (
    BOOLEAN,
    CHOICE,
    DEFAULT_OUTCOMES,
    DEFAULT_THEMES,
    ID,
    ID_LIST,
    INTEGER,
    NUMBER,
    PROJECTS,
    REGIONS,
    RESOURCES,
    SCENARIOS_SHEET,
    TERRITORIES,
    THEMES,
    Column,
    Sheet,
)
from allocator.read.tables import Table, Workbook

EXCEL_CELL_CHARS = 32_767  # the most a cell of an .xlsx holds
LARGEST = 1e15  # no euro amount, hectare or head count of this programme comes near it
_TRUE = {"yes", "oui", "true", "vrai", "1", "x", "y", "o"}
_FALSE = {"no", "non", "false", "faux", "0", "n", ""}
_FRENCH_NUMBER = re.compile(r"[-+]?\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:,\d+)?|[-+]?\d+,\d+")
# a number with its unit, as a CSV exported by Excel shows a formatted cell: 35 %, 1 200 000 €
_UNIT_NUMBER = re.compile(r"(?P<number>[-+]?[\d \u00a0\u202f.,]*\d)[ \u00a0\u202f]*(?P<unit>%|€)")
DEFAULT_THEME_LABELS = dict(zip(DEFAULT_THEMES, (
    "Transition écologique", "Innovation", "Compétences et recrutement", "Foncier industriel",
    "Attractivité")))


@dataclass
class _Checker:
    """Collects findings about one table, located by frame position."""
    table: Table
    findings: list[Finding]

    def add(self, severity: str, column: str | None, position: int | None, message: str,
            value=None):
        t = self.table
        header = t.headers.get(column, column) if column else None
        row = int(t.rows[position]) if position is not None else None
        cell = t.cell(column, position) if column in t.letters and position is not None else None
        self.findings.append(Finding(severity, t.source, message, row=row, column=header, cell=cell,
                                     value=_plain(value)))

    def error(self, column, position, message, value=None):
        self.add(ERROR, column, position, message, value)

    def warn(self, column, position, message, value=None):
        self.add(WARNING, column, position, message, value)


def _plain(v):
    if isinstance(v, (np.generic,)):
        return v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    return v


def _show(v) -> str:
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return f"{int(v):,}".replace(",", " ")
    if isinstance(v, float):  # shortest exact form, thousands apart: 1 234 567.5, 0.15
        return f"{v:,}".replace(",", " ")
    return repr(v) if isinstance(v, str) else str(v)


# ----------------------------------------------------------------------------- cell parsing

def parse_column(check: _Checker, column: Column) -> pd.Series:
    """Typed values of one column (NaN/None where empty), with a finding for each bad cell."""
    table = check.table
    if column.name not in table.frame:
        return _default_series(column, len(table.frame))
    raw = table.frame[column.name]
    if column.kind in (NUMBER, INTEGER):
        values = _numbers(check, column.name, raw, column.expectation)
        values = _bounds(check, column, values)
        if column.default is not None:
            values = values.fillna(column.default)
        return values
    if column.kind == BOOLEAN:
        return _booleans(check, column, raw)
    text = _texts(raw)
    for pos in np.flatnonzero((text.str.len() > EXCEL_CELL_CHARS).to_numpy(bool)):
        check.warn(column.name, pos, phrase("cell.long", chars=_show(float(len(text.iloc[pos]))),
                                            most=_show(float(EXCEL_CELL_CHARS))))
    if column.kind in (ID, ID_LIST) or column.name == "exclusive_group":
        text = normalise_ids(text)
    if column.kind == ID_LIST:
        lists = pd.Series([()] * len(text), dtype=object)
        given = text.notna().to_numpy()
        lists[given] = text[given].map(
            lambda s: tuple(p.strip() for p in re.split(r"[;,]", s) if p.strip()))
        return lists
    if column.kind == CHOICE and column.choices:
        lowered = text.str.lower()
        bad = lowered.notna() & ~lowered.isin(column.choices)
        for pos in np.flatnonzero(bad.to_numpy()):
            check.error(column.name, pos, phrase("cell.not_allowed", given=raw.iloc[pos],
                                                 expected=column.expectation), raw.iloc[pos])
        return lowered.where(~bad).fillna("")
    return text


def _default_series(column: Column, n: int) -> pd.Series:
    if column.kind in (NUMBER, INTEGER):
        return pd.Series(np.full(n, np.nan if column.default is None else column.default, float))
    if column.kind == BOOLEAN:
        return pd.Series(np.full(n, bool(column.default)))
    if column.kind == ID_LIST:
        return pd.Series([()] * n, dtype=object)
    if column.kind == CHOICE:
        return pd.Series([""] * n, dtype=object)
    return pd.Series([None] * n, dtype=object)


def _texts(raw: pd.Series) -> pd.Series:
    """Cells as stripped text (None where empty); whole numbers without a trailing .0."""
    if pd.api.types.infer_dtype(raw, skipna=True) in ("string", "empty"):
        return raw.str.strip()  # every cell is text: one vectorised pass
    return raw.map(_text, na_action="ignore")


# characters that show as nothing: an id pasted with one is another id to a computer only.
# Unicode's invisible format characters: soft hyphen, Mongolian vowel separator, zero-width
# spaces and joiners, the marks and overrides of text direction (which also reorder what is
# shown: "Trojan source"), invisible operators, the byte order mark, interlinear annotation
# and tag characters
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064"
                        "\u2066-\u206f\ufeff\ufff9-\ufffb\U000e0000-\U000e007f]")


def normalise_id(text: str) -> str:
    """An identifier as one spelling: Unicode NFC (é typed or composed are one), without
    invisible characters (zero-width spaces, soft hyphens, direction marks), stripped; so
    that one dossier cannot be two projects, nor one group two."""
    return _INVISIBLE.sub("", unicodedata.normalize("NFC", text)).strip()


def normalise_ids(text: pd.Series) -> pd.Series:
    """``normalise_id`` of each cell (None stays None). ASCII text has no invisible
    characters and is its own NFC: stripping it is the whole of it, one vectorised pass
    (1,000,000 project ids: ~2 s of ``normalise_id`` calls)."""
    given = text.notna().to_numpy()
    ascii_ = np.zeros(len(text), bool)
    ascii_[given] = text[given].str.isascii().to_numpy(bool)
    out = text.copy()
    out[ascii_] = text[ascii_].str.strip()
    rest = given & ~ascii_
    out[rest] = text[rest].map(normalise_id)
    return out


def _text(v) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _numbers(check: _Checker, name: str, raw: pd.Series, expectation: str) -> pd.Series:
    """Floats of a number column. Text numbers are accepted (French format with a warning)."""
    kind = pd.api.types.infer_dtype(raw, skipna=True)
    if kind in ("floating", "integer", "mixed-integer-float", "empty"):
        numeric = raw.notna().to_numpy()  # numbers only (no text, no true/false cells)
    elif kind == "string":  # text only (every cell of a CSV)
        numeric = np.zeros(len(raw), bool)
    else:
        numeric = raw.map(type).isin([float, int]).to_numpy()
    values = np.full(len(raw), np.nan)
    values[numeric] = raw[numeric].astype(float).to_numpy()
    pending = np.flatnonzero(raw.notna().to_numpy() & ~numeric)
    if len(pending):
        # plain numbers written as text (all of a CSV, a few in an .xlsx) parse in one pass;
        # the parser skips the spaces around them, the few cells it refuses are read again
        # stripped of any other blank (a no-break space)
        given = raw.iloc[pending]
        plain = np.full(len(given), np.nan)
        text = np.flatnonzero(given.map(type).eq(str).to_numpy()) if kind != "string" else \
            np.arange(len(given))
        plain[text] = pd.to_numeric(given.iloc[text], errors="coerce").to_numpy(dtype=float)
        again = text[np.isnan(plain[text])]
        plain[again] = pd.to_numeric(given.iloc[again].str.strip(),
                                     errors="coerce").to_numpy(dtype=float)
        ok = ~np.isnan(plain)
        values[pending[ok]] = plain[ok]
        if not check.table.text_cells:
            for pos in pending[ok]:
                check.warn(name, pos, phrase("cell.number_as_text", given=repr(raw.iloc[pos]),
                                             figure=_show(values[pos])), raw.iloc[pos])
        for pos in pending[~ok]:
            v = raw.iloc[pos]
            if isinstance(v, bool):
                check.error(name, pos, phrase("cell.true_false", given=v, expected=expectation), v)
            elif isinstance(v, (dt.date, dt.datetime, dt.time, dt.timedelta)):
                check.error(name, pos, phrase("cell.date", given=v, expected=expectation), str(v))
            elif isinstance(v, str) and _FRENCH_NUMBER.fullmatch(v.strip()):
                values[pos] = _french(v)
                if not check.table.decimal_comma:
                    check.warn(name, pos, phrase("cell.french_number", given=repr(v),
                                                 figure=_show(values[pos])), v)
            elif isinstance(v, str) and (m := _UNIT_NUMBER.fullmatch(v.strip())) and \
                    (number := _plain_or_french(m["number"])) is not None:
                values[pos] = number / 100 if m["unit"] == "%" else number
                if not check.table.decimal_comma:
                    check.warn(name, pos, phrase("cell.unit_number", given=repr(v),
                                                 figure=_show(values[pos])), v)
            else:
                check.error(name, pos, phrase("cell.found", given=repr(v), expected=expectation),
                            v)
    bad = ~np.isfinite(values) & ~np.isnan(values) | (np.abs(np.nan_to_num(values)) > LARGEST)
    for pos in np.flatnonzero(bad):
        check.error(name, pos, phrase("cell.implausible", figure=_show(values[pos]),
                                      expected=expectation), values[pos])
        values[pos] = np.nan
    return pd.Series(values)


def _french(text: str) -> float:
    return float(re.sub(r"[ \u00a0\u202f]", "", text.strip()).replace(",", "."))


def _plain_or_french(text: str) -> float | None:
    if _FRENCH_NUMBER.fullmatch(text):
        return _french(text)
    try:
        return float(text)
    except ValueError:
        return None


def _all_numbers(raw: pd.Series) -> bool:
    """Whether every non-empty cell is a number, or text that reads as one."""
    kinds = raw.map(type)
    count = int(kinds.isin([float, int]).sum())
    text = raw[kinds.eq(str)].astype(object).map(str.strip)
    if len(text):
        plain = pd.to_numeric(text, errors="coerce").notna()
        count += int((plain | text.str.fullmatch(_FRENCH_NUMBER.pattern)).sum())
    return count == int(raw.notna().sum())


def _bounds(check: _Checker, column: Column, values: pd.Series) -> pd.Series:
    """Values with out-of-bounds cells reported and blanked, so later checks do not cascade."""
    v = values.to_numpy()
    bad = np.zeros(len(v), bool)
    with np.errstate(invalid="ignore"):
        if column.lo is not None:
            bad |= v < column.lo
        if column.hi is not None:
            bad |= v > column.hi
        if column.kind == INTEGER:
            bad |= np.isfinite(v) & (v != np.round(v))
    for pos in np.flatnonzero(bad):
        check.error(column.name, pos, phrase("cell.found", given=_show(v[pos]),
                                             expected=column.expectation), v[pos])
    return values.where(~bad)


def _booleans(check: _Checker, column: Column, raw: pd.Series) -> pd.Series:
    def parse(v):
        if v is None:
            return bool(column.default)
        if isinstance(v, bool):
            return v
        if isinstance(v, (int, float)) and v in (0, 1):
            return bool(v)
        s = str(v).strip().lower()
        if s in _TRUE:
            return True
        if s in _FALSE:
            return False
        return None
    parsed = raw.map(parse)
    for pos in np.flatnonzero(parsed.isna().to_numpy()):
        check.error(column.name, pos, phrase("cell.found", given=repr(raw.iloc[pos]),
                                             expected=column.expectation), raw.iloc[pos])
    return parsed.fillna(False).astype(bool)


# ----------------------------------------------------------------------------- sheets

def _parse_sheet(table: Table, sheet: Sheet, findings: list[Finding]
                 ) -> tuple[pd.DataFrame, _Checker]:
    check = _Checker(table, findings)
    missing = [c.name for c in sheet.columns if c.required and c.name not in table.frame]
    for name in missing:
        aliases = ", ".join(repr(a) for a in sheet.column(name).aliases[:3])
        findings.append(Finding(ERROR, table.source, phrase("column.missing", column=name,
                                                            aliases=aliases), column=name))
    frame = pd.DataFrame({c.name: parse_column(check, c) for c in sheet.columns})
    for c in sheet.columns:
        if c.required and c.name in table.frame:
            empty = table.frame[c.name].isna().to_numpy()
            for pos in np.flatnonzero(empty):
                check.error(c.name, pos, phrase("cell.empty", expected=c.expectation))
    if sheet.key and sheet.key in table.frame:
        _unique(check, sheet.key, frame[sheet.key])
    return frame, check


def _unique(check: _Checker, column: str, ids: pd.Series) -> None:
    # ids that read the same to a person: whatever their case, spaces or character width
    # (a full-width Ｐ typed by an input method, NFKC)
    folded = ids.str.normalize("NFKC").str.replace(r"\s+", "", regex=True).str.casefold() \
        if pd.api.types.infer_dtype(ids, skipna=True) == "string" else \
        ids.map(lambda s: re.sub(r"\s+", "", unicodedata.normalize("NFKC", s)).casefold()
                if isinstance(s, str) else s)
    first: dict[str, int] = {}
    for pos in np.flatnonzero(folded.duplicated(keep=False).to_numpy() & ids.notna().to_numpy()):
        key = folded.iloc[pos]
        if key not in first:
            first[key] = int(pos)
            continue
        other = int(check.table.rows[first[key]])
        check.error(column, pos, phrase("id.twice", given=ids.iloc[pos], row=other)
                    if ids.iloc[pos] == ids.iloc[first[key]] else
                    phrase("id.near", given=ids.iloc[pos], first=ids.iloc[first[key]], row=other),
                    ids.iloc[pos])


def validate(workbook: Workbook) -> Problem:
    """The Problem the workbook describes; raises InputError listing every error found."""
    findings: list[Finding] = list(workbook.findings)
    tables = workbook.tables
    if PROJECTS.name not in tables:
        found = phrase("sheet.no_projects", sheets=", ".join(workbook.sheet_names)) \
            if workbook.sheet_names else phrase("sheet.none")
        raise InputError(findings + [Finding(ERROR, PROJECTS.name, found)])
    themes = _themes(tables.get(THEMES.name), findings)
    regions = _regions(tables.get(REGIONS.name), findings)
    territories = _territories(tables.get(TERRITORIES.name), regions, findings)
    projects, check = _parse_sheet(tables[PROJECTS.name], PROJECTS, findings)
    if projects.empty:
        findings.append(Finding(ERROR, tables[PROJECTS.name].source, phrase("sheet.empty")))
    table = tables[PROJECTS.name]
    projects["row"] = table.rows
    _check_projects(check, projects, themes, territories)
    projects = projects.merge(territories[["territory_id", "region"]], on="territory_id",
                              how="left", validate="many_to_one") if len(territories) else \
        projects.assign(region="")
    projects["region"] = projects["region"].fillna("")
    extras = [c for c in table.frame.columns if c not in projects.columns
              and not any(p.match(c) for p in PROJECTS.patterns)]
    pattern_cols = [c for c in table.frame.columns if c not in projects.columns
                    and any(p.match(c) for p in PROJECTS.patterns)]
    outcomes = list(DEFAULT_OUTCOMES)
    numeric_extras = {}  # analyst columns holding numbers only: possible outcomes, as floats
    for c in extras:
        if table.frame[c].notna().any() and _all_numbers(table.frame[c]):
            numeric_extras[c] = _numbers(_Checker(table, []), c, table.frame[c],
                                         phrase("expect.number")).fillna(0.0)
            outcomes.append(c)
    resources, use = _resources(tables.get(RESOURCES.name), table, check, pattern_cols, findings)
    _ranges(check, projects, table, pattern_cols, outcomes)
    # every analyst column may be weighted; one that is then must hold numbers (checked below)
    scenarios = _scenarios(tables.get(SCENARIOS_SHEET),
                           tuple(outcomes) + tuple(c for c in extras if c not in numeric_extras),
                           tuple(themes["theme"]), findings)
    weighted_extras = [c for c in extras if any(c in s.outcomes for s in scenarios)]
    for c in weighted_extras:  # an analyst column became an outcome: it must hold numbers
        numeric_extras[c] = _numbers(check, c, table.frame[c], phrase("expect.number")).fillna(0.0)
        if c not in outcomes:
            outcomes.append(c)
    errors = [f for f in findings if f.severity == ERROR]
    if errors:
        raise InputError(findings)
    for c in extras:
        projects[c] = numeric_extras[c] if c in numeric_extras else table.frame[c].to_numpy()
    projects["max_award"] = np.fmin(projects["requested"],
                                    projects["max_aid_rate"] * projects["total_cost"])
    min_award = projects["min_award"]
    projects["partial"] = min_award.notna() & (min_award < projects["max_award"])
    return Problem(projects=projects, territories=territories, regions=regions,
                   resources=resources, resource_use=use, themes=themes,
                   outcomes=tuple(outcomes), extra_columns=tuple(extras),
                   scenarios=tuple(scenarios), source=workbook.path, ballots=workbook.ballots,
                   warnings=tuple(f for f in findings if f.severity == WARNING))


def _themes(table: Table | None, findings) -> pd.DataFrame:
    if table is None:
        return pd.DataFrame({"theme": list(DEFAULT_THEMES),
                             "label": [DEFAULT_THEME_LABELS[t] for t in DEFAULT_THEMES]})
    frame, _ = _parse_sheet(table, THEMES, findings)
    frame["theme"] = frame["theme"].str.lower()
    return frame.dropna(subset=["theme"]).reset_index(drop=True)


def _regions(table: Table | None, findings) -> pd.DataFrame | None:
    if table is None:
        return None
    frame, check = _parse_sheet(table, REGIONS, findings)
    _floor_cap(check, frame)
    return frame


def _floor_cap(check: _Checker, frame: pd.DataFrame) -> None:
    with np.errstate(invalid="ignore"):
        bad = (frame["floor"] > frame["cap"]).to_numpy()
    for pos in np.flatnonzero(bad):
        check.error("floor", pos, phrase("floor.cap", floor=_show(frame["floor"].iloc[pos]),
                                         cap=_show(frame["cap"].iloc[pos])),
                    frame["floor"].iloc[pos])


def _territories(table: Table | None, regions: pd.DataFrame | None, findings) -> pd.DataFrame:
    columns = [c.name for c in TERRITORIES.columns]
    if table is None:
        if regions is not None:
            findings.append(Finding(WARNING, TERRITORIES.name, phrase("sheet.no_territories")))
        return pd.DataFrame(columns=columns)
    frame, check = _parse_sheet(table, TERRITORIES, findings)
    _floor_cap(check, frame)
    if regions is not None:
        known = set(regions["region"].dropna())
        unknown = frame["region"].notna() & ~frame["region"].isin(known)
        for pos in np.flatnonzero(unknown.to_numpy()):
            check.error("region", pos, phrase("region.unknown", given=frame["region"].iloc[pos]),
                        frame["region"].iloc[pos])
    return frame


def _check_projects(check: _Checker, p: pd.DataFrame, themes: pd.DataFrame,
                    territories: pd.DataFrame) -> None:
    with np.errstate(invalid="ignore"):
        for pos in np.flatnonzero((p["requested"] > p["total_cost"]).to_numpy()):
            check.error("requested", pos, phrase(
                "requested.cost", requested=_show(p["requested"].iloc[pos]),
                cost=_show(p["total_cost"].iloc[pos])), p["requested"].iloc[pos])
        for pos in np.flatnonzero((p["min_award"] > p["requested"]).to_numpy()):
            check.error("min_award", pos, phrase(
                "min_award.requested", min_award=_show(p["min_award"].iloc[pos]),
                requested=_show(p["requested"].iloc[pos])), p["min_award"].iloc[pos])
        cap = p["max_aid_rate"] * p["total_cost"]
        for pos in np.flatnonzero((p["min_award"] > cap + 0.005).to_numpy()):
            check.error("max_aid_rate", pos, phrase(
                "rate.min_award", rate=f"{p['max_aid_rate'].iloc[pos]:g}",
                cap=_show(round(cap.iloc[pos], 2)), min_award=_show(p["min_award"].iloc[pos])),
                p["max_aid_rate"].iloc[pos])
        over = ((p["requested"] > cap + 0.005) & ~(p["min_award"] > cap + 0.005)
                & ~(p["requested"] > p["total_cost"]))  # that one is an error already
        for pos in np.flatnonzero(over.to_numpy()):
            check.warn("max_aid_rate", pos, phrase(
                "rate.capped", requested=_show(p["requested"].iloc[pos]),
                cap=_show(round(cap.iloc[pos], 2))), p["max_aid_rate"].iloc[pos])
    known_themes = set(themes["theme"])
    unknown = p["theme"].notna() & ~p["theme"].str.lower().isin(known_themes)
    for pos in np.flatnonzero(unknown.to_numpy()):
        check.error("theme", pos, phrase("theme.unknown", given=p["theme"].iloc[pos],
                                         choices=", ".join(sorted(known_themes))),
                    p["theme"].iloc[pos])
    p["theme"] = p["theme"].str.lower()
    if len(territories):
        known = set(territories["territory_id"].dropna())
        near = _folded(known)
        unknown = p["territory_id"].notna() & ~p["territory_id"].isin(known)
        for pos in np.flatnonzero(unknown.to_numpy()):
            given = p["territory_id"].iloc[pos]
            check.error("territory_id", pos, phrase("territory.near", given=given,
                                                    near=near[_fold(given)])
                        if _fold(given) in near else phrase("territory.unknown", given=given),
                        given)
    _requires(check, p)
    # a group is one group whatever its case and spacing: each member shows the first spelling
    groups = p["exclusive_group"].fillna("")
    # folded once per spelling, not per project (most projects have none)
    key = groups.map({g: _fold(g) for g in groups.unique()})
    first = dict(zip(key[groups != ""][::-1], groups[groups != ""][::-1]))
    p["exclusive_group"] = key.map(lambda k: first.get(k, ""))


def _fold(key: str) -> str:
    return re.sub(r"\s+", "", key).casefold()


def _folded(ids) -> dict[str, str]:
    """Each id by its folded form (no spaces, no case), to suggest the id a user meant."""
    return {_fold(k): k for k in ids if isinstance(k, str)}


def _requires(check: _Checker, p: pd.DataFrame) -> None:
    ids = p["project_id"]
    position = {pid: i for i, pid in enumerate(ids) if isinstance(pid, str)}
    graph: dict[int, list[int]] = {}
    near: dict[str, str] = {}  # folded ids, made at the first unknown one (1,000,000 folds)
    for pos in np.flatnonzero(p["requires"].map(len).to_numpy()):
        for other in p["requires"].iloc[pos]:
            if other not in position:
                near = near or _folded(position)
                check.error("requires", pos, phrase("requires.near", given=other,
                                                    near=near[_fold(other)])
                            if _fold(other) in near else
                            phrase("requires.unknown", given=other), other)
            elif position[other] == pos:
                check.error("requires", pos, phrase("requires.itself", given=other), other)
            else:
                graph.setdefault(int(pos), []).append(position[other])
    # a cycle of requirements can never be started: name it
    state: dict[int, int] = {}
    for start in sorted(graph):
        if state.get(start):
            continue
        stack, path = [(start, iter(graph.get(start, ())))], [start]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
                path.pop()
            elif state.get(child) == 1:
                cycle = path[path.index(child):] + [child]
                check.error("requires", cycle[0], phrase(
                    "requires.cycle", cycle=" → ".join(ids.iloc[i] for i in cycle)))
            elif not state.get(child):
                state[child] = 1
                stack.append((child, iter(graph.get(child, ()))))
                path.append(child)


def _resources(table: Table | None, projects: Table, check: _Checker, pattern_cols,
               findings) -> tuple[pd.DataFrame, pd.DataFrame]:
    columns = {}
    for c in pattern_cols:
        for pat in PROJECTS.patterns[:2]:  # use:<resource>, spend_<year>
            if m := pat.match(c):
                columns[m.group(1)] = c
    if table is None:
        resources = pd.DataFrame(columns=[c.name for c in RESOURCES.columns])
        if columns:
            findings.append(Finding(WARNING, projects.source, phrase(
                "resource.no_capacity", columns=", ".join(columns.values()))))
    else:
        resources, rcheck = _parse_sheet(table, RESOURCES, findings)
        for pos in np.flatnonzero(~resources["resource"].isin(list(columns)).to_numpy()):
            rcheck.warn("resource", pos, phrase("resource.unused",
                                                given=resources["resource"].iloc[pos]),
                        resources["resource"].iloc[pos])
    names = [r for r in resources["resource"] if r in columns]
    use = pd.DataFrame({r: _numbers(check, columns[r], projects.frame[columns[r]],
                                    phrase("expect.number_from", lo=0)).fillna(0.0)
                        for r in names}, index=range(len(projects.frame)))
    for r in names:
        for pos in np.flatnonzero((use[r] < 0).to_numpy()):
            check.error(columns[r], pos, phrase("cell.found", given=_show(use[r].iloc[pos]),
                                                expected=phrase("expect.number_from", lo=0)),
                        use[r].iloc[pos])
    return resources.reset_index(drop=True), use


def _ranges(check: _Checker, p: pd.DataFrame, table: Table, pattern_cols, outcomes) -> None:
    for c in pattern_cols:
        m = re.fullmatch(r"(.+)_(low|high)", c)
        if not m or m.group(1) not in outcomes or m.group(1) not in p:
            continue
        values = _numbers(check, c, table.frame[c], phrase("expect.number_from", lo=0))
        central = p[m.group(1)]
        with np.errstate(invalid="ignore"):
            bad = (values > central) if m.group(2) == "low" else (values < central)
        for pos in np.flatnonzero(bad.to_numpy()):
            check.error(c, pos, phrase(f"range.{m.group(2)}", column=c,
                                       figure=_show(values.iloc[pos]), outcome=m.group(1),
                                       central=_show(central.iloc[pos])), values.iloc[pos])
        p[c] = values.fillna(central)


def _scenarios(table: Table | None, outcomes, themes, findings) -> list[Scenario]:
    if table is None:
        return []
    frame = table.frame
    if frame.shape[1] < 2:
        findings.append(Finding(ERROR, table.source, phrase("sheet.scenarios")))
        return []
    names_col = frame.columns[0]
    out = []
    for column in frame.columns[1:]:
        raw = {}
        for pos in range(len(frame)):
            key = frame[names_col].iloc[pos]
            if key is None or frame[column].iloc[pos] is None:
                continue
            row = int(table.rows[pos])
            raw[str(key).strip()] = (frame[column].iloc[pos],
                                     Where(table.source, row, f"{table.letters[column]}{row}"))
        scenario, problems = build_scenario(str(column), raw, outcomes=outcomes, themes=themes)
        findings.extend(problems)
        out.append(scenario)
    return out
