"""Outputs in French (``--lang fr``, the scenario's ``lang``): every sheet name, header and
reason of a result workbook in French, figures written the French way, the workbook still read
back by ``allocator compare``, and a catalogue with a French wording for every English template
(so that a reason kind added without its French fails here). The frontier, sweep, uncertainty
and budget-curve workbooks, the diagnosis, status labels and the plots are read back whole:
no text of theirs may stay as in English, but a user's names and words French shares."""
from __future__ import annotations

import dataclasses
import html
import re
import string
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from allocator import api
from allocator.analyse.explain import Explanation
from allocator.analyse.frontier import frontier
from allocator.analyse.sweep import parse_variations, run_sweep
from allocator.analyse.uncertainty import monte_carlo
from allocator.core import lang
from allocator.core.rules import RULES
from allocator.core.scenario import Scenario, Where, build_scenario
from allocator.read.results import is_result_workbook, read_result
from allocator.report import plots, text
from allocator.report.comparison import write_comparison
from allocator.report.frontier import plot_frontier, write_frontier
from allocator.report.review import write_review
from allocator.report.sweep import write_sweep
from allocator.report.uncertainty import plot_uncertainty, write_uncertainty
from allocator.report.workbook import write_budget_curve, write_result

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "scenarios" / "territoires-industrie.xlsx"


@pytest.fixture(scope="module")
def written(tmp_path_factory, balanced):
    """The bundled balanced scenario written in English and in French."""
    result = balanced
    folder = tmp_path_factory.mktemp("lang")
    en, fr = folder / "en.xlsx", folder / "fr.xlsx"
    write_result(result, en)
    french = dataclasses.replace(result, scenario=result.scenario.with_values(lang="fr"))
    write_result(french, fr)
    return result, french, openpyxl.load_workbook(en), openpyxl.load_workbook(fr), en, fr


def _header(ws) -> list[str]:
    return [c.value for c in next(ws.iter_rows(max_row=1))]


def _column(ws, name: str) -> list:
    j = _header(ws).index(name)
    return [row[j] for row in ws.iter_rows(min_row=2, values_only=True)]


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


def test_every_template_has_french_with_the_same_fields():
    pairs = [(k, en, fr) for k, (en, fr) in lang.PHRASES.items()] + [
        (name, r.blocks, r.blocks_fr) for name, r in RULES.items() if r.blocks]
    for key, en, fr in pairs:
        assert fr and fr != en, f"{key}: no French wording"
        assert _fields(fr) == _fields(en), key
    assert all(r.label_fr for r in RULES.values())


