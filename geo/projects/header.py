"""Step "find header": which row(s) hold the column names, what the columns are called, which rows
are data. ``read_table`` is the one entry that reads any format and finds its header.

Header row: among the first 30 rows, the one whose cells look most like column names (known
synonyms count most, short non-numeric texts a little, numbers and dates against), skipping title
rows ("2026年诸暨市重大项目计划表", "单位：亿元", a single cell, a cell merged over the width).
``header_row`` (the Excel row number) overrides the choice.

Two-row headers. The row above (or below) the chosen one is a group row when it has cells merged
across several columns over labels of the other row, or vertical merges down into it; without merge
information (CSV, "centre across selection"), when a label is followed by blanks over labelled
cells. Each column's name then combines the group label G over its own label L:
  * G alone when L is blank (vertical merges: 编号, 项目名称);
  * L when G is blank, or G's text without its bracketed suffix is part of L
    (投资（亿元） over 总投资 → 总投资（亿元）);
  * otherwise "G/L" (坐标 over 经度 → 坐标/经度, which maps to 经度);
  * and G's bracketed suffix (the unit, or a note such as （GCJ-02）) is appended unless L has
    brackets of its own (投资（亿元） over 2026年计划投资 → 2026年计划投资（亿元）).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._workbook import column_letter
from .columns import looks_like_header, match_field, suggest_mapping
from .limits import Limits
from .read import HEAD_RECORDS, Grid, csv_body, csv_source, file_error, read_file, rows_frame, sniff_format
from .rowlog import joined

MAX_SCAN = 30
RESERVED = ("_row", "_geometry")

_TITLE = re.compile(r"计划表|一览表|汇总表|明细表|情况表|统计表|登记表|清单|名单|名录|(?:^|[^\u4e00-\u9fff])单位\s*[:：]|"
                    r"金额单位|填报单位|填报日期|填表日期|填报人|制表|报送单位|^附件|^附表|日期\s*[:：]|截至|"
                    r"(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月")
_UNIT_LINE = re.compile(r"(?:(?<![\u4e00-\u9fff])|金额)单位\s*[:：]\s*([^\s)）,，;；]+)")
_NUMBER = re.compile(r"[-+]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)%?")
_DATE = re.compile(r"\d{4}[-/年.]\d{1,2}(?:[-/月.]\d{1,2}日?)?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?")
_SUFFIX = re.compile(r"^(.*?)\s*([(（][^()（）]*[)）])\s*$")
_TOTAL = re.compile(r"(?:合|小|总|累|共)\s*计(?:$|[\s:：(（\d])")
_NOTE = re.compile(r"(?:说\s*明|备\s*注|附\s*注|注\s*释|填表说明|注)\s*(?:$|[:：\d])")
_MARK_START = tuple("合小总累共说备附注填")
_SECTION = re.compile(r"(?:[一二三四五六七八九十]+\s*[、.．]|[(（][一二三四五六七八九十]+[)）]|第[一二三四五六七八九十]+[类部批])")


@dataclass
class Header:
    rows: list[int]                      # indices in grid.rows of the header row(s), top first
    header_rows: list[int]               # their Excel row numbers
    labels: list[str]                    # combined header text per column ("" when blank)
    names: list[str]                     # unique column names ("列F" for blank, "名称 (2)" for repeats)
    title: str = ""                      # the title above the header ("2026年诸暨市重大项目计划表")
    unit: str = ""                       # from a "单位：亿元" line
    generated: list[int] = field(default_factory=list)   # columns named for a blank header
    renamed: list[int] = field(default_factory=list)     # columns renamed for a repeated header
    raw: list[str] = field(default_factory=list)         # the cells of the (last) header row itself


@dataclass
class Table:
    df: pd.DataFrame                     # str columns named ``columns``, int ``_row``, GeoJSON ``_geometry``
    columns: list[str]
    header_rows: list[int]
    title: str = ""
    unit: str = ""
    year: int | None = None              # from the title, to suggest the batch year
    skipped: list[dict] = field(default_factory=list)    # {row, reason, text}
    warnings: list[dict] = field(default_factory=list)   # {row, column, message, zh, en}
    format: str = ""
    sheet: str = ""
    sheets: list[str] = field(default_factory=list)
    encoding: str = ""
    filename: str = ""


# ------------------------------------------------------------------ the one entry

def read_table(filename: str, content: bytes, limits: Limits, sheet: str | int | None = None,
               header_row: int | None = None, *, isolate: bool = True) -> Table:
    """Read any supported file, find its header and return its data rows. A CSV is read twice over:
    its first lines for the header, then the body in bulk with pyarrow from the line after it."""
    fmt = sniff_format(filename, content, limits)
    if fmt == "csv":
        src = csv_source(filename, content, limits, HEAD_RECORDS if header_row is None
                         else max(HEAD_RECORDS, header_row + 2))
        if not src.head.rows:
            raise file_error("文件中没有数据", "the file has no data", filename)
        header = detect_header(src.head, header_row=header_row)
        df, numbers = csv_body(src, header.rows[-1], limits)
        table = _finish(df, numbers, header, src.head, stripped=not src.complete)
    else:
        grid = read_file(filename, content, limits=limits, sheet=sheet, isolate=isolate)
        header = detect_header(grid, header_row=header_row)
        table = to_table(grid, header)
    if table.df.empty:
        rows = "、".join(map(str, header.header_rows))
        raise file_error(f"表头（第{rows}行）之下没有数据行", f"no data rows below the header (row {rows})", filename)
    if len(table.df) > limits.max_rows:
        raise file_error(f"数据行数{len(table.df)}超过上限{limits.max_rows}，请拆分文件",
                         f"{len(table.df)} data rows exceed the limit of {limits.max_rows}; split the file", filename)
    return table


# ------------------------------------------------------------------ finding the header

def detect_header(grid: Grid, *, header_row: int | None = None) -> Header:
    """The header of the grid: found automatically, or at Excel row ``header_row``."""
    if grid.format == "geojson":
        return _header(grid, [0])
    if not grid.rows:
        raise file_error("文件中没有数据", "the file has no data", grid.filename)
    if header_row is None:
        index = _best_header_row(grid)
    else:
        try:
            index = grid.row_numbers.index(int(header_row))
        except ValueError:
            raise file_error(f"第{header_row}行为空或不存在，不能作为表头行", f"row {header_row} is blank or does not "
                             "exist and cannot be the header row", grid.filename, row=int(header_row)) from None
    return _header(grid, _header_pair(grid, index))


def _header(grid: Grid, rows: list[int]) -> Header:
    labels = _combine(grid, rows)
    names, generated, renamed = unique_names(labels)
    title, unit = _title(grid, rows[0])
    return Header(rows, [grid.row_numbers[i] for i in rows], labels, names, title, unit, generated, renamed,
                  _cells(grid, rows[-1], len(labels)))


def _cells(grid: Grid, i: int, width: int | None = None) -> list[str]:
    row = [c.strip() for c in grid.rows[i]]
    return row + [""] * ((width or 0) - len(row))


def is_number(text: str) -> bool:
    return bool(_NUMBER.fullmatch(text) or _DATE.fullmatch(text))


def _is_title(grid: Grid, i: int, width: int) -> bool:
    texts = [t for t in _cells(grid, i) if t]
    if not texts:
        return True
    if len(texts) == 1 and width > 1:
        return True
    wide = any(r0 == i and c1 - c0 + 1 >= max(2, 0.6 * width) for r0, c0, _, c1 in grid.merged)
    return (wide and len(texts) <= 2) or all(_TITLE.search(t) for t in texts)


def _score(texts: list[str]) -> float:
    score = 0.0
    for t in texts:
        if match_field(t)[0]:
            score += 3
        elif looks_like_header(t):
            score += 2
        elif is_number(t):
            score -= 2
        else:
            score += 0.5 if len(t) <= 24 else -1
    return score


def _best_header_row(grid: Grid) -> int:
    """The best-scoring row among the first MAX_SCAN; the earliest on a tie (a header precedes its
    data); the first non-title row when no row looks like a header."""
    width = grid.width
    scan = range(min(len(grid.rows), MAX_SCAN))
    best, best_score = None, 0.0
    for i in scan:
        texts = [t for t in _cells(grid, i) if t]
        if (len(texts) < 2 and width > 1) or _is_title(grid, i, width):
            continue
        score = _score(texts)
        if score > best_score:
            best, best_score = i, score
    if best is None:
        best = next((i for i in scan if not _is_title(grid, i, width)), 0)
    return best


def _header_pair(grid: Grid, i: int) -> list[int]:
    if i > 0 and _is_group_row(grid, i - 1, i):
        return [i - 1, i]
    if i + 1 < len(grid.rows) and _is_group_row(grid, i, i + 1):
        return [i, i + 1]
    return [i]


def _is_group_row(grid: Grid, up: int, low: int) -> bool:
    """Whether row ``up`` holds group labels over the column labels of row ``low``."""
    width = grid.width
    if grid.row_numbers[low] != grid.row_numbers[up] + 1 or _is_title(grid, up, width):
        return False
    upper, lower = _cells(grid, up, width), _cells(grid, low, width)
    if any(is_number(t) for t in upper + lower if t) or sum(map(bool, lower)) < 2:
        return False
    merges = [m for m in grid.merged if m[0] == up]
    if any(r1 >= low for _, _, r1, _ in merges):           # header cells merged down into the row below
        return True
    if not any(looks_like_header(t) for t in lower if t):  # a data row of plain text is no header
        return False
    if merges:
        return any(c1 > c0 and any(lower[c0:c1 + 1]) for _, c0, _, c1 in merges)
    spread = _spread_groups(upper, lower)
    return any(g and not u for g, u in zip(spread, upper))


def _spread_groups(upper: list[str], lower: list[str]) -> list[str]:
    """Without merge information: a group label extends right over blank cells above labelled ones."""
    out, current = [], ""
    for u, low in zip(upper, lower):
        if u:
            current = u if low else ""
            out.append(u)
        elif low and current:
            out.append(current)
        else:
            current = ""
            out.append("")
    return out


def _combine(grid: Grid, rows: list[int]) -> list[str]:
    width = grid.width
    if len(rows) == 1:
        return _cells(grid, rows[0], width)
    up, low = rows
    upper, lower = _cells(grid, up, width), _cells(grid, low, width)
    merges = [m for m in grid.merged if m[0] == up]
    if merges:
        groups = list(upper)
        for _, c0, _, c1 in merges:
            groups[c0:c1 + 1] = [upper[c0]] * (c1 - c0 + 1)
    else:
        groups = _spread_groups(upper, lower)
    return [combine_labels(g, low_) for g, low_ in zip(groups, lower)]


def combine_labels(group: str, label: str) -> str:
    """A group label over a column label, as described in the module docstring."""
    if not group or group == label:
        return label
    if not label:
        return group
    m = _SUFFIX.match(group)
    core, suffix = (m.group(1), m.group(2)) if m else (group, "")
    name = label if not core or core in label else f"{core}/{label}"
    if suffix and not re.search(r"[(（]", label):
        name += suffix
    return name


def unique_names(labels: list[str]) -> tuple[list[str], list[int], list[int]]:
    """Names for the columns: "列F" for a blank label, "名称 (2)" for a repeated one."""
    seen = set(RESERVED)
    names, generated, renamed = [], [], []
    for j, label in enumerate(labels):
        base = label or f"列{column_letter(j)}"
        if not label:
            generated.append(j)
        name, k = base, 2
        while name in seen:
            name, k = f"{base} ({k})", k + 1
        if name != base:
            renamed.append(j)
        seen.add(name)
        names.append(name)
    return names, generated, renamed


def _title(grid: Grid, first_header: int) -> tuple[str, str]:
    """The title and the unit ("单位：亿元") written above the header."""
    title = unit = ""
    for i in range(first_header):
        for t in _cells(grid, i):
            m = _UNIT_LINE.search(t)
            if m and not unit:
                unit = m.group(1)
            if t and not m and not title and not re.match(r"填报|填表|制表|日期|报送", t):
                title = t
    return title, unit


def title_year(title: str) -> int | None:
    m = re.search(r"((?:19|20)\d{2})\s*年", title) or re.search(r"(?<!\d)((?:19|20)\d{2})(?!\d)", title)
    return int(m.group(1)) if m else None


# ------------------------------------------------------------------ the data rows

_REASONS = {1: ("合计/小计行，已跳过", "total or subtotal row, skipped"),
            2: ("说明/备注行，已跳过", "note row, skipped"),
            3: ("说明的续行，已跳过", "continuation of a note, skipped"),
            4: ("重复的表头行，已跳过", "repeated header row, skipped"),
            5: ("分组标题行，已跳过", "section heading row, skipped")}


def to_table(grid: Grid, header: Header) -> Table:
    """The rows below the header as a Table: blank rows dropped, total and note rows skipped."""
    start = header.rows[-1] + 1
    df = rows_frame(grid.rows[start:], len(header.names))
    numbers = np.asarray(grid.row_numbers[start:], dtype=np.int64)
    geometries = grid.geometries[start:] if grid.geometries is not None else None
    return _finish(df, numbers, header, grid, geometries)


def _finish(df: pd.DataFrame, numbers: np.ndarray, header: Header, grid: Grid,
            geometries: list[str] | None = None, stripped: bool = False) -> Table:
    """Shared by the grid and the bulk CSV path: ``df`` has columns 0..n-1 of str."""
    labels = header.labels + [""] * (df.shape[1] - len(header.labels))
    for j in range(df.shape[1], len(labels)):
        df[j] = ""
    names, generated, renamed = unique_names(labels) if len(labels) > len(header.names) else \
        (header.names, header.generated, header.renamed)
    if not stripped:
        for c in df.columns:
            df[c] = df[c].str.strip()
    filled = [(df[c] != "").to_numpy() for c in df.columns]
    nonblank = np.logical_or.reduce(filled) if filled else np.zeros(len(df), dtype=bool)
    if geometries is not None:
        nonblank |= np.fromiter(map(bool, geometries), dtype=bool, count=len(geometries))
    kind = _skip_kinds(df, names, header.raw, filled)
    kind[~nonblank] = 0
    keep_rows = nonblank & (kind == 0)
    keep_cols = [j for j in range(len(names)) if j not in generated or filled[j][keep_rows].any()]
    out = df.loc[keep_rows, keep_cols].reset_index(drop=True)
    out.columns = [names[j] for j in keep_cols]
    out["_row"] = numbers[keep_rows]
    if geometries is not None:
        out["_geometry"] = pd.Series(np.asarray(geometries, dtype=object)[keep_rows], dtype=str)
    skipped = [{"row": int(numbers[i]), "reason": joined(*_REASONS[int(kind[i])]), "reason_zh": _REASONS[int(kind[i])][0],
                "reason_en": _REASONS[int(kind[i])][1], "text": _first_text(df, i)} for i in np.flatnonzero(kind)]
    return Table(out, [names[j] for j in keep_cols], header.header_rows, header.title, header.unit,
                 title_year(header.title), skipped, _name_warnings(header, labels, names, generated, renamed, keep_cols),
                 grid.format, grid.sheet, grid.sheets, grid.encoding, grid.filename)


def _skip_kinds(df: pd.DataFrame, names: list[str], raw: list[str], filled: list[np.ndarray]) -> np.ndarray:
    """Per row: 0 data, 1 total, 2 note, 3 note continuation, 4 repeated header, 5 section heading
    (a single cell in column A or B numbered 一、 or （一）). Total and note markers are looked
    for in the first two columns and the name column; only cells starting with a marker character
    are matched against the patterns, so a million rows cost a few vectorised passes."""
    kind = np.zeros(len(df), dtype=np.int8)
    cols = list(range(min(2, df.shape[1])))
    name_col = next((names.index(c) for c, f in suggest_mapping(names).items() if f == "name"), None)
    if name_col is not None and name_col not in cols:
        cols.append(name_col)
    for c in cols:
        s = df[c]
        for i in np.flatnonzero(s.str.startswith(_MARK_START).to_numpy()):
            text = s.iat[i]
            if not kind[i]:
                kind[i] = 1 if _TOTAL.match(text) else 2 if _NOTE.match(text) else 0
    one_cell = np.sum(filled, axis=0) == 1 if filled else np.zeros(len(df), dtype=bool)
    notes = np.flatnonzero(kind == 2)
    if len(notes):
        kind[(np.arange(len(df)) > notes[0]) & one_cell & (kind == 0)] = 3
    lead = filled[0] | filled[1] if len(filled) > 1 else one_cell
    for i in np.flatnonzero(one_cell & lead & (kind == 0)):
        if _SECTION.match(_first_text(df, i)):            # "一、先进制造业（12个）" over a group of rows
            kind[i] = 5
    labelled = [j for j, t in enumerate(raw) if t and j < df.shape[1]]
    if len(labelled) >= 2:
        repeat = np.logical_and.reduce([(df[j] == raw[j]).to_numpy() for j in labelled])
        kind[repeat & (kind == 0)] = 4
    return kind


def _first_text(df: pd.DataFrame, i: int) -> str:
    return next((t for t in df.iloc[i] if t), "")[:80]


def _name_warnings(header: Header, labels: list[str], names: list[str], generated: list[int], renamed: list[int],
                   keep: list[int]) -> list[dict]:
    row, out = header.header_rows[-1], []
    for j in keep:
        letter = column_letter(j)
        if j in generated:
            zh, en = (f"第{row}行{letter}列的表头为空，已命名为“{names[j]}”",
                      f"the header of column {letter} (row {row}) is blank; named '{names[j]}'")
        elif j in renamed:
            zh, en = (f"表头“{labels[j]}”重复，{letter}列已改名为“{names[j]}”",
                      f"the header '{labels[j]}' is repeated; column {letter} renamed '{names[j]}'")
        else:
            continue
        out.append({"row": row, "column": names[j], "message": joined(zh, en), "zh": zh, "en": en})
    return out
