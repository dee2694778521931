"""What the terminal shows after a run: a few lines of totals, and tables whose figures read
as in the workbook (``core.format``)."""
from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from allocator.analyse.allocation import Result
from allocator.analyse.explain import NOT_EXPLAINED, NOT_PRICED, Explanation
from allocator.analyse.sweep import Sweep
from allocator.analyse.uncertainty import NOT_IN_TIME, Uncertainty, robust_comparison
from allocator.analyse.voters import VoterMeasures
from allocator.core import format as fmt
from allocator.core.lang import words
from allocator.report.workbook import WORDED


def table(frame: pd.DataFrame, *, kinds: Mapping[str, str | None] = {},
          outcomes: tuple[str, ...] = (), rows: Mapping[str, str] = {}, lang: str = "en") -> str:
    """A frame as aligned text: each column formatted by its kind (``kinds``, else its
    name), numbers right-aligned; ``rows``: the kind of a row's numbers by its first cell.
    In ``lang``: headers, the first column's names and figures (``core.lang``)."""
    w = words(lang)
    columns = [w.term(str(c)) for c in frame.columns]
    keys = frame.iloc[:, 0].astype(str).tolist() if len(columns) else []
    cells, right = [], []
    for j, column in enumerate(frame.columns):
        kind = kinds[column] if column in kinds else fmt.kind_of(str(column), outcomes)
        values = frame[column].tolist()
        numeric = pd.api.types.is_numeric_dtype(frame[column]) and \
            not pd.api.types.is_bool_dtype(frame[column])
        worded = j == 0 or column in WORDED
        cells.append([w.sentence(w.value(v)) if worded and isinstance(v, str)
                      else w.figure(fmt.show(v, rows.get(keys[i], kind) if j and numeric
                                             else kind))
                      for i, v in enumerate(values)])
        right.append(numeric)
    widths = [max([len(c), *map(len, col)]) for c, col in zip(columns, cells)]
    lines = ["  ".join(c.rjust(w) if r else c.ljust(w)
                       for c, w, r in zip(columns, widths, right)).rstrip()]
    for i in range(len(frame)):
        lines.append("  ".join(col[i].rjust(w) if r else col[i].ljust(w)
                               for col, w, r in zip(cells, widths, right)).rstrip())
    return "\n".join(lines)


def sweep_outcomes(done: Sweep) -> tuple[str, ...]:
    """The outcomes a sweep's scenarios achieve, in their order."""
    return next((tuple(r.outcomes["outcome"]) for r in done.results
                 if r is not None and r.outcomes is not None), ())


def sweep_table(done: Sweep) -> str:
    """One line per scenario of a sweep, in the language of its scenarios."""
    return table(done.table.drop(columns=["solve_seconds"], errors="ignore"),
                 outcomes=sweep_outcomes(done),
                 lang=done.scenarios[0].lang if done.scenarios else "en")