def test_a_filled_template_reads_back_into_its_french():
    # each English template filled with sample values, read back: the French template filled
    # with the same values (figures the French way), whatever the template
    sample = {"value": "0.02377", "cutoff": "0.009599", "region": "Grand Est",
              "need": "€12 345", "other": "P-0412", "status": "infeasible", "first": "P-1, P-2",
              "n": "3", "amount": "350 000", "subject": "spend_2026", "used": "€1 234 567",
              "limit": "€35 000 000", "state": "unfunded", "share": "30%",
              "path": "out.xlsx", "why": "the problem is unbounded", "label": "infeasible",
              "units": "jobs", "unit": "job", "amounts": "23.4 jobs and 5 people trained",
              "offers": "23.4 jobs per €M", "rival_offers": "1 234 jobs per €M, €43 000 per job",
              "standing": "its jobs per €M are 12% below the cut-off of Grand Est",
              "others": "P-1, P-2", "rival": "P-0007", "price": "0.00012", "gap": "0.0001%",
              "gap_value": "0.0005", "entry": "€1 200 000", "left": "€300 000",
              "cost": "€43 000", "step": "€1M more",
              # the diagnosis, the frontier, the sweep
              "budget": "€7.00M", "absorb": "€500 000", "band": "10%",
              "basis": "industrial_jobs", "capacity": "1 200", "ha": "3.5",
              "project": "P-0007", "floors": "€8.00M",
              "statements": "the budget is €7.00M; region North has a floor of €5.00M; its "
                            "eligible projects can absorb at most €4.00M under their aid-rate "
                            "caps", "summary": "projects locked in need €7.00M, the budget "
                                               "is €5.00M",
              "by": "jobs", "name": "balanced", "x": "jobs", "y": "skills",
              "figure": "objective", "keys": "budget", "stop": "spend_2026 ceiling",
              "family": "territorial cap", "rows": "1 000 000", "seconds": "220"}
    nb = lang.NBSP
    french = {**sample, "rows": f"1{nb}000{nb}000", "region": "la région Grand Est",
              "value": "0,02377", "cutoff": "0,009599", "need": f"12{nb}345{nb}€",
              "status": "infaisable", "amount": f"350{nb}000", "used": f"1{nb}234{nb}567{nb}€",
              "limit": f"35{nb}000{nb}000{nb}€", "state": "non financé", "share": f"30{nb}%",
              "why": "le problème est non borné", "label": "infaisable",
              "units": "emplois", "unit": "emploi",
              "amounts": "23,4 emplois et 5 personnes formées", "offers": "23,4 emplois par M€",
              "rival_offers": f"1{nb}234 emplois par M€, 43{nb}000{nb}€ par emploi",
              "standing": f"ses emplois par M€ sont 12{nb}% sous le seuil de la région Grand Est",
              "price": "0,00012", "gap": f"0,0001{nb}%", "gap_value": "0,0005",
              "entry": f"1{nb}200{nb}000{nb}€", "left": f"300{nb}000{nb}€",
              "cost": f"43{nb}000{nb}€", "step": lang.TERMS["€1M more"],
              "budget": f"7,00{nb}M€", "absorb": f"500{nb}000{nb}€", "band": f"10{nb}%",
              "basis": "emplois industriels", "capacity": f"1{nb}200", "ha": "3,5",
              "floors": f"8,00{nb}M€",
              "statements": f"le budget est de 7,00{nb}M€ ; la région North a un plancher de "
                            f"5,00{nb}M€ ; ses projets éligibles peuvent absorber au plus "
                            f"4,00{nb}M€ sous leurs taux d'aide maximaux",
              "summary": f"les projets imposés demandent 7,00{nb}M€, le budget est de "
                         f"5,00{nb}M€", "by": "emplois", "x": "emplois", "y": "compétences",
              "figure": "objectif", "stop": "plafond de spend_2026",
              "family": "plafond territorial"}
    pairs = list(lang.PHRASES.values()) + [
        (lang.BLOCKED[0] + r.blocks + end[0], lang.BLOCKED[1] + r.blocks_fr + end[1])
        for r in RULES.values() if r.blocks for end in (("", ""), lang.LETS_IN)]
    for en, fr in pairs:
        fields = _fields(en)
        assert lang.translate(en.format(**{f: sample[f] for f in fields})) == \
            fr.format(**{f: french[f] for f in fields}), en


@pytest.mark.parametrize("english, french", [
    ("€1 234 567", "1\u00a0234\u00a0567\u00a0€"), ("12.5%", "12,5\u00a0%"),
    ("€1.2M", "1,2\u00a0M€"), ("−0.511", "−0,511"), ("13 228", "13\u00a0228"),
    ("P-0412", "P-0412"), ("spend_2026", "spend_2026"), ("HiGHS 1.16.0", "HiGHS 1.16.0"),
    ("0.000097%", "0,000097\u00a0%")])
def test_figures_the_french_way(english, french):
    assert lang.words("fr").figure(english) == french
    assert lang.words("en").figure(english) == english


def test_french_grammar_of_filled_fields():
    # "de" elides before a vowel, and an amount under 2 is singular in French (not in English)
    said = lang.translate("not funded: no project of Occitanie is funded on its merits, but the "
                          "optimum spends the envelope on combinations worth more (it offers "
                          "0 jobs, 1.5 people trained and 2 innovation points per €M)")
    assert said == ("non financé : aucun projet de la région Occitanie n'est financé sur ses "
                    "mérites, mais "
                    "l'optimum consacre l'enveloppe à des combinaisons qui valent plus (il "
                    "offre 0 emploi, 1,5 personne formée et 2 points d'innovation par M€)")


def test_every_sheet_name_and_header_is_french(written):
    _, _, en, fr, _, _ = written
    assert len(en.sheetnames) == len(fr.sheetnames)
    for name_en, name_fr in zip(en.sheetnames, fr.sheetnames):
        assert name_en in lang.TERMS, f"sheet {name_en} has no French name"
        assert name_fr == lang.TERMS[name_en] != name_en or name_en in ("budget",)
        if name_en == "summary":
            continue
        for h_en, h_fr in zip(_header(en[name_en]), _header(fr[name_fr])):
            french = lang.words("fr").term(h_en)
            assert french != h_en or h_en in ("innovation", "message", "budget"), \
                f"{name_en}: no French for header {h_en!r}"
            assert h_fr == french
            assert lang.english(h_fr) == h_en  # and back, for compare


