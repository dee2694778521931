"""Read a result workbook written by ``allocator solve`` back into a ``Run``, for comparisons.

A workbook written in French (``--lang fr``) reads as one in English: its sheet names, headers
and run items are read back through ``core.lang.english``."""
from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

import pandas as pd

from allocator.core.findings import ERROR, Finding, InputError
from allocator.core.lang import LANGS, english, phrase, words
from allocator.core.run import Run
from allocator.read.archive import inspect_archive, native_reader, sheet_names

RESULT_SHEETS = ("allocation", "scenario", "run")
RESULT_READ = RESULT_SHEETS + ("outcomes", "by_territory")  # what ``read_result`` reads
# their names in every language
_NAMES = tuple(sorted({words(lang).term(s) for s in RESULT_READ for lang in LANGS}))


def read_result(path: str | Path) -> Run:
    """A Run from a result workbook written by ``allocator solve`` (the ``RESULT_READ``
    sheets it has)."""
    p = Path(path)
    # the checks of any input before a parser sees it (bombs, a cell far from the data) on
    # the sheets read here; calamine's errors and panics become a finding
    inspect_archive(p, sheets=_NAMES)
    with native_reader(p), pd.ExcelFile(p, engine="calamine") as book:
        sheets = {english(s): book.parse(s).rename(columns=english) for s in book.sheet_names
                  if english(s) in RESULT_READ}
    missing = [s for s in ("scenario", "run") if s not in sheets]
    if missing:
        raise InputError([Finding(ERROR, p.name, phrase("results.not_ours",
                                                        sheets=", ".join(missing)))])
    given = sheets["scenario"]
    parameters = dict(zip(given["parameter"].astype(str),
                          given["value"].astype(object).where(given["value"].notna(), None)))
    run = dict(zip(sheets["run"]["item"].astype(str).map(english), sheets["run"]["value"]))
    name = str(parameters.get("name") or p.stem)
    outcomes = tuple(sheets["outcomes"]["outcome"].astype(str).map(english)) \
        if "outcomes" in sheets else ()
    allocation = sheets.get("allocation")
    totals: dict[str, float | None] = {}
    if allocation is not None:
        allocation = allocation.assign(funded=allocation["funded"].astype(bool),
                                       project_id=allocation["project_id"].astype(str),
                                       territory_id=allocation["territory_id"].astype(str))
        if "by_territory" in sheets and "name" in sheets["by_territory"]:
            names = sheets["by_territory"].assign(
                territory_id=lambda f: f["territory_id"].astype(str)).set_index("territory_id")
            allocation["territory_name"] = allocation["territory_id"].map(names["name"])
        totals = {"objective": _number(run.get("objective")),
                  "awarded": float(allocation["award"].sum()),
                  "projects_funded": int(allocation["funded"].sum()),
                  **{o: float(allocation[o].sum()) for o in outcomes}}
    backend = str(run.get("backend", ""))
    method = str(run.get("solver")) if backend == "greedy" else "optimal"
    return Run(name, name, str(p), method, str(run.get("status", "")), allocation, outcomes,
               MappingProxyType(parameters), MappingProxyType(totals),
               f"{run.get('solver', '')} {run.get('solver_version', '')}".strip(),
               _number(run.get("solve_seconds")), str(run.get("message") or ""))


def _number(v) -> float | None:
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def is_result_workbook(path: str | Path) -> bool:
    """Whether ``path`` is a workbook written by ``allocator solve`` rather than an input."""
    p = Path(path)
    if p.suffix.lower() != ".xlsx" or not p.is_file():
        return False
    try:
        names = set(sheet_names(p))  # the workbook part alone: ``read_result`` checks the rest
    except (InputError, OSError):  # not readable: let the input reader say why
        return False
    return set(RESULT_SHEETS) <= set(map(english, names)) and "projects" not in names
