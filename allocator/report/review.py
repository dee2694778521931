"""The review report: a comparison in prose, tables and plots, readable without Excel.

``write_review(comparison, path)`` writes, by the suffix of ``path``:

- ``.html``: one self-contained file — inline CSS, plots as PNG embedded in ``data:`` URIs, no
  script, font or link to fetch — that opens offline in any browser and can be mailed as is;
- ``.md``: Markdown, with its plots written beside it as ``<stem>_<plot>.png``.

Both are rendered from the same list of blocks (headings, paragraphs, tables, plots), so the
two formats always say the same thing.
"""
from __future__ import annotations

import base64
import html
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from allocator.analyse.compare import Comparison
from allocator.core import format as fmt
from allocator.core.lang import Words, words
from allocator.core.status import Status
from allocator.core.version import __version__
from allocator.report import plots
from allocator.report.files import MARKER, atomic_output

TOP_TERRITORIES = 5
MAX_CHANGES = 100
SUFFIXES = (".html", ".htm", ".md")
PLOTS = ("outcomes", "regions", "fairness")  # the keys of ``_plots``


@dataclass(frozen=True)
class Block:
    """One piece of the report: ``heading`` (text, level), ``text``, ``table`` (frame, the
    kind of each column's figures, ``core.format``) or ``plot`` (key of ``_plots``, alt
    text)."""
    kind: str
    text: str = ""
    level: int = 2
    frame: pd.DataFrame | None = None
    formats: tuple[tuple[str, str], ...] = ()
    row_formats: tuple[tuple[str, str], ...] = ()  # by the value of the first column
    key: str = ""
    lang: str = "en"  # of a table's headers, fixed words and figures


def files_of(path: str | Path) -> list[Path]:
    """Every file ``write_review`` writes for ``path``: the report and, beside a Markdown one,
    its plots (checked with the report before any work, as any output)."""
    target = Path(path)
    if target.suffix.lower() != ".md":
        return [target]
    return [target, *(target.with_name(f"{target.stem}_{k}.png") for k in PLOTS)]


