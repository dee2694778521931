"""Reading: a 100,000-project workbook through each Excel reader, and allocator's read+validate.

Writes a workbook laid out like ``scenarios/territoires-industrie.xlsx`` (its sheets, its 27
project columns; the small sheets are copied, the project rows are synthetic, drawn from whole
numpy arrays and valid) with xlsxwriter in constant-memory mode, then times, in the same run:

- ``pandas.read_excel(engine="openpyxl")``, pandas' default reader for .xlsx;
- ``pandas.read_excel(engine="calamine")``;
- python-calamine directly (``CalamineSheet.to_python``: a list of rows of Python values);
- fastexcel (``load_sheet_by_name``: cells into an Arrow record batch, in Rust; turning that
  into pandas needs pyarrow, which allocator does not depend on);
- ``allocator.read.read_workbook`` then ``allocator.validate.tables.validate``: the whole input path
  (archive checks, every sheet, every cell typed and checked, the Problem built).

The readers read the projects sheet only (the other sheets are a few hundred cells).

    python -m benchmarks read            # 100,000 projects
    python -m benchmarks read --quick    # 5,000 projects
"""
from __future__ import annotations

import datetime as dt
import gc
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

BUNDLED = Path(__file__).resolve().parents[1] / "scenarios" / "territoires-industrie.xlsx"
SEED = 20240917
FULL_N, QUICK_N = 100_000, 5_000
SMALL_SHEETS = ("territories", "regions", "resources", "themes", "scenarios")
OUTCOMES = ("jobs", "skills", "innovation")
YEARS = (2024, 2025, 2026, 2027)
THEMES = ("ecological_transition", "innovation", "skills_recruitment", "industrial_land",
          "attractiveness")
WORDS = ("Plateforme", "Atelier", "Ligne", "Centre de formation", "Friche", "Campus",
         "Halle", "Unité de méthanisation", "Robotisation", "Ombrières photovoltaïques")
NOTES = ("Dossier complet", "Convention de revitalisation associée",
         "Lauréat France 2030 (volet amont)", "+ 15 emplois indirects estimés")


# ----------------------------------------------------------------------------- the workbook

def _bundled() -> tuple[list[str], dict[str, list[tuple]]]:
    """The projects header and the small sheets of the bundled workbook, as rows."""
    from python_calamine import CalamineWorkbook
    book = CalamineWorkbook.from_path(str(BUNDLED))
    header = [str(h) for h in book.get_sheet_by_name("projects").to_python(nrows=1)[0]]
    sheets = {name: [list(r) for r in book.get_sheet_by_name(name).to_python()]
              for name in SMALL_SHEETS}
    return header, sheets


