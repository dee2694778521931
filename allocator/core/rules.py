"""The rule families: one registry that the formulation, the explanations, the diagnosis, the
greedy rankings and the reports all read, so that a family is named, measured, relaxed and
put in words in one place.

Each family is a group of rows of the model (``formulate.RowGroup.name`` is its key), or, for
the locks, a bound on a selection column. ``kind`` says what it is:

- ``policy``: a rule the analyst or the scenario set (budget, caps, floors, shares, sites…);
  it can bind, be priced, be switched off by the diagnosis and block a project;
- ``definition``: rows that define columns (a partial award tied to its selection, the total
  awarded): they hold by construction and are never priced or switched off;
- ``derived``: rows an analysis adds to a model (a priority level kept, a frontier's ε, cover
  cuts, robust protection).
"""
from __future__ import annotations

from dataclasses import dataclass

POLICY, DEFINITION, DERIVED = "policy", "definition", "derived"


@dataclass(frozen=True)
class Rule:
    """One family of rules.

    ``label``: the family in words; ``unit``: of a row's limit ("€", "sites", "ha",
    "projects"; "" for resources, whose unit is their own; None where each row names it,
    as an outcome minimum); ``help``: what a row says.
    ``step``: the change, in model units and signed to relax the rule, by which a shadow
    price is measured (None: 1% of the row's limit), with ``step_words``; ``shadow``:
    ``resolve`` (a re-solve per binding row, besides the LP dual), ``dual`` (the LP dual
    alone: one row per territory, many bind) or None (not priced).
    ``floor_rank``: where a lower limit comes in the order greedy rankings meet floors
    (None: not a floor); ``relax``: what relaxing it takes, in the diagnosis's words
    (``raise``/``lower`` it by an amount, or a phrase).
    ``blocks``: how an unfunded project is told that one of its rows stops it, with
    ``{subject}`` (the row's), ``{used}``, ``{limit}``, ``{need}`` (in the row's unit) and
    ``{other}`` (the project in the way), and ``blocks_fr`` the same in French with the
    same fields (``core.lang`` reads a reason back through ``blocks`` and writes it with
    ``blocks_fr``); ``label_fr``: the label in French; ``block_rank``: which rule is named
    first when several stop it (None: never named, as the budget, which every project meets).
    """
    name: str
    label: str
    kind: str = POLICY
    unit: str | None = "€"
    help: str = ""
    step: float | None = None
    step_words: str = ""
    shadow: str | None = None
    floor_rank: int | None = None
    relax: str = "raise"
    blocks: str = ""
    blocks_fr: str = ""
    label_fr: str = ""
    block_rank: int | None = None

    @property
    def switchable(self) -> bool:
        """Whether the diagnosis may switch it off to find the rules that conflict."""
        return self.kind == POLICY

    @property
    def euros(self) -> bool:
        return self.unit == "€"


