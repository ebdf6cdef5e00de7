"""Step "validate": names, numbers, years, sectors and duplicates, each problem named by row and field."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..load import PlanData
from .locate import map_unique
from .rowlog import RowLog


def check_name(df: pd.DataFrame, log: RowLog) -> None:
    log.reject(df["name"] == "", "项目名称为空", "project name is blank", "项目名称")


def check_values(df: pd.DataFrame, data: PlanData, log: RowLog) -> dict[str, pd.Series]:
    """Investment, year and sector as typed values (rejecting what cannot be read)."""
    inv = pd.to_numeric(df["investment"].str.replace(",", "", regex=False), errors="coerce")
    log.reject((df["investment"] != "") & inv.isna(), lambda i: f"“{df.at[i, 'investment']}”不是数字（亿元）",
               lambda i: f"'{df.at[i, 'investment']}' is not a number (100 million yuan)", "总投资(亿元)")
    log.reject(inv < 0, "总投资不能为负", "investment cannot be negative", "总投资(亿元)")
    year = pd.to_numeric(df["year"], errors="coerce")
    log.reject((df["year"] != "") & ~year.between(1990, 2100), lambda i: f"年份“{df.at[i, 'year']}”无效",
               lambda i: f"year '{df.at[i, 'year']}' is invalid", "年份")
    sectors = list(data.investment["sector"])
    sector = map_unique(df["sector"], lambda s: match_sector(s, sectors))
    log.warning((df["sector"] != "") & sector.isna(), lambda i: f"领域“{df.at[i, 'sector']}”不在专栏8十大领域中",
                lambda i: f"sector '{df.at[i, 'sector']}' is not one of the 10 专栏8 sectors")
    return {"investment": inv, "year": year, "sector": sector.fillna(df["sector"])}


def match_sector(text: str, sectors: list[str]):
    """'先进制造' or '交通' → the 专栏8 sector it abbreviates."""
    if not text:
        return None
    t = re.sub(r"[\s（）()]", "", text)
    for s in sectors:
        core = re.sub(r"[\s（）()]", "", s)
        if t == core or (len(t) >= 2 and (core.startswith(t) or t.startswith(core[:4]))):
            return s
    return None


def project_keys(df: pd.DataFrame, log: RowLog) -> pd.Series:
    """``id:<编号>`` or ``name:<项目名称>``: a re-import replaces; a repeat within one file is refused."""
    key = pd.Series(np.where(df["id"] != "", "id:" + df["id"], "name:" + df["name"].str.replace(r"\s+", "", regex=True)),
                    index=df.index)
    dup = log.ok & key.duplicated() & (df["name"] != "")
    if dup.any():
        row = df["_row"]
        first_of = {k: i for i, k in key[~key.duplicated()].items()}
        log.reject(dup, lambda i: f"与第{row[first_of[key[i]]]}行重复（同一编号或项目名称）",
                   lambda i: f"duplicate of row {row[first_of[key[i]]]} (same id or project name)", "编号/项目名称")
    return key