def project_columns(n: int, territories: list[str], seed: int = SEED) -> dict[str, list]:
    """Synthetic, valid project rows by column (None for an empty cell)."""
    rng = np.random.default_rng(seed)
    ids = np.char.add("P-", np.char.zfill(np.arange(1, n + 1).astype(str), 6))
    cost = np.round(rng.lognormal(np.log(2.7e6), 0.9, n), -3).clip(50_000, 80e6)
    rate = rng.choice([0.15, 0.25, 0.35], n, p=[0.3, 0.45, 0.25])
    requested = np.maximum(np.floor(cost * rate * rng.uniform(0.3, 1.0, n) / 1000) * 1000, 1000)
    partial = rng.random(n) < 0.3
    min_award = np.where(partial, np.round(requested * rng.uniform(0.3, 0.8, n), -3), np.nan)
    jobs = np.round(requested / rng.uniform(12_000, 30_000, n))
    skills = np.round(rng.gamma(1.2, 25, n))
    innovation = np.round(rng.uniform(0, 10, n), 1)
    site = rng.random(n) < 0.06
    net_ha = np.where(site, np.round(rng.uniform(-6, 8, n), 1), 0.0)
    theme = np.asarray(THEMES)[rng.choice(5, n, p=[0.29, 0.22, 0.17, 0.14, 0.18])]
    territory = np.asarray(territories)[rng.integers(0, len(territories), n)]
    title = np.char.add(np.char.add(np.asarray(WORDS)[rng.integers(0, len(WORDS), n)], " n°"),
                        np.arange(1, n + 1).astype(str))
    position = np.arange(n)
    requires = np.full(n, None, object)
    has = (rng.random(n) < 0.03) & (position > 5)
    requires[has] = ids[position[has] - rng.integers(1, 5, has.sum())]
    group = np.full(n, None, object)
    pairs = np.flatnonzero((rng.random(n) < 0.02) & (position < n - 1))
    group[pairs] = np.char.add("G", pairs.astype(str))
    group[pairs + 1] = group[pairs]
    lock = np.full(n, None, object)
    lock[rng.random(n) < 0.005] = "out"
    columns: dict[str, object] = {
        "project_id": ids, "territory_id": territory, "title": title, "theme": theme,
        "total_cost": cost, "requested": requested, "min_award": min_award,
        "max_aid_rate": rate, "jobs": jobs, "skills": skills, "innovation": innovation,
        "is_site": site, "net_artificialised_ha": net_ha, "requires": requires,
        "exclusive_group": group, "lock": lock}
    for o in OUTCOMES:
        central = columns[o]
        columns[f"{o}_low"] = np.round(central * rng.uniform(0.6, 1.0, n), 1)
        columns[f"{o}_high"] = np.round(central * rng.uniform(1.0, 1.6, n), 1)
    shares = rng.dirichlet(np.ones(len(YEARS)), n) * (rng.random((n, len(YEARS))) < 0.6)
    shares[shares.sum(axis=1) == 0, 1] = 1.0
    shares /= shares.sum(axis=1, keepdims=True)
    spend = np.round(shares * requested[:, None])
    top = shares.argmax(axis=1)  # the years add up to the request exactly
    spend[np.arange(n), top] += requested - spend.sum(axis=1)
    for k, year in enumerate(YEARS):
        columns[f"spend_{year}"] = spend[:, k]
    note = np.full(n, None, object)
    some = rng.random(n) < 0.08
    note[some] = np.asarray(NOTES)[rng.integers(0, len(NOTES), some.sum())]
    columns["note"] = note
    out = {}
    for name, values in columns.items():
        values = np.asarray(values)
        if values.dtype.kind == "f":
            as_list = values.tolist()
            out[name] = [None if v != v else (int(v) if v.is_integer() and abs(v) < 1e15 else v)
                         for v in as_list]
        else:
            out[name] = values.tolist()
    return out


def write_workbook(path: Path, n: int) -> Path:
    """The benchmark workbook: the bundled workbook's sheets, n synthetic projects."""
    import xlsxwriter
    header, sheets = _bundled()
    territories = [r[0] for r in sheets["territories"][1:] if r and r[0]]
    columns = project_columns(n, territories)
    assert set(columns) == set(header), set(columns) ^ set(header)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("projects")
    ws.write_row(0, 0, header)
    for i, row in enumerate(zip(*(columns[h] for h in header)), start=1):
        ws.write_row(i, 0, row)
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for i, row in enumerate(rows):
            ws.write_row(i, 0, [None if v == "" else v for v in row])
    wb.close()
    return path


# ----------------------------------------------------------------------------- the readers

def read_openpyxl(path):
    import pandas as pd
    return pd.read_excel(path, sheet_name="projects", engine="openpyxl")


def read_pandas_calamine(path):
    import pandas as pd
    return pd.read_excel(path, sheet_name="projects", engine="calamine")


def read_calamine(path):
    from python_calamine import CalamineWorkbook
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name("projects").to_python()


def read_fastexcel(path):
    import fastexcel
    sheet = fastexcel.read_excel(str(path)).load_sheet_by_name("projects")
    assert sheet.height == sheet.total_height  # the rows were read, not only counted
    return sheet


