"""Re-derive every figure the review report's sentences state from the report's own tables:
what a reader would check by hand. ``contradictions(html)`` lists each sentence whose figures
its tables do not support (empty when the text and the tables agree)."""
from __future__ import annotations

import html as html_module
import re

RANKINGS = {"ranking by score": "greedy by score",
            "ranking by score per euro": "greedy by ratio"}


def _text(fragment: str) -> str:
    plain = re.sub(r"<[^>]+>", "", fragment)
    return html_module.unescape(plain).replace("\u00a0", " ").strip()


def sections(page: str) -> dict[str, list]:
    """By h2 heading: its paragraphs (str) and tables (list of rows of cell texts), in order."""
    out: dict[str, list] = {}
    current = out.setdefault("", [])
    for match in re.finditer(r"<h2>(.*?)</h2>|<p>(.*?)</p>|<table>(.*?)</table>", page, re.S):
        heading, paragraph, table = match.groups()
        if heading is not None:
            current = out.setdefault(_text(heading), [])
        elif paragraph is not None:
            current.append(_text(paragraph))
        else:
            current.append([[_text(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row,
                                                           re.S)]
                            for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)])
    return out


def number(text: str) -> float:
    """A figure as the report writes it: "€1 234", "−5.2%", "13 228", "0.511"."""
    t = text.replace("€", "").replace(" ", "").replace("−", "-").replace("+", "")
    return float(t[:-1]) / 100 if t.endswith("%") else float(t)


def _tables(items: list) -> list[dict]:
    """Each table as {first cell: {header: cell}} (header row first)."""
    out = []
    for t in (i for i in items if isinstance(i, list)):
        header = t[0]
        out.append({row[0]: dict(zip(header, row)) for row in t[1:]})
    return out


def contradictions(page: str) -> list[str]:
    found: list[str] = []
    s = sections(page)

    achieved = s["What each scenario achieves"]
    table = _tables(achieved)[0]
    names = [h for h in next(t for t in achieved if isinstance(t, list))[0][1:]
             if not h.startswith("Δ")]
    first = names[0]
    said = set()
    for p in (i for i in achieved if isinstance(i, str)):
        m = re.fullmatch(r"(\S+) funds (\S+) projects for (€[\d ]+): (.*)\.", p)
        if not m:
            found.append(f"unparsed: {p}")
            continue
        n, projects, awarded, parts = m.groups()
        said.add(n)
        if table["projects_funded"][n] != projects or table["awarded"][n] != awarded:
            found.append(f"{p!r}: the table says {table['projects_funded'][n]} projects for "
                         f"{table['awarded'][n]}")
        for part in parts.split(", "):
            pm = re.fullmatch(r"([\d ]+) (\S+)(?: \(([+−][\d.]+%) against (\S+)\))?", part)
            if not pm:
                found.append(f"unparsed part: {part}")
                continue
            value, metric, change, against = pm.groups()
            if table[metric][n] != value:
                found.append(f"{n}: {part!r} but the table says {table[metric][n]}")
            if change is not None:
                expected = number(table[metric][n]) / number(table[metric][against]) - 1
                if against != first or abs(number(change) - expected) > 0.0015:
                    found.append(f"{n}: {part!r} but the table gives {expected:+.1%}")
    if said != set(names):
        found.append(f"scenarios in the text {sorted(said)} and the table {sorted(names)}")

    ranking = s.get("How much more the optimum achieves than ranking", [])
    if ranking:
        rows = next(t for t in ranking if isinstance(t, list))
        header = rows[0]
        gains = {(r[0], r[1]): dict(zip(header, r)) for r in rows[1:]}
        mentioned = set()
        for p in (i for i in ranking if isinstance(i, str) and i.startswith("Under ")):
            m = re.fullmatch(r"Under (\S+)'s rules, (.*)\.", p)
            assert m, p
            scenario, rest = m.groups()
            for part in rest.split("; "):
                if part.startswith("the optimum's objective is "):
                    for gain, name in re.findall(r"([+−][\d.]+%) above (ranking by score"
                                                 r"(?: per euro)?)", part):
                        row = gains[scenario, RANKINGS[name]]
                        mentioned.add((scenario, RANKINGS[name]))
                        if row["ranking meets every rule"] != "yes":
                            found.append(f"{p!r}: a gain over {name}, which the table says "
                                         "breaks a rule")
                        if number(row["objective"]) != number(gain):
                            found.append(f"{p!r}: {gain} but the table says {row['objective']}")
                else:
                    m2 = re.fullmatch(r"(ranking by score(?: per euro)?) cannot meet every "
                                      r"rule .*", part)
                    assert m2, part
                    row = gains[scenario, RANKINGS[m2.group(1)]]
                    mentioned.add((scenario, RANKINGS[m2.group(1)]))
                    if row["ranking meets every rule"] != "no":
                        found.append(f"{p!r}: the table says {m2.group(1)} meets every rule")
                    if row["objective"]:
                        found.append(f"{p!r}: the table gives a gain over a ranking that "
                                     "breaks a rule")
        if mentioned != set(gains):
            found.append(f"rankings the text leaves out: {sorted(set(gains) - mentioned)}")

    fairness = s.get("Fairness", [])
    text = " ".join(i for i in fairness if isinstance(i, str))
    m = re.search(r"most evenly across territories under (\S+) \(Gini ([\d.]+)\) and least "
                  r"under (\S+) \(Gini ([\d.]+)\).*Coverage ranges from ([\d.]+%) to "
                  r"([\d.]+%)", text)
    if fairness:
        rows = _tables(fairness)[0]
        gini = {n: number(r["gini_territories"]) for n, r in rows.items()}
        covered = [number(r["territories_covered"]) for r in rows.values()]
        if not m:
            found.append(f"unparsed: {text}")
        else:
            low, g1, high, g2, c1, c2 = m.groups()
            if gini[low] != min(gini.values()) or number(g1) != gini[low]:
                found.append(f"most even: {low} (Gini {g1}) but the table says {gini}")
            if gini[high] != max(gini.values()) or number(g2) != gini[high]:
                found.append(f"least even: {high} (Gini {g2}) but the table says {gini}")
            if (number(c1), number(c2)) != (min(covered), max(covered)):
                found.append(f"coverage {c1}–{c2} but the table says {covered}")

    changes = s.get("Projects that change status", [])
    if changes:
        said_k = re.match(r"(\d+) project\(s\)", changes[0])
        listed = sum(len(t) - 1 for t in changes if isinstance(t, list))
        if said_k is None:
            if listed:
                found.append(f"{changes[0]!r} but the table lists {listed}")
        elif int(said_k.group(1)) != listed and not (int(said_k.group(1)) > 100 == listed):
            found.append(f"{changes[0]!r} but the table lists {listed}")

    intro = s[""][0] if s[""] else ""
    m = re.match(r"(\d+) scenario\(s\) compared: (.*?)\. ", intro)
    if not m or int(m.group(1)) != len(names) or m.group(2).split(", ") != names:
        found.append(f"{intro!r} but the tables compare {names}")
    return found
