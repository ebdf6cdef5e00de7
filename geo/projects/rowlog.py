"""Which rows are still accepted, why the others were rejected, and the warnings of each row.

Checks run vectorised over the whole table; each one marks rows by a boolean mask and a reason
that can name the cell (``zh``/``en`` may be functions of the row index).
"""
from __future__ import annotations

import pandas as pd


class RowLog:
    def __init__(self, df: pd.DataFrame):
        self.df = df
        self.ok = pd.Series(True, index=df.index)
        self.reasons: dict[int, str] = {}
        self.warn: dict[int, list[str]] = {}

    @staticmethod
    def _text(msg, i) -> str:
        return msg(i) if callable(msg) else msg

    def reject(self, mask, zh, en, field_name: str | None = None) -> None:
        mask = mask & self.ok
        where = f"字段“{field_name}”：" if field_name else ""
        for i in self.df.index[mask]:
            self.reasons[i] = f"{where}{self._text(zh, i)} / {self._text(en, i)}"
        self.ok &= ~mask

    def warning(self, mask, zh, en) -> None:
        for i in self.df.index[mask & self.ok]:
            self.warn.setdefault(i, []).append(f"{self._text(zh, i)} / {self._text(en, i)}")

    def add_warning(self, i, text: str) -> None:
        self.warn.setdefault(i, []).append(text)