def test_every_reason_is_french_and_no_english_template_leaks(written):
    result, _, _, fr, _, _ = written
    reasons = [r for r in _column(fr["répartition"], "motif") if r]
    english = result.allocation["reason"].tolist()
    assert len(reasons) == len(english) == len(result.allocation)
    assert {lang.translate(r) for r in english} == set(reasons)  # every English reason read
    assert None not in {lang.translate(r) for r in english}
    fragments = {part.strip(" :;,()") for en, _ in lang.PHRASES.values()
                 for part in re.split(r"\{\w+\}", en)} | {
        part.strip(" :;,()") for r in RULES.values() if r.blocks
        for part in re.split(r"\{\w+\}", r.blocks)}
    fragments = {f for f in fragments if len(f) > 4}
    for reason in reasons:
        assert reason.startswith(("financé : ", "non financé : ")), reason
        leaked = [f for f in fragments if f in reason]
        assert not leaked, (reason, leaked)
        assert not re.search(r"€\d|\d\.\d|\d%", reason), reason  # French figures


def test_status_words_and_their_colours_are_french(written):
    _, _, _, fr, _, _ = written
    ws = fr["répartition"]
    statuses = set(_column(ws, "statut"))
    assert statuses <= {"financé", "partiellement financé", "non financé"}
    assert "non financé" in statuses
    criteria = {r.formula[0] for rules in ws.conditional_formatting for r in rules.rules}
    assert any('"non financé"' in c for c in criteria)


def test_euros_carry_their_sign_after_the_figure_in_french(written):
    _, _, en, fr, _, _ = written
    header = {c.value: c.column for c in next(fr["répartition"].iter_rows(max_row=1))}
    shown = fr["répartition"].cell(2, header["aide accordée"]).number_format
    assert shown.startswith("#,##0") and shown.split(";")[0].endswith('"€"'), shown
    header = {c.value: c.column for c in next(en["allocation"].iter_rows(max_row=1))}
    assert en["allocation"].cell(2, header["award"]).number_format.startswith('"€"')


def test_summary_in_french(written):
    _, _, _, fr, _, _ = written
    cells = [c for row in fr["synthèse"].iter_rows(values_only=True) for c in row
             if isinstance(c, str)]
    assert cells[0] == "Scénario balanced"
    assert any("Répartit une enveloppe de 100\u00a0000\u00a0000\u00a0€" in c for c in cells)
    assert "Résultats rapportés à l'idéal" in cells and "Seuil" in cells
    assert not any("Shares an envelope" in c or "Binding rules" in c for c in cells)


def test_a_french_workbook_reads_back_as_the_english_one(written):
    _, _, _, _, en, fr = written
    assert is_result_workbook(fr)
    a, b = read_result(en), read_result(fr)
    assert a.status == b.status and a.method == b.method and a.solver == b.solver
    assert a.totals == pytest.approx(b.totals)
    assert a.parameters["lang"] == "en" and b.parameters["lang"] == "fr"
    assert a.allocation is not None and b.allocation is not None
    columns = ["project_id", "territory_id", "funded", "award", "territory_name"]
    pd.testing.assert_frame_equal(a.allocation[columns], b.allocation[columns])


@pytest.fixture(scope="module")
def comparison(written):
    """A French and an English result workbook of one scenario, compared."""
    return api.compare(list(written[4:]), greedy="none")


def test_the_comparison_workbook_in_french(comparison, tmp_path):
    write_comparison(comparison, tmp_path / "en.xlsx")
    write_comparison(comparison, tmp_path / "fr.xlsx", lang="fr")
    en, fr = (openpyxl.load_workbook(tmp_path / f) for f in ("en.xlsx", "fr.xlsx"))
    names = set(comparison.names)
    scenarios = names | {f"{p}{n}" for n in names for p in ("Δ ", "index ")}
    for ws_en, ws_fr in zip(en, fr):
        assert ws_fr.title == lang.TERMS[ws_en.title] != ws_en.title
        for h_en, h_fr in zip(_header(ws_en), _header(ws_fr)):
            assert h_fr == lang.words("fr").term(h_en)
            assert h_en in scenarios or h_fr != h_en or h_en in ("innovation", "source",
                                                                 "message"), (ws_en.title, h_en)
    assert _column(fr["résultats"], "indicateur") == [
        lang.TERMS[m] for m in comparison.outcomes["metric"]]  # the charts' categories
    refs = [s.val.numRef.f for ws in fr for c in ws._charts for s in c.series]
    assert refs and all(r.split("!")[0].strip("'") in fr.sheetnames for r in refs), refs


