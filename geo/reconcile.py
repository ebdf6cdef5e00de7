"""The imported project lists against the plan's 专栏8, honestly.

专栏8 is a five-year frame: 10 sectors, 139 major projects, 3006 亿元 total investment, of which 1670 亿元 is
to be invested in 2026–2030. A year's list is a different thing (a year's projects, their total investment
and the investment planned for that year), so each figure below says in words what it is compared with:

- projects: the distinct projects of the lists up to a year, beside the 139 of the frame (a reference only:
  a year's list is not the five-year project library);
- 年度计划投资 summed over the years so far, beside the 1670 亿元 of 2026–2030 (the comparable figure);
- 总投资 of the listed projects, beside 3006 亿元 (a project's total can lie partly outside 2026–2030).
Rows that were rejected on import, and projects without a point, are counted and shown, not dropped.
"""
from __future__ import annotations

import json

import pandas as pd

from .load import PlanData
from .projects.columns import unit_of
from .projects.mapping import TO_YI


def _sums(df: pd.DataFrame) -> dict:
    return {"projects": len(df),
            "investment_yi": round(float(pd.to_numeric(df["investment"], errors="coerce").sum()), 2),
            "investment_year_yi": round(float(pd.to_numeric(df["investment_year"], errors="coerce").sum()), 2)}


def _identity(df: pd.DataFrame) -> pd.Series:
    """A project across years: its key without the year."""
    return df["key"].str.split("/", n=1).str[1]


def rejected_by_year(batches: list[dict]) -> dict[int, dict]:
    """Rows refused on import, per list year, with the investment they carried (in 亿元, from the officer's
    own column and unit) — so that what is missing from the figures is visible."""
    out: dict[int, dict] = {}
    for b in batches:
        if b.get("status") not in (None, "active") or not b.get("rejected"):
            continue
        mapping = json.loads(b.get("mapping_json") or "{}")
        col = next((c for c, f in mapping.items() if f == "investment"), None)
        factor = TO_YI.get(unit_of(col) or "亿元", 1.0) if col else 1.0
        rows = json.loads(b.get("rejected_json") or "[]")
        inv = pd.to_numeric(pd.Series([str(r["values"].get(col, "")).replace(",", "") for r in rows]), errors="coerce")
        slot = out.setdefault(int(b["year"] or 0), {"rows": 0, "investment_yi": 0.0})
        slot["rows"] += len(rows)
        slot["investment_yi"] = round(slot["investment_yi"] + float(inv.sum()) * factor, 2)
    return out


def reconcile(projects: pd.DataFrame, data: PlanData, batches: list[dict]) -> dict:
    plan = data.investment.set_index("sector")
    tot = data.investment_totals.iloc[0]
    years = sorted(int(y) for y in projects["year"].dropna().unique())
    sector = projects["sector"].astype(object).fillna("")
    sectors = list(plan.index) + sorted(set(sector) - set(plan.index) - {""})
    rows = []
    for s in sectors + ["（未填领域）"]:
        part = projects[sector.replace("", "（未填领域）") == s]
        if s == "（未填领域）" and part.empty:
            continue
        rows.append(_sector_row(s, part, plan, years))
    return {"years": years, "sectors": rows, "totals": _sector_row("合计", projects, plan, years, total=tot),
            "rejected": rejected_by_year(batches),
            "unlocated": {"multi": int((projects["located_by"] == "multi").sum()),
                          "citywide": int((projects["located_by"] == "citywide").sum())},
            "frame": {"projects": int(tot["projects"]), "investment_yi": float(tot["total_investment_yi"]),
                      "period_investment_yi": float(tot["period_investment_yi"])}}


def _sector_row(name: str, part: pd.DataFrame, plan: pd.DataFrame, years: list[int], total=None) -> dict:
    in_plan = total is not None or name in plan.index
    row = {"sector": name, "in_plan": in_plan, "by_year": {}, "cumulative": {}}
    if total is not None:
        row["plan"] = {"projects": int(total["projects"]), "investment_yi": float(total["total_investment_yi"]),
                       "period_investment_yi": float(total["period_investment_yi"])}
    elif in_plan:
        p = plan.loc[name]
        row["plan"] = {"projects": int(p["projects"]), "investment_yi": float(p["total_investment_yi"]),
                       "period_investment_yi": float(p["period_investment_yi"])}
    for y in years:
        upto = part[part["year"] <= y]
        row["by_year"][y] = _sums(part[part["year"] == y])
        row["cumulative"][y] = {"distinct_projects": int(_identity(upto).nunique()),
                                "investment_year_yi": _sums(upto)["investment_year_yi"]}
        if in_plan:
            period = row["plan"]["period_investment_yi"]
            row["cumulative"][y]["share_of_period"] = (round(row["cumulative"][y]["investment_year_yi"] / period, 4)
                                                       if period else None)
    return row
