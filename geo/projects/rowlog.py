"""Which rows are still accepted, why the others were rejected, and the warnings of each row.

Checks run vectorised over the whole table; each one marks rows by a boolean mask, a reason (``zh``/
``en`` may be functions of the row index) and the field concerned, which is reported by the
officer's own column name when the file has one ("字段“经度（GCJ-02）”：…").

Each reason and warning is kept in both languages, apart (``zh``/``en``) and joined ("zh / en") as the
JSON API has always given it: a Chinese page shows only the Chinese half, an English page the English.
"""
from __future__ import annotations

import pandas as pd

from .columns import FIELDS

SEP = " / "


def joined(zh: str, en: str) -> str:
    return f"{zh}{SEP}{en}"


def halves(text: str) -> tuple[str, str]:
    """(zh, en) of a "zh / en" text stored before the halves were kept apart (best effort)."""
    zh, sep, en = (text or "").partition(SEP)
    return (zh, en) if sep else (text, text)


class RowLog:
    def __init__(self, df: pd.DataFrame, columns: dict[str, str] | None = None):
        self.df = df
        self.columns = columns or {}          # canonical field → the officer's column
        self.ok = pd.Series(True, index=df.index)
        self.reasons: dict[int, tuple[str, str]] = {}      # row → (zh, en)
        self.fields: dict[int, str] = {}
        self.warn: dict[int, list[tuple[str, str]]] = {}

    @staticmethod
    def _text(msg, i) -> str:
        return msg(i) if callable(msg) else msg

    def column(self, field: str | None) -> str | None:
        if field is None:
            return None
        return self.columns.get(field) or (FIELDS[field]["zh"] if field in FIELDS else field)

    def reject(self, mask, zh, en, field: str | None = None) -> None:
        mask = mask & self.ok
        col = self.column(field)
        where_zh, where_en = (f"字段“{col}”：", f"column '{col}': ") if col else ("", "")
        for i in self.df.index[mask]:
            self.reasons[i] = (where_zh + self._text(zh, i), where_en + self._text(en, i))
            self.fields[i] = col
        self.ok &= ~mask

    def warning(self, mask, zh, en) -> None:
        for i in self.df.index[mask & self.ok]:
            self.warn.setdefault(i, []).append((self._text(zh, i), self._text(en, i)))

    def absorb(self, part: RowLog) -> None:
        """The outcome of a part of this log's rows, checked on its own (``part.df`` is a slice of ``df``)."""
        self.ok[part.ok.index] = part.ok
        self.reasons.update(part.reasons)
        self.fields.update(part.fields)
        self.warn.update(part.warn)

    def add_warning(self, i, zh: str, en: str) -> None:
        self.warn.setdefault(i, []).append((zh, en))
