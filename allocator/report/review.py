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


def files_of(path: str | Path) -> list[Path]:
    """Every file ``write_review`` writes for ``path``: the report and, beside a Markdown one,
    its plots (checked with the report before any work, as any output)."""
    target = Path(path)
    if target.suffix.lower() != ".md":
        return [target]
    return [target, *(target.with_name(f"{target.stem}_{k}.png") for k in PLOTS)]


def write_review(comparison: Comparison, path: str | Path, *, inputs: tuple = ()) -> list[Path]:
    """Write the report (and, for Markdown, its plots); returns the files written."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in SUFFIXES:
        raise ValueError(f"{target}: a review report is .html or .md")
    blocks = review_blocks(comparison)
    keys = [b.key for b in blocks if b.kind == "plot"]
    if suffix == ".md":
        images = {k: image for k, image in zip(PLOTS, files_of(target)[1:]) if k in keys}
        for k, image in images.items():
            _plots(comparison)[k](image)
        with atomic_output(target, inputs=inputs) as tmp:
            tmp.write_text(_markdown(blocks, {k: p.name for k, p in images.items()}),
                           encoding="utf-8")
        return [target, *images.values()]
    with tempfile.TemporaryDirectory() as folder:
        uris = {}
        for k in keys:
            image = _plots(comparison)[k](Path(folder) / f"{k}.png")
            uris[k] = "data:image/png;base64," + base64.b64encode(image.read_bytes()).decode()
    with atomic_output(target, inputs=inputs) as tmp:
        tmp.write_text(_html(blocks, uris), encoding="utf-8")
    return [target]


def _plots(c: Comparison) -> dict:
    return {"outcomes": lambda path: plots.outcome_bars(c.outcome_index, path),
            "regions": lambda path: plots.regional_bars(c.region_euros, path),
            "fairness": lambda path: plots.fair_share_bars(_fair_ratios(c), path)}


def _fair_ratios(c: Comparison) -> pd.DataFrame:
    """Regions (rows) × scenarios (columns): euros over fair share."""
    assert c.fair_ratios is not None  # drawn only when the comparison has them
    return c.fair_ratios.set_index("region")[c.names]


# ----------------------------------------------------------------------------- content

def meets_rules(status: str) -> bool:
    """Whether a run's status (its label: "feasible, gap unknown", "optimal", …) is an
    allocation that meets every rule."""
    return str(status).split(",")[0].strip() in (Status.OPTIMAL, Status.FEASIBLE)


def review_blocks(c: Comparison) -> list[Block]:
    names = c.names
    first = names[0]
    blocks = [Block("heading", "Scenario review", level=1),
              Block("text", f"{len(names)} scenario(s) compared: {', '.join(names)}. Differences "
                            f"(Δ) are against the first, {first}. Written by allocator "
                            f"{__version__}.")]
    missing = [r for r in c.runs if not r.ok]
    if missing:
        blocks.append(Block("text", "Without an allocation, so left out: " + "; ".join(
            f"{r.name} ({r.status}{': ' + r.message if r.message else ''})" for r in missing)))

    outcomes = c.outcomes.set_index("metric")
    blocks.append(Block("heading", "What each scenario achieves"))
    metrics = [m for m in outcomes.index if m not in ("awarded", "projects_funded")]
    for n in names:
        parts = [f"{fmt.show(outcomes.loc[m, n], fmt.OUTCOME)} {m}"
                 + (f" ({fmt.signed_share(outcomes.loc[m, f'index {n}'] / 100 - 1)} against "
                    f"{first})" if n != first else "") for m in metrics]
        blocks.append(Block("text", f"{n} funds "
                                    f"{fmt.show(outcomes.loc['projects_funded', n], fmt.COUNT)} "
                                    f"projects for {fmt.show(outcomes.loc['awarded', n], fmt.EURO)}"
                                    ": " + ", ".join(parts) + "."))
    blocks.append(Block("plot", "Outcomes per scenario, relative to the first", key="outcomes"))
    blocks.append(_table(c.outcomes.drop(columns=[f"index {n}" for n in names]),
                         {**{n: fmt.OUTCOME for n in names},
                          **{f"Δ {n}": fmt.OUTCOME for n in names}},
                         rows={"awarded": fmt.EURO, "projects_funded": fmt.COUNT}))

    if len(c.greedy):
        blocks.append(Block("heading", "How much more the optimum achieves than ranking"))
        blocks.append(Block("text", "The reference is the rule many programmes still use: "
                                    "rank the projects (by weighted score, or by score per euro) "
                                    "and fund down the list while the money and every rule hold. "
                                    "No gain is given against a ranking that breaks a rule."))
        gains = greedy_gains(c.greedy)
        for scenario, rows in gains.groupby("scenario", sort=False):
            ok = rows["ranking meets every rule"] == "yes"
            said = []
            if ok.any():
                said.append("the optimum's objective is " + " and ".join(
                    f"{fmt.signed_share(r['objective'])} above "
                    f"{RANKINGS.get(r['ranking'], r['ranking'])}" for _, r in rows[ok].iterrows()))
            said += [f"{RANKINGS.get(r['ranking'], r['ranking'])} cannot meet every rule (it "
                     "leaves a floor, minimum or share unmet)" for _, r in rows[~ok].iterrows()]
            blocks.append(Block("text", f"Under {scenario}'s rules, " + "; ".join(said) + "."))
        blocks.append(Block("text", "Gain of the optimum over each ranking, by metric (the "
                                    "workbook's optimum_vs_greedy sheet has both values):"))
        blocks.append(_table(gains, {m: fmt.SHARE for m in gains.columns[3:]}))

    blocks.append(Block("heading", "Where the money goes"))
    blocks.append(Block("plot", "Funding by region and scenario", key="regions"))
    money = {**{n: fmt.EURO for n in names}, **{f"Δ {n}": fmt.EURO for n in names}}
    blocks.append(Block("heading", "By region", level=3))
    blocks.append(_table(c.regions, money))
    blocks.append(Block("heading", "By theme", level=3))
    themes = c.themes.copy()
    themes["theme"] = [fmt.label(t, dict(c.theme_labels)) for t in themes["theme"]]
    blocks.append(_table(themes, money))

    blocks.append(Block("heading", "Fairness"))
    f = c.fairness.set_index("scenario")
    if "share_with_nothing" in f:  # a Pabulib election: what its voters get
        blocks.append(Block("text", "Share of voters none of whose projects is funded, funded "
                                    "projects per voter, share of the cost each voter voted "
                                    "for that is funded (means), and EJR checked for groups "
                                    "of voters asking for one project."))
        blocks.append(_table(c.fairness, {"share_with_nothing": fmt.SHARE,
                                          "mean_funded_supported": fmt.TENTHS,
                                          "mean_cost_share": fmt.SHARE}))
    else:
        blocks += _territorial_fairness(c, f)

    if len(names) > 1:
        blocks.append(Block("heading", "Territories that gain or lose most"))
        for n in names[1:]:
            delta = c.territories.sort_values(f"Δ {n}", kind="stable")
            moved = pd.concat([delta.tail(TOP_TERRITORIES).iloc[::-1], delta.head(TOP_TERRITORIES)])
            moved = moved[moved[f"Δ {n}"] != 0].drop_duplicates("territory_id")
            blocks.append(Block("heading", f"{n} against {first}", level=3))
            if len(moved):
                blocks.append(_table(moved[["territory_id", "name", "region", first, n, f"Δ {n}"]],
                                     {first: fmt.EURO, n: fmt.EURO, f"Δ {n}": fmt.EURO}))
            else:
                blocks.append(Block("text", "No territory's funding changes."))

    blocks.append(Block("heading", "Projects that change status"))
    k = len(c.changes)
    blocks.append(Block("text", f"{k} project(s) are funded in some scenarios and not in others"
                                + (f"; the first {MAX_CHANGES} are listed (the workbook has all)"
                                   if k > MAX_CHANGES else "") + "." if k else
                        "Every scenario funds the same projects."))
    if k:
        blocks.append(_table(c.changes.head(MAX_CHANGES), {"requested": fmt.EURO, **money}))

    blocks.append(Block("heading", "Parameters"))
    differs = c.parameters[c.parameters["differs"]].drop(columns="differs")
    blocks.append(Block("text", "Parameters that differ between the scenarios (the workbook's "
                                "parameters sheet lists them all)." if len(differs) else
                        "Every scenario runs with the same parameters."))
    if len(differs):
        blocks.append(_table(differs, {}))
    blocks.append(Block("heading", "Runs"))
    blocks.append(_table(c.runs_table.drop(columns=["source"]), {"objective": fmt.OBJECTIVE}))
    return blocks


def _table(frame: pd.DataFrame, formats: dict[str, str], rows: dict[str, str] | None = None
           ) -> Block:
    return Block("table", frame=frame.reset_index(drop=True), formats=tuple(formats.items()),
                 row_formats=tuple((rows or {}).items()))


RANKINGS = {"greedy by score": "ranking by score", "greedy by ratio": "ranking by score per euro"}


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
    formats, by_row = dict(block.formats), dict(block.row_formats)
    frame = block.frame
    assert frame is not None  # a table block has its frame
    columns = [str(c) for c in frame.columns]
    body = [[fmt.show(v, by_row.get(row[0], formats.get(c)) if j and c in formats
                      else formats.get(c))
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


def _html(blocks: list[Block], uris: dict[str, str]) -> str:
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

    head = ['<!DOCTYPE html>', MARKER, '<html lang="en">', '<head>', '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<title>Scenario review</title>', f'<style>{CSS}</style>', '</head>', '<body>']
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


def _territorial_fairness(c: Comparison, f: pd.DataFrame) -> list[Block]:
    blocks = []
    even = f["gini_territories"].dropna()
    if len(even):
        blocks.append(Block("text", f"Funding is spread most evenly across territories under "
                                    f"{even.idxmin()} (Gini {fmt.show(even.min(), fmt.INDEX)}) "
                                    f"and least under {even.idxmax()} (Gini "
                                    f"{fmt.show(even.max(), fmt.INDEX)}); 0 would be equal "
                                    "euros everywhere. Coverage ranges from "
                                    f"{fmt.show(f['territories_covered'].min(), fmt.SHARE)} to "
                                    f"{fmt.show(f['territories_covered'].max(), fmt.SHARE)} of "
                                    "the territories with a project. A fair ratio of 1 means a "
                                    "region receives exactly its share of the fairness basis."))
    if c.fair_ratios is not None and len(c.fair_ratios):
        blocks.append(Block("plot", "Each region's funding over its fair share, by scenario",
                            key="fairness"))
    blocks.append(_table(c.fairness, {"gini_territories": fmt.INDEX,
                                      "gini_per_industrial_job": fmt.INDEX,
                                      "territories_covered": fmt.SHARE,
                                      "smallest_fair_ratio": fmt.INDEX,
                                      "largest_fair_ratio": fmt.INDEX}))
    return blocks