def write_review(comparison: Comparison, path: str | Path, *, inputs: tuple = (),
                 lang: str = "en") -> list[Path]:
    """Write the report (and, for Markdown, its plots) in ``lang``; returns the files
    written."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in SUFFIXES:
        raise ValueError(f"{target}: a review report is .html or .md")
    blocks = review_blocks(comparison, lang)
    keys = [b.key for b in blocks if b.kind == "plot"]
    if suffix == ".md":
        images = {k: image for k, image in zip(PLOTS, files_of(target)[1:]) if k in keys}
        for k, image in images.items():
            _plots(comparison, lang)[k](image)
        with atomic_output(target, inputs=inputs) as tmp:
            tmp.write_text(_markdown(blocks, {k: p.name for k, p in images.items()}),
                           encoding="utf-8")
        return [target, *images.values()]
    with tempfile.TemporaryDirectory() as folder:
        uris = {}
        for k in keys:
            image = _plots(comparison, lang)[k](Path(folder) / f"{k}.png")
            uris[k] = "data:image/png;base64," + base64.b64encode(image.read_bytes()).decode()
    with atomic_output(target, inputs=inputs) as tmp:
        tmp.write_text(_html(blocks, uris, lang), encoding="utf-8")
    return [target]


def _plots(c: Comparison, lang: str) -> dict:
    return {"outcomes": lambda path: plots.outcome_bars(c.outcome_index, path, lang),
            "regions": lambda path: plots.regional_bars(c.region_euros, path, lang),
            "fairness": lambda path: plots.fair_share_bars(_fair_ratios(c), path, lang)}


def _fair_ratios(c: Comparison) -> pd.DataFrame:
    """Regions (rows) × scenarios (columns): euros over fair share."""
    assert c.fair_ratios is not None  # drawn only when the comparison has them
    return c.fair_ratios.set_index("region")[c.names]


# ----------------------------------------------------------------------------- content

def meets_rules(status: str) -> bool:
    """Whether a run's status (its label: "feasible, gap unknown", "optimal", …) is an
    allocation that meets every rule."""
    return str(status).split(",")[0].strip() in (Status.OPTIMAL, Status.FEASIBLE)


def review_blocks(c: Comparison, lang: str = "en") -> list[Block]:
    """The report's blocks, in ``lang`` (``core.lang``)."""
    w = words(lang)
    names = c.names
    first = names[0]

    def show(v, kind=None) -> str:
        return w.figure(fmt.show(v, kind))

    def share(v) -> str:
        return w.figure(fmt.signed_share(v))

    def ranking(name: str) -> str:
        return w.say(*RANKINGS.get(name, (name, name)))

    def table(frame: pd.DataFrame, formats: dict[str, str], rows: dict[str, str] | None = None
              ) -> Block:
        return _table(frame, formats, rows, w)

    blocks = [Block("heading", w.say("Scenario review", "Revue des scénarios"), level=1),
              Block("text", w.say(
                  "{n} scenario(s) compared: {names}. Differences (Δ) are against the first, "
                  "{first}. Written by allocator {version}.", "{n} scénario(s) comparé(s) : "
                  "{names}. Les écarts (Δ) sont mesurés par rapport au premier, {first}. "
                  "Écrit par allocator {version}.", n=len(names), names=", ".join(names),
                  first=first, version=__version__))]
    missing = [r for r in c.runs if not r.ok]
    if missing:
        blocks.append(Block("text", w.say("Without an allocation, so left out: ",
                                          "Sans répartition, donc écartés : ") + "; ".join(
            f"{r.name} ({w.value(r.status)}{': ' + r.message if r.message else ''})"
            for r in missing)))

    outcomes = c.outcomes.set_index("metric")
    blocks.append(Block("heading", w.say("What each scenario achieves",
                                         "Ce que chaque scénario atteint")))
    metrics = [m for m in outcomes.index if m not in ("awarded", "projects_funded")]
    for n in names:
        parts = [f"{show(outcomes.loc[m, n], fmt.OUTCOME)} {w.term(m)}"
                 + (w.say(" ({delta} against {first})", " ({delta} par rapport à {first})",
                          delta=share(outcomes.loc[m, f'index {n}'] / 100 - 1), first=first)
                    if n != first else "") for m in metrics]
        blocks.append(Block("text", w.say(
            "{name} funds {n} projects for {euros}: ", "{name} finance {n} projets pour "
            "{euros} : ", name=n, n=show(outcomes.loc['projects_funded', n], fmt.COUNT),
            euros=show(outcomes.loc['awarded', n], fmt.EURO)) + ", ".join(parts) + "."))
    blocks.append(Block("plot", w.say("Outcomes per scenario, relative to the first",
                                      "Résultats par scénario, rapportés au premier"),
                        key="outcomes"))
    blocks.append(table(c.outcomes.drop(columns=[f"index {n}" for n in names]),
                        {**{n: fmt.OUTCOME for n in names},
                         **{f"Δ {n}": fmt.OUTCOME for n in names}},
                        rows={"awarded": fmt.EURO, "projects_funded": fmt.COUNT}))

    if len(c.greedy):
        blocks.append(Block("heading", w.say(
            "How much more the optimum achieves than ranking",
            "Ce que l'optimum atteint de plus qu'un classement")))
        blocks.append(Block("text", w.say(
            "The reference is the rule many programmes still use: rank the projects (by "
            "weighted score, or by score per euro) and fund down the list while the money and "
            "every rule hold. No gain is given against a ranking that breaks a rule.",
            "La référence est la règle que beaucoup de programmes suivent encore : classer les "
            "projets (par score pondéré, ou par score par euro) et financer dans l'ordre tant "
            "que l'argent et chaque règle le permettent. Aucun gain n'est donné face à un "
            "classement qui enfreint une règle.")))
        gains = greedy_gains(c.greedy)
        for scenario, rows in gains.groupby("scenario", sort=False):
            ok = rows["ranking meets every rule"] == "yes"
            said = []
            if ok.any():
                said.append(w.say("the optimum's objective is ", "l'objectif de l'optimum est ")
                            + w.say(" and ", " et ").join(
                    w.say("{gain} above {ranking}", "{gain} au-dessus du {ranking}",
                          gain=share(r['objective']), ranking=ranking(r['ranking']))
                    for _, r in rows[ok].iterrows()))
            said += [w.say("{ranking} cannot meet every rule (it leaves a floor, minimum or "
                           "share unmet)", "le {ranking} ne peut respecter chaque règle (il "
                           "laisse un plancher, un minimum ou une part non atteint)",
                           ranking=ranking(r['ranking'])) for _, r in rows[~ok].iterrows()]
            blocks.append(Block("text", w.say("Under {scenario}'s rules, ",
                                              "Sous les règles de {scenario}, ",
                                              scenario=scenario)
                                + w.say("; ", " ; ").join(said) + "."))
        blocks.append(Block("text", w.say(
            "Gain of the optimum over each ranking, by metric (the workbook's {sheet} sheet has "
            "both values):", "Gain de l'optimum sur chaque classement, par indicateur (la "
            "feuille « {sheet} » du classeur donne les deux valeurs) :",
            sheet=w.term("optimum_vs_greedy"))))
        blocks.append(table(gains, {m: fmt.SHARE for m in gains.columns[3:]}))

    blocks.append(Block("heading", w.say("Where the money goes", "Où va l'argent")))
    blocks.append(Block("plot", w.say("Funding by region and scenario",
                                      "Financement par région et par scénario"), key="regions"))
    money = {**{n: fmt.EURO for n in names}, **{f"Δ {n}": fmt.EURO for n in names}}
    blocks.append(Block("heading", w.say("By region", "Par région"), level=3))
    blocks.append(table(c.regions, money))
    blocks.append(Block("heading", w.say("By theme", "Par thème"), level=3))
    themes = c.themes.copy()
    themes["theme"] = [fmt.label(t, dict(c.theme_labels)) for t in themes["theme"]]
    blocks.append(table(themes, money))

    blocks.append(Block("heading", w.say("Fairness", "Équité")))
    f = c.fairness.set_index("scenario")
    if "share_with_nothing" in f:  # a Pabulib election: what its voters get
        blocks.append(Block("text", w.say(
            "Share of voters none of whose projects is funded, funded projects per voter, share "
            "of the cost each voter voted for that is funded (means), and EJR checked for "
            "groups of voters asking for one project.",
            "Part des votants dont aucun projet n'est financé, projets financés par votant, part "
            "du coût de ses votes qui est financée (moyennes), et EJR vérifiée pour les groupes "
            "de votants qui demandent un projet.")))
        blocks.append(table(c.fairness, {"share_with_nothing": fmt.SHARE,
                                          "mean_funded_supported": fmt.TENTHS,
                                          "mean_cost_share": fmt.SHARE}))
    else:
        even = f["gini_territories"].dropna()
        if len(even):
            blocks.append(Block("text", w.say(
                "Funding is spread most evenly across territories under {most} (Gini {low}) and "
                "least under {least} (Gini {high}); 0 would be equal euros everywhere. Coverage "
                "ranges from {lo} to {hi} of the territories with a project. A fair ratio of 1 "
                "means a region receives exactly its share of the fairness basis.",
                "Le financement est le plus également réparti entre territoires sous {most} (Gini "
                "{low}) et le moins sous {least} (Gini {high}) ; 0 serait autant d'euros partout. "
                "La couverture va de {lo} à {hi} des territoires ayant un projet. Un ratio "
                "d'équité de 1 signifie qu'une région reçoit exactement sa part de la base "
                "d'équité.", most=even.idxmin(), low=show(even.min(), fmt.INDEX),
                least=even.idxmax(), high=show(even.max(), fmt.INDEX),
                lo=show(f['territories_covered'].min(), fmt.SHARE),
                hi=show(f['territories_covered'].max(), fmt.SHARE))))
        if c.fair_ratios is not None and len(c.fair_ratios):
            blocks.append(Block("plot", w.say(
                "Each region's funding over its fair share, by scenario",
                "Financement de chaque région rapporté à sa part équitable, par scénario"),
                key="fairness"))
        blocks.append(table(c.fairness, {"gini_territories": fmt.INDEX,
                                         "gini_per_industrial_job": fmt.INDEX,
                                         "territories_covered": fmt.SHARE,
                                         "smallest_fair_ratio": fmt.INDEX,
                                         "largest_fair_ratio": fmt.INDEX}))

    if len(names) > 1:
        blocks.append(Block("heading", w.say("Territories that gain or lose most",
                                             "Territoires qui gagnent ou perdent le plus")))
        for n in names[1:]:
            delta = c.territories.sort_values(f"Δ {n}", kind="stable")
            moved = pd.concat([delta.tail(TOP_TERRITORIES).iloc[::-1], delta.head(TOP_TERRITORIES)])
            moved = moved[moved[f"Δ {n}"] != 0].drop_duplicates("territory_id")
            blocks.append(Block("heading", w.say("{n} against {first}",
                                                 "{n} par rapport à {first}", n=n, first=first),
                                level=3))
            if len(moved):
                blocks.append(table(moved[["territory_id", "name", "region", first, n, f"Δ {n}"]],
                                    {first: fmt.EURO, n: fmt.EURO, f"Δ {n}": fmt.EURO}))
            else:
                blocks.append(Block("text", w.say("No territory's funding changes.",
                                                  "Le financement d'aucun territoire ne change.")))

    blocks.append(Block("heading", w.say("Projects that change status",
                                         "Projets qui changent de statut")))
    k = len(c.changes)
    blocks.append(Block("text", w.say(
        "{k} project(s) are funded in some scenarios and not in others", "{k} projet(s) sont "
        "financés dans certains scénarios et pas dans d'autres", k=k)
        + (w.say("; the first {m} are listed (the workbook has all)", " ; les {m} premiers sont "
                 "listés (le classeur les donne tous)", m=MAX_CHANGES)
           if k > MAX_CHANGES else "") + "." if k else
        w.say("Every scenario funds the same projects.",
              "Tous les scénarios financent les mêmes projets.")))
    if k:
        blocks.append(table(c.changes.head(MAX_CHANGES), {"requested": fmt.EURO, **money}))

    blocks.append(Block("heading", w.say("Parameters", "Paramètres")))
    differs = c.parameters[c.parameters["differs"]].drop(columns="differs")
    blocks.append(Block("text", w.say(
        "Parameters that differ between the scenarios (the workbook's {sheet} sheet lists them "
        "all).", "Paramètres qui diffèrent entre les scénarios (la feuille « {sheet} » du "
        "classeur les donne tous).", sheet=w.term("parameters")) if len(differs) else
        w.say("Every scenario runs with the same parameters.",
              "Tous les scénarios tournent avec les mêmes paramètres.")))
    if len(differs):
        blocks.append(table(differs, {}))
    blocks.append(Block("heading", w.say("Runs", "Exécutions")))
    blocks.append(table(c.runs_table.drop(columns=["source"]), {"objective": fmt.OBJECTIVE}))
    return blocks


