"""Project counts and investment per town and per sector, against the plan's 专栏8 figures."""
from __future__ import annotations

import pandas as pd

from ..load import PlanData


def summaries(df: pd.DataFrame, data: PlanData) -> dict:
    """Per town and per sector, the sector table reconciled with the plan's 专栏8 figures."""
    inv = pd.to_numeric(df["investment"], errors="coerce") if len(df) else pd.Series(dtype=float)
    d = df.assign(investment=inv)
    towns = data.towns[["code", "name"]]
    by_town = d.groupby(d["town_code"].astype(object)).agg(projects=("key", "size"), investment=("investment", "sum"))
    # a project of several towns counts for each of them (its investment is not split between them)
    multi = d[d.get("located_by", pd.Series(dtype=str)) == "multi"]
    shared = pd.Series([c for cs in multi["town_codes"].astype(object).fillna("") for c in cs.split(";") if c],
                       dtype=object).value_counts()
    town_rows = [{"town_code": c, "town": n, "projects": int(by_town.at[c, "projects"]) if c in by_town.index else 0,
                  "investment_yi": round(float(by_town.at[c, "investment"]), 2) if c in by_town.index else 0.0,
                  "shared_projects": int(shared.get(c, 0))}
                 for c, n in zip(towns["code"], towns["name"])]
    by_sector = d.groupby(d["sector"].astype(object).fillna("").replace("", "（未填）")).agg(
        projects=("key", "size"), investment=("investment", "sum"))
    plan = data.investment.set_index("sector")
    sector_rows = []
    for s in list(plan.index) + [x for x in by_sector.index if x not in plan.index]:
        got = by_sector.loc[s] if s in by_sector.index else None
        row = {"sector": s, "projects": int(got["projects"]) if got is not None else 0,
               "investment_yi": round(float(got["investment"]), 2) if got is not None else 0.0,
               "in_plan": s in plan.index}
        if s in plan.index:
            row.update(plan_projects=int(plan.at[s, "projects"]), plan_investment_yi=float(plan.at[s, "total_investment_yi"]),
                       plan_period_investment_yi=float(plan.at[s, "period_investment_yi"]))
            row["project_gap"] = row["projects"] - row["plan_projects"]
        sector_rows.append(row)
    tot = data.investment_totals.iloc[0]
    citywide = d[d.get("located_by", pd.Series(dtype=str)) == "citywide"]
    return {"towns": town_rows, "sectors": sector_rows,
            "citywide": {"projects": len(citywide), "investment_yi": round(float(citywide["investment"].sum()), 2)},
            "total": {"projects": len(d), "investment_yi": round(float(inv.sum()), 2) if len(d) else 0.0,
                      "plan_projects": int(tot["projects"]), "plan_investment_yi": float(tot["total_investment_yi"]),
                      "plan_period_investment_yi": float(tot["period_investment_yi"])}}
