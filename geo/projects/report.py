"""Step "report": rejected rows back to the officer, in their own columns, to fix and re-upload.

Cells that a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage return) are
neutralised with a leading apostrophe, as OWASP recommends against CSV injection.
"""
from __future__ import annotations

import csv
import io

import pandas as pd

from .rowlog import halves

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(v):
    """A text a spreadsheet shows as text. Numbers stay numbers (a negative number is not a formula)."""
    if isinstance(v, str) and v.startswith(FORMULA_START):
        return "'" + v
    return v


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for c in out.columns:
        if not pd.api.types.is_numeric_dtype(out[c]):
            out[c] = out[c].astype(object).map(safe_cell)
    out.columns = [safe_cell(str(c)) for c in out.columns]
    return out


HEADERS = {"zh": ("原行号", "原因"), "en": ("Row", "Reason"), None: ("原行号 / row", "原因 / reason")}


def reason_in(r: dict, lang: str | None) -> str:
    """A rejected row's reason in one language (``None``: both, "zh / en", as stored)."""
    if lang not in ("zh", "en"):
        return r["reason"]
    return r.get(f"reason_{lang}") or halves(r["reason"])[0 if lang == "zh" else 1]


def rejected_frame(rejected: list[dict], columns: list[str] | None = None, lang: str | None = None) -> pd.DataFrame:
    """The rejected rows to fix: row number and reason in the reader's language, then the officer's columns."""
    cols: list[str] = list(columns or [])
    for r in rejected:
        cols += [c for c in r["values"] if c not in cols]
    row_h, reason_h = HEADERS.get(lang, HEADERS[None])
    rows = [{row_h: r["row"], reason_h: reason_in(r, lang), **{c: r["values"].get(c, "") for c in cols}}
            for r in rejected]
    return pd.DataFrame(rows, columns=[row_h, reason_h, *cols])


def csv_bytes(df: pd.DataFrame) -> bytes:
    """UTF-8 with BOM and CRLF, as Excel in China opens it; every cell made safe."""
    buf = io.StringIO()
    safe_frame(df).to_csv(buf, index=False, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def xlsx_bytes(df: pd.DataFrame, sheet: str = "Sheet1") -> bytes:
    """An .xlsx with real numbers and text that is never taken as a formula."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="xlsxwriter",
                        engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False}}) as xl:
        safe_frame(df).to_excel(xl, index=False, sheet_name=sheet[:31])
        ws = xl.sheets[sheet[:31]]
        ws.freeze_panes(1, 0)
        ws.set_column(0, len(df.columns) - 1, 16)
    return buf.getvalue()


def rejected_csv(rejected: list[dict], columns: list[str] | None = None, lang: str | None = None) -> bytes:
    return csv_bytes(rejected_frame(rejected, columns, lang))


def rejected_xlsx(rejected: list[dict], columns: list[str] | None = None, lang: str | None = None) -> bytes:
    return xlsx_bytes(rejected_frame(rejected, columns, lang), "Rejected rows" if lang == "en" else "未导入的行")
