"""The project import as named steps behind one entry, ``import_file()``:

    read → header → columns → locate (datum, gazetteer) → validate → join → report → store

Every row received is accounted for: accepted (possibly with warnings) or rejected with a reason naming
the row and column. Row numbers are those a user sees in Excel. The browser's preview, the web route
for scripts, the CLI and the benchmarks all call ``import_file()`` (``store=None`` previews).
"""
from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import pyarrow as pa

from ..errors import ImportFileError
from ..load import PlanData
from . import checks
from .header import Table, read_table
from .join import spatial_join
from .limits import Limits
from .locate import ACCURACY, DatumRequired, locate, parse_datum
from .mapping import Mapped, apply_mapping
from .rowlog import RowLog, joined
from .values import shared_texts

MAX_ROWS_DEFAULT = 200_000
CHUNK = 250_000     # rows located, checked and joined at a time: the steps' working columns exist for one part
MAX_RUNS, RUN_ROWS = 16, 500    # texts sliced where a part's accepted rows form ≤ 16 runs, or runs of 500 rows on average
OUTPUT_COLUMNS = ["key", "project_id", "name", "sector", "status", "nature", "year", "investment", "investment_year",
                  "town_input", "location_text", "lon", "lat", "datum_input", "located_by", "accuracy", "geometry_wkt",
                  "town_code", "town_codes", "town_name", "zones", "cluster", "corridor_id", "corridor_name",
                  "corridor_status", "corridor_distance_m", "axis_branch", "axis_distance_m", "warnings", "source_row",
                  "extra"]


@dataclass(frozen=True)
class ImportOptions:
    datum: str | None = None            # for coordinates whose system the file does not state; None: must be stated
    sheet: str | int | None = None
    header_row: int | None = None       # Excel row of the (last) header row; None: found automatically
    mapping: dict | None = None         # header → field; None keeps the suggestion
    year: int | None = None             # the list's year; None: from the title, or this year
    title: str = ""                     # the list's title; "": from the file's title row or name
    limits: Limits = field(default_factory=Limits)
    user: str | None = None             # who imports (audit)
    replace: int | None = None          # a batch this upload replaces (admin)
    isolate: bool = True                # parse workbooks in a child process (tests may turn it off)

    @property
    def max_rows(self) -> int:
        return self.limits.max_rows


@dataclass
class ImportResult:
    received: int
    accepted: pd.DataFrame
    rejected: list[dict] = field(default_factory=list)     # {row, column, reason, values}
    warnings: list[dict] = field(default_factory=list)     # {row, message}
    skipped: list[dict] = field(default_factory=list)      # 合计/小计/说明 rows: {row, reason, text}
    format: str = ""
    table: Table | None = None
    mapped: Mapped | None = None
    batch: dict = field(default_factory=dict)              # title, year, datum, mapping … as stored
    timings: dict = field(default_factory=dict)            # seconds per phase
    saved: dict | None = None                              # import id and counts, once stored
    needs_datum: bool = False                              # preview: coordinates in an unstated system


def import_file(filename: str, content: bytes, data: PlanData, *, store=None,
                options: ImportOptions = ImportOptions()) -> ImportResult:
    """Read, check, locate and join one uploaded file; store it in one transaction when ``store`` is given."""
    t0 = time.perf_counter()
    table = read_table(filename, content, options.limits, options.sheet, options.header_row, isolate=options.isolate)
    mapped = apply_mapping(table, options.mapping)
    t1 = time.perf_counter()
    year = options.year or table.year or dt.date.today().year
    try:
        result = prepare(mapped, data, datum=options.datum or mapped.datum_hint, filename=filename, year=year,
                         max_rows=options.max_rows)
    except DatumRequired:
        if store is not None:
            raise
        result = ImportResult(received=len(mapped.df), accepted=pd.DataFrame(columns=OUTPUT_COLUMNS), needs_datum=True)
    result.format, result.table, result.mapped, result.skipped = table.format, table, mapped, table.skipped
    result.warnings = [note(w.get("row"), w["zh"], w["en"]) for w in table.warnings] + \
        [note(None, zh, en) for zh, en in mapped.notes] + result.warnings
    result.batch = _batch(filename, table, mapped, options, year, result)
    result.timings["read_s"] = t1 - t0
    if store is not None:          # the rows as read are no longer needed: their memory goes before the write's
        result.table, result.mapped = replace(table, df=None), replace(mapped, df=None, source=None)
        del table, mapped
        t2 = time.perf_counter()
        result.saved = store.import_batch(result.accepted, result.batch, actor=options.user, replace=options.replace)
        result.timings["store_s"] = time.perf_counter() - t2
    return result