def _table(frame: pd.DataFrame, formats: dict[str, str], rows: dict[str, str] | None,
           w: Words) -> Block:
    return Block("table", frame=frame.reset_index(drop=True), formats=tuple(formats.items()),
                 row_formats=tuple((rows or {}).items()), lang=w.lang)


# columns of fixed words (the first column's are names of metrics, written in the report's
# language too); others hold the user's names
WORDED = frozenset({"ranking", "ranking meets every rule", "fairness_basis", "method",
                    "status"})
# a ranking as the report names it, in English and French
RANKINGS = {"greedy by score": ("ranking by score", "classement par score"),
            "greedy by ratio": ("ranking by score per euro", "classement par score par euro")}


def greedy_gains(greedy: pd.DataFrame) -> pd.DataFrame:
    """One row per scenario and ranking: whether the ranking meets every rule, and the
    optimum's gain on each metric (empty against a ranking that breaks a rule: no gain
    over an allocation one may not make)."""
    keys = ["scenario", "ranking"]
    wide = greedy.set_index([*keys, "metric"])["optimum_gain"].unstack("metric")
    metrics = list(dict.fromkeys(greedy["metric"]))
    order = greedy[[*keys, "greedy_status"]].drop_duplicates(keys)
    out = order.merge(wide[metrics].reset_index(), on=keys, how="left").rename_axis(columns=None)
    meets = out["greedy_status"].map(meets_rules)
    out.loc[~meets, metrics] = np.nan
    out.insert(2, "ranking meets every rule", np.where(meets, "yes", "no"))
    return out.drop(columns="greedy_status")


