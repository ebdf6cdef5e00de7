"""Errors that tell a planner or GIS technician what is wrong, where, and what is expected.

Every message is Chinese first, English second, and names the file / row / field when known.
"""
from __future__ import annotations


class DataError(Exception):
    """A problem with input data. ``str()`` gives the bilingual message with its location."""

    def __init__(self, zh: str, en: str, *, file: str | None = None, row: int | None = None,
                 field: str | None = None, layer: str | None = None):
        self.zh, self.en = zh, en
        self.file, self.row, self.field, self.layer = file, row, field, layer
        super().__init__(str(self))

    @property
    def where(self) -> str:
        parts = []
        if self.layer:
            parts.append(f"[{self.layer}]")
        if self.file:
            parts.append(self.file)
        if self.row is not None:
            parts.append(f"第{self.row}行/row {self.row}")
        if self.field:
            parts.append(f"字段/field “{self.field}”")
        return " ".join(parts)

    def where_in(self, lang: str) -> str:
        """The location in one language: "项目.csv 第3行 字段“经度”" / "项目.csv row 3 field '经度'"."""
        parts = [f"[{self.layer}]"] if self.layer else []
        if self.file:
            parts.append(self.file)
        if self.row is not None:
            parts.append(f"第{self.row}行" if lang == "zh" else f"row {self.row}")
        if self.field:
            parts.append(f"字段“{self.field}”" if lang == "zh" else f"field '{self.field}'")
        return " ".join(parts)

    def __str__(self) -> str:
        where = self.where
        return f"{where + '：' if where else ''}{self.zh} / {self.en}"

    def to_dict(self) -> dict:
        return {"layer": self.layer, "file": self.file, "row": self.row, "field": self.field,
                "zh": self.zh, "en": self.en, "message": str(self)}


class ImportFileError(DataError):
    """A whole uploaded file is unusable (format, encoding, size, missing columns): nothing is stored."""


class StoreError(DataError):
    """The project store failed; the transaction was rolled back, so nothing of the write is stored."""


class ReplacementError(DataError):
    """An authoritative file in data/boundaries/ was refused; derived geometry stays in use."""


class ValidationError(DataError):
    """Validation found errors; ``problems`` lists every one of them."""

    def __init__(self, problems: list[DataError]):
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"数据校验失败，共{len(problems)}个错误：\n{lines}",
                         f"validation failed with {len(problems)} error(s) (listed above)")
