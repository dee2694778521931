"""Scenarios: the policy parameters of one run, from the workbook, a TOML file or ``--set``.

Every parameter has a dotted name declared in ``schema.PARAMETERS``; the same names are the
rows of the ``scenarios`` sheet, the keys of a TOML file (flat dotted keys or tables) and the
``--set`` keys. Precedence: ``--set`` flags over environment over files over the workbook.
"""
from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Mapping, Sequence, SupportsFloat, cast

from allocator.core.findings import ERROR, Finding, InputError
from allocator.core.lang import phrase
from allocator.core.schema import (
    BOOLEAN,
    CHOICE,
    DEFAULT_OUTCOMES,
    INTEGER,
    NUMBER,
    PARAMETERS,
    TEXT,
    parameter,
)
from allocator.core.status import EXACT_GAP

if TYPE_CHECKING:
    from allocator.core.problem import Problem


def _frozen(d: Mapping | None = None) -> Mapping:
    return MappingProxyType(dict(d or {}))


@dataclass(frozen=True)
class Scenario:
    """The parameters of one run. Mappings are keyed by outcome or theme."""
    name: str = "default"
    description: str = ""
    budget: float = 100e6
    weights: Mapping[str, float] = field(default_factory=lambda: _frozen(
        {o: 1.0 for o in DEFAULT_OUTCOMES}))
    normalise: str = "ideal"
    normalise_budget: float | None = None
    priorities: Mapping[str, int] = field(default_factory=_frozen)
    tolerances: Mapping[str, float] = field(default_factory=_frozen)
    minimums: Mapping[str, float] = field(default_factory=_frozen)
    theme_min: Mapping[str, float] = field(default_factory=_frozen)
    theme_max: Mapping[str, float] = field(default_factory=_frozen)
    sites_max: int | None = 50
    sites_max_net_ha: float | None = 0.0
    coverage: int = 0
    fairness_band: float | None = None
    fairness_basis: str = "industrial_jobs"
    backend: str = "highs"
    time_limit: float = 120.0
    gap: float = EXACT_GAP
    lang: str = "en"

    @property
    def ideal_budget(self) -> float:
        """The envelope whose ideal normalises the outcomes (``normalise.budget``, default
        the budget)."""
        return self.budget if self.normalise_budget is None else self.normalise_budget

    @property
    def outcomes(self) -> tuple[str, ...]:
        """Outcomes the objective or a constraint refers to, weighted ones first."""
        names = [o for o, w in self.weights.items() if w]
        for o in (*self.priorities, *self.minimums):
            if o not in names:
                names.append(o)
        return tuple(names)

    def parameters(self) -> dict[str, object]:
        """Every parameter as run, by dotted name (the `scenario` sheet of the output)."""
        out: dict[str, object] = {"description": self.description, "budget": self.budget}
        for prefix, mapping in (("weight", self.weights), ("priority", self.priorities),
                                ("tolerance", self.tolerances), ("min", self.minimums),
                                ("theme_min", self.theme_min), ("theme_max", self.theme_max)):
            out.update({f"{prefix}.{k}": v for k, v in mapping.items()})
        out.update({"normalise": self.normalise, "normalise.budget": self.normalise_budget,
                    "sites.max": self.sites_max,
                    "sites.max_net_ha": self.sites_max_net_ha, "coverage": self.coverage,
                    "fairness.band": self.fairness_band, "fairness.basis": self.fairness_basis,
                    "backend": self.backend, "time_limit": self.time_limit, "gap": self.gap,
                    "lang": self.lang})
        return out

    def with_values(self, **changes) -> "Scenario":
        return replace(self, **changes)

    def __reduce__(self):
        # the read-only mapping views do not pickle, and scenarios cross process boundaries
        # (sweeps, Monte Carlo workers, Dask): send plain dicts, freeze them again on arrival
        state = {f.name: dict(v) if isinstance(v, MappingProxyType) else v
                 for f in fields(self) for v in (getattr(self, f.name),)}
        return _rebuild, (state,)


def _rebuild(state: dict) -> Scenario:
    values: dict[str, Any] = {k: _frozen(v) if isinstance(v, dict) else v
                              for k, v in state.items()}
    return Scenario(**values)