def test_the_review_of_a_french_and_an_english_workbook_in_french(comparison, tmp_path):
    page = write_review(comparison, tmp_path / "review.html", lang="fr")[0].read_text("utf-8")
    english = write_review(comparison, tmp_path / "review_en.html")[0].read_text("utf-8")
    assert '<html lang="fr">' in page and "<h1>Revue des scénarios</h1>" in page
    headings = re.findall(r"<h[23]>(.*?)</h[23]>", english)
    assert headings and not any(f"<h2>{h}</h2>" in page for h in headings if h != "Fairness")
    names = set(comparison.names) | {f"Δ {n}" for n in comparison.names}
    for th in re.findall(r"<th>(.*?)</th>", page):
        header = html.unescape(th.replace("<wbr>", ""))
        assert header in names or lang.english(header) != header \
            or header in ("innovation", "message"), header
    # both runs are the same allocation: no change, and figures the French way
    assert "Tous les scénarios financent les mêmes projets." in page
    assert re.search(r"100\u00a0000\u00a0000\u00a0€", page)


def test_terminal_summary_and_explanation_in_french(written):
    _, french, _, _, _, _ = written
    said = text.result_summary(french)
    assert said.startswith("scénario    balanced") and "projets financés sur" in said
    figures = said.split("\n", 2)[2]  # after the solver's version
    assert "€" in figures and not re.search(r"€\d|\d\.\d", figures)
    assert "of the ideal" not in said and "de l'idéal" in said
    asked = french.allocation[["project_id", "funded", "award", "reason",
                               "price_of_inclusion", "displaces", "price_in_outcomes"]]
    told = text.explanation(Explanation(french.solution, asked), "fr").split("\n")
    reasons = [line.split(": ", 1)[1] for line in told if not line.startswith("  ")]
    assert reasons == [lang.translate(r) for r in asked["reason"]]
    priced = asked[asked["price_of_inclusion"] > 0]
    assert len(priced) and sum("l'imposer coûterait" in line for line in told) == len(priced)


def test_lang_is_a_scenario_parameter():
    built, findings = build_scenario("x", {"lang": ("fr", Where("test"))}, outcomes=("jobs",),
                                     themes=(), base=Scenario())
    assert not findings and built.lang == "fr" and built.parameters()["lang"] == "fr"
    _, findings = build_scenario("x", {"lang": ("de", Where("test"))}, outcomes=("jobs",),
                                 themes=(), base=Scenario())
    assert findings and "'de' is not one of en, fr" in findings[0].message
    assert Scenario().lang == "en"
    with pytest.raises(ValueError):
        lang.words("de")


# ----------------------------------------------------------------------------- 14d: the
# frontier, sweep, uncertainty and budget-curve workbooks, the diagnosis, statuses and plots

# words French shares with English (or keeps from the programme), beside a user's names
SHARED = {"", "innovation", "optimal", "point", "epsilon", "score", "ratio", "p5", "p50", "p95",
          "budget", "base", "message", "source", "highs"}
# the sheets of a scenario's parameters: names and values are those --set takes, in any
# language; their headers only are words
SETTINGS = {"scenario", "base"}
ENGLISH_FIGURE = re.compile(r"€\d|\d\.\d|\d%")


def _kept(problem, *names: str) -> set[str]:
    """A user's names: ids, titles, territories, regions and themes of ``problem``, and
    ``names`` (scenarios, parameters)."""
    p = problem.projects
    return {str(v) for c in ("project_id", "title", "territory_id", "region", "theme")
            for v in p[c]} | set(names)


