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
    "not_explained": ("not explained: the time limit was reached",
                      "non expliqué : la limite de temps a été atteinte"),
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
    "writing_late": ("writing {path} ({rows} rows) will take about {seconds} s, past the time "
                     "limit (--time-limit), which the solve keeps; a .csv output takes a "
                     "tenth of that",
                     "l'écriture du fichier {path} ({rows} lignes) prendra environ {seconds} s, "
                     "au-delà de la limite de temps (--time-limit), que garde la résolution ; "
                     "une sortie .csv en prend le dixième"),
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
    "conflict.floors": ("regional floors add up to {floors}, the budget is {budget}",
                        "les planchers régionaux totalisent {floors}, le budget est de {budget}"),
    "conflict.floors_more": ("regional floors add up to {floors}, the budget is {budget} (with "
                             "the other rules listed)", "les planchers régionaux totalisent "
                             "{floors}, le budget est de {budget} (avec les autres règles "
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

# ----------------------------------------------------------------------------- messages
# What the user is told when the input is bad or a command cannot run: each raising site
# writes ``phrase(key, …)``, one English sentence, and the command line says it through
# ``Words.sentence`` (a finding with its place: ``Finding.said``). Fields named in ``DATA``
# are the user's own text — a cell as written, a header, a sheet, an id, a path, a list of
# names — and stay as written; other fields are figures, or sentences of their own.
MESSAGES: dict[str, tuple[str, str]] = {
    # what a valid value looks like (``core.schema.Column.expectation``)
    "expect.number": ("a number", "un nombre"),
    "expect.whole": ("a whole number", "un nombre entier"),
    "expect.number_from": ("a number ≥ {lo}", "un nombre ≥ {lo}"),
    "expect.whole_from": ("a whole number ≥ {lo}", "un nombre entier ≥ {lo}"),
    "expect.number_between": ("a number between {lo} and {hi}", "un nombre entre {lo} et {hi}"),
    "expect.whole_between": ("a whole number between {lo} and {hi}",
                             "un nombre entier entre {lo} et {hi}"),
    "expect.boolean": ("yes/no, oui/non, true/false, 1/0 or x",
                       "oui/non, yes/no, vrai/faux, 1/0 ou x"),
    "expect.choice": ("one of {choices}", "l'une des valeurs {choices}"),
    "expect.ids": ("project ids separated by ';'",
                   "des identifiants de projets séparés par « ; »"),
    "expect.id": ("a non-empty identifier", "un identifiant non vide"),
    "expect.text": ("text", "du texte"),
    # cells
    "cell.long": ("{chars} characters: an Excel cell holds {most}, so the result workbooks "
                  "show the start of it only", "{chars} caractères : une cellule Excel en "
                  "contient au plus {most}, les classeurs de résultats n'en montrent donc que "
                  "le début"),
    "cell.not_allowed": ("'{given}' is not allowed: expected {expected}, or empty",
                         "« {given} » n'est pas admis : il faut {expected}, ou une cellule "
                         "vide"),
    "cell.number_as_text": ("number stored as text ({given}); read as {figure}",
                            "nombre enregistré comme texte ({given}) ; lu comme {figure}"),
    "cell.true_false": ("found {given} (a true/false cell): expected {expected}",
                        "valeur lue {given} (une cellule vrai/faux) : il faut {expected}"),
    "cell.date": ("found a date ({given}): expected {expected}; format the cell as a number",
                  "valeur lue : une date ({given}) ; il faut {expected} : mettez la cellule "
                  "au format nombre"),
    "cell.french_number": ("number written in French format ({given}); read as {figure}",
                           "nombre écrit au format français ({given}) ; lu comme {figure}"),
    "cell.unit_number": ("number written with its unit ({given}); read as {figure}",
                         "nombre écrit avec son unité ({given}) ; lu comme {figure}"),
    "cell.found": ("found {given}: expected {expected}", "valeur lue {given} : il faut "
                   "{expected}"),
    "cell.implausible": ("found {figure}: expected {expected} of a plausible size",
                         "valeur lue {figure} : il faut {expected} d'une taille plausible"),
    "cell.empty": ("empty: expected {expected}", "vide : il faut {expected}"),
    "cell.formula": ("formula cell with no saved value: open the workbook in Excel or "
                     "LibreOffice, let it recalculate, and save it", "formule sans valeur "
                     "enregistrée : ouvrez le classeur dans Excel ou LibreOffice, laissez-le "
                     "recalculer et enregistrez-le"),
    "cell.nan": ("found {given} (not a number), which Excel never writes: type the value",
                 "valeur lue {given} (pas un nombre), qu'Excel n'écrit jamais : saisissez la "
                 "valeur"),
    "cell.excel_error": ("Excel error value {given}: fix the formula or type the value",
                         "valeur d'erreur Excel {given} : corrigez la formule ou saisissez la "
                         "valeur"),
    # columns, headers and sheets
    "column.missing": ("missing required column '{column}' (also accepted: {aliases}); add it "
                       "to the header row", "colonne obligatoire « {column} » absente (noms "
                       "admis aussi : {aliases}) ; ajoutez-la à la ligne d'en-tête"),
    "header.below": ("the header is on row {row}: the rows above it are not read",
                     "l'en-tête est à la ligne {row} : les lignes au-dessus ne sont pas lues"),
    "header.twice": ("duplicate header '{given}': column {letter} already holds '{header}'; "
                     "rename or delete one of them", "en-tête « {given} » en double : la "
                     "colonne {letter} porte déjà « {header} » ; renommez ou supprimez l'une "
                     "des deux"),
    "header.none": ("column {letter} holds values but has no header (merged header cells?); "
                    "it is ignored: give it a header", "la colonne {letter} contient des "
                    "valeurs mais n'a pas d'en-tête (cellules d'en-tête fusionnées ?) ; elle "
                    "est ignorée : donnez-lui un en-tête"),
    "sheet.no_projects": ("missing sheet 'projects' (sheets found: {sheets}); the projects "
                          "sheet is required: `allocator template` writes one", "feuille "
                          "« projects » absente (feuilles trouvées : {sheets}) ; elle est "
                          "obligatoire : `allocator template` en écrit une"),
    "sheet.none": ("missing sheet 'projects' (sheets found: none); the projects sheet is "
                   "required: `allocator template` writes one", "feuille « projects » absente "
                   "(aucune feuille trouvée) ; elle est obligatoire : `allocator template` en "
                   "écrit une"),
    "sheet.empty": ("no projects: the sheet has a header but no rows", "aucun projet : la "
                    "feuille a une ligne d'en-tête mais aucune ligne de données"),
    "sheet.twice": ("a second sheet for '{sheet}' (already read from '{source}'); keep one",
                    "une deuxième feuille pour « {sheet} » (déjà lue dans « {source} ») ; "
                    "gardez-en une"),
    "sheet.hidden": ("this sheet is hidden in Excel; it is read all the same",
                     "cette feuille est masquée dans Excel ; elle est lue quand même"),
    "sheet.no_territories": ("no territories sheet: regional rules cannot apply to projects",
                             "pas de feuille territories : les règles régionales ne peuvent "
                             "s'appliquer aux projets"),
    "sheet.scenarios": ("expected parameter names in column A and one column per scenario",
                        "il faut les noms des paramètres en colonne A et une colonne par "
                        "scénario"),
    # rows: what a row says against itself or the other sheets
    "id.twice": ("'{given}' is a duplicate of row {row}", "« {given} » est un doublon de la "
                 "ligne {row}"),
    "id.near": ("'{given}' differs only by case, spaces or width from '{first}' on row {row}; "
                "ids must be unique", "« {given} » ne diffère de « {first} », ligne {row}, que "
                "par la casse, les espaces ou la largeur ; les identifiants doivent être "
                "uniques"),
    "floor.cap": ("floor ({floor}) exceeds cap ({cap})", "floor ({floor}) dépasse cap ({cap})"),
    "region.unknown": ("unknown region '{given}': add it to the regions sheet or correct the "
                       "name", "région « {given} » inconnue : ajoutez-la à la feuille regions "
                       "ou corrigez le nom"),
    "requested.cost": ("requested ({requested}) exceeds total_cost ({cost})",
                       "requested ({requested}) dépasse total_cost ({cost})"),
    "min_award.requested": ("min_award ({min_award}) exceeds requested ({requested})",
                            "min_award ({min_award}) dépasse requested ({requested})"),
    "rate.min_award": ("max_aid_rate {rate} × total_cost allows at most {cap}, less than "
                       "min_award ({min_award})", "max_aid_rate {rate} × total_cost permet au "
                       "plus {cap}, moins que min_award ({min_award})"),
    "rate.capped": ("requested ({requested}) is above max_aid_rate × total_cost; the award is "
                    "capped at {cap}", "requested ({requested}) dépasse max_aid_rate × "
                    "total_cost ; l'aide est plafonnée à {cap}"),
    "theme.unknown": ("unknown theme '{given}': expected one of {choices}", "thème « {given} » "
                      "inconnu : il faut l'une des valeurs {choices}"),
    "territory.near": ("unknown territory '{given}': did you mean '{near}'? ids differ by case "
                       "and spaces", "territoire « {given} » inconnu : vouliez-vous dire "
                       "« {near} » ? les identifiants diffèrent par la casse et les espaces"),
    "territory.unknown": ("unknown territory '{given}': add it to the territories sheet or "
                          "correct the id", "territoire « {given} » inconnu : ajoutez-le à la "
                          "feuille territories ou corrigez l'identifiant"),
    "requires.near": ("requires unknown project '{given}': did you mean '{near}'? ids differ by "
                      "case and spaces", "requiert un projet inconnu, « {given} » : vouliez-"
                      "vous dire « {near} » ? les identifiants diffèrent par la casse et les "
                      "espaces"),
    "requires.unknown": ("requires unknown project '{given}'", "requiert un projet inconnu, "
                         "« {given} »"),
    "requires.itself": ("project '{given}' requires itself", "le projet « {given} » se "
                        "requiert lui-même"),
    "requires.cycle": ("requirements form a cycle: {cycle}; remove one of them",
                       "les prérequis forment un cycle : {cycle} ; retirez-en un"),
    "resource.no_capacity": ("resource columns {columns} have no capacity: add a resources "
                             "sheet, or they are ignored", "les colonnes de ressources "
                             "{columns} n'ont pas de capacité : ajoutez une feuille resources, "
                             "sinon elles sont ignorées"),
    "resource.unused": ("no projects column 'use:{given}' or 'spend_<year>' for resource "
                        "'{given}'; it limits nothing", "aucune colonne « use:{given} » ou "
                        "« spend_<year> » dans projects pour la ressource « {given} » ; elle ne "
                        "limite rien"),
    "range.low": ("{column} ({figure}) is above {outcome} ({central})",
                  "{column} ({figure}) est au-dessus de {outcome} ({central})"),
    "range.high": ("{column} ({figure}) is below {outcome} ({central})",
                   "{column} ({figure}) est en dessous de {outcome} ({central})"),
    # scenarios and parameters
    "parameter": ("scenario '{name}', parameter '{param}': {problem}", "scénario « {name} », "
                  "paramètre « {param} » : {problem}"),
    "parameter.unknown": ("unknown parameter; known ones are: {known}", "paramètre inconnu ; "
                          "ceux qui existent : {known}"),
    "parameter.number": ("'{given}' is not a number", "« {given} » n'est pas un nombre"),
    "parameter.whole": ("'{given}' is not a whole number", "« {given} » n'est pas un nombre "
                        "entier"),
    "parameter.between": ("{figure} is out of range (expected between {lo} and {hi})",
                          "{figure} est hors limites (il faut une valeur entre {lo} et {hi})"),
    "parameter.from": ("{figure} is out of range (expected ≥ {lo})", "{figure} est hors "
                       "limites (il faut une valeur ≥ {lo})"),
    "parameter.choice": ("'{given}' is not one of {choices}", "« {given} » n'est pas l'une "
                         "des valeurs {choices}"),
    "parameter.outcome": ("unknown outcome '{given}'; known: {known}", "résultat « {given} » "
                          "inconnu ; ceux qui existent : {known}"),
    "parameter.theme": ("unknown theme '{given}'; known: {known}", "thème « {given} » "
                        "inconnu ; ceux qui existent : {known}"),
    "scenario.themes": ("scenario '{name}': theme_min.{theme} ({low}) exceeds theme_max.{theme} "
                        "({high})", "scénario « {name} » : theme_min.{theme} ({low}) dépasse "
                        "theme_max.{theme} ({high})"),
    "scenario.theme_shares": ("scenario '{name}': theme minimum shares add up to {total} > 1",
                              "scénario « {name} » : les parts minimales des thèmes font "
                              "{total} > 1"),
    "scenario.no_weight": ("scenario '{name}': every outcome weight is zero; give at least one "
                           "outcome a positive weight", "scénario « {name} » : tous les poids "
                           "des résultats sont nuls ; donnez un poids positif à au moins un "
                           "résultat"),
    "scenario.unknown": ("no scenario '{name}' in the workbook (scenarios: {known}); give a "
                         "name or a .toml file", "pas de scénario « {name} » dans le classeur "
                         "(scénarios : {known}) ; donnez un de ces noms ou un fichier .toml"),
    "scenario.none": ("no scenario '{name}' in the workbook (scenarios: none); give a name or "
                      "a .toml file", "pas de scénario « {name} » : le classeur n'en a aucun ; "
                      "donnez un fichier .toml"),
    "scenario.file": ("cannot read the scenario file: {error}", "le fichier de scénario ne peut "
                      "être lu : {error}"),
    "scenario.priorities": ("scenario '{name}' has lexicographic priorities; uncertainty "
                            "analysis needs a weighted objective (remove the priority.<outcome> "
                            "rows)", "le scénario « {name} » a des priorités lexicographiques ; "
                            "l'analyse d'incertitude demande un objectif pondéré (retirez les "
                            "lignes priority.<outcome>)"),
    # files and folders
    "file.missing": ("no such file or folder", "fichier ou dossier introuvable"),
    "file.device": ("is a pipe or a device, not a file: save the workbook to a file and give "
                    "its path", "est un tube ou un périphérique, pas un fichier : enregistrez le "
                    "classeur dans un fichier et donnez son chemin"),
    "file.suffix": ("{suffix} files are not supported: save the workbook as .xlsx (Excel "
                    "Workbook) or as .csv files; supported: .xlsx, .csv, a folder of .csv "
                    "files, .pb", "les fichiers {suffix} ne sont pas pris en charge : "
                    "enregistrez le classeur au format .xlsx (Classeur Excel) ou en fichiers "
                    ".csv ; pris en charge : .xlsx, .csv, un dossier de fichiers .csv, .pb"),
    "file.unreadable": ("cannot be read as an Excel workbook ({error}); save it again from "
                        "Excel as .xlsx", "ne peut être lu comme un classeur Excel ({error}) ; "
                        "enregistrez-le de nouveau depuis Excel au format .xlsx"),
    "file.unopened": ("cannot be opened: {why}", "ne peut être ouvert : {why}"),
    "file.cannot_read": ("it cannot be read ({error})", "il ne peut être lu ({error})"),
    "file.empty": ("the file is empty", "le fichier est vide"),
    "file.password": ("it is password-protected (encrypted): open it in Excel, remove the "
                      "password (File › Info › Protect Workbook) and save it again", "il est "
                      "protégé par un mot de passe (chiffré) : ouvrez-le dans Excel, retirez le "
                      "mot de passe (Fichier › Informations › Protéger le classeur) et "
                      "enregistrez-le de nouveau"),
    "file.xls": ("it is an old Excel 97-2003 .xls workbook: save it as .xlsx (Excel Workbook)",
                 "c'est un ancien classeur Excel 97-2003 .xls : enregistrez-le au format .xlsx "
                 "(Classeur Excel)"),
    "file.damaged": ("the archive is damaged or incomplete (a copy cut short?); save it again "
                     "from Excel", "l'archive est endommagée ou incomplète (une copie "
                     "interrompue ?) ; enregistrez-la de nouveau depuis Excel"),
    "file.text": ("it is a text file (a CSV renamed .xlsx?): give it the .csv extension, or "
                  "save it from Excel as .xlsx", "c'est un fichier texte (un CSV renommé "
                  ".xlsx ?) : donnez-lui l'extension .csv, ou enregistrez-le depuis Excel au "
                  "format .xlsx"),
    "file.not_xlsx": ("it is not an Excel .xlsx file: save it from Excel as .xlsx (Excel "
                      "Workbook)", "ce n'est pas un fichier Excel .xlsx : enregistrez-le depuis "
                      "Excel au format .xlsx (Classeur Excel)"),
    "file.ods": ("an OpenDocument spreadsheet (.ods) renamed .xlsx: save it as .xlsx (Excel "
                 "Workbook) or as .csv files", "un classeur OpenDocument (.ods) renommé .xlsx : "
                 "enregistrez-le au format .xlsx (Classeur Excel) ou en fichiers .csv"),
    "file.xlsb": ("an Excel binary workbook (.xlsb): save it as .xlsx (Excel Workbook)",
                  "un classeur binaire Excel (.xlsb) : enregistrez-le au format .xlsx (Classeur "
                  "Excel)"),
    "file.no_workbook": ("not an Excel workbook (no xl/workbook.xml); save it from Excel as "
                         ".xlsx", "pas un classeur Excel (pas de xl/workbook.xml) ; "
                         "enregistrez-le depuis Excel au format .xlsx"),
    "file.bomb": ("refused: its {parts} parts would inflate to {size} MB from {packed} MB (a "
                  "zip bomb, or not a workbook)", "refusé : ses {parts} parties feraient "
                  "{size} Mo une fois décompressées, pour {packed} Mo (une bombe zip, ou pas un "
                  "classeur)"),
    "file.part_twice": ("refused: its part {part} appears more than once in the archive, which "
                        "Excel never writes (a damaged or tampered file); save it again from "
                        "Excel as .xlsx", "refusé : sa partie {part} figure plusieurs fois dans "
                        "l'archive, ce qu'Excel n'écrit jamais (un fichier endommagé ou "
                        "altéré) ; enregistrez-le de nouveau depuis Excel au format .xlsx"),
    "file.entities": ("refused: part {part} declares a DOCTYPE or entities, which Excel never "
                      "writes (an XML bomb?)", "refusé : la partie {part} déclare un DOCTYPE ou "
                      "des entités, ce qu'Excel n'écrit jamais (une bombe XML ?)"),
    "file.span": ("refused: its cells span {cells} cells (more than {most}): a cell far from "
                  "the data, or not a workbook; delete the rows and columns past the data and "
                  "save again", "refusé : ses cellules s'étendent sur {cells} cellules (plus de "
                  "{most}) : une cellule loin des données, ou pas un classeur ; supprimez les "
                  "lignes et colonnes après les données et enregistrez de nouveau"),
    "part.encrypted": ("refused: part {part} is encrypted; save the workbook again from Excel",
                       "refusé : la partie {part} est chiffrée ; enregistrez le classeur de "
                       "nouveau depuis Excel"),
    "part.no_header": ("refused: part {part} is damaged (no local header); save the workbook "
                       "again from Excel", "refusé : la partie {part} est endommagée (pas "
                       "d'en-tête local) ; enregistrez le classeur de nouveau depuis Excel"),
    "part.cut": ("refused: part {part} is cut short; save the workbook again from Excel",
                 "refusé : la partie {part} est tronquée ; enregistrez le classeur de nouveau "
                 "depuis Excel"),
    "part.not_deflate": ("refused: part {part} is damaged (not a deflate stream); save the "
                         "workbook again from Excel", "refusé : la partie {part} est "
                         "endommagée (pas un flux deflate) ; enregistrez le classeur de nouveau "
                         "depuis Excel"),
    "part.inflates": ("refused: part {part} inflates beyond its declared {size} bytes (a zip "
                      "bomb?); save the workbook again from Excel", "refusé : la partie {part} "
                      "dépasse une fois décompressée les {size} octets déclarés (une bombe "
                      "zip ?) ; enregistrez le classeur de nouveau depuis Excel"),
    "part.method": ("refused: part {part} uses compression method {method}, which Excel never "
                    "uses; save the workbook again from Excel", "refusé : la partie {part} "
                    "utilise la méthode de compression {method}, qu'Excel n'emploie jamais ; "
                    "enregistrez le classeur de nouveau depuis Excel"),
    "part.checksum": ("refused: part {part} is damaged (its size or checksum does not match); "
                      "save the workbook again from Excel", "refusé : la partie {part} est "
                      "endommagée (sa taille ou sa somme de contrôle ne correspond pas) ; "
                      "enregistrez le classeur de nouveau depuis Excel"),
    "csv.name": ("a .csv file is read as the sheet its name says (projects.csv, "
                 "territories.csv, scenarios.csv…); rename it, or give its folder",
                 "un fichier .csv est lu comme la feuille que dit son nom (projects.csv, "
                 "territories.csv, scenarios.csv…) ; renommez-le, ou donnez son dossier"),
    "csv.not_read": ("not read: {file}, given, holds the sheet '{sheet}'", "non lu : {file}, "
                     "donné, porte la feuille « {sheet} »"),
    "csv.twice": ("a second file for the sheet '{sheet}' (with {file}); keep one",
                  "un deuxième fichier pour la feuille « {sheet} » (avec {file}) ; gardez-en "
                  "un"),
    "csv.folder": ("read with the other sheets of its folder: {files}", "lu avec les autres "
                   "feuilles de son dossier : {files}"),
    "csv.encodings": ("the file mixes encodings (part UTF-8, part Windows): accented ids and "
                      "names may read wrong (é as Ã©); save it again from Excel as CSV UTF-8",
                      "le fichier mélange deux encodages (UTF-8 et Windows) : les identifiants "
                      "et noms accentués peuvent être mal lus (é lu Ã©) ; enregistrez-le de "
                      "nouveau depuis Excel au format CSV UTF-8"),
    "csv.unreadable": ("cannot be read as CSV ({error}); save it again from Excel as CSV UTF-8",
                       "ne peut être lu comme CSV ({error}) ; enregistrez-le de nouveau depuis "
                       "Excel au format CSV UTF-8"),
    "results.not_ours": ("not a result workbook of `allocator solve` (no sheet {sheets})",
                         "pas un classeur de résultats d'`allocator solve` (pas de feuille "
                         "{sheets})"),
    # Pabulib files (.pb)
    "pb.unreadable": ("cannot read the Pabulib file: {error}", "le fichier Pabulib ne peut être "
                      "lu : {error}"),
    "pb.not_pb": ("not a Pabulib file: no PROJECTS section with a project_id column (sections "
                  "META, PROJECTS, VOTES expected)", "pas un fichier Pabulib : pas de section "
                  "PROJECTS avec une colonne project_id (sections META, PROJECTS, VOTES "
                  "attendues)"),
    "pb.count": ("META says num_projects {declared} but the PROJECTS section lists {listed}: the "
                 "file is cut short or was edited by hand; correct num_projects or the list",
                 "META indique num_projects {declared} mais la section PROJECTS en liste "
                 "{listed} : le fichier est tronqué ou a été modifié à la main ; corrigez "
                 "num_projects ou la liste"),
    "pb.more": ("and {n} more lines like these", "et {n} autres lignes semblables"),
    "pb.no_cost": ("PROJECTS has no cost column (the header starts project_id;cost)",
                   "PROJECTS n'a pas de colonne cost (l'en-tête commence par project_id;cost)"),
    "pb.vote_type": ("vote_type '{given}' is not one allocator reads ({known})", "vote_type "
                     "« {given} » n'est pas un type qu'allocator lit ({known})"),
    "pb.category_budgets": ("per-category budgets ({given}) bound only the first round of this "
                            "election (leftover_budget: {leftover}): allocator applies the one "
                            "budget, {amount}, to every category", "les budgets par catégorie "
                            "({given}) ne bornent que le premier tour de cette élection "
                            "(leftover_budget : {leftover}) : allocator applique le budget "
                            "unique, {amount}, à toutes les catégories"),
    "pb.category_refused": ("per-category budgets are not applied by allocator (its themes "
                            "carry shares of the total, not envelopes): remove the line to solve "
                            "the election with one budget, or split the file into one per "
                            "category", "les budgets par catégorie ne sont pas appliqués par "
                            "allocator (ses thèmes portent des parts du total, pas des "
                            "enveloppes) : retirez la ligne pour résoudre l'élection avec un "
                            "seul budget, ou découpez le fichier en un par catégorie"),
    "pb.amount": ("found '{given}': expected a number, 0 or more", "valeur lue « {given} » : il "
                  "faut un nombre, 0 ou plus"),
    "pb.no_budget": ("META has no budget (a line 'budget;<amount>' under META)", "META n'a pas "
                     "de budget (une ligne « budget;<montant> » sous META)"),
    "pb.budget": ("found '{given}': expected the budget, a number, 0 or more", "valeur lue "
                  "« {given} » : il faut le budget, un nombre, 0 ou plus"),
    "pb.no_outcome": ("PROJECTS has neither a votes nor a score column, and there is no VOTES "
                      "section to count them from", "PROJECTS n'a ni colonne votes ni colonne "
                      "score, et il n'y a pas de section VOTES pour les compter"),
    "pb.counted": ("no {column} column: each project's {column} is counted from the VOTES "
                   "section", "pas de colonne {column} : la valeur {column} de chaque projet est "
                   "comptée dans la section VOTES"),
    "pb.empty_counted": ("empty: taken from the VOTES section ({n})", "vide : pris dans la "
                         "section VOTES ({n})"),
    "pb.empty": ("empty, and the file has no VOTES to count it from: write the project's "
                 "{column}", "vide, et le fichier n'a pas de VOTES pour le compter : écrivez la "
                 "valeur {column} du projet"),
    "pb.differ": ("the {column} column differs from the VOTES section for {n} project(s): "
                  "{projects}; the file's {column} is used", "la colonne {column} diffère de la "
                  "section VOTES pour {n} projet(s) : {projects} ; la valeur {column} du "
                  "fichier est retenue"),
    "pb.no_vote": ("no vote column (the header must name voter_id;vote)", "pas de colonne vote "
                   "(l'en-tête doit nommer voter_id;vote)"),
    "pb.points_needed": ("{given} ballots need a points column", "les bulletins {given} "
                         "demandent une colonne points"),
    "pb.empty_ballot": ("empty ballot: a voter who supports no project", "bulletin vide : un "
                        "votant qui ne soutient aucun projet"),
    "pb.unknown": ("project {given} is not in PROJECTS", "le projet {given} n'est pas dans "
                   "PROJECTS"),
    "pb.twice": ("a project named twice in one ballot", "un projet nommé deux fois dans un "
                 "même bulletin"),
    "pb.points": ("'{given}': expected one whole number of points, 0 or more, per project of "
                  "the vote column", "« {given} » : il faut un nombre entier de points, 0 ou "
                  "plus, par projet de la colonne vote"),
    "pb.scoring_fn": ("scoring_fn '{given}' is not one allocator reads (Borda, or points by "
                      "position such as 3,2,1): give a points column in VOTES", "scoring_fn "
                      "« {given} » n'est pas une règle qu'allocator lit (Borda, ou des points "
                      "par position comme 3,2,1) : donnez une colonne points dans VOTES"),
    "pb.ranks": ("ordinal ballots without points or scoring_fn: ranks scored {scoring}",
                 "bulletins ordinaux sans points ni scoring_fn : rangs comptés selon "
                 "{scoring}"),
    "pb.borda": ("ordinal ballots without points or scoring_fn: their ranks, scored {scoring}, "
                 "do not add up to the score column (project {given}: {scored} against "
                 "{figure}); add a points column to VOTES or a scoring_fn line to META",
                 "bulletins ordinaux sans points ni scoring_fn : leurs rangs, comptés selon "
                 "{scoring}, ne donnent pas la colonne score (projet {given} : {scored} contre "
                 "{figure}) ; ajoutez une colonne points à VOTES ou une ligne scoring_fn à "
                 "META"),
    "mes.ballots": ("equal shares and Phragmén need the voters' ballots: give a Pabulib .pb file "
                    "with a VOTES section", "les parts égales et Phragmén demandent les "
                    "bulletins des votants : donnez un fichier Pabulib .pb avec une section "
                    "VOTES"),
    "mes.add1": ("add1 raises each voter's share one currency unit at a time, for the voters of "
                 "an election; territories take --completion greedy or none", "add1 augmente "
                 "la part de chaque votant d'une unité monétaire à la fois, pour les votants "
                 "d'une élection ; des territoires prennent --completion greedy ou none"),
    "mes.phragmen": ("sequential Phragmén needs approval ballots, and these are {given}: use "
                     "--method mes", "Phragmén séquentiel demande des bulletins d'approbation, "
                     "et ceux-ci sont de type {given} : utilisez --method mes"),
    "scoring.points": ("the points column", "la colonne points"),
    "scoring.fn": ("scoring_fn {given}", "la fonction scoring_fn {given}"),
    "scoring.borda": ("Borda: {top} points for the first position, one less for each next",
                      "Borda : {top} points pour la première position, un de moins pour chaque "
                      "suivante"),
    # outputs
    "output.long_name": ("{given}…: a file name is at most 255 bytes; choose a shorter one",
                         "{given}… : un nom de fichier fait au plus 255 octets ; choisissez-en "
                         "un plus court"),
    "output.is_input": ("{path}: the output would overwrite the input; choose another path",
                        "{path} : la sortie écraserait l'entrée ; choisissez un autre chemin"),
    "output.among_csv": ("{path}: the output would land among the input's .csv files in "
                         "{folder}; choose another folder", "{path} : la sortie tomberait parmi "
                         "les fichiers .csv de l'entrée dans {folder} ; choisissez un autre "
                         "dossier"),
    "output.not_ours": ("{path} exists and was not written by allocator; pass --force to "
                        "replace it, or choose another path", "{path} existe et n'a pas été "
                        "écrit par allocator ; passez --force pour le remplacer, ou choisissez "
                        "un autre chemin"),
    "output.folder_is_file": ("{path}: {folder} is a file, not a folder; choose a path in a "
                              "folder", "{path} : {folder} est un fichier, pas un dossier ; "
                              "choisissez un chemin dans un dossier"),
    "output.no_folder": ("{path}: folder {folder} does not exist; create it or choose another "
                         "path", "{path} : le dossier {folder} n'existe pas ; créez-le ou "
                         "choisissez un autre chemin"),
    "output.is_folder": ("{path} is a folder; give a file name such as {example}", "{path} est "
                         "un dossier ; donnez un nom de fichier, par exemple {example}"),
    "output.not_file": ("{path} is not a regular file (a device, pipe or socket); give the name "
                        "of a file to write", "{path} n'est pas un fichier ordinaire (un "
                        "périphérique, un tube ou un socket) ; donnez le nom d'un fichier à "
                        "écrire"),
    "output.full": ("{path}: cannot be written ({error}); free some space or choose another "
                    "folder", "{path} : ne peut être écrit ({error}) ; libérez de la place ou "
                    "choisissez un autre dossier"),
    "output.refused": ("{path}: cannot be written in {folder} ({error}); choose a folder you "
                       "may write to", "{path} : ne peut être écrit dans {folder} ({error}) ; "
                       "choisissez un dossier où vous pouvez écrire"),
    "output.twice": ("{path} is given for two outputs; give each its own path", "{path} est "
                     "donné pour deux sorties ; donnez à chacune son chemin"),
    "output.kind": ("{path}: give a {suffix} file", "{path} : donnez un fichier {suffix}"),
    "output.kinds": ("{path}: give a {suffixes} or {suffix} file", "{path} : donnez un "
                     "fichier {suffixes} ou {suffix}"),
    # options of the command line
    "option.budgets": ("a budget curve runs from a non-negative envelope up to a larger one, in "
                       "2 or more steps (not {start} to {stop} in {steps})", "une courbe "
                       "budgétaire va d'une enveloppe positive ou nulle à une plus grande, en 2 "
                       "pas ou plus (pas de {start} à {stop} en {steps})"),
    "option.set": ("'{given}' is not key=value (e.g. --set budget=80e6)", "« {given} » n'est "
                   "pas de la forme clé=valeur (par exemple --set budget=80e6)"),
    "option.set_empty": ("'{given}': an empty value in the list", "« {given} » : une valeur "
                         "vide dans la liste"),
    "option.set_range": ("'{given}': a range is start:stop:count, with count a whole number ≥ 1 "
                         "(e.g. 60e6:140e6:9)", "« {given} » : une plage s'écrit "
                         "début:fin:nombre, le nombre entier ≥ 1 (par exemple 60e6:140e6:9)"),
    "option.vary": ("give at least one --set KEY=VALUES to vary", "donnez au moins un --set "
                    "CLÉ=VALEURS à faire varier"),
    "option.samples": ("need at least one sample and at most {most} (each draw keeps who it "
                       "funds), not {samples}", "il faut au moins un tirage et au plus {most} "
                       "(chaque tirage garde qui il finance), pas {samples}"),
    "option.gamma": ("Γ must be a number ≥ 0, not {given}", "Γ doit être un nombre ≥ 0, pas "
                     "{given}"),
    "option.same_axes": ("--x and --y are both '{given}': give two different outcomes",
                         "--x et --y valent tous deux « {given} » : donnez deux résultats "
                         "différents"),
    "option.points": ("at least 2 points are needed", "il faut au moins 2 points"),
    "option.outcome": ("'{given}' is not an outcome of this input (outcomes: {known})",
                       "« {given} » n'est pas un résultat de cette entrée (résultats : {known})"),
    "option.project": ("no project '{given}' in {source}", "pas de projet « {given} » dans "
                       "{source}"),
    "option.dask": ("running on a Dask cluster needs the dask extra: pip install "
                    "'allocator[dask]'", "le calcul sur un cluster Dask demande l'extra dask : "
                    "pip install 'allocator[dask]'"),
    "option.scheduler": ("cannot reach the Dask scheduler at {address}: {error}",
                         "impossible de joindre l'ordonnanceur Dask à {address} : {error}"),
    "backend.unknown": ("unknown backend '{given}'; available: {known}", "moteur « {given} » "
                        "inconnu ; disponibles : {known}"),
    "backend.missing": ("{why}; backends available here: {known}", "{why} ; moteurs "
                        "disponibles ici : {known}"),
    "backend.not_installed": ("{package} is not installed (pip install {pip})", "{package} "
                              "n'est pas installé (pip install {pip})"),
    "backend.no_solver": ("OR-Tools here does not include {solver}", "l'OR-Tools installé ici "
                          "n'inclut pas {solver}"),
    "backend.pulp_unknown": ("PuLP knows no solver '{solver}'; it knows: {known}", "PuLP ne "
                             "connaît pas de solveur « {solver} » ; il connaît : {known}"),
    "backend.pulp_missing": ("PuLP's solver '{solver}' is not installed here; available: "
                             "{known}", "le solveur « {solver} » de PuLP n'est pas installé "
                             "ici ; disponibles : {known}"),
    # the command line's own words around them
    "cli.error": ("error: {message}", "erreur : {message}"),
    "cli.more": ("… and {n} more (use --json for the full list)", "… et {n} de plus (--json "
                 "pour la liste complète)"),
    "cli.fix": ("{errors} error(s), {warnings} warning(s): fix the errors and run again",
                "{errors} erreur(s), {warnings} avertissement(s) : corrigez les erreurs et "
                "relancez"),
    "cli.solver_range": ("error: {message}\nthe model's numbers are out of the solver's range: "
                         "bring the weights closer together (normalise = ideal puts outcomes on "
                         "one scale), or try another backend (--backend NAME)", "erreur : "
                         "{message}\nles nombres du modèle sortent de la plage du solveur : "
                         "rapprochez les poids (normalise = ideal met les résultats à la même "
                         "échelle), ou essayez un autre moteur (--backend NOM)"),
    "cli.internal": ("internal error: {error}\nrerun with --debug for the traceback, and please "
                     "report it", "erreur interne : {error}\nrelancez avec --debug pour voir la "
                     "trace, et signalez-la s'il vous plaît"),
    "cli.interrupted": ("interrupted", "interrompu"),
    "cli.interrupted_draws": ("interrupted: kept the {done} of {total} draws that were done",
                              "interrompu : les {done} tirages faits sur {total} sont gardés"),
    "cli.interrupted_scenarios": ("interrupted: kept the {done} of {total} scenarios that were "
                                  "done", "interrompu : les {done} scénarios faits sur {total} "
                                  "sont gardés"),
    "cli.valid": ("{path}: valid — {projects} projects, {territories} territories, {scenarios} "
                  "scenario(s)", "{path} : valide — {projects} projets, {territories} "
                  "territoires, {scenarios} scénario(s)"),
    "cli.valid_warnings": ("{path}: valid — {projects} projects, {territories} territories, "
                           "{scenarios} scenario(s), {warnings} warning(s)", "{path} : valide — "
                           "{projects} projets, {territories} territoires, {scenarios} "
                           "scénario(s), {warnings} avertissement(s)"),
    "cli.no_frontier_time": ("no frontier: no point was solved within the time limit; give more "
                             "time (--time-limit)", "pas de frontière : aucun point n'a été "
                             "résolu dans la limite de temps ; donnez plus de temps "
                             "(--time-limit)"),
    "cli.no_frontier": ("no frontier: no allocation satisfies the scenario's rules", "pas de "
                        "frontière : aucune répartition ne respecte les règles du scénario"),
    "cli.no_curve_time": ("no budget curve: no point was solved within the time limit; give "
                          "more time (--time-limit)", "pas de courbe budgétaire : aucun point "
                          "n'a été résolu dans la limite de temps ; donnez plus de temps "
                          "(--time-limit)"),
    "cli.no_curve": ("no budget curve: no envelope from --from to --to lets every rule hold",
                     "pas de courbe budgétaire : aucune enveloppe de --from à --to ne permet "
                     "de respecter toutes les règles"),
    "cli.no_allocations": ("no allocation for {n} scenario(s): {names}", "aucune répartition "
                           "pour {n} scénario(s) : {names}"),
    "cli.terminated": ("terminated", "arrêté"),
}
# the fields of MESSAGES that hold the user's own text
DATA = frozenset({"given", "column", "header", "letter", "sheet", "sheets", "source", "name",
                  "param", "theme", "outcome", "near", "first", "choices", "known", "aliases",
                  "columns", "cycle", "file", "files", "path", "folder", "example", "part",
                  "error", "suffix", "suffixes", "address", "method", "package", "pip", "names",
                  "declared", "leftover", "projects",
                  "solver"})
# the words around a finding (``Finding.said``)
TERMS |= {"error": "erreur", "warning": "avertissement"}

# what a rule's ``blocks`` follows, as an unfunded project's reason, and what follows it when
# a step of the rule was shown to let the project in
BLOCKED = ("not funded: ", "non financé : ")
LETS_IN = (" — {step} lets it in", " — {step} le fait entrer")
# fields of one form, so that a template's fields split where they should
FIELDS = {"share": r"\d[\d.]*%",
          # a list of names holds no "; ", which ends the message it is in; an empty one is
          # said "none", in a template of its own
          "known": r"(?!none\))[^;]+?", "choices": r"[^;]+?", "sheets": r"(?!none\)).+?"}
# 14d: the diagnosis's sums of euros ("the budget is {budget}" must not take a whole list of
# statements that begins with it as its budget)
FIELDS |= dict.fromkeys(("budget", "floors", "absorb"), r"−?€\d[\d ]*(?:\.\d+)?M?")
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
    pairs = list(PHRASES.values()) + list(MESSAGES.values()) + [
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
    """The English sentence of template ``key`` (of ``PHRASES`` or ``MESSAGES``), its fields
    filled."""
    return _wordings(key)[0].format(**fields)


def _wordings(key: str) -> tuple[str, str]:
    return PHRASES[key] if key in PHRASES else MESSAGES[key]


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
        """Template ``key`` of ``PHRASES`` or ``MESSAGES`` in this language, its fields as
        given."""
        return _wordings(key)[self.french].format(**fields)

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
    """A field of a sentence in French: the user's own text as it is, a known term, or a
    phrase, or a list of amounts, or text with figures."""
    if name in DATA:
        return value
    if name == "amounts":
        return amounts_fr(value) or figure_fr(value)
    if name == "statements":
        return statements_fr(value) or figure_fr(value)
    if name == "region" and value not in TERMS:
        # French names a region with its article ("du Grand Est", "de l'Occitanie", "des
        # Hauts-de-France"); "la région" carries one that fits every name
        return f"la région {value}"
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