def read_allocator(path):
    from allocator.read import read_workbook
    return read_workbook(path)


def read_validate_allocator(path):
    from allocator.read import read_workbook
    from allocator.validate.tables import validate
    return validate(read_workbook(path))


def _time(fn, path, repeats: int) -> tuple[float, float, object]:
    """Median wall-clock and CPU seconds (CPU time is less sensitive to a busy machine)."""
    times, cpu, result = [], [], None
    for _ in range(repeats):
        result = None
        gc.collect()
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn(path)
        cpu.append(time.process_time() - start_cpu)
        times.append(time.perf_counter() - start)
    return statistics.median(times), statistics.median(cpu), result


def _load() -> str:
    try:
        return "{:.1f}".format(os.getloadavg()[0])
    except OSError:
        return "?"


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{os.cpu_count()} CPUs (nproc), {cpu}, Python {platform.python_version()}, "
            f"{dt.date.today().isoformat()}")


def _versions() -> str:
    from importlib.metadata import version
    names = ("pandas", "numpy", "openpyxl", "python-calamine", "fastexcel", "xlsxwriter")
    return ", ".join(f"{n} {version(n)}" for n in names)


def run(quick: bool = False) -> str:
    n = QUICK_N if quick else FULL_N
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"projects-{n}.xlsx"
        start = time.perf_counter()
        write_workbook(path, n)
        written = time.perf_counter() - start
        size = path.stat().st_size
        slow = 1 if n >= FULL_N else 3
        load_before = _load()
        rows = []
        for label, fn, repeats in (
                ("pandas.read_excel, openpyxl engine", read_openpyxl, slow),
                ("pandas.read_excel, calamine engine", read_pandas_calamine, 3),
                ("python-calamine `to_python`", read_calamine, 3),
                ("fastexcel `load_sheet_by_name` (to Arrow)", read_fastexcel, 3),
                ("allocator `read_workbook` (every sheet)", read_allocator, 3),
                ("allocator `read_workbook` + `validate`", read_validate_allocator, 3)):
            seconds, cpu, result = _time(fn, path, repeats)
            rows.append((label, seconds, cpu, repeats))
            if fn is read_validate_allocator:
                assert result.n == n and not result.warnings, result.warnings[:3]
            del result
        load_after = _load()
    base_cpu = next(c for label, _, c, _ in rows if label.startswith("python-calamine"))
    openpyxl_s = rows[0][1]
    lines = [
        "## Reading",
        "",
        f"A workbook of {n:,} projects laid out like `scenarios/territoires-industrie.xlsx` "
        f"(27 project columns, every other sheet copied; {size / 1e6:.1f} MB, written in "
        f"{written:.1f} s by xlsxwriter in constant-memory mode), read by each reader in the "
        "same run. Median of 3 runs" + (" (1 for openpyxl)" if slow == 1 else "") +
        f"; wall-clock and CPU seconds (load average {load_before} before, {load_after} "
        "after: CPU time is the steadier figure on a shared machine).",
        "",
        "| reader | wall s | CPU s | × python-calamine (CPU) | × openpyxl (wall) | runs |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, seconds, cpu, repeats in rows:
        lines.append(f"| {label} | {seconds:.2f} | {cpu:.2f} | {cpu / base_cpu:.2f} | "
                     f"{seconds / openpyxl_s:.3f} | {repeats} |")
    lines += [
        "",
        "The readers read the projects sheet only; allocator reads every sheet, checks the "
        "archive (sizes, DOCTYPE, formula cells without a saved value, error cells), types and "
        "checks every cell and builds the Problem. fastexcel stops at an Arrow batch: turning "
        "it into pandas needs pyarrow, not a dependency.",
        "",
        f"Command: `python -m benchmarks read{' --quick' if quick else ''}`. "
        f"Machine: {_machine()}. {_versions()}.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    import sys
    print(run(quick="--quick" in sys.argv))