_MORE, _LESS = "€1M more", "€1M less"
RULES: dict[str, Rule] = {r.name: r for r in (
    Rule("budget", "budget", help="total awarded ≤ budget", step=1.0, step_words=_MORE,
         shadow="resolve",
         label_fr="budget"),
    Rule("partial_max", "partial award ceiling", DEFINITION,
         help="award ≤ max_award × selected",
         label_fr="plafond d'aide partielle"),
    Rule("partial_min", "partial award floor", DEFINITION, help="award ≥ min_award × selected",
         label_fr="plancher d'aide partielle"),
    Rule("resource", "resource ceiling", unit="",
         help="use of a resource by funded projects ≤ its capacity", step=0.01,
         step_words="1% more", shadow="resolve",
         block_rank=6,
         blocks="{subject} ceiling reached ({used} of {limit} used; it needs {need} more)",
         blocks_fr="plafond de {subject} atteint ({used} utilisés sur {limit} ; il lui "
                   "faut {need} de plus)",
         label_fr="plafond de ressource"),
    Rule("region_floor", "regional floor", help="funding of the region ≥ its floor", step=-1.0,
         step_words=_LESS, shadow="resolve", floor_rank=1, relax="lower",
         label_fr="plancher régional"),
    Rule("region_cap", "regional cap", help="funding of the region ≤ its cap", step=1.0,
         step_words=_MORE, shadow="resolve",
         block_rank=5,
         blocks="regional cap of {subject} reached ({used} of {limit}; it needs {need})",
         blocks_fr="plafond régional de {subject} atteint ({used} sur {limit} ; il lui "
                   "faut {need})",
         label_fr="plafond régional"),
    Rule("territory_floor", "territorial floor", help="funding of the territory ≥ its floor",
         step=-1.0, step_words=_LESS, shadow="dual", floor_rank=0, relax="lower",
         label_fr="plancher territorial"),
    Rule("territory_cap", "territorial cap", help="funding of the territory ≤ its cap",
         step=1.0, step_words=_MORE, shadow="dual",
         block_rank=4,
         blocks="territory cap of {subject} reached ({used} of {limit}; it needs {need})",
         blocks_fr="plafond du territoire {subject} atteint ({used} sur {limit} ; il lui "
                   "faut {need})",
         label_fr="plafond territorial"),
    Rule("total_awarded", "total awarded", DEFINITION, help="definition of the total awarded",
         label_fr="total accordé"),
    Rule("theme_min", "theme's minimum share",
         help="theme's share of the total awarded ≥ the scenario's", step=-1.0,
         step_words=_LESS, shadow="resolve", floor_rank=4, relax="lower",
         label_fr="part minimale du thème"),
    Rule("theme_max", "theme's maximum share",
         help="theme's share of the total awarded ≤ the scenario's", step=1.0,
         step_words=_MORE, shadow="resolve",
         block_rank=7,
         blocks="theme {subject} at its maximum share ({share})",
         blocks_fr="thème {subject} à sa part maximale ({share})",
         label_fr="part maximale du thème"),
    Rule("fairness_max", "fair-share ceiling",
         help="region's funding ≤ (1 + band) × its fair share", step=1.0, step_words=_MORE,
         shadow="resolve",
         block_rank=8,
         blocks="region {subject} at the ceiling of its fair share",
         blocks_fr="région {subject} au plafond de sa part équitable",
         label_fr="plafond de la part équitable"),
    Rule("fairness_min", "fair-share floor",
         help="region's funding ≥ (1 − band) × its fair share", step=-1.0, step_words=_LESS,
         shadow="resolve", floor_rank=3, relax="lower",
         label_fr="plancher de la part équitable"),
    Rule("sites", "site limit", unit="sites", help="funded sites ≤ the site limit", step=1.0,
         step_words="1 more site", shadow="resolve",
         block_rank=2,
         blocks="site limit reached ({used} of {limit} sites funded)",
         blocks_fr="limite de sites atteinte ({used} sites financés sur {limit})",
         label_fr="limite de sites"),
    Rule("net_artificialisation", "net artificialisation limit", unit="ha",
         help="net hectares artificialised by funded projects ≤ the limit", step=1.0,
         step_words="1 ha more", shadow="resolve",
         block_rank=3,
         blocks="net artificialisation — it would consume {need} ha, and funded projects "
                "already total {used} ha against a limit of {limit} ha",
         blocks_fr="artificialisation nette — il consommerait {need} ha, et les projets "
                   "financés en totalisent déjà {used} ha pour une limite de {limit} ha",
         label_fr="limite d'artificialisation nette"),
    Rule("coverage", "coverage", unit="projects",
         help="funded projects in the territory ≥ the coverage level", step=-1.0,
         step_words="1 project less", shadow="dual", floor_rank=2, relax="lower",
         label_fr="couverture"),
    Rule("requires", "requirement", unit="projects",
         help="a project is funded only if those it requires are",
         relax="drop the requirement",
         block_rank=0,
         blocks="requires {other}, which is {state}",
         blocks_fr="requiert {other}, qui est {state}",
         label_fr="prérequis"),
    Rule("exclusive", "exclusive group", unit="projects",
         help="at most one project of an exclusive group", relax="allow more than one",
         block_rank=1, blocks="excluded by {other} in the same group {subject}",
         blocks_fr="exclu par {other} dans le même groupe {subject}",
         label_fr="groupe exclusif"),
    Rule("min_outcome", "outcome minimum", unit=None,
         help="the outcome reached ≥ the scenario's minimum", step_words="1% less",
         shadow="resolve", floor_rank=5, relax="lower",
         label_fr="minimum de résultat"),
    Rule("lock_in", "lock in", unit=None, help="a project locked in",
         relax="remove the lock",
         label_fr="imposé"),
    Rule("lock_out", "lock out", unit=None, help="a project locked out",
         relax="remove the lock",
         label_fr="exclu"),
    Rule("priority", "priority level", DERIVED, unit="",
         help="an earlier priority level kept near its optimum",
         label_fr="niveau de priorité"),
    Rule("epsilon", "frontier point", DERIVED, unit=None,
         help="the x outcome ≥ the frontier point's epsilon",
         label_fr="point de frontière"),
    Rule("cover_cut", "cover cut", DERIVED, unit="",
         help="a cover inequality, valid for every allocation",
         label_fr="coupe de couverture"),
    Rule("robust_protection", "robust protection", DERIVED, unit="",
         help="weighted fall of a project's outcome ≤ what the worst Γ falls are charged",
         label_fr="protection robuste"),
)}


# what one unit of an outcome is, in reasons and prices ("23 jobs per €M", "€43 000 per job");
# an outcome named only by its column is written with its name
OUTCOME_UNITS: dict[str, tuple[str, str]] = {
    "jobs": ("job", "jobs"), "skills": ("person trained", "people trained"),
    "innovation": ("innovation point", "innovation points")}


def outcome_units(outcome: str) -> tuple[str, str]:
    """One unit of ``outcome`` and many, in words: ("person trained", "people trained")."""
    return OUTCOME_UNITS.get(outcome, (outcome, outcome))


def rule(name: str) -> Rule:
    """The family of a name; a KeyError naming the known ones for any other (a misspelt
    family would otherwise lose its shadow price or its reason silently)."""
    try:
        return RULES[name]
    except KeyError:
        raise KeyError(f"no rule family '{name}'; known: {', '.join(RULES)}") from None


def priced() -> tuple[str, ...]:
    """Families whose binding rows get a shadow price."""
    return tuple(name for name, r in RULES.items() if r.shadow)


def floors() -> tuple[str, ...]:
    """Families of lower limits, in the order greedy rankings meet them."""
    ranks = {n: r.floor_rank for n, r in RULES.items() if r.floor_rank is not None}
    return tuple(sorted(ranks, key=ranks.__getitem__))
