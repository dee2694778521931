"""`allocator compare` on the four presets: every figure of the workbook re-derived here, with
pandas, from the per-scenario allocations and the input workbook; the HTML review rendered
offline by headless Chromium."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from review_check import contradictions, sections

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "scenarios" / "territoires-industrie.xlsx"
PRESETS = ["balanced", "jobs_first", "skills_first", "regional_equity"]
OUTCOMES = ["jobs", "skills", "innovation"]
CHROMIUM = next((shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome")
                 if shutil.which(b)), None)
# the first two colours of the plots' palette (allocator.report.plots.PALETTE), as RGB
BLUE, ORANGE = (0x4E, 0x79, 0xA7), (0xF2, 0x8E, 0x2B)


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "allocator.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=900, cwd=cwd)


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    folder = tmp_path_factory.mktemp("compare")
    r = cli("compare", BUNDLED, "-o", folder / "review.xlsx", "--report", folder / "review.html",
            "--json")
    assert r.returncode == 0, r.stderr
    sheets = pd.read_excel(folder / "review.xlsx", sheet_name=None, engine="openpyxl")
    return folder, sheets, json.loads(r.stdout)


@pytest.fixture(scope="module")
def alloc(compared) -> pd.DataFrame:
    """The per-scenario allocations of the workbook: award (€) per project and scenario."""
    return compared[1]["allocations"].set_index("project_id")


@pytest.fixture(scope="module")
def inputs():
    """The input workbook as pandas reads it: projects with their region and max award."""
    book = pd.read_excel(BUNDLED, sheet_name=None, engine="openpyxl")
    p = book["projects"].merge(book["territories"][["territory_id", "region"]], on="territory_id")
    p["max_award"] = np.fmin(p["requested"], p["max_aid_rate"] * p["total_cost"])
    return p.set_index("project_id"), book["territories"], book["scenarios"].set_index("parameter")


def close(a, b, rel=1e-9, abs_=1e-6):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return np.allclose(a, b, rtol=rel, atol=abs_, equal_nan=True)


def achieved(p: pd.DataFrame, award: pd.Series) -> dict[str, float]:
    share = award.reindex(p.index).fillna(0.0) / p["requested"]
    return {o: float((p[o] * share).sum()) for o in OUTCOMES}


def pairwise_gini(x, w=None) -> float:
    """Gini by its definition: mean absolute difference over twice the mean (weighted)."""
    x = np.asarray(x, float)
    w = np.ones_like(x) if w is None else np.asarray(w, float)
    mean = (w * x).sum() / w.sum()
    return float((w[:, None] * w[None, :] * np.abs(x[:, None] - x[None, :])).sum()
                 / (2 * w.sum() ** 2 * mean))


def test_the_workbook_holds_every_part(compared):
    _, sheets, _ = compared
    assert list(sheets) == ["outcomes", "regions", "themes", "territories", "status_changes",
                            "fairness", "optimum_vs_greedy", "parameters", "allocations", "runs"]
    runs = sheets["runs"].set_index("scenario")
    assert (runs.loc[PRESETS, "status"] == "optimal").all()
    assert (runs.loc[PRESETS, "method"] == "optimal").all()


def test_outcomes_are_rederived_from_the_allocations(compared, inputs, alloc):
    _, sheets, _ = compared
    p, _, _ = inputs
    out = sheets["outcomes"].set_index("metric")
    assert list(out.index) == OUTCOMES + ["awarded", "projects_funded"]
    for s in PRESETS:
        got = achieved(p, alloc[s])
        for o in OUTCOMES:
            assert close(out.loc[o, s], got[o]), (s, o)
        assert close(out.loc["awarded", s], alloc[s].sum())
        assert out.loc["projects_funded", s] == (alloc[s] > 0).sum()
        assert alloc[s].sum() <= 100e6 + 0.01
    for s in PRESETS[1:]:
        assert close(out[f"Δ {s}"], out[s] - out["balanced"])
    for s in PRESETS:
        assert close(out[f"index {s}"], 100 * out[s] / out["balanced"])


def test_regions_themes_and_territories_are_rederived(compared, inputs, alloc):
    _, sheets, _ = compared
    p, territories, _ = inputs
    for sheet, key in (("regions", "region"), ("themes", "theme")):
        frame = sheets[sheet].set_index(key)
        expected = alloc[PRESETS].groupby(p[key].reindex(alloc.index)).sum()
        assert set(frame.index) == set(expected.index)
        for s in PRESETS:
            assert close(frame[s], expected.loc[frame.index, s]), (sheet, s)
        for s in PRESETS[1:]:
            assert close(frame[f"Δ {s}"], frame[s] - frame["balanced"])
    terr = sheets["territories"].set_index("territory_id")
    expected = alloc[PRESETS].groupby(p["territory_id"].reindex(alloc.index)).sum()
    assert set(terr.index) == set(p["territory_id"])  # every territory with a project
    for s in PRESETS:
        assert close(terr[s], expected.loc[terr.index, s])
    names = territories.set_index("territory_id")
    assert (terr["name"] == names.loc[terr.index, "name"]).all()
    assert (terr["region"] == names.loc[terr.index, "region"]).all()
    deltas = pd.DataFrame({s: terr[s] - terr["balanced"] for s in PRESETS[1:]})
    largest = deltas.to_numpy()[np.arange(len(deltas)), np.abs(deltas.to_numpy()).argmax(axis=1)]
    assert close(terr["largest_change"], largest)
    assert (np.diff(np.abs(terr["largest_change"].to_numpy())) <= 1e-9).all()  # most moved first


def test_status_changes_are_rederived(compared, alloc):
    _, sheets, _ = compared
    funded = alloc[PRESETS] > 0
    expected = funded.index[funded.any(axis=1) & ~funded.all(axis=1)]
    changes = sheets["status_changes"].set_index("project_id")
    assert list(changes.index) == list(expected)
    for s in PRESETS:
        assert close(changes[s], alloc.loc[expected, s])
    listed = changes["funded_in"].str.split(", ")
    assert all(set(names) == {s for s in PRESETS if funded.loc[pid, s]}
               for pid, names in listed.items())


def test_fairness_is_rederived(compared, inputs, alloc):
    _, sheets, _ = compared
    p, territories, _ = inputs
    fair = sheets["fairness"].set_index("scenario")
    places = territories[territories["territory_id"].isin(p["territory_id"])] \
        .set_index("territory_id")
    per_territory = alloc[PRESETS].groupby(p["territory_id"].reindex(alloc.index)).sum() \
        .reindex(places.index).fillna(0.0)
    jobs = places["industrial_jobs"]
    has_jobs = jobs > 0
    for s in PRESETS:
        e = per_territory[s]
        assert fair.loc[s, "gini_territories"] == pytest.approx(pairwise_gini(e), rel=1e-9)
        assert fair.loc[s, "gini_per_industrial_job"] == pytest.approx(
            pairwise_gini((e / jobs)[has_jobs], jobs[has_jobs]), rel=1e-9)
        funded_territories = p.loc[alloc.index[alloc[s] > 0], "territory_id"].unique()
        assert fair.loc[s, "territories_covered"] == pytest.approx(
            len(funded_territories) / len(places))
        region_euros = e.groupby(places["region"]).sum()
        basis = jobs.groupby(places["region"]).sum()
        ratio = (region_euros / region_euros.sum()) / (basis / basis.sum())
        assert fair.loc[s, "smallest_fair_ratio"] == pytest.approx(ratio.min(), rel=1e-9)
        assert fair.loc[s, "largest_fair_ratio"] == pytest.approx(ratio.max(), rel=1e-9)
        assert fair.loc[s, "smallest_region"] == ratio.idxmin()
        assert fair.loc[s, "largest_region"] == ratio.idxmax()
    # regional_equity keeps every region within ±25% of its fair share, and covers every
    # territory (each has an eligible project)
    assert 0.75 - 1e-6 <= fair.loc["regional_equity", "smallest_fair_ratio"]
    assert fair.loc["regional_equity", "largest_fair_ratio"] <= 1.25 + 1e-6
    assert fair.loc["regional_equity", "territories_covered"] == 1.0


def test_parameters_are_those_of_the_input(compared, inputs):
    _, sheets, _ = compared
    _, _, scenarios = inputs
    params = sheets["parameters"].set_index("parameter")
    for name in scenarios.index:
        for s in PRESETS:
            given = scenarios.loc[name, s]
            if pd.isna(given):
                continue
            shown = params.loc[name, s]
            assert (close(float(shown), float(given)) if isinstance(given, (int, float))
                    else str(shown) == str(given)), (name, s)
    differs = params[PRESETS].astype(str).nunique(axis=1) > 1
    assert (params["differs"] == differs).all()


def ideal(p: pd.DataFrame, outcome: str, budget: float) -> float:
    """The normaliser as documented: the fractional-knapsack value of the outcome per euro."""
    eligible = (p["lock"].fillna("") != "out") & (p["max_award"] > 0)
    q = p[eligible & (p[outcome] > 0)]
    value = q[outcome] * q["max_award"] / q["requested"]
    order = (value / q["max_award"]).sort_values(ascending=False, kind="stable").index
    cost, value = q.loc[order, "max_award"], value.loc[order]
    spent = cost.cumsum()
    full = spent <= budget
    rest = budget - (spent[full].iloc[-1] if full.any() else 0.0)
    nxt = (~full).to_numpy().argmax() if (~full).any() else None
    partial = value.iloc[nxt] * rest / cost.iloc[nxt] if nxt is not None else 0.0
    return float(value[full].sum() + partial)


def test_optimum_against_greedy_is_rederived(compared, inputs, alloc):
    _, sheets, _ = compared
    p, _, scenarios = inputs
    g = sheets["optimum_vs_greedy"]
    runs = sheets["runs"].set_index("scenario")
    norm = {o: ideal(p, o, 100e6) for o in OUTCOMES}
    for s in PRESETS:
        weights = {o: float(scenarios.loc[f"weight.{o}", s]) for o in OUTCOMES}
        for column, method in ((s, "optimal"), (f"{s} (greedy by score)", "greedy by score"),
                               (f"{s} (greedy by ratio)", "greedy by ratio")):
            got = achieved(p, alloc[column])
            objective = sum(weights[o] / norm[o] * got[o] for o in OUTCOMES)
            assert runs.loc[column, "objective"] == pytest.approx(objective, rel=1e-9)
            if method == "optimal":
                continue
            rows = g[(g["scenario"] == s) & (g["ranking"] == method)].set_index("metric")
            side = {**got, "objective": objective, "awarded": alloc[column].sum(),
                    "projects_funded": (alloc[column] > 0).sum()}
            opt = {**achieved(p, alloc[s]), "objective": runs.loc[s, "objective"],
                   "awarded": alloc[s].sum(), "projects_funded": (alloc[s] > 0).sum()}
            for metric, row in rows.iterrows():
                assert close(row["greedy"], side[metric], abs_=1e-4), (s, method, metric)
                assert close(row["optimal"], opt[metric], abs_=1e-4), (s, method, metric)
                assert close(row["difference"], row["optimal"] - row["greedy"])
                assert close(row["optimum_gain"], row["optimal"] / row["greedy"] - 1)
            # the optimum is never beaten by a ranking, under the same rules
            assert rows.loc["objective", "optimal"] >= rows.loc["objective", "greedy"] * (1 - 1e-4)


def test_native_charts(compared):
    folder, _, _ = compared
    with zipfile.ZipFile(folder / "review.xlsx") as z:
        charts = sorted(n for n in z.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n))
        xml = [z.read(n).decode() for n in charts]
    assert len(xml) == 2
    for chart in xml:
        assert "<c:barChart>" in chart and 'grouping val="clustered"' in chart
        assert chart.count("<c:ser>") == len(PRESETS)
    assert 'barDir val="col"' in xml[0] and "outcomes!" in xml[0]
    assert 'barDir val="bar"' in xml[1] and "regions!" in xml[1]


def test_json_matches_the_workbook(compared):
    _, sheets, data = compared
    assert data["scenarios"] == PRESETS
    sheet = sheets["outcomes"].set_index("metric")
    out = pd.DataFrame(data["outcomes"]).pivot(index="metric", columns="scenario",
                                               values="value").loc[sheet.index]
    assert close(out[PRESETS], sheet[PRESETS])


def test_html_is_self_contained(compared):
    folder, _, _ = compared
    text = (folder / "review.html").read_text(encoding="utf-8")
    images = re.findall(r'<img src="([^"]+)"', text)
    assert len(images) == 3 and all(i.startswith("data:image/png;base64,") for i in images)
    rest = re.sub(r'data:image/png;base64,[A-Za-z0-9+/=]+', "", text)
    assert not re.search(r"(?i)(https?:|ftp:|//[a-z0-9])", rest), "an external reference"
    assert not re.search(r"(?i)<(script|link|iframe|object|embed)\b|@import|url\(", rest)


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed "
                                             "(apt-get install chromium)")
def test_html_renders_offline_with_its_plots(compared, tmp_path):
    from PIL import Image
    folder, _, _ = compared
    shot = tmp_path / "shot.png"
    r = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                        "--disable-background-networking", "--disable-component-update",
                        "--disable-sync", "--no-first-run",
                        f"--user-data-dir={tmp_path / 'profile'}",
                        # no network at all: any fetch would fail, so what shows came with the file
                        "--proxy-server=http://127.0.0.1:9",
                        "--host-resolver-rules=MAP * ~NOTFOUND",
                        f"--screenshot={shot}", "--window-size=1200,4000",
                        (folder / "review.html").as_uri()],
                       capture_output=True, text=True, timeout=180)
    assert shot.is_file(), r.stderr
    pixels = np.asarray(Image.open(shot).convert("RGB"))
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 500  # far from blank
    for colour in (BLUE, ORANGE):
        assert (pixels == colour).all(axis=2).sum() > 5000, f"no bars of colour {colour}"
    # the bars of both plots: rows holding the first scenario's colour form two bands
    rows = np.flatnonzero((pixels == BLUE).all(axis=2).sum(axis=1) > 10)
    bands = 1 + int((np.diff(rows) > 150).sum())
    assert bands >= 2, "only one plot rendered"


def test_review_says_nothing_its_tables_contradict(compared):
    folder, _, _ = compared
    page = (folder / "review.html").read_text(encoding="utf-8")
    assert contradictions(page) == []
    parts = sections(page)
    assert len(parts) >= 8 and "How much more the optimum achieves than ranking" in parts
    # the checker sees a contradiction: a ranking said to break a rule that meets them all
    doctored = re.sub(r"(<td>greedy by score</td><td>)yes", r"\1no", page, count=1)
    assert doctored != page and contradictions(doctored)
    doctored = page.replace("projects for €100", "projects for €99", 1)
    assert contradictions(doctored)


def test_review_tables_fit_and_print(compared):
    folder, _, _ = compared
    page = (folder / "review.html").read_text(encoding="utf-8")
    assert page.count('<div class="table"><table>') == page.count("<table>")  # each scrolls
    assert "@media print" in page and "@page" in page
    assert "Transition écologique" in page  # themes by their label
    themes = compared[1]["themes"].set_index("theme")
    assert themes.loc["ecological_transition", "label"] == "Transition écologique"


def test_compare_result_workbooks_and_markdown(compared, tmp_path):
    """Result workbooks written by `solve` compare like scenarios solved on the spot."""
    import allocator
    from allocator.analyse.allocation import analyse
    from allocator.report.workbook import write_result
    from allocator.solve import solve
    _, sheets, _ = compared
    problem = allocator.load(BUNDLED)
    paths = []
    for name in ("balanced", "jobs_first"):
        scenario = problem.scenario(name)
        model, solution = solve(problem, scenario)
        write_result(analyse(problem, scenario, model, solution, explain=False),
                     tmp_path / f"{name}.xlsx")
        paths.append(tmp_path / f"{name}.xlsx")
    r = cli("compare", *paths, "-o", tmp_path / "cmp.xlsx", "--report", tmp_path / "review.md",
            "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["scenarios"] == ["balanced", "jobs_first"]
    first = sheets["outcomes"].set_index("metric")
    got = pd.DataFrame(data["outcomes"]).pivot(index="metric", columns="scenario",
                                               values="value").loc[first.index]
    assert close(got[["balanced", "jobs_first"]], first[["balanced", "jobs_first"]], rel=1e-6)
    md = (tmp_path / "review.md").read_text(encoding="utf-8")
    for png in ("review_outcomes.png", "review_regions.png"):
        assert f"]({png})" in md and (tmp_path / png).stat().st_size > 10_000
    assert "| metric | balanced | jobs_first |" in md


def test_bad_report_suffix_is_a_usage_error(tmp_path):
    r = cli("compare", BUNDLED, "--report", tmp_path / "review.pdf")
    assert r.returncode == 2 and "--report" in r.stderr
    assert not (tmp_path / "review.pdf").exists()


@pytest.fixture(scope="module")
def result_workbook(tmp_path_factory):
    """A result workbook written by `allocator solve` on the bundled workbook."""
    import allocator
    from allocator.analyse.allocation import analyse
    from allocator.report.workbook import write_result
    from allocator.solve import solve
    problem = allocator.load(BUNDLED)
    scenario = problem.scenario("balanced")
    model, solution = solve(problem, scenario)
    path = tmp_path_factory.mktemp("result") / "balanced.xlsx"
    write_result(analyse(problem, scenario, model, solution, explain=False), path)
    return path


def _rewritten(source: Path, target: Path, sheet: str, edit) -> Path:
    """``source`` with the XML part of ``sheet`` replaced by ``edit(part)``."""
    from allocator.read.archive import sheet_parts
    with zipfile.ZipFile(source) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    part = sheet_parts(parts)[sheet]
    parts[part] = edit(parts[part])
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return target


@pytest.mark.parametrize("sheet", ["allocation", "run"])
def test_a_hostile_result_workbook_is_refused_before_it_is_parsed(result_workbook, tmp_path,
                                                                   sheet):
    # a cell at XFD1048576: calamine would allocate 17 billion cells (and abort the process)
    far = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'
    hostile = _rewritten(result_workbook, tmp_path / "hostile.xlsx", sheet,
                         lambda part: part.replace(b"</sheetData>", far))
    r = cli("compare", result_workbook, hostile, "-o", tmp_path / "cmp.xlsx")
    assert r.returncode == 2, r.stderr
    assert f"{sheet}: refused: its cells span" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "cmp.xlsx").exists()


def test_a_damaged_result_sheet_is_a_clear_error(result_workbook, tmp_path):
    # the run sheet's XML cut in the middle: calamine's own error becomes a finding
    damaged = _rewritten(result_workbook, tmp_path / "damaged.xlsx", "run",
                         lambda part: part[:len(part) // 2])
    r = cli("compare", result_workbook, damaged, "-o", tmp_path / "cmp.xlsx")
    assert r.returncode == 2, r.stderr
    assert "damaged.xlsx" in r.stderr and "Traceback" not in r.stderr
    assert "cannot be read as an Excel workbook" in r.stderr
    assert not (tmp_path / "cmp.xlsx").exists()


def test_a_markdown_reports_plots_are_not_replaced_without_force(result_workbook, tmp_path):
    mine = tmp_path / "review_regions.png"
    mine.write_bytes(b"a picture of my own")
    r = cli("compare", result_workbook, result_workbook, "--report", tmp_path / "review.md")
    assert r.returncode == 2 and "review_regions.png" in r.stderr and "--force" in r.stderr
    assert mine.read_bytes() == b"a picture of my own"
    assert not (tmp_path / "review.md").exists()
    r = cli("compare", result_workbook, result_workbook, "--report", tmp_path / "review.md",
            "--force")
    assert r.returncode == 0, r.stderr
    assert mine.read_bytes().startswith(b"\x89PNG")