def _cells(block: Block) -> tuple[list[str], list[list[str]]]:
    """A table's headers and cells as text, in its language: headers, the first column's
    names of metrics and the fixed words of a cell by ``core.lang``, figures by ``core.format``."""
    formats, by_row = dict(block.formats), dict(block.row_formats)
    frame = block.frame
    assert frame is not None  # a table block has its frame
    w = words(block.lang)
    columns = [w.header(str(c)) if w.french else str(c) for c in frame.columns]
    body = [[w.value(v) if w.french and (j == 0 or c in WORDED) and isinstance(v, str)
             else w.figure(fmt.show(v, by_row.get(row[0], formats.get(c)) if j and c in formats
                                    else formats.get(c)))
             for j, (c, v) in enumerate(zip(frame.columns, row))]
            for row in frame.itertuples(index=False, name=None)]
    return columns, body


# ----------------------------------------------------------------------------- rendering

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem auto;
       max-width: 1100px; padding: 0 1rem; color: #1f2328; line-height: 1.45; }
h1 { border-bottom: 2px solid #4e79a7; padding-bottom: .3rem; }
h2 { margin-top: 2.2rem; border-bottom: 1px solid #d0d7de; padding-bottom: .2rem; }
.table { overflow-x: auto; margin: .8rem 0 1.2rem; max-width: 100%; }
table { border-collapse: collapse; font-size: .85rem; }
th, td { border: 1px solid #d0d7de; padding: .25rem .5rem; vertical-align: top; }
th { background: #ddebf7; text-align: left; position: sticky; top: 0; }
td { overflow-wrap: break-word; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap;
       overflow-wrap: normal; }
tr:nth-child(even) td { background: #f6f8fa; }
img { max-width: 100%; height: auto; display: block; margin: 1rem 0; }
@media (max-width: 700px) { body { margin: 1rem auto; } table { font-size: .75rem; } }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 9pt; }
  .table { overflow: visible; }
  table { font-size: 7pt; width: 100%; table-layout: auto; }
  th { position: static; }
  td.n { white-space: normal; }
  thead { display: table-header-group; }
  tr, img { break-inside: avoid; }
  img { max-height: 175mm; width: auto; }
  h2, h3 { break-after: avoid; }
}
"""


def _render(blocks: list[Block], writers: dict) -> list[str]:
    """The lines of every block, each written by the writer of its kind."""
    return [line for b in blocks for line in writers[b.kind](b)]


def _breakable(text: str) -> str:
    """Escaped text that may break after an underscore (snake_case names in narrow cells)."""
    return html.escape(text).replace("_", "_<wbr>")


def _unbroken(text: str) -> str:
    """Figures kept on one line: "1 759" never breaks between its thousands."""
    return re.sub(r"(?<=\d) (?=\d{3}\b)", "\u00a0", text)


def _html(blocks: list[Block], uris: dict[str, str], lang: str = "en") -> str:
    def table(b: Block) -> list[str]:
        columns, body = _cells(b)
        frame = b.frame
        assert frame is not None  # a table block has its frame
        numeric = [pd.api.types.is_numeric_dtype(frame[c])
                   and not pd.api.types.is_bool_dtype(frame[c]) for c in frame.columns]
        cell = ('<td class="n">{}</td>', "<td>{}</td>")
        return (['<div class="table"><table><thead><tr>'
                 + "".join(f"<th>{_breakable(c)}</th>" for c in columns) + "</tr></thead><tbody>"]
                + ["<tr>" + "".join(cell[not num].format(_breakable(v))
                                    for v, num in zip(row, numeric)) + "</tr>" for row in body]
                + ["</tbody></table></div>"])

    head = ['<!DOCTYPE html>', MARKER, f'<html lang="{lang}">', '<head>',
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f'<title>{html.escape(blocks[0].text)}</title>', f'<style>{CSS}</style>',
            '</head>', '<body>']
    return "\n".join(head + _render(blocks, {
        "heading": lambda b: [f"<h{b.level}>{html.escape(b.text)}</h{b.level}>"],
        "text": lambda b: [f"<p>{_unbroken(html.escape(b.text))}</p>"],
        "plot": lambda b: [f'<img src="{uris[b.key]}" alt="{html.escape(b.text, quote=True)}">'],
        "table": table}) + ["</body>", "</html>", ""])


def _md_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _markdown(blocks: list[Block], images: dict[str, str]) -> str:
    def table(b: Block) -> list[str]:
        columns, body = _cells(b)
        return (["| " + " | ".join(map(_md_escape, columns)) + " |",
                 "|" + "|".join("---" for _ in columns) + "|"]
                + ["| " + " | ".join(map(_md_escape, row)) + " |" for row in body] + [""])

    return "\n".join([MARKER + "\n"] + _render(blocks, {
        "heading": lambda b: [f"{'#' * b.level} {b.text}\n"],
        "text": lambda b: [f"{b.text}\n"],
        "plot": lambda b: [f"![{b.text}]({images[b.key]})\n"],
        "table": table}))


