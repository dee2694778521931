"""How figures are written, the same in every output: the terminal, the workbooks, the review
report and the plots read a figure alike because they all take its kind from here.

A figure's *kind* says how it is rounded and shown (``KINDS``): € to the euro, M€ on chart
axes, shares as %, counts and outcomes to the unit, indices (Gini, fair ratio) to 3 digits.
``kind_of(column)`` gives the kind of a column of any frame allocator writes;
``show(value, kind)`` writes a value as text and ``excel_format(kind)`` is the same rule as an
Excel number format.
"""
from __future__ import annotations

import math
import re

import numpy as np

EURO, MEUR, SHARE, GAP, COUNT, OUTCOME, TENTHS, INDEX, OBJECTIVE, SECONDS = (
    "€", "M€", "%", "gap", "count", "outcome", "tenths", "index", "objective", "seconds")

# Excel number formats, one per kind: what text.show writes, as a spreadsheet writes it
# (the thousands separator is the reader's: Excel writes its locale's where text has a space)
_EXCEL = {EURO: '"€"#,##0;-"€"#,##0', MEUR: '"€"#,##0.0,,"M"', SHARE: "0.0%", GAP: "0.0000%",
          COUNT: "#,##0", OUTCOME: "#,##0", TENTHS: "#,##0.0", INDEX: "0.000",
          OBJECTIVE: "0.0000", SECONDS: "0.00"}
_EXCEL_FR = {EURO: '#,##0 "€";-#,##0 "€"', MEUR: '#,##0.0,, "M€"'}

_EUROS = {"requested", "max_award", "award", "awarded", "floor", "cap", "total_cost",
          "min_award", "budget", "fair_share", "largest_change", "limit_eur", "envelope",
          "min_award_eur", "greedy_awarded", "optimal_awarded", "normalised_at"}
_SHARES = {"share_of_request", "share_of_awarded", "share_of_ideal", "max_aid_rate",
           "territories_covered", "optimum_gain", "aid_rate", "share_of_fair",
           "selection_frequency", "share_of_budget", "probability"}
_COUNTS = {"projects", "funded", "projects_funded", "point", "samples", "draws", "row",
           "funded_projects", "coverage"}
_INDICES = {"gini_territories", "gini_per_industrial_job", "smallest_fair_ratio",
            "largest_fair_ratio", "fair_ratio", "trust_ratio"}
_OBJECTIVES = {"objective", "bound", "lp_dual_per_step", "resolve_per_step",
               "marginal_per_meur", "price_of_inclusion", "objective_at_estimate",
               "objective_worst_case", "objective_p5", "objective_mean"}


def kind_of(column: str, outcomes: tuple[str, ...] = ()) -> str | None:
    """The kind of a column named ``column`` (None when its name does not say: a caller
    knowing better, e.g. scenario-named columns of euros, passes the kind itself).
    ``outcomes``: the outcome names, whose columns (achieved, offered, Δ) are outcomes."""
    name = re.sub(r"^(Δ\s*|index )", "", str(column))
    base = re.sub(r"_(offered|achieved|low|high|p5|p95|mean)$", "", name)
    if name.startswith("index ") or str(column).startswith("index "):
        return COUNT
    if name in _EUROS or base in _EUROS:
        return EURO
    if name in ("gap", "proven_gap"):
        return GAP
    if name.endswith("seconds"):
        return SECONDS
    if name in _SHARES or name.startswith("share_"):
        return SHARE
    if name in _COUNTS:
        return COUNT
    if name in _INDICES or name.startswith("gini"):
        return INDEX
    if name in _OBJECTIVES:
        return OBJECTIVE
    if base in outcomes or name in outcomes or base in ("jobs", "skills", "innovation"):
        return OUTCOME
    return None


def excel_format(kind: str | None, lang: str = "en") -> str | None:
    """The Excel number format of a kind (None: General). The separators are the reader's
    locale's; where the euro sign goes is the language's ("1 234 €" in French)."""
    if not kind:
        return None
    return (_EXCEL_FR if lang == "fr" else {}).get(kind, _EXCEL.get(kind))


