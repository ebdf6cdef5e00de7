"""Step "validate": names, money, years, sectors and duplicates, each problem named by row and field."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..load import PlanData
from .mapping import money
from .rowlog import RowLog
from .values import lookup, spread

YEARS = (2000, 2100)
# 建设状态 of a project in a list: 前期 (preparatory), 新开工 (starting this year), 在建 (under construction).
# An import keeps another word with a warning; the editor and the API refuse it (``choice_problem``).
STATUSES = ("前期", "新开工", "在建")


def check_name(df: pd.DataFrame, log: RowLog) -> None:
    log.reject(df["name"] == "", "项目名称为空", "project name is blank", "name")


def check_values(df: pd.DataFrame, data: PlanData, log: RowLog, scale: dict,
                 file_years: tuple[pd.Series, pd.Series]) -> dict[str, pd.Series]:
    """Money (in 亿元), year and sector as typed values, rejecting what cannot be read. ``file_years``: the
    whole file's ``years`` (read once for the file's keys), of which ``df`` is a part."""
    out = {}
    for f in ("investment", "investment_year"):
        v = money(df[f], scale.get(f, 1.0))
        log.reject((df[f] != "") & v.isna(), lambda i, f=f: f"“{df.at[i, f]}”不是数字（亿元）",
                   lambda i, f=f: f"'{df.at[i, f]}' is not a number (100 million yuan)", f)
        log.reject(v < 0, "金额不能为负", "an amount cannot be negative", f)
        out[f] = v
    year, bad = (s[df.index] for s in file_years)
    log.reject(bad, lambda i: f"年份“{df.at[i, 'year']}”无效，应为{YEARS[0]}–{YEARS[1]}之间的整数",
               lambda i: f"year '{df.at[i, 'year']}' is invalid; expected a whole number in {YEARS[0]}–{YEARS[1]}", "year")
    out["year"] = year
    sectors = list(data.investment["sector"])
    sector = lookup(df["sector"], lambda s: match_sector(s, sectors))
    log.warning((df["sector"] != "") & sector.isna(), lambda i: f"领域“{df.at[i, 'sector']}”不在专栏8十大领域中",
                lambda i: f"sector '{df.at[i, 'sector']}' is not one of the 10 专栏8 sectors")
    out["sector"] = sector.fillna(df["sector"])
    log.warning((df["status"] != "") & ~df["status"].isin(STATUSES),
                lambda i: f"建设状态“{df.at[i, 'status']}”不是可选值（{'、'.join(STATUSES)}）",
                lambda i: f"status '{df.at[i, 'status']}' is not one of {', '.join(STATUSES)}")
    return out


def years(df: pd.DataFrame, list_year: int) -> tuple[pd.Series, pd.Series]:
    """Each row's year (the list's year where blank; missing where invalid) and which rows' year is invalid."""
    which, distinct = pd.factorize(df["year"])              # a list has a handful of distinct years: parsed once each
    parsed = pd.to_numeric(pd.Series(distinct, dtype=str).str.replace("年", "", regex=False), errors="coerce")
    year = spread(which, parsed, df.index).astype(float)
    bad = (df["year"] != "") & (year.isna() | (year % 1 != 0) | ~year.between(*YEARS))
    return year.where(df["year"] != "", list_year).where(~bad).astype("Int64"), bad


def choice_problem(field: str, value: str, sectors: list[str]) -> tuple[str, str] | None:
    """(zh, en) when ``value`` is not an allowed 领域 (one of 专栏8's 10 sectors, or its start) or 建设状态."""
    value = (value or "").strip()
    if not value:
        return None
    if field == "sector" and match_sector(value, sectors) is None:
        return (f"领域“{value}”不是可选值，应为专栏8十大领域之一：{'、'.join(sectors)}",
                f"sector '{value}' is not allowed; choose one of the 10 专栏8 sectors: {', '.join(sectors)}")
    if field == "status" and value not in STATUSES:
        return (f"建设状态“{value}”不是可选值，可选：{'、'.join(STATUSES)}",
                f"status '{value}' is not allowed; choose one of: {', '.join(STATUSES)}")
    return None


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


def project_keys(df: pd.DataFrame, year: pd.Series) -> tuple[pd.Series, pd.Series]:
    """``<year>/id:<编号>`` or ``<year>/name:<项目名称>``: one record per project and list year. Re-importing
    the year's list replaces; a repeat within one file is refused (``refuse_repeats``). Returns the keys and,
    for each row repeating an earlier one of the whole file, that row's number (missing elsewhere)."""
    ident = "id:" + df["id"]
    blank = df["id"] == ""                                                 # the name's spaces: a regex, so only here
    if blank.any():
        ident[blank] = "name:" + df.loc[blank, "name"].str.replace(r"\s+", "", regex=True)
    key = year.astype("str").where(year.notna(), "") + "/" + ident         # column-wise: no Python string per row
    codes, _ = pd.factorize(key)
    _, first = np.unique(codes, return_index=True)                         # each key's first row, by position
    first_row = pd.Series(df["_row"].to_numpy()[first[codes]], index=df.index, dtype="Int64")
    return key, first_row.where(key.duplicated() & (df["name"] != ""))


def refuse_repeats(df: pd.DataFrame, repeat_of: pd.Series, log: RowLog) -> None:
    """Rows of ``df`` (the file or a part of it) repeating an earlier row of the file (``project_keys``)."""
    of = repeat_of[df.index]
    log.reject(of.notna(), lambda i: f"与第{of[i]}行重复（同一年份的编号或项目名称）",
               lambda i: f"duplicate of row {of[i]} (same year and id or project name)", "id")
