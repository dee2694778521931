"""The words of every output, in English and French: sheet names, column headers, fixed terms
and the sentence templates of reasons and messages.

The analysis speaks English: its frames have snake_case columns and English reasons, each
sentence made from a template of ``PHRASES`` (or a rule's ``blocks`` in ``core.rules``) with
named fields. The report, written in another language, asks ``words(lang)`` for a ``Words``:
``term`` names a sheet, a column or a fixed value, ``sentence`` reads an English sentence back
through its template and writes it in the reader's language (its figures too: "€1 234 567"
becomes "1 234 567 €", "12.5%" "12,5 %"). A sentence of no template stays English, which the
tests forbid: a new reason kind without its French fails them.

French figures: a no-break space between thousands and before "€" and "%", a decimal comma.
Excel number formats are left to the reader's locale.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from allocator.core.rules import OUTCOME_UNITS, RULES

LANGS = ("en", "fr")
NBSP = "\u00a0"

# English → French: sheet names, column headers, run items and the fixed values of cells
TERMS: dict[str, str] = {
    # sheets
    "summary": "synthèse", "allocation": "répartition", "by_region": "par région",
    "by_territory": "par territoire", "by_theme": "par thème", "outcomes": "résultats",
    "shadow_prices": "prix duaux", "diagnosis": "diagnostic", "scenario": "scénario",
    "run": "exécution", "budget_curve": "courbe budgétaire",
    # columns
    "project_id": "identifiant projet", "title": "intitulé", "territory_id":
        "identifiant territoire", "region": "région", "theme": "thème",
    "theme_label": "libellé du thème", "status": "statut", "award": "aide accordée",
    "requested": "montant demandé", "share_of_request": "part de la demande",
    "max_award": "aide maximale", "total_cost": "coût total", "max_aid_rate": "taux d'aide max",
    "jobs": "emplois", "skills": "compétences", "innovation": "innovation", "lock": "verrou",
    "reason": "motif", "price_of_inclusion": "coût de l'inclusion", "displaces": "évince",
    "note": "remarque", "funded": "financé", "projects": "projets", "awarded": "accordé",
    "share_of_awarded": "part de l'accordé", "floor": "plancher", "cap": "plafond",
    "fair_share": "part équitable", "fair_ratio": "ratio d'équité", "name": "nom",
    "label": "libellé", "outcome": "résultat", "achieved": "atteint", "available": "disponible",
    "ideal": "idéal", "weight": "poids", "share_of_ideal": "part de l'idéal", "rule": "règle",
    "subject": "objet", "limit": "limite", "step": "pas", "lp_dual_per_step": "dual PL par pas",
    "resolve_per_step": "re-résolution par pas", "trust": "à retenir", "parameter": "paramètre",
    "value": "valeur", "item": "élément", "statement": "constat", "to_relax": "à assouplir",
    "budget": "budget", "objective": "objectif", "envelope": "enveloppe",
    "partial": "partiel", "territory_name": "nom du territoire",
    # run items
    "bound": "borne", "gap": "écart", "build_seconds": "secondes de construction",
    "solve_seconds": "secondes de résolution", "backend": "moteur", "solver": "solveur",
    "solver_version": "version du solveur", "message": "message",
    "allocator_version": "version d'allocator", "levels": "niveaux",
    # values
    "partly funded": "partiellement financé",
    "not funded": "non financé", "both agree": "les deux concordent", "re-solve": "re-résolution",
    "LP dual": "dual PL", "locked out": "exclu d'office", "unfunded": "non financé",
    "yes": "oui", "no": "non", "in": "imposé", "out": "exclu",
    "feasible": "réalisable", "unbounded": "non borné", "infeasible": "infaisable",
    "€1M more": "1 M€ de plus", "€1M less": "1 M€ de moins", "1% more": "1 % de plus",
    "1% less": "1 % de moins", "1 more site": "1 site de plus", "1 ha more": "1 ha de plus",
    "1 project less": "1 projet de moins", "its region": "sa région",
    "industrial_jobs": "emplois industriels", "population": "population",
    # the review report's tables
    "metric": "indicateur", "projects_funded": "projets financés", "ranking": "classement",
    "ranking meets every rule": "respecte chaque règle", "greedy by score":
        "classement par score", "greedy by ratio": "classement par score par euro",
    "gini_territories": "Gini des territoires", "gini_per_industrial_job":
        "Gini par emploi industriel", "territories_covered": "territoires couverts",
    "smallest_fair_ratio": "plus petit ratio d'équité", "smallest_region":
        "région la moins dotée", "largest_fair_ratio": "plus grand ratio d'équité",
    "largest_region": "région la mieux dotée", "fairness_basis": "base d'équité",
    "funded_in": "financé dans", "method": "méthode", "seconds": "secondes",
    "differs": "diffère",
    # the comparison workbook
    "regions": "régions", "themes": "thèmes", "territories": "territoires",
    "status_changes": "changements de statut", "fairness": "équité",
    "optimum_vs_greedy": "optimum contre classement", "parameters": "paramètres",
    "allocations": "répartitions", "runs": "exécutions", "optimal": "valeur optimale",
    "greedy": "valeur du classement", "difference": "différence",
    "optimum_gain": "gain de l'optimum", "greedy_status": "statut du classement",
    "source": "source", "largest_change": "plus grand changement",
    # the budget curve
    "marginal_per_meur": "gain marginal par M€", "not solved in time": "non résolu à temps",
    # the summary sheet's items
    "proven gap": "écart prouvé", "share of budget": "part du budget",
    "projects funded": "projets financés",
    # what reasons, prices and curves add (14b, 15)
    "blocking_rule": "règle bloquante", "price_in_outcomes": "coût en résultats",
    "in_outcomes": "en résultats", "spending_stopped_by": "dépense arrêtée par",
    "normalised_at": "normalisé à", "the optimum": "l'optimum",
    # units of the outcomes in reasons and prices (``core.rules.OUTCOME_UNITS``)
    "job": "emploi", "person trained": "personne formée", "people trained": "personnes formées",
    "innovation point": "point d'innovation", "innovation points": "points d'innovation",
}
# values whose French differs from the same English word as a header ("optimal" is a
# comparison's column of optimal values, and a run's method)
VALUES = {"optimal": "optimal", "greedy": "classement"}
# outcome columns: what a project offered, what a re-solve adds
PATTERNS: tuple[tuple[str, str, str], ...] = (
    (r"(?P<x>.+)_offered", "offre en {x}", "{x}_offered"),
    (r"Δ\s*(?P<x>.+)", "Δ {x}", "Δ{x}"), (r"index (?P<x>.+)", "indice {x}", "index {x}"))
# the rule families by their French label (the ``rule`` column of shadow prices)
TERMS |= {name: r.label_fr for name, r in RULES.items() if name not in TERMS}

# English and French templates of the sentences the analysis and the reports write, by key
PHRASES: dict[str, tuple[str, str]] = {
    "funded.locked": ("funded: locked in", "financé : imposé"),
    "funded.required": ("funded: required by {other}", "financé : requis par {other}"),
    "funded.cutoff": ("funded: it sets the cut-off of {region}, the least value per €M funded "
                      "there on its merits (it offers {offers})", "financé : il fixe le seuil "
                      "de {region}, la plus faible valeur par M€ financée là-bas sur ses mérites "
                      "(il offre {offers})"),
    "funded.free": ("funded: it costs the envelope nothing (it offers {offers})",
                    "financé : il ne coûte rien à l'enveloppe (il offre {offers})"),
    "funded.standing": ("funded: {standing} (it offers {offers})",
                        "financé : {standing} (il offre {offers})"),
    "unfunded.tied": ("not funded: tied with {others} — either is optimal (forcing it in costs "
                      "nothing)", "non financé : à égalité avec {others} — l'un comme l'autre "
                      "est optimal (l'imposer ne coûte rien)"),
    "unfunded.gap": ("not funded: as good as the optimum within the solver's gap — forcing it in "
                     "costs {price} of the objective, less than the gap of {gap} ({gap_value})",
                     "non financé : aussi bon que l'optimum à l'écart du solveur près — "
                     "l'imposer coûte {price} de l'objectif, moins que l'écart de {gap} "
                     "({gap_value})"),
    "unfunded.nothing": ("not funded: it adds nothing to the objective (no weighted outcome)",
                         "non financé : il n'ajoute rien à l'objectif (aucun résultat pondéré)"),
    "unfunded.outranked": ("not funded: outranked — {standing}, set by {rival} (it offers "
                           "{offers}; {rival} offers {rival_offers})", "non financé : devancé — "
                           "{standing}, fixé par {rival} (il offre {offers} ; {rival} offre "
                           "{rival_offers})"),
    "unfunded.spent": ("not funded: {standing}, but the optimum spends the envelope on "
                       "combinations worth more (it offers {offers})", "non financé : "
                       "{standing}, mais l'optimum consacre l'enveloppe à des combinaisons qui "
                       "valent plus (il offre {offers})"),
    "unfunded.spent_left": ("not funded: {standing}, but the optimum spends the envelope on "
                            "combinations worth more: its {entry} are more than the {left} the "
                            "envelope has left (it offers {offers})", "non financé : "
                            "{standing}, mais l'optimum consacre l'enveloppe à des combinaisons "
                            "qui valent plus : ses {entry} dépassent les {left} qui restent dans "
                            "l'enveloppe (il offre {offers})"),
    # where a project's value per €M stands to its region's cut-off, and what it offers
    "standing.level": ("{subject} level with the cut-off of {region}",
                       "{subject} au niveau du seuil de {region}"),
    "standing.below": ("{subject} {share} below the cut-off of {region}",
                       "{subject} {share} sous le seuil de {region}"),
    "standing.above": ("{subject} {share} above the cut-off of {region}",
                       "{subject} {share} au-dessus du seuil de {region}"),
    "standing.none": ("no project of {region} is funded on its merits",
                      "aucun projet de {region} n'est financé sur ses mérites"),
    "subject.one": ("its {units} per €M are", "ses {units} par M€ sont"),
    "subject.weighted": ("its weighted value per €M is", "sa valeur pondérée par M€ est"),
    "offers": ("{amounts} per €M", "{amounts} par M€"),
    "offers.free": ("{amounts} for €0", "{amounts} pour 0 €"),
    "offers.cost": ("{amounts} per €M, {cost} per {unit}", "{amounts} par M€, {cost} par {unit}"),
    "in_outcomes.cost": ("{amounts} ({cost} per extra {unit})",
                         "{amounts} ({cost} par {unit} de plus)"),
    "unfunded.locked": ("not funded: locked out", "non financé : exclu d'office"),
    "unfunded.rate": ("not funded: its aid-rate cap allows no award",
                      "non financé : son taux d'aide maximal ne permet aucune aide"),
    "not_priced": ("not priced: the time limit was reached",
                   "non chiffré : la limite de temps a été atteinte"),
    "forced_out": ("cannot be forced in: the rules then are {status}",
                   "ne peut être imposé : les règles sont alors {status}"),
    "more": ("{first} and {n} more", "{first} et {n} autres"),
    "dual_only": ("one row per territory: re-solve not run; the dual is a local rate",
                  "une ligne par territoire : pas de re-résolution ; le dual est un taux local"),
    "resolve_status": ("re-solve {status}", "re-résolution {status}"),
    "dual_vs_resolve": ("the LP dual prices a marginal euro; the re-solve shows what a whole "
                        "step buys once projects can change", "le dual PL chiffre un euro "
                        "marginal ; la re-résolution montre ce qu'un pas entier achète quand "
                        "les projets peuvent changer"),
    "capacity": ("+{amount} (1% of capacity)", "+{amount} (1 % de la capacité)"),
    # messages of the command line
    "wrote": ("wrote {path}", "écrit : {path}"),
    "no_allocation": ("no allocation: {why}", "aucune répartition : {why}"),
    "problem_is": ("the problem is {label}", "le problème est {label}"),
}
# ----------------------------------------------------------------------------- 14d: statuses,
# the diagnosis, and the frontier, sweep and uncertainty workbooks

# a solve's status as ``Solution.label`` writes it, and the statuses a batch adds
TERMS |= {"feasible, gap unknown": "réalisable, écart inconnu", "no solution": "pas de solution",
          "not run (interrupted)": "non exécuté (interrompu)"}
PHRASES |= {"status.within": ("feasible, within {gap}", "réalisable, à {gap} près")}

# the diagnosis of rules that cannot all hold (``analyse.diagnose``): each rule in words, what
# relaxing it takes, and one sentence for the whole conflict
TERMS |= {"drop the requirement": "supprimer le prérequis",
          "allow more than one": "en autoriser plus d'un", "remove the lock": "retirer le verrou"}
PHRASES |= {
    "diagnosis.budget": ("the budget is {budget}", "le budget est de {budget}"),
    "diagnosis.region_floor": (
        "region {subject} has a floor of {limit}; its eligible projects can absorb at most "
        "{absorb} under their aid-rate caps", "la région {subject} a un plancher de {limit} ; "
        "ses projets éligibles peuvent absorber au plus {absorb} sous leurs taux d'aide "
        "maximaux"),
    "diagnosis.territory_floor": (
        "territory {subject} has a floor of {limit}; its eligible projects can absorb at most "
        "{absorb} under their aid-rate caps", "le territoire {subject} a un plancher de {limit} ; "
        "ses projets éligibles peuvent absorber au plus {absorb} sous leurs taux d'aide "
        "maximaux"),
    "diagnosis.region_cap": ("region {subject} has a cap of {limit}",
                             "la région {subject} a un plafond de {limit}"),
    "diagnosis.territory_cap": ("territory {subject} has a cap of {limit}",
                                "le territoire {subject} a un plafond de {limit}"),
    "diagnosis.theme_min": (
        "theme {subject} must receive at least {share} of the total awarded; its eligible "
        "projects can absorb at most {absorb}", "le thème {subject} doit recevoir au moins "
        "{share} du total accordé ; ses projets éligibles peuvent absorber au plus {absorb}"),
    "diagnosis.theme_max": (
        "theme {subject} must receive at most {share} of the total awarded; its eligible "
        "projects can absorb at most {absorb}", "le thème {subject} doit recevoir au plus "
        "{share} du total accordé ; ses projets éligibles peuvent absorber au plus {absorb}"),
    "diagnosis.fairness_min": (
        "region {subject} must receive at least its fair share −{band} (by {basis})",
        "la région {subject} doit recevoir au moins sa part équitable −{band} (selon {basis})"),
    "diagnosis.fairness_max": (
        "region {subject} must receive at most its fair share +{band} (by {basis})",
        "la région {subject} doit recevoir au plus sa part équitable +{band} (selon {basis})"),
    "diagnosis.coverage": (
        "territory {subject} must have at least {n} funded project(s); its cheapest eligible "
        "project needs {need}", "le territoire {subject} doit avoir au moins {n} projet(s) "
        "financé(s) ; son projet éligible le moins cher demande {need}"),
    "diagnosis.resource": ("resource {subject} has a capacity of {capacity}",
                           "la ressource {subject} a une capacité de {capacity}"),
    "diagnosis.sites": ("at most {n} sites clés en main may be funded",
                        "au plus {n} sites clés en main peuvent être financés"),
    "diagnosis.net_artificialisation": (
        "net artificialisation over funded projects must stay ≤ {ha} ha",
        "l'artificialisation nette des projets financés doit rester ≤ {ha} ha"),
    "diagnosis.min_outcome": ("the allocation must reach at least {amounts}",
                              "la répartition doit atteindre au moins {amounts}"),
    "diagnosis.requires": ("{project} requires {other}", "{project} requiert {other}"),
    "diagnosis.exclusive": ("at most one project of exclusive group {subject} may be funded",
                            "au plus un projet du groupe exclusif {subject} peut être financé"),
    "diagnosis.lock_in": ("{project} is locked in (it needs at least {need})",
                          "{project} est imposé (il lui faut au moins {need})"),
    "diagnosis.lock_out": ("{project} is locked out", "{project} est exclu d'office"),
    "relax.raise": ("raise it by at least {amount}", "relever d'au moins {amount}"),
    "relax.lower": ("lower it by at least {amount}", "abaisser d'au moins {amount}"),
    "relax.alone": ("relaxing this rule alone is not enough",
                    "assouplir cette seule règle ne suffit pas"),
    "relax.late": ("not computed: the time limit was reached",
                   "non calculé : la limite de temps a été atteinte"),
    "conflict.none": ("the rules conflict, but no smaller set of rules could be isolated",
                      "les règles se contredisent, mais aucun ensemble plus petit de règles n'a "
                      "pu être isolé"),
    "conflict.floors": ("regional floors add up to {total}, the budget is {budget}",
                        "les planchers régionaux totalisent {total}, le budget est de {budget}"),
    "conflict.floors_more": ("regional floors add up to {total}, the budget is {budget} (with "
                             "the other rules listed)", "les planchers régionaux totalisent "
                             "{total}, le budget est de {budget} (avec les autres règles "
                             "listées)"),
    "conflict.coverage": ("{n} territories must each have a funded project; their cheapest "
                          "eligible projects need {need} in all, the budget is {budget}",
                          "{n} territoires doivent chacun avoir un projet financé ; leurs projets "
                          "éligibles les moins chers demandent {need} en tout, le budget est de "
                          "{budget}"),
    "conflict.locks": ("projects locked in need {need}, the budget is {budget}",
                       "les projets imposés demandent {need}, le budget est de {budget}"),
    "conflict.all": ("{statements} — these cannot all hold",
                     "{statements} — elles ne peuvent toutes tenir"),
    "conflict.not_reduced": ("{summary} (the time limit was reached before this set could be "
                             "reduced: some of these rules may not be needed for the conflict)",
                             "{summary} (la limite de temps a été atteinte avant que cet "
                             "ensemble puisse être réduit : certaines de ces règles peuvent ne "
                             "pas être nécessaires au conflit)"),
}

# what stops spending before the envelope does (``explain.spending_stopped_by``): the rules,
# by their labels, each with the projects it stops
TERMS |= {r.label: r.label_fr for r in RULES.values() if r.label not in TERMS}
TERMS |= {"nothing (within the gap)": "rien (à l'écart près)"}
PHRASES |= {
    "stopped.ceiling": ("{subject} ceiling", "plafond de {subject}"),
    "stopped.of": ("{family} of {subject}", "{family} de {subject}"),
    "stopped.project": ("{stop} ({n} project)", "{stop} ({n} projet)"),
    "stopped.projects": ("{stop} ({n} projects)", "{stop} ({n} projets)"),
    "stopped.more_rule": ("{n} more rule", "{n} autre règle"),
    "stopped.more_rules": ("{n} more rules", "{n} autres règles"),
}

# the frontier workbook
TERMS |= {"frontier": "frontière", "scenario_point": "point du scénario", "point": "point",
          "epsilon": "epsilon", "ranked_by": "classé selon", "score": "score",
          "ratio": "ratio"}
PHRASES |= {
    "greedy.score": ("greedy: {by} score", "classement : {by}, par score"),
    "greedy.ratio": ("greedy: {by} per €", "classement : {by}, par €"),
    "own_optimum": ("{name}'s optimum", "optimum de {name}"),
    "pareto": ("Pareto frontier (optimal)", "frontière de Pareto (optimale)"),
    "trade_off": ("Trade-off between {x} and {y}", "Arbitrage entre {x} et {y}"),
}
# the sweep workbook
TERMS |= {"scenarios": "scénarios", "pivots": "tableaux croisés", "base": "base",
          "varied": "paramètres variés"}
PHRASES |= {"by_keys": ("{figure} by {keys}", "{figure} selon {keys}"),
            "against": ("{figure} against {x}", "{figure} selon {x}")}
# the uncertainty workbook and its plot
TERMS |= {
    "selection_frequency": "fréquence de sélection",
    "outcome_distribution": "distribution des résultats", "robust": "robuste",
    "draws": "tirages", "draw": "tirage", "estimate": "estimation",
    "at_estimate": "à l'estimation", "worst_case": "pire cas", "mean": "moyenne",
    "p5": "p5", "p50": "p50", "p95": "p95", "funded_only_here": "financés ici seulement",
    "objective_at_estimate": "objectif à l'estimation",
    "objective_worst_case": "objectif au pire cas", "objective_mean": "objectif moyen",
    "objective_p5": "objectif p5", "every draw": "chaque tirage",
    "some draws": "certains tirages", "no draw": "aucun tirage", "never": "jamais",
    "always": "toujours", "funded in": "financé dans", "samples": "tirages demandés",
    "samples_done": "tirages résolus", "seed": "graine", "distribution": "loi",
    "uncertain_outcomes": "résultats incertains", "robust_gamma": "Γ robuste",
    "executor": "exécuteur", "interrupted": "interrompu", "draw_statuses": "statuts des tirages",
    "this process": "ce processus", "none": "aucun",
    "projects funded in every draw": "projets financés à chaque tirage",
    "projects funded in some draws": "projets financés dans certains tirages",
    "projects funded in no draw": "projets financés dans aucun tirage",
    "draws solved": "tirages résolus", "draw statuses": "statuts des tirages",
    "funded in every draw": "financés à chaque tirage",
    "funded in some draws": "financés dans certains tirages",
    "funded in no draw": "financés dans aucun tirage",
    "triangular(low, estimate, high) per project and outcome":
        "triangulaire (bas, estimation, haut) par projet et résultat"}
PATTERNS += ((r"estimate:(?P<x>.+)", "{x} (estimation)", "estimate:{x}"),
             (r"robust:(?P<x>.+)", "{x} (robuste)", "robust:{x}"),
             (r"(?P<x>award|funded)_estimate", "{x} (estimation)", "{x}_estimate"),
             (r"(?P<x>award|funded)_robust", "{x} (robuste)", "{x}_robust"))
# sheet names whose French differs from the same English word as a header
SHEETS = {"greedy": "classements"}

# what a rule's ``blocks`` follows, as an unfunded project's reason, and what follows it when
# a step of the rule was shown to let the project in
BLOCKED = ("not funded: ", "non financé : ")
LETS_IN = (" — {step} lets it in", " — {step} le fait entrer")
# fields of one form, so that a template's fields split where they should
FIELDS = {"share": r"\d[\d.]*%"}
# 14d: the diagnosis's sums of euros ("the budget is {budget}" must not take a whole list of
# statements that begins with it as its budget)
FIELDS |= dict.fromkeys(("budget", "total", "absorb"), r"−?€\d[\d ]*(?:\.\d+)?M?")
# a rule family by its label, and counts: "{family} of {subject}" and "{n} more rules" must
# not read any text with " of " or a figure in it
FIELDS |= {"family": "|".join(re.escape(r.label) for r in RULES.values()), "n": r"\d[\d ]*"}
# a list of amounts of outcomes ("+95.6 jobs, −12 people trained and 3 innovation points")
_FIGURE = r"[+−-]?\d[\d ]*(?:\.\d+)?(?:e[+-]?\d+)?"
_AMOUNT = _FIGURE + r" [^\d,;()]+?"
AMOUNTS = re.compile(rf"{_AMOUNT}(?:(?:, | and ){_AMOUNT})*")


@cache
def _templates() -> tuple[tuple[re.Pattern, str], ...]:
    """Every English template as a pattern with its French."""
    pairs = list(PHRASES.values()) + [
        (BLOCKED[0] + r.blocks + end[0], BLOCKED[1] + r.blocks_fr + end[1])
        for r in RULES.values() if r.blocks for end in (("", ""), LETS_IN)]
    # sentences before the phrases that fill their fields (those begin with a field, and
    # would otherwise take a whole sentence as one of their own fields), longer ones first
    return tuple((_pattern(en), fr) for en, fr in sorted(
        pairs, key=lambda p: (p[0].startswith("{"), -len(p[0]))))


def _pattern(template: str) -> re.Pattern:
    parts = re.split(r"\{(\w+)\}", template)
    seen: set[str] = set()

    def field(name: str) -> str:  # a field named twice is the same text twice
        if name in seen:
            return f"(?P={name})"
        seen.add(name)
        return f"(?P<{name}>{FIELDS.get(name, '.+?')})"
    return re.compile("".join(re.escape(p) if i % 2 == 0 else field(p)
                              for i, p in enumerate(parts)), re.S)


def phrase(key: str, **fields) -> str:
    """The English sentence of template ``key``, its fields filled."""
    return PHRASES[key][0].format(**fields)


def figure_fr(text: str) -> str:
    """A figure written the English way ("€1 234 567", "€1.2M", "12.5%", "−0.511") the
    French way ("1 234 567 €", "1,2 M€", "12,5 %", "−0,511"); other text unchanged."""
    def number(m: re.Match) -> str:
        return m.group(0).replace(" ", NBSP).replace(".", ",")
    end = r"(?=M\b|[^\w.]|$)"  # a figure ends at its text's end, a space or "M" (€1.2M)
    out = re.sub(r"(?<![\w.])(?:\d{1,3}(?: \d{3})+(?:\.\d+)?|\d+\.\d+)" + end, number, text)
    out = re.sub(r"€([\d" + NBSP + r",]+)M\b", r"\1" + NBSP + "M€", out)
    out = re.sub(r"€([\d" + NBSP + r",]+)", r"\1" + NBSP + "€", out)
    return re.sub(r"(\d)%", r"\1" + NBSP + "%", out)


@dataclass(frozen=True)
class Words:
    """The words of one language (``words(lang)``)."""
    lang: str = "en"

    @property
    def french(self) -> bool:
        return self.lang == "fr"

    def term(self, name: str) -> str:
        """A sheet name, column header or fixed value in this language (unknown ones as
        they are: a user's outcome or resource keeps its name)."""
        if not self.french:
            return name
        if name in TERMS:
            return TERMS[name]
        for regex, french, _ in PATTERNS:
            if m := re.fullmatch(regex, name):
                return french.format(**{k: TERMS.get(v, v) for k, v in m.groupdict().items()})
        return name

    def value(self, text: str) -> str:
        """A fixed word in a cell (a status, a method, a metric) in this language, or a
        status of a template ("feasible, within 0.42%")."""
        if not self.french:
            return text
        if text in VALUES:
            return VALUES[text]
        termed = self.term(text)
        return termed if termed != text else self.sentence(text)

    def sheet(self, name: str) -> str:
        """A sheet's name in this language."""
        return SHEETS.get(name, self.term(name)) if self.french else name

    def header(self, name: str) -> str:
        """A column as a header of a table for reading: its term ("share of ideal" in
        English, "part de l'idéal" in French)."""
        return self.term(name) if self.french else name.replace("_", " ")

    def figure(self, text: str) -> str:
        """A figure as ``core.format.show`` wrote it, in this language."""
        if not self.french:
            return text
        return TERMS.get(text, figure_fr(text)) if text in ("yes", "no") else figure_fr(text)

    def sentence(self, text: str) -> str:
        """An English sentence of a template (``PHRASES``, a rule's ``blocks``) in this
        language, its figures and known terms too; any other text as it is."""
        if not self.french or not isinstance(text, str) or not text:
            return text
        for read in (translate, amounts_fr, statements_fr):
            if (french := read(text)) is not None:
                return french
        return text

    def phrase(self, key: str, **fields) -> str:
        """Template ``key`` of ``PHRASES`` in this language, its fields as given."""
        return PHRASES[key][self.french].format(**fields)

    def say(self, english: str, french: str, **fields) -> str:
        """A sentence written here, with its two wordings side by side."""
        return (french if self.french else english).format(**fields)


def translate(text: str) -> str | None:
    """``text`` in French when a template wrote it, None when none did."""
    for pattern, french in _templates():
        if m := pattern.fullmatch(text):
            return _elide(french.format(**{k: _field(k, v) for k, v in m.groupdict().items()}))
    return None


def _elide(text: str) -> str:
    """"de" before a vowel as French writes it ("le seuil d'Occitanie"); only a filled field
    can put a vowel there, no template does."""
    return re.sub(r"\bde (?=[AEIOUYÉÈÊÎÏÔÂaeiouyéèêîïôâ])", "d'", text)


def amounts_fr(text: str) -> str | None:
    """A list of amounts of outcomes in French ("23.4 jobs and 5 people trained" → "23,4
    emplois et 5 personnes formées"), None when ``text`` is no such list."""
    if not AMOUNTS.fullmatch(text):
        return None

    def amount(part: str) -> str:
        m = re.fullmatch(rf"(?P<figure>{_FIGURE}) (?P<unit>.+)", part)
        assert m is not None  # a part of a list AMOUNTS matched
        unit = m["unit"]
        if abs(float(re.sub(r"[ +−-]", "", m["figure"]))) < 2:  # French: "0 emploi", "1,5 emploi"
            unit = _SINGULAR.get(unit, unit)
        return f"{figure_fr(m['figure'])} {TERMS.get(unit, unit)}"
    items = re.split(r"(, | and )", text)
    return "".join({", ": ", ", " and ": " et "}[part] if i % 2 else amount(part)
                   for i, part in enumerate(items))


def _field(name: str, value: str) -> str:
    """A field of a sentence in French: a known term, or a phrase, or a list of amounts, or
    text with figures."""
    if name == "amounts":
        return amounts_fr(value) or figure_fr(value)
    if name == "statements":
        return statements_fr(value) or figure_fr(value)
    if value in TERMS:
        return TERMS[value]
    inner = translate(value)
    return inner if inner is not None else figure_fr(value)


def statements_fr(text: str) -> str | None:
    """Sentences of templates joined by "; " in French, each read back by its template (a
    sentence may hold "; " itself, so parts are joined until they make one); None when some
    part is of no template."""
    if "; " not in text:
        return None
    out, part = [], ""
    for piece in text.split("; "):
        part = f"{part}; {piece}" if part else piece
        if (french := translate(part)) is not None:
            out.append(french)
            part = ""
    return None if part else " ; ".join(out)


def words(lang: str | None = "en") -> Words:
    """The words of ``lang`` (``en`` or ``fr``; None: English)."""
    if lang not in (None, *LANGS):
        raise ValueError(f"no language '{lang}'; known: {', '.join(LANGS)}")
    return Words(lang or "en")


def english(name: str) -> str:
    """The English name of a French sheet name or header (a result workbook written in French
    read back), else ``name`` itself."""
    if name in _ENGLISH:
        return _ENGLISH[name]
    for _, french, template in PATTERNS:
        if m := _pattern(french).fullmatch(name):
            return template.format(x=english(m["x"]))
    return name


_ENGLISH = {fr: en for en, fr in (TERMS | SHEETS).items()}
_SINGULAR = {many: one for one, many in OUTCOME_UNITS.values()}