def _left_in_english(en_path, fr_path, kept: set[str]) -> list:
    """Text of the French workbook as the English one has it (but a user's names and words
    both languages share), with figures the English way, or its charts' words in English."""
    en, fr = openpyxl.load_workbook(en_path), openpyxl.load_workbook(fr_path)
    assert len(en.sheetnames) == len(fr.sheetnames)
    left = []
    for a, b in zip(en, fr):
        if b.title == a.title and a.title not in SHARED:
            left.append(("sheet", a.title))
        rows = zip(a.iter_rows(values_only=True), b.iter_rows(values_only=True))
        for i, (x_row, y_row) in enumerate(rows):
            if i and a.title in SETTINGS:
                break
            for x, y in zip(x_row, y_row):
                if not isinstance(y, str):
                    continue
                if x == y and y not in SHARED | kept and not re.fullmatch(
                        r"point \d+|[\w.]+ = .+", y):
                    left.append((b.title, y))
                if ENGLISH_FIGURE.search(y) and y not in kept:
                    left.append((b.title, y))
    charts = zip(_chart_words(en_path), _chart_words(fr_path), strict=True)
    left += [("chart", x) for x, y in charts if x == y and y not in SHARED | kept]
    return left


def _chart_words(path) -> list[str]:
    """The titles and axis names of a workbook's charts, in order."""
    with zipfile.ZipFile(path) as z:
        return [t for n in sorted(z.namelist()) if n.startswith("xl/charts/chart")
                for t in re.findall(r"<a:t>(.*?)</a:t>", z.read(n).decode())]


@pytest.fixture(scope="module")
def analyses():
    """A frontier, a sweep, a Monte Carlo run and a budget curve of a small problem, in
    English (the default) and in French."""
    from test_uncertainty import make_problem
    problem, budget = make_problem(30, seed=12)
    out = {}
    for code in ("en", "fr"):
        base = Scenario(budget=budget, time_limit=30.0)
        scenario = base if code == "en" else base.with_values(lang="fr")
        done = run_sweep(problem, base, parse_variations(
            [f"budget={budget / 2}:{budget}:2", "weight.skills=0.5,1",
             *(["lang=fr"] if code == "fr" else [])]), workers=1, progress=False)
        out[code] = {
            "frontier": frontier(problem, scenario, "jobs", "skills", points=3, allocations=True),
            "sweep": (done, done.comparison(problem, "in.xlsx")),
            "uncertainty": monte_carlo(problem, scenario, samples=4, seed=1, gamma=1.0,
                                       workers=1, progress=False),
            "curve": (api.budget_curve(problem, scenario, budget / 2, budget, 3), scenario)}
    return problem, out


WRITERS = {"frontier": lambda f, path: write_frontier(f, path),
           "sweep": lambda s, path: write_sweep(*s, path),
           "uncertainty": lambda u, path: write_uncertainty(u, path),
           "curve": lambda c, path: write_budget_curve(*c, path)}
ENGLISH_SHEETS = {"frontier": ["frontier", "greedy", "scenario_point", "allocations", "scenario"],
                  "sweep": ["scenarios", "pivots", "regions", "base"],
                  "uncertainty": ["summary", "selection_frequency", "outcome_distribution",
                                  "robust", "draws", "run", "scenario"],
                  "curve": ["budget_curve", "scenario"]}


@pytest.mark.parametrize("kind", list(WRITERS))
def test_analysis_workbooks_in_french(analyses, kind, tmp_path):
    problem, out = analyses
    en, fr = tmp_path / "en.xlsx", tmp_path / "fr.xlsx"
    WRITERS[kind](out["en"][kind], en)
    WRITERS[kind](out["fr"][kind], fr)
    assert openpyxl.load_workbook(en).sheetnames == ENGLISH_SHEETS[kind]  # English by default
    done = out["fr"]["sweep"][0]
    kept = _kept(problem, "default", *[v.key for v in done.variations],
               *[s.name for s in done.scenarios])
    assert _left_in_english(en, fr, kept) == []


