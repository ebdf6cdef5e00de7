"""The project import as named steps behind one entry, ``import_file()``:

    read → header → columns → locate (datum, town) → validate → join → report → store

Every row received is accounted for: accepted (possibly with warnings) or rejected with a reason
naming the row and field. Row numbers are those a user sees in Excel. The web route, the CLI and the
benchmarks all call ``import_file()``.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import ImportFileError
from ..load import PlanData
from . import checks, legacy_read
from .join import spatial_join
from .locate import DATUMS, locate
from .rowlog import RowLog

MAX_ROWS_DEFAULT = 200_000
OUTPUT_COLUMNS = ["key", "project_id", "name", "sector", "status", "year", "investment", "town_input", "lon", "lat",
                  "datum_input", "located_by", "geometry_wkt", "town_code", "town_name", "zones", "cluster",
                  "corridor_id", "corridor_name", "corridor_status", "corridor_distance_m", "axis_branch",
                  "axis_distance_m", "warnings", "source_row", "extra"]


@dataclass
class ImportResult:
    received: int
    accepted: pd.DataFrame
    rejected: list[dict] = field(default_factory=list)     # {row, reason, values}
    warnings: list[dict] = field(default_factory=list)     # {row, message}
    format: str = ""
    timings: dict = field(default_factory=dict)            # seconds per phase
    saved: dict | None = None                              # import id and counts, once stored


@dataclass(frozen=True)
class ImportOptions:
    datum: str = "wgs84"          # for rows whose file states no 坐标系
    max_rows: int = MAX_ROWS_DEFAULT
    user: str | None = None       # who imports (audit)


def import_file(filename: str, content: bytes, data: PlanData, *, store=None,
                options: ImportOptions = ImportOptions()) -> ImportResult:
    """Read, check, locate and join one uploaded file; store it in one transaction when ``store`` is given."""
    t0 = time.perf_counter()
    df, fmt = legacy_read.read_rows(filename, content)
    read_s = time.perf_counter() - t0
    result = prepare(df, data, datum=options.datum, filename=filename, max_rows=options.max_rows)
    del df                          # keep peak memory to one copy of the rows while they are stored
    result.format, result.timings["read_s"] = fmt, read_s
    if store is not None:
        t1 = time.perf_counter()
        result.saved = store.import_rows(result.accepted, token=options.user, filename=filename, fmt=fmt,
                                         received=result.received, rejected=result.rejected, warnings=result.warnings)
        result.timings["store_s"] = time.perf_counter() - t1
    return result


def prepare(df: pd.DataFrame, data: PlanData, *, datum: str = "wgs84", filename: str = "",
            max_rows: int = MAX_ROWS_DEFAULT) -> ImportResult:
    """Steps columns → locate → validate → join → report on a table of strings with a ``_row`` column."""
    t0 = time.perf_counter()
    received = len(df)
    if received > max_rows:
        raise ImportFileError(f"行数{received}超过上限{max_rows}，请拆分文件", f"{received} rows exceed the limit of "
                              f"{max_rows}; split the file", file=filename)
    default_datum = DATUMS.get(str(datum).strip().lower())
    if default_datum is None:
        raise ImportFileError(f"坐标系“{datum}”不支持，应为 WGS84、CGCS2000 或 GCJ-02",
                              f"datum '{datum}' is not supported; expected WGS84, CGCS2000 or GCJ-02", file=filename)
    orig = df.reset_index(drop=True)
    df = legacy_read.canonical_columns(orig, filename)
    log = RowLog(df)
    checks.check_name(df, log)
    where = locate(df, data, default_datum, log)
    values = checks.check_values(df, data, log)
    key = checks.project_keys(df, log)
    out = _accepted_frame(df, log, where, values, key)
    t1 = time.perf_counter()
    out = spatial_join(out, data, where.town_code[out.index])
    t2 = time.perf_counter()
    _town_mismatch(df, out, where, log)
    out["warnings"] = pd.Series({i: "；".join(m) for i, m in log.warn.items()}, dtype=object).reindex(out.index).fillna("")
    return ImportResult(received=received, accepted=out[OUTPUT_COLUMNS].reset_index(drop=True),
                        rejected=_rejected(orig, df["_row"], log), warnings=_warnings(df["_row"], log),
                        timings={"validate_s": t1 - t0 + (time.perf_counter() - t2), "join_s": t2 - t1})


def _accepted_frame(df, log: RowLog, where, values: dict, key: pd.Series) -> pd.DataFrame:
    acc = df.index[log.ok]
    return pd.DataFrame({
        "key": key[acc], "project_id": df.loc[acc, "id"], "name": df.loc[acc, "name"],
        "sector": values["sector"][acc], "status": df.loc[acc, "status"],
        "year": values["year"][acc].astype("Int64"), "investment": values["investment"][acc],
        "town_input": df.loc[acc, "town"], "lon": where.lon[acc].round(7), "lat": where.lat[acc].round(7),
        "datum_input": where.datum[acc], "located_by": np.where(where.by_town[acc], "town", "coordinates"),
        "geometry_wkt": where.wkt[acc], "source_row": df.loc[acc, "_row"], "extra": df.loc[acc, "_extra"],
    })


def _town_mismatch(df, out: pd.DataFrame, where, log: RowLog) -> None:
    named = where.town_code[out.index]
    for i in out.index[named.notna() & (named != out["town_code"])]:
        log.add_warning(i, f"坐标位于{out.at[i, 'town_name']}，与填写的“{df.at[i, 'town']}”不一致 / the point lies "
                           f"in {out.at[i, 'town_name']}, not in '{df.at[i, 'town']}' as written")


def _rejected(orig: pd.DataFrame, row: pd.Series, log: RowLog) -> list[dict]:
    cols = [c for c in orig.columns if not c.startswith("_")]
    return [{"row": int(row[i]), "reason": log.reasons[i], "values": {c: orig.at[i, c] for c in cols}}
            for i in sorted(log.reasons, key=lambda i: row[i])]


def _warnings(row: pd.Series, log: RowLog) -> list[dict]:
    return [{"row": int(row[i]), "message": m} for i in sorted(log.warn, key=lambda i: row[i]) for m in log.warn[i]]