def show(v, kind: str | None = None) -> str:
    """A value as text, by its kind: "€1 234 567", "12.5%", "13 228", "0.511"; empty for
    none or NaN; a minus sign for negatives."""
    if v is None or v is np.ma.masked:
        return ""
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if not isinstance(v, (int, float, np.integer, np.floating)):
        return "" if str(v) in ("nan", "<NA>", "NaT") else str(v)
    v = float(v)
    if math.isnan(v):
        return ""
    if math.isinf(v):
        return "∞" if v > 0 else "−∞"
    text = _TEXT.get(kind or "", _plain)(abs(v))
    return ("−" if v < 0 and text.strip("€0., %M") else "") + text



def outcome_kind(values) -> str:
    """Outcomes to the unit, or to the tenth when their values are not whole (an innovation
    index of 7.5): the kind of a column of outcomes offered or achieved per project."""
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    return OUTCOME if bool(np.all(np.abs(v - np.round(v)) < 1e-9)) else TENTHS


def percent(gap: float) -> str:
    """A gap as a percentage with two significant digits below 1% ("0.0043%"), so that an
    unproven allocation never reads "gap 0.00%"; below 1e-9, rounding of the sums (a bound
    and an objective equal to their last digits), which reads 0.00%, not "0.000000000000014%"."""
    if gap < 1e-9:
        return f"{0:.2%}"
    if gap >= 0.01:
        return f"{gap:.2%}"
    return f"{gap * 100:.{max(2, 1 - math.floor(math.log10(gap * 100)))}f}%"


def number(v: float, digits: int = 0) -> str:
    """A number with thin-space thousands, as French and English readers both read it."""
    return f"{v:,.{digits}f}".replace(",", " ")


def euros(v: float) -> str:
    """Euros to the euro: €1 234 567."""
    return f"€{number(v)}"


def millions(v: float, digits: int = 2) -> str:
    """Euros in millions: €1.23M."""
    return f"€{number(v / 1e6, digits)}M"


def money(v: float) -> str:
    """Euros in millions from €1M up, to the euro below."""
    return millions(v) if abs(v) >= 1e6 else euros(v)


def setting(key: str, value) -> str:
    """A scenario parameter's value as a scenario's name shows it: euros in millions to at
    most two decimals ("€80M", "€62.5M"), other numbers short ("0.5", "30"), text as it is."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    kind = kind_of(key)
    if kind == EURO and abs(v) >= 1e6:
        return re.sub(r"\.?0*M$", "M", millions(v))
    return show(v, kind)


def signed_share(v) -> str:
    """A relative change: "+12.5%", "−3.0%", "n/a" when unknown."""
    if v is None or not np.isfinite(v):
        return "n/a"
    return f"{v:+.1%}".replace("-", "−")


def label(theme: str, labels: dict[str, str]) -> str:
    """A theme as readers know it: the themes sheet's label, the code when it has none."""
    text = labels.get(theme)
    return text if isinstance(text, str) and text.strip() else str(theme)


# control characters but tab and newline: an id holding ESC or BEL would drive the terminal
_CONTROL = {c: f"\\x{c:02x}" for c in (*range(0x00, 0x09), *range(0x0b, 0x20), 0x7f)}


def printable(text: str) -> str:
    """Text safe to show on a terminal: control characters written as \\x1b, \\x07…"""
    return text.translate(_CONTROL)


def _plain(a: float) -> str:
    return number(a) if a >= 1000 or a == int(a) else f"{a:.4g}"


# how each kind writes a magnitude (``show`` adds the sign)
_TEXT = {
    EURO: euros,
    MEUR: lambda a: millions(a, 1),
    SECONDS: lambda a: f"{a:.2f}",
    GAP: percent,
    SHARE: lambda a: percent(a) if 0 < a < 0.001 else f"{a:.1%}",
    COUNT: number,
    OUTCOME: number,
    TENTHS: lambda a: number(a, 1),
    INDEX: lambda a: f"{a:.3f}",
    OBJECTIVE: lambda a: f"{a:.4g}" if a < 1 else f"{a:.4f}",
}