def result_summary(result: Result) -> str:
    """A short table of totals for the terminal, in the scenario's language."""
    s, w = result.solution, words(result.scenario.lang)

    def show(v, kind=None) -> str:
        return w.figure(fmt.show(v, kind))

    width = 11 if w.french else 10  # "compétences"

    def line(name: str, french: str, text: str) -> str:
        return f"{w.say(name, french):<{width}} {text}"

    lines = [line("scenario", "scénario", result.scenario.name),
             # a solve the watchdog stopped has no version to give ("highs , 38 s")
             line("status", "statut", f"{w.value(s.label)}  ("
                                      f"{' '.join(filter(None, (s.solver, s.version)))}, "
                                      f"{show(s.solve_seconds, fmt.SECONDS)} s)")]
    if s.objective is not None:
        lines.append(line("objective", "objectif", w.figure(f"{s.objective:.6g}") + (w.say(
            "  (bound {bound}, proven gap {gap})", "  (borne {bound}, écart prouvé {gap})",
            bound=w.figure(f"{s.bound:.6g}"), gap=w.figure(fmt.percent(s.gap or 0.0)))
            if s.bound is not None else "")))
    if result.diagnosis is not None:
        lines.append(line("conflict", "conflit",
                          w.sentence(result.diagnosis.attrs.get('summary', ''))))
        for r in result.diagnosis.itertuples():
            lines.append(f"  - {w.sentence(r.statement)}"
                         + (f" → {w.sentence(w.value(r.to_relax))}" if r.to_relax else ""))
    t = result.totals
    if t:
        assert result.outcomes is not None  # analysed with its totals
        lines.append(line("awarded", "accordé", w.say(
            "{awarded} of {budget}, {n} of {of} projects funded",
            "{awarded} sur {budget}, {n} projets financés sur {of}",
            awarded=show(t["awarded"], fmt.EURO), budget=show(t["budget"], fmt.EURO),
            n=show(t["projects_funded"], fmt.COUNT), of=show(t["projects"], fmt.COUNT))))
        for r in result.outcomes.itertuples():
            share = w.say(" ({share} of the ideal)", " ({share} de l'idéal)",
                          share=show(r.share_of_ideal, fmt.SHARE)) \
                if r.share_of_ideal == r.share_of_ideal else ""
            lines.append(f"{w.term(r.outcome):<{width}} {show(t[r.outcome], fmt.OUTCOME)}{share}")
    late = [f"{n} {what}" for n, what in (
        (_count(result.allocation, "displaces"), w.say("price(s) of inclusion",
                                                       "coût(s) d'inclusion")),
        (_count(result.shadow_prices, "note"), w.say("shadow price(s)", "prix duaux"))) if n]
    if late:
        lines.append(w.say("not priced {what}: the time limit was reached (--time-limit)",
                           "non chiffrés : {what}, la limite de temps a été atteinte "
                           "(--time-limit)", what=w.say(" and ", " et ").join(late)))
    unexplained = _count(result.allocation, "reason", NOT_EXPLAINED)
    if unexplained:
        lines.append(w.say("not explained {n} of {of} projects: the time limit was reached "
                           "(--time-limit)", "non expliqués : {n} projets sur {of}, la limite "
                           "de temps a été atteinte (--time-limit)",
                           n=show(unexplained, fmt.COUNT), of=show(t.get("projects", 0),
                                                                  fmt.COUNT)))
    if result.voters is not None:
        lines += voters_lines(result.voters)
    return "\n".join(lines)


def _count(frame, column: str, said: str = NOT_PRICED) -> int:
    """Rows of ``frame`` whose ``column`` says the time limit left them unpriced (or
    whatever ``said`` says)."""
    return 0 if frame is None or column not in frame else int((frame[column] == said).sum())


def voters_lines(v: VoterMeasures) -> list[str]:
    """What the voters of an election get, in two lines."""
    lines = [f"voters     {fmt.show(v.voters, fmt.COUNT)}: {fmt.show(v.nothing, fmt.SHARE)} "
             f"with nothing funded; each has {v.mean_funded:.2f} funded projects and "
             f"{fmt.show(v.mean_cost_share, fmt.SHARE)} of the cost they voted for funded, "
             "on average"]
    if v.ejr_violations is not None:
        shown = ", ".join(v.ejr_violations[:5]) + (" …" if len(v.ejr_violations) > 5 else "")
        lines.append("EJR        no group of voters asking for one project is short-changed"
                     if not v.ejr_violations else f"EJR        violated: {len(v.ejr_violations)} "
                     f"project(s) whose supporters are owed them got nothing like it ({shown})")
    return lines


