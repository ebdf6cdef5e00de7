"""Step "map columns": the officer's table → canonical fields, every other column kept as typed attributes.

The mapping is suggested from the headers (columns.suggest_mapping) and may be edited by the officer;
it is checked here: known fields, each used once, a name column, something to locate rows by.
Units written in a header ("总投资（万元）") are converted to the canonical 亿元, with a note.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import orjson
import pandas as pd

from ..errors import ImportFileError
from .columns import FIELDS, datum_of, match_field, suggest_mapping, unit_of
from .header import Table
from .values import to_floats

TO_YI = {"亿元": 1.0, "万元": 1e-4, "千元": 1e-5, "元": 1e-8}     # money columns are stored in 亿元
PER_YI = {"亿元": 1, "万元": 10_000, "千元": 100_000, "元": 100_000_000}   # the same, as exact whole numbers
MONEY = ("investment", "investment_year")
YI_DECIMALS = 4                       # converted amounts are kept to 1 万元 (0.0001 亿元)


@dataclass
class Mapped:
    df: pd.DataFrame                      # one str column per field of FIELDS, plus _row, _geometry, _extra
    mapping: dict[str, str | None]        # header → field (None: kept as an attribute)
    columns: list[str]                    # the officer's headers, in order
    extras: list[str]                     # headers kept as attributes
    source: pd.DataFrame | None = None    # the officer's table as read (for rejected rows in their own columns)
    scale: dict[str, float] = field(default_factory=dict)   # money field → factor to 亿元
    datum_hint: str | None = None         # a coordinate system named in a coordinate header
    notes: list[tuple[str, str]] = field(default_factory=list)    # (zh, en)


def check_mapping(mapping: dict[str, str | None], columns: list[str], filename: str, has_geometry: bool) -> None:
    unknown = [c for c in mapping if c not in columns]
    if unknown:
        raise ImportFileError(f"映射中的列“{unknown[0]}”不在文件中", f"column '{unknown[0]}' of the mapping is not in "
                              "the file", file=filename, field=unknown[0])
    used: dict[str, str] = {}
    for col, f in mapping.items():
        if f is None:
            continue
        if f not in FIELDS:
            raise ImportFileError(f"列“{col}”映射到未知字段“{f}”", f"column '{col}' is mapped to an unknown field '{f}'; "
                                  f"fields: {', '.join(FIELDS)}", file=filename, field=col)
        if f in used:
            raise ImportFileError(f"“{used[f]}”和“{col}”都映射为“{FIELDS[f]['zh']}”，每个字段只能对应一列",
                                  f"'{used[f]}' and '{col}' are both mapped to '{FIELDS[f]['en']}'; one column per field",
                                  file=filename, field=col)
        used[f] = col
    if "name" not in used:
        raise ImportFileError("没有“项目名称”列：请在列映射中指定哪一列是项目名称",
                              "no project-name column: choose which column holds the project name", file=filename,
                              field="项目名称")
    located = {"lon", "lat"} <= set(used) or {"x", "y"} <= set(used) or {"town", "location"} & set(used)
    if not located and not has_geometry:
        raise ImportFileError("没有定位用的列：需要经度/纬度（或X/Y坐标），或“所在镇街”/“建设地点”",
                              "no column to locate rows by: need longitude/latitude (or X/Y), or a town or location "
                              "column", file=filename, field="经度/纬度")


def _typed(series: pd.Series):
    """An attribute column as numbers when every filled cell is a number (so exports keep real types)."""
    filled = series[series != ""]
    nums = pd.to_numeric(filled.str.replace(",", "", regex=False), errors="coerce")
    if len(filled) and nums.notna().all():
        whole = (nums % 1 == 0).all() and nums.abs().max() < 2**53
        return [None if v == "" else (int(n) if whole else float(n)) for v, n in
                zip(series, pd.to_numeric(series.str.replace(",", "", regex=False), errors="coerce"))]
    return [None if v == "" else v for v in series]


def _extras(df: pd.DataFrame, extras: list[str]) -> list[str] | str:
    if not extras:
        return ""
    cols = {c: _typed(_text(df[c])) for c in extras}
    return [orjson.dumps({c: cols[c][i] for c in extras if cols[c][i] is not None}).decode() for i in range(len(df))]


def apply_mapping(table: Table, mapping: dict[str, str | None] | None = None) -> Mapped:
    mapping = {**suggest_mapping(table.columns), **(mapping or {})}
    check_mapping(mapping, table.columns, table.filename, "_geometry" in table.df.columns)
    src = table.df.reset_index(drop=True)
    out = pd.DataFrame(index=src.index)
    by_field = {f: c for c, f in mapping.items() if f}
    for f in FIELDS:
        out[f] = _text(src[by_field[f]]) if f in by_field else ""
    if table.format == "geojson":
        _coalesce(out, src, mapping, by_field)
    for c in ("_row", "_geometry"):
        if c in src.columns:
            out[c] = src[c]
    extras = [c for c in table.columns if mapping.get(c) is None]
    out["_extra"] = _extras(src, extras)
    m = Mapped(out, mapping, list(table.columns), extras, source=src)
    _units(m, by_field, table.unit)
    hints = {datum_of(by_field[f]) for f in ("lon", "lat", "x", "y") if f in by_field} - {None}
    m.datum_hint = hints.pop() if len(hints) == 1 else None
    return m


CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"     # NUL and other controls: PostgreSQL refuses NUL


def _text(col: pd.Series) -> pd.Series:
    text = col.fillna("").astype(str)
    if text.str.contains(CONTROL, regex=True).any():
        text = text.str.replace(CONTROL, "", regex=True)
    stripped = text.str.strip()
    return text if stripped.equals(text) else stripped    # clean: the column as read, not a second copy of it


def _coalesce(out: pd.DataFrame, src: pd.DataFrame, mapping: dict, by_field: dict) -> None:
    """GeoJSON features name one property differently ("项目名称" here, "name" there): a blank field is
    filled from another property that means the same."""
    for col, f in mapping.items():
        if f is not None:
            continue
        same, _ = match_field(col)
        if same in by_field:
            out[same] = out[same].where(out[same] != "", src[col].fillna("").astype(str).str.strip())
            mapping[col] = None


def _units(m: Mapped, by_field: dict, table_unit: str) -> None:
    """Money in 万元 (in the header, or a 单位 line above the table) is converted to 亿元."""
    for f in MONEY:
        if f not in by_field:
            continue
        unit = unit_of(by_field[f]) or (table_unit if table_unit in TO_YI else None) or "亿元"
        if unit not in TO_YI:
            continue
        m.scale[f] = TO_YI[unit]
        if unit != "亿元":
            m.notes.append((f"“{by_field[f]}”单位为{unit}，已换算为亿元",
                            f"'{by_field[f]}' is in {unit}; converted to 100 million yuan (亿元)"))


def money(series: pd.Series, factor: float) -> pd.Series:
    """Typed amounts in 亿元. A converted amount is divided by a whole number (68000 万元 → 6.8, where × 1e-4 gives
    6.800000000000001) and rounded to 1 万元, so stored and exported numbers are the ones an officer would write."""
    v = to_floats(series.str.replace(",", "", regex=False))
    if factor == 1.0:
        return v
    return (v / round(1 / factor)).round(YI_DECIMALS)


def from_yi(values, unit: str | None):
    """Amounts stored in 亿元 back in an officer's unit (万元 …), without binary noise (8.6 亿元 → 86000 万元)."""
    per = PER_YI.get(unit or "亿元", 1)
    return (pd.Series(values, dtype=float) * per).round(YI_DECIMALS).to_numpy()