def _batch(filename: str, table: Table, mapped: Mapped, options: ImportOptions, year: int, res) -> dict:
    import orjson
    title = options.title or table.title or re.sub(r"\.\w+$", "", filename)
    return {"filename": filename, "format": table.format, "title": title[:200], "year": year, "sheet": table.sheet,
            "header_rows": ",".join(map(str, table.header_rows)), "datum": options.datum or mapped.datum_hint or "",
            "columns_json": orjson.dumps(mapped.columns).decode(), "mapping_json": orjson.dumps(mapped.mapping).decode(),
            "received": res.received, "rejected": len(res.rejected), "rejected_json": orjson.dumps(res.rejected).decode(),
            "warnings_json": orjson.dumps(res.warnings).decode(), "skipped_json": orjson.dumps(table.skipped).decode()}


def prepare(mapped: Mapped | pd.DataFrame, data: PlanData, *, datum: str | None = None, filename: str = "",
            year: int | None = None, max_rows: int = MAX_ROWS_DEFAULT) -> ImportResult:
    """Steps locate → validate → join → report on mapped rows (a ``Mapped``, or a canonical frame), CHUNK rows
    at a time: the steps' working columns exist for one part only, not for the whole list at once."""
    if isinstance(mapped, pd.DataFrame):
        mapped = Mapped(mapped, {}, [], [])
    df = mapped.df.reset_index(drop=True)
    if len(df) > max_rows:
        raise ImportFileError(f"行数{len(df)}超过上限{max_rows}，请拆分文件",
                              f"{len(df)} rows exceed the limit of {max_rows}; split the file", file=filename)
    t0 = time.perf_counter()
    log = RowLog(df, {f: c for c, f in mapped.mapping.items() if f})
    step = Step(data, parse_datum(datum), mapped.scale, year or dt.date.today().year, filename)
    step.years = checks.years(df, step.year)
    step.key, step.repeat_of = checks.project_keys(df, step.years[0])     # repeats: over the whole file
    _give_back()
    step.timings["validate_s"] = time.perf_counter() - t0
    parts = []
    for start in range(0, max(len(df), 1), CHUNK):
        part = RowLog(df.iloc[start:start + CHUNK], log.columns)
        parts.append(step.run(part))
        log.absorb(part)
        _give_back()
    return ImportResult(received=len(df), accepted=_joined(parts),
                        rejected=_rejected(mapped, df, log), warnings=_warnings(df["_row"], log), timings=step.timings)


def _give_back() -> None:
    """Arrow's allocator keeps the pages a step freed (the keys' hash tables, a part's working columns: 1,000,000
    rows, 120 MB) unless asked; the next step's numpy and Python objects cannot use them."""
    pa.default_memory_pool().release_unused()