# Dotted name → Scenario field, for the parameters that are not families.
_FIELDS = {"description": "description", "budget": "budget", "normalise": "normalise",
           "normalise.budget": "normalise_budget",
           "sites.max": "sites_max", "sites.max_net_ha": "sites_max_net_ha",
           "coverage": "coverage", "fairness.band": "fairness_band",
           "fairness.basis": "fairness_basis", "backend": "backend",
           "time_limit": "time_limit", "gap": "gap", "lang": "lang"}
_FAMILIES = {"weight.<outcome>": "weights", "priority.<outcome>": "priorities",
             "tolerance.<outcome>": "tolerances", "min.<outcome>": "minimums",
             "theme_min.<theme>": "theme_min", "theme_max.<theme>": "theme_max"}
assert set(_FIELDS) | set(_FAMILIES) == {p.name for p in PARAMETERS}


@dataclass(frozen=True)
class Where:
    """Where a parameter value came from, to locate findings about it."""
    sheet: str
    row: int | None = None
    cell: str | None = None


def parse_value(raw: object, kind: str):
    """The typed value of a raw parameter, None for empty; raises ValueError when it is not."""
    if raw is None or (isinstance(raw, str) and not raw.strip()) or (
            isinstance(raw, float) and math.isnan(raw)):
        return None
    if kind in (NUMBER, INTEGER):
        if isinstance(raw, bool):
            raise ValueError
        if isinstance(raw, str):
            raw = float(raw.strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
                        .replace(",", "."))
        # a cell or TOML value: float() takes a number and raises for anything else
        value = float(cast(SupportsFloat, raw))
        if not math.isfinite(value):
            raise ValueError
        if kind == INTEGER:
            if value != int(value):
                raise ValueError
            return int(value)
        return value
    if kind == BOOLEAN:
        return str(raw).strip().lower() in ("1", "yes", "oui", "true", "vrai", "x")
    return str(raw).strip()


def build_scenario(name: str, raw: Mapping[str, tuple[object, Where]], *,
                   outcomes: tuple[str, ...], themes: tuple[str, ...],
                   base: Scenario | None = None) -> tuple[Scenario, list[Finding]]:
    """A Scenario from raw parameter values, with a finding for each bad one.

    ``outcomes`` and ``themes`` are those the problem knows, so that ``weight.jobz`` or
    ``theme_min.inovation`` are caught. Parameters absent from ``raw`` keep ``base``'s value.
    """
    findings: list[Finding] = []
    scenario = base or Scenario()
    changes: dict[str, Any] = {"name": name}
    families = {f: dict(getattr(scenario, attr)) for f, attr in _FAMILIES.items()}
    for key, (value, where) in raw.items():
        def bad(message):
            findings.append(Finding(ERROR, where.sheet, phrase("parameter", name=name, param=key,
                                                               problem=message),
                                    row=where.row, column=name, cell=where.cell, value=value))
        found = parameter(key.strip())
        if found is None:
            bad(phrase("parameter.unknown", known=", ".join(p.name for p in PARAMETERS)))
            continue
        p, member = found
        try:
            typed = parse_value(value, p.kind)
        except (ValueError, TypeError, OverflowError):
            bad(phrase("parameter.whole" if p.kind == INTEGER else "parameter.number",
                       given=value))
            continue
        if typed is not None and p.kind in (NUMBER, INTEGER) and (
                (p.lo is not None and typed < p.lo) or (p.hi is not None and typed > p.hi)):
            lo = "" if p.lo is None else f"{p.lo:g}"
            bad(phrase("parameter.between", figure=f"{typed:g}", lo=lo, hi=f"{p.hi:g}")
                if p.hi is not None else phrase("parameter.from", figure=f"{typed:g}", lo=lo))
            continue
        if typed is not None and p.kind == CHOICE and typed not in p.choices and not (
                p.name == "backend" and str(typed).startswith("pulp:")):  # any PuLP solver
            bad(phrase("parameter.choice", given=typed, choices=", ".join(p.choices)))
            continue
        if member is not None:
            known = outcomes if p.family == "outcome" else themes
            if member not in known:
                bad(phrase(f"parameter.{p.family}", given=member, known=", ".join(known)))
                continue
            if typed is None:
                families[p.name].pop(member, None)
            else:
                families[p.name][member] = typed
        else:
            field_name = _FIELDS[p.name]
            if typed is None and p.name in ("budget", "normalise", "backend", "time_limit",
                                             "gap", "fairness.basis", "coverage", "sites.max",
                                             "lang"):
                continue  # an empty cell keeps the default
            changes[field_name] = "" if typed is None and p.kind == TEXT else typed
    for family, attr in _FAMILIES.items():
        changes[attr] = _frozen(families[family])
    built = replace(scenario, **changes)
    for theme in set(built.theme_min) & set(built.theme_max):
        if built.theme_min[theme] > built.theme_max[theme]:
            findings.append(Finding(ERROR, "scenarios", phrase(
                "scenario.themes", name=name, theme=theme, low=f"{built.theme_min[theme]:g}",
                high=f"{built.theme_max[theme]:g}"), column=name))
    if sum(built.theme_min.values()) > 1 + 1e-9:
        findings.append(Finding(ERROR, "scenarios", phrase(
            "scenario.theme_shares", name=name, total=f"{sum(built.theme_min.values()):g}"),
            column=name))
    if not any(built.weights.values()) and not built.priorities:
        findings.append(Finding(ERROR, "scenarios", phrase("scenario.no_weight", name=name),
                                column=name))
    return built, findings