def test_sweep_names_and_pivots_in_french(analyses, tmp_path):
    _, out = analyses
    done = out["fr"]["sweep"][0]
    assert done.scenarios[0].name.startswith("budget = ") and "\u00a0M€, weight.skills = 0,5" \
        in done.scenarios[0].name
    WRITERS["sweep"](out["fr"]["sweep"], tmp_path / "fr.xlsx")
    cells = [c for row in openpyxl.load_workbook(tmp_path / "fr.xlsx")["tableaux croisés"]
             .iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert "emplois selon budget et weight.skills" in cells
    assert "weight.skills = 0,5" in cells
    said = text.sweep_table(done)
    assert said.startswith("scénario") and "statut" in said and not ENGLISH_FIGURE.search(said)


def test_uncertainty_terminal_in_french(analyses):
    _, out = analyses
    said = text.uncertainty_summary(out["fr"]["uncertainty"])
    assert "tirages" in said and "financés à chaque tirage" in said
    assert not re.search(r"\b(draws|funded|estimate|mean|objective)\b", said)
    assert not ENGLISH_FIGURE.search(said)


@pytest.mark.parametrize("label, french", [
    ("feasible, within 0.42%", "réalisable, à 0,42\u00a0% près"),
    ("feasible, gap unknown", "réalisable, écart inconnu"), ("optimal", "optimal"),
    ("not solved in time", "non résolu à temps"), ("infeasible", "infaisable"),
    ("no solution", "pas de solution"), ("not run (interrupted)", "non exécuté (interrompu)")])
def test_status_labels_in_french(label, french):
    assert lang.words("fr").value(label) == french
    assert lang.words("en").value(label) == label


def test_diagnosis_in_french(tmp_path):
    from test_diagnose import M, base

    def floors(r):
        r["floor"] = [6 * M, 2 * M]

    def locks(p):
        p.loc[p["project_id"] == "C1", "lock"] = "in"
    problem = base(regions=floors, projects=locks)
    scenario = Scenario(budget=7 * M, theme_min={"skills_recruitment": 0.6}, lang="fr")
    result = api.optimise(problem, scenario)
    english = result.diagnosis
    assert english is not None and len(english) >= 2
    write_result(result, tmp_path / "fr.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "fr.xlsx")["diagnostic"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    header = _header(sheet)
    for column in ("statement", "to_relax"):
        said = [r[header.index(lang.TERMS[column])] for r in rows]
        assert said == [lang.words("fr").sentence(lang.words("fr").value(s)) if s else None
                        for s in english[column]]
        assert all(s != e for s, e in zip(said, english[column]) if e), column
        assert not any(ENGLISH_FIGURE.search(s) for s in said if s)
    summary = english.attrs["summary"]
    assert lang.translate(summary) is not None or lang.statements_fr(summary) is not None
    said = text.result_summary(result)
    assert "conflit" in said and summary not in said
    assert not any(s in said for s in english["statement"])


def _texts(monkeypatch, draw) -> list[str]:
    """Every text of the figure ``draw`` makes (titles, labels, ticks, legend), drawn."""
    import matplotlib.text
    figures = []
    monkeypatch.setattr(plots, "save", lambda fig, path: figures.append(fig) or Path(path))
    draw()
    figures[-1].canvas.draw()
    return [t.get_text() for t in figures[-1].findobj(matplotlib.text.Text) if t.get_text()]


def test_plots_in_french(analyses, comparison, monkeypatch, tmp_path):
    problem, out = analyses
    kept = _kept(problem, "default", "balanced")
    draws = {
        "frontier": lambda c: plot_frontier(out[c]["frontier"], tmp_path / "f.png"),
        "uncertainty": lambda c: plot_uncertainty(out[c]["uncertainty"], tmp_path / "u.png"),
        "curve": lambda c: plots.budget_curve_plot(out[c]["curve"][0], tmp_path / "c.png", c),
        "outcomes": lambda c: plots.outcome_bars(comparison.outcome_index, tmp_path / "o.png", c),
        "regions": lambda c: plots.regional_bars(comparison.region_euros, tmp_path / "r.png", c),
        "fairness": lambda c: plots.fair_share_bars(
            comparison.fair_ratios.set_index("region")[comparison.names], tmp_path / "a.png", c)}
    regions = set(comparison.region_euros.index) | set(comparison.names)
    for name, draw in draws.items():
        en, fr = _texts(monkeypatch, lambda: draw("en")), _texts(monkeypatch, lambda: draw("fr"))
        assert len(en) == len(fr), name
        same = [y for x, y in zip(en, fr) if x == y and y not in SHARED | kept | regions
                and not re.fullmatch(r"[−-]?\d+", y)]
        assert same == [], name
        assert not [y for y in fr if ENGLISH_FIGURE.search(y)], name
    assert any(re.fullmatch(r"\d+,\d\u00a0M€", t) for t in _texts(
        monkeypatch, lambda: draws["regions"]("fr"))), "euro ticks the French way"
