"""An independent verifier: re-reads an output workbook and the input, checks every rule.

It knows nothing of the solver code: it reads both files with openpyxl/pandas and re-derives
each rule from the input columns and the `scenario` sheet of the output.
"""
from __future__ import annotations

import math

import pandas as pd

TOL = 1e-6


def _sheet(path, name) -> pd.DataFrame:
    return pd.read_excel(path, sheet_name=name, engine="openpyxl")


def _scenario(path) -> dict:
    s = _sheet(path, "scenario")
    out = {}
    for k, v in zip(s["parameter"], s["value"]):
        out[str(k)] = None if (isinstance(v, float) and math.isnan(v)) else v
    return out


def verify(input_path, output_path) -> list[str]:
    """Violations found (empty when every rule holds)."""
    problems = []
    inp = pd.read_excel(input_path, sheet_name=None, engine="openpyxl")
    projects = inp["projects"].set_index("project_id")
    territories = inp.get("territories")
    regions = inp.get("regions")
    resources = inp.get("resources")
    alloc = _sheet(output_path, "allocation").set_index("project_id")
    sc = _scenario(output_path)
    award = alloc["award"].reindex(projects.index).fillna(0.0)
    funded = alloc["funded"].reindex(projects.index).fillna(False).astype(bool)
    eps = 0.01 + TOL

    def check(ok, message):
        if not ok:
            problems.append(message)

    budget = float(sc["budget"])
    check(award.sum() <= budget + eps, f"budget: {award.sum()} > {budget}")
    check(((award > eps) == funded).all(), "funded flag disagrees with award > 0")
    req = projects["requested"]
    cap = req.copy()
    if "max_aid_rate" in projects:
        rate_cap = projects["max_aid_rate"] * projects["total_cost"]
        cap = pd.concat([req, rate_cap], axis=1).min(axis=1)
    check((award <= cap + eps).all(), "an award exceeds requested or the aid-rate cap")
    minimum = (projects["min_award"] if "min_award" in projects
               else pd.Series(float("nan"), projects.index))
    partial = minimum.notna() & (minimum < cap)
    whole = funded & ~partial
    check(((award[whole] - cap[whole]).abs() <= eps).all(),
          "an all-or-nothing project is funded partially")
    check((award[funded & partial] >= minimum[funded & partial] - eps).all(),
          "a partial award is below min_award")
    if "lock" in projects:
        lock = projects["lock"].fillna("").astype(str).str.lower()
        check(funded[lock == "in"].all(), "a project locked in is not funded")
        check(not funded[lock == "out"].any(), "a project locked out is funded")
    if "requires" in projects:
        for pid, reqs in projects["requires"].dropna().items():
            for other in str(reqs).split(";"):
                other = other.strip()
                if other:
                    check(not funded[pid] or funded[other], f"{pid} funded without {other}")
    if "exclusive_group" in projects:
        counts = funded.groupby(projects["exclusive_group"]).sum()
        check((counts <= 1).all(),
              f"exclusive groups with several funded: {list(counts[counts > 1].index)}")
    is_site = projects.get("is_site")
    if is_site is not None and sc.get("sites.max") is not None:
        sites = is_site.map(lambda v: str(v).strip().lower() in ("true", "1", "oui", "yes", "x"))
        check(funded[sites].sum() <= float(sc["sites.max"]) + TOL, "too many sites funded")
    if "net_artificialised_ha" in projects and sc.get("sites.max_net_ha") is not None:
        ha = projects["net_artificialised_ha"].fillna(0)[funded].sum()
        check(ha <= float(sc["sites.max_net_ha"]) + TOL,
              f"net artificialisation {ha} ha over the limit")
    share = award / req
    if resources is not None:
        for _, r in resources.iterrows():
            name = r["resource"]
            col = name if name in projects else f"use:{name}"
            if col in projects:
                used = (projects[col].fillna(0) * share).sum()
                check(used <= r["capacity"] * (1 + 1e-9) + eps,
                      f"resource {name}: {used} > {r['capacity']}")
    if territories is not None:
        t = territories.set_index("territory_id")
        by_t = award.groupby(projects["territory_id"]).sum()
        for tid, row in t.iterrows():
            got = by_t.get(tid, 0.0)
            if "cap" in t and not pd.isna(row.get("cap")):
                check(got <= row["cap"] + eps, f"territory {tid}: {got} above its cap")
            if "floor" in t and not pd.isna(row.get("floor")):
                check(got >= row["floor"] - eps, f"territory {tid}: {got} below its floor")
        region_of = projects["territory_id"].map(t["region"])
        by_r = award.groupby(region_of).sum()
        if regions is not None:
            for _, row in regions.iterrows():
                got = by_r.get(row["region"], 0.0)
                if "cap" in regions and not pd.isna(row.get("cap")):
                    check(got <= row["cap"] + eps, f"region {row['region']}: {got} above its cap")
                if "floor" in regions and not pd.isna(row.get("floor")):
                    check(got >= row["floor"] - eps,
                          f"region {row['region']}: {got} below its floor")
        total = award.sum()
        band = sc.get("fairness.band")
        lock = projects["lock"].fillna("").astype(str).str.lower() if "lock" in projects else None
        eligible = projects.index if lock is None else projects.index[lock != "out"]
        if band is not None:
            basis = t.groupby("region")[sc.get("fairness.basis") or "industrial_jobs"].sum()
            basis = basis[basis.index.isin(set(region_of[eligible]))]
            fair = basis / basis.sum()
            for region, f in fair.items():
                got = by_r.get(region, 0.0)
                check(got <= (1 + band) * f * total + eps and got >= (1 - band) * f * total - eps,
                      f"region {region}: {got} outside the fairness band")
        k = int(sc.get("coverage") or 0)
        if k:
            territory_of = projects.loc[eligible, "territory_id"]
            n_eligible = pd.Series(1, index=eligible).groupby(territory_of).sum()
            n_funded = funded.groupby(projects["territory_id"]).sum()
            for tid, n in n_eligible.items():
                check(n_funded.get(tid, 0) >= min(k, n), f"territory {tid}: coverage not met")
    total = award.sum()
    for key, value in sc.items():
        if value is None:
            continue
        if key.startswith("theme_min.") or key.startswith("theme_max."):
            theme = key.split(".", 1)[1]
            got = award[projects["theme"] == theme].sum()
            if key.startswith("theme_min."):
                check(got >= float(value) * total - eps, f"{key}: {got / total:.4f} below {value}")
            else:
                check(got <= float(value) * total + eps, f"{key}: {got / total:.4f} above {value}")
        if key.startswith("min."):
            outcome = key.split(".", 1)[1]
            got = (projects[outcome] * share).sum()
            check(got >= float(value) * (1 - 1e-7), f"{key}: {got} below {value}")
    return problems