def read_toml(path: str | Path) -> dict[str, tuple[object, Where]]:
    """Flat dotted parameters of a TOML scenario file (tables flatten to dotted keys)."""
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError([Finding(ERROR, p.name, phrase("scenario.file", error=exc))]) from None
    flat: dict[str, tuple[object, Where]] = {}

    def walk(prefix, node):
        for k, v in node.items():
            key = f"{prefix}.{k}" if prefix else k
            if isinstance(v, dict):
                walk(key, v)
            else:
                flat[key] = (v, Where(p.name))
    walk("", data)
    return flat


def parse_overrides(pairs: Sequence[str], source: str = "--set"
                    ) -> dict[str, tuple[object, Where]]:
    """``key=value`` strings as raw parameters; a pair without '=' is a usage error."""
    out: dict[str, tuple[object, Where]] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InputError([Finding(ERROR, source, phrase("option.set", given=pair))])
        out[key.strip()] = (value.strip(), Where(source))
    return out


def choose_scenario(problem: "Problem", name: str | None = None, overrides=(), *,
                    backend: str | None = None, time_limit: float | None = None,
                    gap: float | None = None) -> Scenario:
    """The scenario to run, by precedence: the workbook's scenario ``name`` (default its
    first) or a TOML file, then ``overrides`` (``key=value`` strings), then the flags
    ``backend``, ``time_limit`` and ``gap`` (flags win). Raises InputError."""
    outcomes, themes = problem.outcomes, tuple(problem.themes["theme"])
    if name and name.lower().endswith(".toml"):
        scenario, findings = build_scenario(Path(name).stem, read_toml(name),
                                            outcomes=outcomes, themes=themes, base=Scenario())
        _raise_errors(findings)
    else:
        try:
            scenario = problem.scenario(name)
        except KeyError:
            known = ", ".join(s.name for s in problem.scenarios)
            raise InputError([Finding(ERROR, "scenarios", phrase(
                "scenario.unknown", name=name, known=known) if known else
                phrase("scenario.none", name=name))]) from None
    raw = parse_overrides(overrides)
    for key, flag, value in (("backend", "--backend", backend),
                             ("time_limit", "--time-limit", time_limit), ("gap", "--gap", gap)):
        if value is not None:  # as typed: a flag's NaN is no empty cell
            raw[key] = (str(value), Where(flag))
    if raw:
        scenario, findings = build_scenario(scenario.name, raw, outcomes=outcomes,
                                            themes=themes, base=scenario)
        _raise_errors(findings)
    return scenario


def _raise_errors(findings: list[Finding]) -> None:
    if any(f.severity == ERROR for f in findings):
        raise InputError(findings)
