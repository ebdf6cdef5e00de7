"""表1 monitoring: the yearly actual value of each indicator, who entered it and from what source (history
kept), and whether it is on the path to its 2030 target — by a rule written out for every indicator
(data/plan/indicator_rules.csv), so a planner can read why an indicator is flagged.

Status: 正常 (on track), 关注 (at risk), 滞后 (off track), 需人工判断 (qualitative targets), 暂无数据.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Boolean, Column, DateTime, Float, Integer, MetaData, String, Table, and_, insert, select, update

from . import plan
from .errors import DataError

YEARS = range(2026, 2031)
TARGET_YEAR = 2030
AT_RISK = 0.8            # progress at least 80 % of what the straight path expects by now: 关注, not 滞后
STATUS = {"on": ("正常", "on track"), "risk": ("关注", "at risk"), "off": ("滞后", "off track"),
          "manual": ("需人工判断", "judged by hand"), "none": ("暂无数据", "no data yet")}
RULE_TEXT = {
    "annual_rate": ("每年实绩不低于目标值（减容差）为正常；达到目标的90%为关注；否则滞后",
                    "each year's actual at or above the target (less the tolerance): on track; at 90 % of it: at risk; "
                    "below: off track"),
    "level": ("按{base_year}年基数到2030年目标的直线路径：当年实绩不低于路径值（减容差）为正常；完成路径进度的80%以上为关注；否则滞后",
              "straight path from the {base_year} base to the 2030 target: at or past the path (less the tolerance): "
              "on track; at least 80 % of the progress expected by now: at risk; else off track"),
    "keep": ("保持目标值：不低于目标为正常，否则滞后", "hold the target: at or above it on track, else off track"),
    "cumulative": ("逐年累计：累计值不低于“五年累计目标×已过年数/5”为正常；达到其80%为关注；否则滞后",
                   "running total at or above the five-year target × years passed / 5: on track; at 80 % of it: at "
                   "risk; else off track"),
    "same_as": ("与同年GDP增长（指标1）对照：不低于GDP增长为正常；差距在容差内为关注；否则滞后",
                "against the same year's GDP growth (indicator 1): at or above: on track; within the tolerance: at "
                "risk; else off track"),
    "qualitative": ("定性目标，需对照上级下达数或文字目标人工判断", "a qualitative target: judged by hand against the "
                    "province's figure or the plan's words"),
}

metadata = MetaData()
values = Table(
    "indicator_values", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True), Column("no", Integer, nullable=False),
    Column("sub_item", String, nullable=False, default=""), Column("year", Integer, nullable=False),
    Column("value", Float, nullable=False), Column("unit", String), Column("source", String, nullable=False),
    Column("actor", String), Column("at", DateTime(timezone=True)),
    Column("current", Boolean, nullable=False, default=True),     # older entries stay, marked not current
)


@dataclass(frozen=True)
class Rule:
    no: int
    sub_item: str
    kind: str
    unit: str
    base: float | None
    base_year: int | None
    target: float | None
    direction: str
    tolerance: float
    source: str

    @property
    def text(self) -> tuple[str, str]:
        zh, en = RULE_TEXT[self.kind]
        return zh.format(base_year=self.base_year), en.format(base_year=self.base_year)


def _num(v) -> float | None:
    return None if v in ("", None) else float(v)


def read_rules(plan_dir=None) -> dict[tuple[int, str], Rule]:
    df = pd.read_csv((plan.PLAN_DIR if plan_dir is None else plan_dir) / "indicator_rules.csv", dtype=str,
                     keep_default_na=False)
    return {(int(r["no"]), r["sub_item"]): Rule(int(r["no"]), r["sub_item"], r["kind"], r["unit"], _num(r["base"]),
                                                 int(r["base_year"]) if r["base_year"] else None, _num(r["target"]),
                                                 r["direction"], float(r["tolerance"] or 0), r["source"])
            for _, r in df.iterrows()}


# ---------------------------------------------------------------- evaluation

def _grade(ratio: float, on: float = 1.0) -> str:
    return "on" if ratio >= on else "risk" if ratio >= AT_RISK else "off"


def path_value(rule: Rule, year: int) -> float | None:
    """Where a level indicator should be in ``year`` on the straight path from its base to 2030."""
    if rule.base is None or rule.target is None or rule.base_year is None:
        return None
    share = (year - rule.base_year) / (TARGET_YEAR - rule.base_year)
    return rule.base + (rule.target - rule.base) * share


def status_in(rule: Rule, year: int, actuals: dict[int, float], gdp: dict[int, float]) -> str:
    """The status of an indicator in one year, by its rule."""
    v = actuals.get(year)
    if rule.kind == "qualitative":
        return "manual"
    if v is None:
        return "none"
    sign = -1 if rule.direction == "down" else 1
    if rule.kind == "annual_rate":
        if v * sign >= (rule.target - rule.tolerance * sign) * sign:
            return "on"
        return "risk" if v >= 0.9 * rule.target else "off"
    if rule.kind == "keep":
        return "on" if (v - rule.target) * sign >= -rule.tolerance else "off"
    if rule.kind == "level":
        expected = path_value(rule, year)
        if (v - expected) * sign >= -rule.tolerance:
            return "on"
        done, due = (v - rule.base) * sign, (expected - rule.base) * sign
        return "risk" if due > 0 and done >= AT_RISK * due else "off"
    if rule.kind == "cumulative":
        total = sum(x for y, x in actuals.items() if y <= year)
        return _grade(total / (rule.target * (year - 2025) / 5))
    if rule.kind == "same_as":
        if year not in gdp:
            return "none"
        return "on" if v >= gdp[year] else "risk" if v >= gdp[year] - rule.tolerance else "off"
    raise ValueError(rule.kind)


def evaluate(rules: dict, current: pd.DataFrame, indicators: pd.DataFrame) -> list[dict]:
    """Every indicator of 表1 with its yearly actuals, path and status, and a flag for a 约束性 one off track."""
    by = {k: dict(zip(g["year"], g["value"])) for k, g in current.groupby(["no", "sub_item"])} if len(current) else {}
    gdp = by.get((1, ""), {})
    out, subs = [], {}
    for _, ind in indicators.iterrows():
        key = (int(ind["no"]), ind.get("sub_item", "") or "")
        subs[key[0]] = subs.get(key[0], 0) + bool(key[1])
        rule = rules[key]
        actuals = by.get(key, {})
        statuses = {y: status_in(rule, y, actuals, gdp) for y in YEARS}
        latest = max(actuals) if actuals else None
        now = statuses[latest] if latest else ("manual" if rule.kind == "qualitative" else "none")
        out.append({"no": key[0], "sub_item": key[1], "anchor": f"ind-{key[0]}" + (f"-{subs[key[0]]}" if key[1] else ""),
                    "name": ind["name"], "category": ind["category"],
                    "attribute": ind["attribute"], "value_2025": ind["value_2025"], "target_2030": ind["target_2030"],
                    "five_year": ind["five_year"], "unit": rule.unit, "kind": rule.kind, "rule_zh": rule.text[0],
                    "rule_en": rule.text[1], "rule_source": rule.source, "actuals": {int(y): v for y, v in actuals.items()},
                    "path": {y: path_value(rule, y) for y in YEARS} if rule.kind == "level" else {},
                    "statuses": statuses, "status": now, "latest_year": latest,
                    "binding_off_track": ind["attribute"] == "约束性" and now == "off"})
    return out


ATTENTION = ("off", "risk")          # what a planner asks about first: 滞后, then 关注


def summarize(rows: list[dict]) -> dict:
    """How many indicators are in each status, and the off-track and at-risk ones (滞后 first, 约束性 first
    within a status, then in the order of 表1)."""
    counts = dict.fromkeys(STATUS, 0)
    for r in rows:
        counts[r["status"]] += 1
    attention = [r for r in rows if r["status"] in ATTENTION]
    attention.sort(key=lambda r: (ATTENTION.index(r["status"]), r["attribute"] != "约束性"))
    return {"total": len(rows), "counts": counts, "attention": attention}


# ---------------------------------------------------------------- stored values (history kept)

class IndicatorStore:
    def __init__(self, store):
        self.store = store
        metadata.create_all(store.engine)

    def current(self) -> pd.DataFrame:
        with self.store.engine.connect() as conn:
            rows = conn.execute(select(values).where(values.c.current.is_(True))).mappings().all()
        return pd.DataFrame([dict(r) for r in rows], columns=[c.name for c in values.columns])

    def history(self, no: int, sub_item: str = "") -> list[dict]:
        with self.store.engine.connect() as conn:
            q = select(values).where(values.c.no == no, values.c.sub_item == sub_item).order_by(values.c.id.desc())
            return [dict(r) for r in conn.execute(q).mappings()]

    def record(self, entries: list[dict], *, actor: str | None, origin: str) -> int:
        """Store checked entries in one transaction; an entry for a year already filled supersedes it."""
        stamp = dt.datetime.now(dt.UTC)
        with self.store.writing() as conn:
            for e in entries:
                same = and_(values.c.no == e["no"], values.c.sub_item == e["sub_item"], values.c.year == e["year"],
                            values.c.current.is_(True))
                conn.execute(update(values).where(same).values(current=False))
                conn.execute(insert(values).values(**e, actor=actor or "cli", at=stamp, current=True))
            self.store.audit(actor, "indicator-values", origin, len(entries),
                             {"entries": [{k: e[k] for k in ("no", "sub_item", "year", "value")} for e in entries]},
                             conn=conn)
        return len(entries)


def check_entry(raw: dict, rules: dict, where: dict) -> dict:
    """One entry (from the form or a spreadsheet row) checked: indicator, year, number, unit, source."""
    def fail(zh, en, field):
        raise DataError(zh, en, field=field, **where)
    try:
        no = int(str(raw.get("no", "")).strip())
    except ValueError:
        fail(f"指标序号“{raw.get('no')}”无效，应为1–26", f"indicator number '{raw.get('no')}' is invalid; expected 1–26", "no")
    sub = str(raw.get("sub_item") or "").strip()
    if (no, sub) not in rules:
        subs = [s for (n, s) in rules if n == no and s]
        fail(f"指标{no}{'需注明分项：' + '、'.join(subs) if subs else '不存在'}",
             f"indicator {no} {'needs a sub-item: ' + ', '.join(subs) if subs else 'does not exist'}", "sub_item")
    rule = rules[(no, sub)]
    year = str(raw.get("year", "")).strip().removesuffix("年")
    if not year.isdigit() or int(year) not in YEARS:
        fail(f"年份“{raw.get('year')}”应为2026–2030", f"year '{raw.get('year')}' must be within 2026–2030", "year")
    try:
        value = float(str(raw.get("value", "")).replace(",", "").strip())
    except ValueError:
        fail(f"数值“{raw.get('value')}”不是数字", f"value '{raw.get('value')}' is not a number", "value")
    unit = str(raw.get("unit") or rule.unit).strip()
    if unit != rule.unit:
        fail(f"单位“{unit}”与指标不符，应为“{rule.unit or '（无单位）'}”", f"unit '{unit}' does not match the "
             f"indicator; expected '{rule.unit or '(none)'}'", "unit")
    source = str(raw.get("source") or "").strip()
    if not source:
        fail("请注明数据来源（如：统计公报、部门报送）", "give the source of the value (e.g. statistical bulletin)", "source")
    return {"no": no, "sub_item": sub, "year": int(year), "value": value, "unit": unit, "source": source[:200]}
