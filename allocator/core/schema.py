"""The input workbook, described once.

Every sheet and column an analyst may give is declared here: canonical name, accepted aliases
(French headers), type, unit, bounds, default and one line of help. The reader matches headers
against it, the validator checks values against it, the template writes it out, and the README's
column reference is generated from it (``python -m allocator.core.schema`` prints that reference).
Scenario parameters are declared the same way, one row per dotted name.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from allocator.core.lang import phrase
from allocator.core.status import EXACT_GAP

# Kinds of column: how a cell is parsed and checked.
ID, TEXT, NUMBER, INTEGER, BOOLEAN, CHOICE, ID_LIST = (
    "id", "text", "number", "integer", "boolean", "choice", "id list")

DEFAULT_THEMES = (
    "ecological_transition", "innovation", "skills_recruitment", "industrial_land",
    "attractiveness",
)
DEFAULT_OUTCOMES = ("jobs", "skills", "innovation")
LOCKS = ("in", "out")


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    help: str
    unit: str = ""
    required: bool = False
    aliases: tuple[str, ...] = ()
    lo: float | None = None
    hi: float | None = None
    default: object = None
    choices: tuple[str, ...] = ()  # for CHOICE columns whose values are fixed by the schema
    example: tuple = ()  # three example values for the template

    @property
    def expectation(self) -> str:
        """What a valid value looks like, in the words of an error message."""
        if self.kind == NUMBER or self.kind == INTEGER:
            what = "expect.whole" if self.kind == INTEGER else "expect.number"
            if self.lo is not None and self.hi is not None:
                return phrase(f"{what}_between", lo=_fmt(self.lo), hi=_fmt(self.hi))
            if self.lo is not None:
                return phrase(f"{what}_from", lo=_fmt(self.lo))
            return phrase(what)
        if self.kind == BOOLEAN:
            return phrase("expect.boolean")
        if self.kind == CHOICE and self.choices:
            return phrase("expect.choice", choices=", ".join(self.choices))
        if self.kind == ID_LIST:
            return phrase("expect.ids")
        if self.kind == ID:
            return phrase("expect.id")
        return phrase("expect.text")


@dataclass(frozen=True)
class Pattern:
    """A family of columns named by a pattern, e.g. ``use:<resource>``."""
    template: str
    regex: str
    kind: str
    help: str
    unit: str = ""
    lo: float | None = None

    def match(self, header: str) -> re.Match | None:
        return re.fullmatch(self.regex, header)


@dataclass(frozen=True)
class Sheet:
    name: str
    help: str
    columns: tuple[Column, ...]
    required: bool = False
    key: str | None = None
    aliases: tuple[str, ...] = ()
    patterns: tuple[Pattern, ...] = ()

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _fmt(x: float) -> str:
    return f"{x:g}" if abs(x) < 1e6 else f"{x:,.0f}".replace(",", " ")


def normalise_header(text: object) -> str:
    """Header key for matching: case, accents, spacing and punctuation ignored.

    ``Coût total (€)`` and ``cout_total`` both become ``cout_total``; ``use:staff`` keeps
    its colon so that resource columns stay recognisable.
    """
    s = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    s = s.strip().lower().replace("€", "")
    s = re.sub(r"\(\s*(eur|euros?)?\s*\)", "", s)
    s = re.sub(r"[^a-z0-9:.]+", "_", s)
    return s.strip("_")


PROJECTS = Sheet(
    name="projects",
    help="One row per candidate project.",
    required=True,
    key="project_id",
    aliases=("projets",),
    columns=(
        Column("project_id", ID, "Unique project identifier.", required=True,
               aliases=("id", "id projet", "identifiant", "identifiant projet", "projet"),
               example=("P-0001", "P-0002", "P-0003")),
        Column("territory_id", ID, "Territory of the project (see the territories sheet).",
               required=True, aliases=("territoire", "id territoire", "territory"),
               example=("ti-8401", "ti-8401", "ti-7601")),
        Column("title", TEXT, "Short title of the project.", required=True,
               aliases=("titre", "intitule", "libelle", "nom du projet"),
               example=("Plateforme hydrogène", "Centre de formation", "Friche Nord")),
        Column("theme", CHOICE, "Programme axis (see the themes sheet, or the defaults).",
               required=True, aliases=("thematique", "axe"),
               example=("ecological_transition", "skills_recruitment", "industrial_land")),
        Column("total_cost", NUMBER, "Total eligible investment of the project.", unit="€",
               required=True, lo=0,
               aliases=("cout total", "cout", "depenses eligibles", "montant total", "cost"),
               example=(4_000_000, 1_500_000, 6_000_000)),
        Column("requested", NUMBER,
               "Grant requested from the envelope (≤ total_cost). 0: the project costs the "
               "envelope nothing and is funded all or nothing, its outcomes whole.",
               unit="€", required=True, lo=0,
               aliases=("montant demande", "aide demandee", "subvention demandee", "demande"),
               example=(600_000, 300_000, 900_000)),
        Column("min_award", NUMBER,
               "Smallest useful award; below `requested` the project may be funded partially "
               "between the two. Empty: all or nothing.", unit="€", lo=0,
               aliases=("aide minimale", "montant minimum", "minimum"),
               example=(None, 200_000, None)),
        Column("max_aid_rate", NUMBER, "Aid-intensity cap: award ≤ rate × total_cost.",
               lo=0, hi=1, aliases=("taux d'aide max", "taux maximal", "taux d'aide maximum",
                                    "intensite d'aide"),
               example=(0.15, 0.35, 0.25)),
        Column("jobs", NUMBER, "Jobs created by the full project.", unit="jobs", lo=0,
               default=0.0, aliases=("emplois", "emplois crees", "emplois directs"),
               example=(40, 5, 25)),
        Column("skills", NUMBER, "People trained or qualified by the full project.",
               unit="people", lo=0, default=0.0,
               aliases=("personnes formees", "formations", "competences"),
               example=(10, 120, 0)),
        Column("innovation", NUMBER, "Innovation score of the project.", unit="points",
               lo=0, default=0.0, aliases=("score innovation", "innovation score"),
               example=(8, 3, 2)),
        Column("is_site", BOOLEAN,
               "A candidate 'site clés en main' (counts against the site limit).",
               default=False, aliases=("site cles en main", "site", "site clef en main"),
               example=("non", "non", "oui")),
        Column("net_artificialised_ha", NUMBER,
               "Net hectares of natural land consumed; negative for brownfield reuse or "
               "renaturation.", unit="ha", default=0.0,
               aliases=("artificialisation nette", "artificialisation nette (ha)",
                        "surface artificialisee"),
               example=(0, 0, -4.5)),
        Column("requires", ID_LIST, "Projects that must be funded for this one to be funded.",
               aliases=("prerequis", "depend de", "necessite"), example=(None, None, "P-0001")),
        Column("exclusive_group", TEXT, "At most one project of a group is funded.",
               aliases=("groupe exclusif", "groupe d'exclusion"), example=(None, "G1", None)),
        Column("lock", CHOICE, "Policy lock: `in` forces funding, `out` forbids it.",
               choices=LOCKS, aliases=("verrou", "forcage"), example=(None, "in", None)),
    ),
    patterns=(
        Pattern("use:<resource>", r"use:([a-z0-9_.]+)", NUMBER,
                "Use of a resource of the resources sheet by the full project.", lo=0),
        Pattern("spend_<year>", r"(spend_\d{4})", NUMBER,
                "Payment in that year by the full project (a resource of the same name).",
                unit="€", lo=0),
        Pattern("<outcome>_low", r"([a-z0-9_]+)_low", NUMBER,
                "Pessimistic value of an outcome, for uncertainty analysis.", lo=0),
        Pattern("<outcome>_high", r"([a-z0-9_]+)_high", NUMBER,
                "Optimistic value of an outcome, for uncertainty analysis.", lo=0),
    ),
)

TERRITORIES = Sheet(
    name="territories",
    help="One row per territory of industry.",
    key="territory_id",
    aliases=("territoires",),
    columns=(
        Column("territory_id", ID, "Territory identifier, e.g. ti-8402.", required=True,
               aliases=("id territoire", "identifiant", "territoire"),
               example=("ti-8401", "ti-7601", "ti-7602")),
        Column("name", TEXT, "Name of the territory.", required=True, aliases=("nom",),
               example=("Vallée de l'Arve", "Alès Cévennes", "Tarbes-Lourdes")),
        Column("region", CHOICE, "Lead region (see the regions sheet).", required=True,
               aliases=("region principale",),
               example=("Auvergne-Rhône-Alpes", "Occitanie", "Occitanie")),
        Column("department", TEXT, "Department code(s).", aliases=("departement",),
               example=("74", "30", "65")),
        Column("population", NUMBER, "Population, a basis for fair shares.", unit="people",
               lo=0, aliases=("habitants",), example=(120_000, 80_000, 95_000)),
        Column("industrial_jobs", NUMBER, "Industrial jobs, a basis for fair shares.",
               unit="jobs", lo=0, aliases=("emplois industriels",),
               example=(15_000, 9_000, 7_000)),
        Column("cap", NUMBER, "Most the territory may receive.", unit="€", lo=0,
               aliases=("plafond",), example=(None, None, None)),
        Column("floor", NUMBER, "Least the territory must receive.", unit="€", lo=0,
               aliases=("plancher",), example=(None, None, None)),
        Column("note", TEXT, "Free text (e.g. a territory straddling two regions).",
               aliases=("remarque", "commentaire"), example=(None, None, None)),
    ),
)

REGIONS = Sheet(
    name="regions",
    help="One row per region; floors and caps on what its territories receive in all.",
    key="region",
    aliases=("régions",),
    columns=(
        Column("region", ID, "Region name, as used in the territories sheet.", required=True,
               aliases=("nom",), example=("Auvergne-Rhône-Alpes", "Occitanie", "Bretagne")),
        Column("code", TEXT, "INSEE region code.", aliases=("code insee",),
               example=("84", "76", "53")),
        Column("floor", NUMBER, "Least the region must receive.", unit="€", lo=0,
               aliases=("plancher",), example=(None, 2_000_000, None)),
        Column("cap", NUMBER, "Most the region may receive.", unit="€", lo=0,
               aliases=("plafond",), example=(15_000_000, None, None)),
    ),
)

RESOURCES = Sheet(
    name="resources",
    help="Limited resources used by projects: yearly payment ceilings (spend_<year>), "
         "staff days (use:<resource>), …",
    key="resource",
    aliases=("ressources",),
    columns=(
        Column("resource", ID, "Resource name: `spend_2025` for a spend_2025 column, "
               "`staff` for a use:staff column.", required=True, aliases=("ressource",),
               example=("spend_2025", "spend_2026", "staff")),
        Column("capacity", NUMBER, "Most of the resource that funded projects may use.",
               required=True, lo=0, aliases=("capacite", "plafond"),
               example=(40_000_000, 40_000_000, 500)),
        Column("unit", TEXT, "Unit of the resource (for reports).", aliases=("unite",),
               example=("€", "€", "days")),
    ),
)

THEMES = Sheet(
    name="themes",
    help="The programme's themes; when absent, the five axes of Territoires d'industrie.",
    key="theme",
    aliases=("thematiques", "axes"),
    columns=(
        Column("theme", ID, "Theme code used in the projects sheet.", required=True,
               aliases=("thematique", "axe"),
               example=("ecological_transition", "innovation", "skills_recruitment")),
        Column("label", TEXT, "Label for reports.", aliases=("libelle",),
               example=("Transition écologique", "Innovation", "Compétences et recrutement")),
    ),
)

SCENARIOS_SHEET = "scenarios"
SHEETS = (PROJECTS, TERRITORIES, REGIONS, RESOURCES, THEMES)


@dataclass(frozen=True)
class Parameter:
    """One scenario parameter: a row of the scenarios sheet, a `--set` key, a TOML key.

    A name holding ``<outcome>`` or ``<theme>`` is a family: ``weight.<outcome>`` stands for
    ``weight.jobs``, ``weight.skills``, …
    """
    name: str
    kind: str
    help: str
    default: object = None
    lo: float | None = None
    hi: float | None = None
    choices: tuple[str, ...] = ()
    unit: str = ""

    @property
    def family(self) -> str | None:
        m = re.search(r"<(\w+)>", self.name)
        return m.group(1) if m else None

    def key(self, name: str) -> str | None:
        """The member (outcome, theme) that ``name`` instantiates, or None if it does not."""
        prefix, _, suffix = self.name.partition("<")
        suffix = suffix.partition(">")[2]
        if self.family and name.startswith(prefix) and name.endswith(suffix):
            member = name[len(prefix):len(name) - len(suffix)]
            return member or None
        return None


PARAMETERS = (
    Parameter("description", TEXT, "What the scenario is for (free text).", default=""),
    Parameter("budget", NUMBER, "The envelope: most that may be awarded in all.",
              default=100e6, lo=0, hi=1e15, unit="€"),
    Parameter("weight.<outcome>", NUMBER,
              "Weight of an outcome in the objective; any numeric column of projects can be "
              "weighted. Default: 1 for jobs, skills and innovation. Weights are relative: "
              "beyond a million to one the solver cannot tell the outcomes apart.",
              lo=0, hi=1e6),
    Parameter("normalise", CHOICE,
              "How outcomes are put on one scale before weighting: `ideal` divides each by "
              "the most of it the envelope alone could buy; `none` keeps raw units.",
              default="ideal", choices=("ideal", "none")),
    Parameter("normalise.budget", NUMBER,
              "The envelope whose ideal normalises the outcomes (with `normalise = ideal`). "
              "Empty: the scenario's budget. Budget curves and sweeps hold it at the "
              "scenario's budget, so that one objective means the same at every envelope.",
              lo=0, hi=1e15, unit="€"),
    Parameter("priority.<outcome>", INTEGER,
              "Lexicographic level of an outcome (1 first); outcomes of one level are "
              "weighted together. Unset everywhere: one weighted objective.", lo=1),
    Parameter("tolerance.<outcome>", NUMBER,
              "Share of its level's optimum that may be given up for later levels.",
              default=0.0, lo=0, hi=1),
    Parameter("min.<outcome>", NUMBER,
              "Epsilon constraint: the allocation must reach at least this much of the outcome.",
              lo=0),
    Parameter("theme_min.<theme>", NUMBER, "Least share of the total awarded for a theme.",
              lo=0, hi=1),
    Parameter("theme_max.<theme>", NUMBER, "Most share of the total awarded for a theme.",
              lo=0, hi=1),
    Parameter("sites.max", INTEGER, "Most 'sites clés en main' that may be funded.",
              default=50, lo=0),
    Parameter("sites.max_net_ha", NUMBER,
              "Most net artificialisation (ha) over funded projects; 0 is zero net "
              "artificialisation. Empty: no limit.", default=0.0, unit="ha"),
    Parameter("coverage", INTEGER,
              "Funded projects required in every territory that has an eligible project "
              "(fewer where it has fewer). 0: off.", default=0, lo=0),
    Parameter("fairness.band", NUMBER,
              "Each region's funding stays within ± this share of its fair share. Empty: off.",
              lo=0, hi=1),
    Parameter("fairness.basis", CHOICE, "What fair shares are proportional to.",
              default="industrial_jobs", choices=("industrial_jobs", "population")),
    Parameter("backend", CHOICE, "Solver backend.", default="highs",
              choices=("highs", "scip", "cpsat", "cbc", "pulp")),
    Parameter("time_limit", NUMBER, "Seconds the solver may take (at most a week).",
              default=120.0, lo=0, hi=604_800, unit="s"),
    Parameter("gap", NUMBER, "Relative gap at which the solver stops. An allocation is called "
              "optimal only when proven within 1e-6 (or, when every objective coefficient is a "
              "multiple of one number on whole selections, at the whole-number optimum); "
              "otherwise feasible, within its gap.", default=EXACT_GAP, lo=0, hi=1),
    Parameter("lang", CHOICE, "Language of the outputs (sheet names, headers, reasons, "
              "summaries, the review report); `--lang` overrides it.", default="en",
              choices=("en", "fr")),
)


def parameter(name: str) -> tuple[Parameter, str | None] | None:
    """The parameter a dotted name refers to, and the family member it names."""
    for p in PARAMETERS:
        if p.family is None and p.name == name:
            return p, None
        if p.family is not None and (member := p.key(name)):
            return p, member
    return None


def column_reference() -> str:
    """The README's column reference, in Markdown."""
    out = []
    for sheet in SHEETS:
        need = "required" if sheet.required else "optional"
        out.append(f"### `{sheet.name}` ({need})\n\n{sheet.help}\n")
        out.append("| column | type | unit | required | accepted headers | meaning |")
        out.append("|---|---|---|---|---|---|")
        for c in sheet.columns:
            aliases = ", ".join(f"`{a}`" for a in c.aliases)
            out.append(f"| `{c.name}` | {c.expectation} | {c.unit} | "
                       f"{'yes' if c.required else ''} | {aliases} | {c.help} |")
        for pat in sheet.patterns:
            out.append(f"| `{pat.template}` | number | {pat.unit} |  |  | {pat.help} |")
        out.append("")
    out.append(f"### `{SCENARIOS_SHEET}` (optional)\n\nOne column per scenario (its header is the "
               "scenario's name), one row per parameter (column A holds the parameter's name). "
               "The same names work in a TOML scenario file and with `--set name=value`.\n")
    out.append("| parameter | default | meaning |")
    out.append("|---|---|---|")
    for p in PARAMETERS:
        default = "" if p.default is None else f"{p.default:g}" if isinstance(p.default, float) \
            else str(p.default)
        choices = f" One of {', '.join(p.choices)}." if p.choices else ""
        out.append(f"| `{p.name}` | {default} | {p.help}{choices} |")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    print(column_reference(), end="")


def sheet_for(name: str) -> Sheet | str | None:
    key = normalise_header(name)
    for sheet in SHEETS:
        if key in {sheet.name, *map(normalise_header, sheet.aliases)}:
            return sheet
    if key == SCENARIOS_SHEET or key == "scenarios":
        return SCENARIOS_SHEET
    return None