def uncertainty_summary(u: Uncertainty) -> str:
    """A few lines for the terminal, in the scenario's language."""
    s, w = u.summary, words(u.scenario.lang)

    def show(v, kind=None) -> str:
        return w.figure(fmt.show(v, kind))

    width = 12 if w.french else 10  # "compétences", "non résolus"
    lines = [f"{w.term('scenario'):<{width}} {u.scenario.name}",
             f"{w.term('draws'):<{width}} " + w.say(
                 "{n} of {of} (seed {seed}, {backend}, {executor}, {seconds} s)",
                 "{n} sur {of} (graine {seed}, {backend}, {executor}, {seconds} s)",
                 n=s.get("samples_done", 0), of=u.samples, seed=u.seed,
                 backend=u.scenario.backend, executor=w.term(str(s.get("executor", "-"))),
                 seconds=show(s.get("seconds", 0), fmt.TENTHS))
             + (w.say("  INTERRUPTED", "  INTERROMPU") if s.get("interrupted") else "")]
    late = 0 if u.draws is None else int((u.draws["status"] == NOT_IN_TIME).sum())
    if late:
        lines.append(w.say("not solved {n} draw(s): the time limit was reached; the figures "
                           "below are of the others (--time-limit)", "non résolus {n} "
                           "tirage(s) : la limite de temps a été atteinte ; les chiffres "
                           "ci-dessous sont ceux des autres (--time-limit)", n=late))
    if u.frequency is not None:
        lines.append(f"{w.term('projects'):<{width}} " + w.say(
            "{every} funded in every draw, {some} in some, {none} in none",
            "{every} financés à chaque tirage, {some} dans certains, {none} dans aucun",
            every=s["projects funded in every draw"], some=s["projects funded in some draws"],
            none=s["projects funded in no draw"]))
        assert u.distribution is not None  # made with the frequencies
        d = u.distribution[u.distribution["allocation"] == "estimate"]
        for r in d.itertuples():
            kind = fmt.OBJECTIVE if r.outcome == "objective" else fmt.OUTCOME
            lines.append(f"{w.term(r.outcome):<{width}} " + w.say(
                "estimate {at}, mean {mean}, p5 {p5}, p95 {p95}",
                "estimation {at}, moyenne {mean}, p5 {p5}, p95 {p95}",
                at=show(r.at_estimate, kind), mean=show(r.mean, kind), p5=show(r.p5, kind),
                p95=show(r.p95, kind)))
        if u.robust is not None:
            for r in robust_comparison(u).itertuples():
                lines.append(f"{w.term(r.allocation):<{width}} " + w.say(
                    "objective {at} (Γ worst {worst}, p5 {p5})",
                    "objectif {at} (pire cas Γ {worst}, p5 {p5})",
                    at=show(r.objective_at_estimate, fmt.OBJECTIVE),
                    worst=show(r.objective_worst_case, fmt.OBJECTIVE),
                    p5=show(r.objective_p5, fmt.OBJECTIVE)))
    return "\n".join(lines)


def explanation(why: Explanation, lang: str = "en") -> str:
    """Each project's reason, and what forcing an unfunded one in would cost, in ``lang``."""
    assert why.projects is not None  # explained: ``ok``
    w = words(lang)
    lines = []
    for r in why.projects.itertuples():
        lines.append(f"{r.project_id}: {w.sentence(r.reason)}")
        if not r.funded and r.price_of_inclusion is not None and r.price_of_inclusion == \
                r.price_of_inclusion:
            lines.append(w.say("  forcing it in would cost {cost} of the objective",
                               "  l'imposer coûterait {cost} de l'objectif",
                               cost=w.figure(f"{r.price_of_inclusion:.6g}"))
                         + (f" ({w.sentence(r.price_in_outcomes)})" if r.price_in_outcomes
                            else "")
                         + (w.say(" and displace {who}", " et évincerait {who}",
                                  who=w.sentence(r.displaces)) if r.displaces else ""))
        elif not r.funded and r.displaces:  # not priced, or cannot be forced in: why
            lines.append(f"  {w.sentence(r.displaces)}")
    return "\n".join(lines)