def _joined(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The parts' accepted rows as one frame, built a column at a time and each part's column let go once
    copied, so that the whole list is not held twice over."""
    cols = {c: pd.concat([p.pop(c) for p in parts], ignore_index=True) for c in OUTPUT_COLUMNS}
    parts.clear()
    return pd.DataFrame(cols, copy=False)


@dataclass
class Step:
    """What every part of one list is checked against, and the time each step took over all parts."""
    data: PlanData
    datum: str | None
    scale: dict
    year: int
    filename: str
    years: tuple[pd.Series, pd.Series] | None = None      # each row's year, and whether it is invalid
    key: pd.Series | None = None
    repeat_of: pd.Series | None = None
    timings: dict = field(default_factory=lambda: {"validate_s": 0.0, "join_s": 0.0})

    def run(self, log: RowLog) -> pd.DataFrame:
        """One part (``log.df``) through locate → validate → join; its accepted rows with their warnings."""
        t0, df = time.perf_counter(), log.df
        checks.check_name(df, log)
        where = locate(df, self.data, self.datum, log, self.filename)
        values = checks.check_values(df, self.data, log, self.scale, self.years)
        checks.refuse_repeats(df, self.repeat_of, log)
        out = _accepted_frame(df, log, where, values, self.key)
        t1 = time.perf_counter()
        out = spatial_join(out, self.data, where.town_codes[out.index], where.located_by[out.index])
        t2 = time.perf_counter()
        _town_mismatch(df, out, where, log)
        out["warnings"] = pd.Series({i: "；".join(joined(*w) for w in m) for i, m in log.warn.items()},
                                    dtype=object).reindex(out.index).fillna("")
        self.timings["validate_s"] += t1 - t0 + (time.perf_counter() - t2)
        self.timings["join_s"] += t2 - t1
        return out


def _picker(index: pd.Index, ok) -> Callable[[pd.Series], pd.Series]:
    """How the accepted rows of a part (``index``, ``ok``) are taken from a column of the part or of the whole
    file. Texts are taken as slices of the list as read where the accepted rows run together (shared, not
    copied: a list with a bad row in a thousand keeps that saving); numbers, and texts where rows are refused
    all through the part, are picked row by row."""
    ok = np.asarray(ok, dtype=bool)
    acc = index[ok]
    edges = np.flatnonzero(np.diff(np.concatenate(([0], ok.astype(np.int8), [0]))))
    runs = [(index[a], index[b - 1]) for a, b in zip(edges[::2], edges[1::2])]
    few = 0 < len(runs) <= max(MAX_RUNS, len(index) // RUN_ROWS)

    def take(s: pd.Series) -> pd.Series:
        if len(runs) == 1:
            return s.loc[runs[0][0]:runs[0][1]]
        if few and isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow":
            return _sliced_texts(s, runs, acc)
        return s[acc]
    return take


def _sliced_texts(s: pd.Series, runs: list[tuple], acc: pd.Index) -> pd.Series:
    """The runs of an Arrow-backed text column as one column made of slices of its own buffers (no copy)."""
    assert s.index.is_monotonic_increasing          # label runs of a column in the file's order
    whole = s.array.__arrow_array__()               # the column's chunked array itself
    first, last = (s.index.get_indexer([r[i] for r in runs]) for i in (0, 1))
    chunks = [c for a, b in zip(first, last + 1) for c in whole.slice(a, b - a).chunks]
    return pd.Series(pd.array(pa.chunked_array(chunks, type=whole.type), dtype=s.dtype), index=acc, copy=False)


def _accepted_frame(df, log: RowLog, where, values: dict, key: pd.Series) -> pd.DataFrame:
    take = _picker(df.index, log.ok)
    by = shared_texts(take(where.located_by))
    accuracy = shared_texts(by.map(ACCURACY).where(by != "coordinates", take(where.datum).map(ACCURACY)))
    return pd.DataFrame({
        "key": take(key), "project_id": take(df["id"]), "name": take(df["name"]),
        "sector": shared_texts(take(values["sector"])), "status": take(df["status"]), "nature": take(df["nature"]),
        "year": take(values["year"]), "investment": take(values["investment"]),
        "investment_year": take(values["investment_year"]), "town_input": take(df["town"]),
        "location_text": take(df["location"]), "lon": take(where.lon).round(7), "lat": take(where.lat).round(7),
        "datum_input": take(where.datum), "located_by": by, "accuracy": accuracy, "geometry_wkt": take(where.wkt),
        "source_row": take(df["_row"]), "extra": take(df["_extra"]),
    }, copy=False)          # a block per column, not consolidated: _joined lets each go once it is copied


def _town_mismatch(df, out: pd.DataFrame, where, log: RowLog) -> None:
    named = where.town_codes[out.index]
    both = out.index[out["located_by"].isin(["coordinates", "geojson"]) & named.notna()]     # a point and a town
    for i in (i for i in both if out.at[i, "town_code"] not in named[i]):
        written = (df.at[i, "town"] + " " + df.at[i, "location"]).strip()
        log.add_warning(i, f"坐标位于{out.at[i, 'town_name']}，与填写的“{written}”不一致",
                        f"the point lies in {out.at[i, 'town_name']}, not in '{written}' as written")


def _rejected(mapped: Mapped, df: pd.DataFrame, log: RowLog) -> list[dict]:
    """Rejected rows in the officer's own columns, with the reason and the column concerned."""
    row, src = df["_row"], mapped.source
    cols = mapped.columns if src is not None else [c for c in df.columns if not c.startswith("_")]
    table = src if src is not None else df
    return [{"row": int(row[i]), "column": log.fields.get(i), "reason": joined(*log.reasons[i]),
             "reason_zh": log.reasons[i][0], "reason_en": log.reasons[i][1],
             "values": {c: table.at[i, c] for c in cols if table.at[i, c] not in ("", None)}}
            for i in sorted(log.reasons, key=lambda i: row[i])]


def note(row, zh: str, en: str) -> dict:
    """A warning: ``message`` in both languages (as the API has always said it), and each half apart."""
    return {"row": row, "message": joined(zh, en), "message_zh": zh, "message_en": en}


def _warnings(row: pd.Series, log: RowLog) -> list[dict]:
    return [note(int(row[i]), *m) for i in sorted(log.warn, key=lambda i: row[i]) for m in log.warn[i]]


def canonical_frame(records: list[dict]) -> pd.DataFrame:
    """Rows given as {field: value} (a JSON body, the edit form) as a frame the steps accept."""
    from .columns import FIELDS
    df = pd.DataFrame([{f: "" if r.get(f) is None else str(r.get(f)).strip() for f in FIELDS} for r in records])
    df["_row"] = np.arange(1, len(df) + 1)
    df["_extra"] = ""
    return df


__all__ = ["ImportOptions", "ImportResult", "canonical_frame", "import_file", "prepare", "replace"]
