"""Untrusted workbooks (.xlsx/.xlsm/.xls) to rows of cell text, with limits enforced before allocation.

python-calamine turns a sheet into a *dense* range from A1 to its last used cell: one value in
XFD1048576 asks for 17 billion cells and aborts the process. So for XLSX the zip is opened here
first: member sizes are checked, every member is inflated in bounded chunks (which also verifies
its CRC, so a member cannot lie about its size), and the chosen sheet's XML is scanned for the
positions of its non-empty cells. calamine is called only when that extent is within the limits.
BIFF (.xls) cannot be scanned cheaply, but its format caps a sheet at 65,536 × 256 cells.

This module is also the isolated child (see ``read._run_isolated``): ``python -S -P _workbook.py
'<json>'`` reads the file on stdin, sets its own memory and CPU limits, and writes one JSON document
to stdout. It imports only the standard library, python_calamine and orjson (no site, no geo
package), so it starts in well under 0.1 s.
"""
from __future__ import annotations

import datetime as dt
import io
import posixpath
import re
import sys
import zipfile
from decimal import Decimal
from xml.etree import ElementTree

HEADER_SLACK = 100          # title, unit and header rows allowed above max_rows data rows
MAX_MEMBERS = 10_000        # zip members of a workbook
MAX_PART_BYTES = 16 << 20   # workbook.xml and .rels parts, read whole
BOMB_RATIO = 500            # inflated / deflated size beyond which a large member is a bomb
CHUNK = 1 << 20


class WorkbookError(Exception):
    """A problem with the workbook, to become ``ImportFileError`` in the parent (zh, en, row, field)."""

    def __init__(self, zh: str, en: str, row: int | None = None, field: str | None = None):
        super().__init__(f"{zh} / {en}")
        self.zh, self.en, self.row, self.field = zh, en, row, field

    def to_dict(self) -> dict:
        return {"zh": self.zh, "en": self.en, "row": self.row, "field": self.field}


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA (Excel column letters)."""
    s = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        s = chr(65 + rem) + s
    return s


def column_index(letters: str) -> int:
    """A → 0, AA → 26 (case-insensitive)."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


# ------------------------------------------------------------------ cell text as Excel shows it

def number_text(v: float) -> str:
    """As Excel shows a number: 15 significant digits (0.1 + 0.2 → 0.3), integers without ".0",
    never in exponent form between 1e-20 and 1e21."""
    text = f"{v:.15g}"
    if "e" not in text:
        return "0" if text == "-0" else text if text[-1].isdigit() else ""     # nan, inf: nothing to show
    if not 1e-20 < abs(v) < 1e21:                           # beyond that, Excel too writes 1.5E+25
        return text.upper()
    text = format(Decimal(text), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def cell_text(v) -> str:
    t = type(v)
    if t is str:
        return v
    if t is float:
        return number_text(v)
    if v is None:
        return ""
    if t is bool:
        return "TRUE" if v else "FALSE"
    if t is int:
        return str(v)
    if t is dt.datetime:
        return v.date().isoformat() if v.time() == dt.time() else v.strftime("%Y-%m-%d %H:%M:%S")
    if t is dt.date:
        return v.isoformat()
    if t is dt.time:
        return v.strftime("%H:%M:%S")
    if t is dt.timedelta:
        secs = int(v.total_seconds())
        return f"{secs // 3600}:{secs % 3600 // 60:02d}:{secs % 60:02d}"
    return str(v)


# ------------------------------------------------------------------ the zip container

def open_zip(content: bytes, limits: dict) -> zipfile.ZipFile:
    """The workbook's zip, refused when encrypted, too many members, or too large once inflated."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(content))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise WorkbookError("文件已损坏或不是有效的Excel工作簿（.xlsx）",
                            f"the file is damaged or not a valid Excel workbook (.xlsx): {exc}") from exc
    if len(infos) > MAX_MEMBERS:
        raise WorkbookError(f"工作簿包含{len(infos)}个部件，超过上限{MAX_MEMBERS}",
                            f"the workbook has {len(infos)} parts, more than {MAX_MEMBERS}")
    if any(i.flag_bits & 0x1 for i in infos):
        raise WorkbookError("工作簿已加密（设有密码），请在Excel中取消密码后再上传",
                            "the workbook is encrypted (password-protected); remove the password in Excel and upload again")
    total = sum(i.file_size for i in infos)
    if total > limits["max_uncompressed_bytes"]:
        raise _too_big(total, limits)
    for i in infos:
        if i.file_size > 10 * CHUNK and i.file_size > BOMB_RATIO * max(i.compress_size, 1):
            raise WorkbookError(f"工作簿部件“{i.filename}”压缩比异常（{i.file_size // max(i.compress_size, 1)}倍），疑为压缩炸弹",
                                f"workbook part '{i.filename}' has an abnormal compression ratio "
                                f"({i.file_size // max(i.compress_size, 1)}×): refused as a zip bomb")
    return zf


def _too_big(total: int, limits: dict) -> WorkbookError:
    cap = limits["max_uncompressed_bytes"] >> 20
    return WorkbookError(f"工作簿解压后超过{cap}MB（至少{total >> 20}MB），疑为压缩炸弹或文件过大",
                         f"the workbook inflates to more than {cap} MB (at least {total >> 20} MB): "
                         "a zip bomb or too large")


def _read_part(zf: zipfile.ZipFile, name: str) -> bytes:
    """A small XML part (workbook, relationships), refused if it carries a DTD (entity expansion)."""
    try:
        with zf.open(name) as f:
            data = f.read(MAX_PART_BYTES + 1)
    except KeyError:
        raise WorkbookError(f"工作簿缺少部件“{name}”", f"the workbook lacks the part '{name}'") from None
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise WorkbookError(f"工作簿部件“{name}”已损坏", f"workbook part '{name}' is damaged: {exc}") from exc
    if len(data) > MAX_PART_BYTES or b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise WorkbookError(f"工作簿部件“{name}”过大或含有DTD", f"workbook part '{name}' is too large or has a DTD")
    return data


def _xml(data: bytes, name: str) -> ElementTree.Element:
    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise WorkbookError(f"工作簿部件“{name}”不是有效的XML", f"workbook part '{name}' is not valid XML: {exc}") from exc


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _rels(zf: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id → (type suffix, member path) for one part."""
    base, name = posixpath.split(part)
    rels_name = posixpath.join(base, "_rels", name + ".rels")
    if rels_name not in zf.NameToInfo:
        return {}
    out = {}
    for el in _xml(_read_part(zf, rels_name), rels_name):
        target = el.get("Target", "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(base, target))
        out[el.get("Id", "")] = (el.get("Type", "").rsplit("/", 1)[-1], path)
    return out


def workbook_sheets(zf: zipfile.ZipFile) -> list[dict]:
    """Worksheets in workbook order: {name, path, visible}; chart and dialog sheets left out."""
    names = set(zf.NameToInfo)
    if "[Content_Types].xml" not in names:
        raise _not_a_workbook(names)
    main = next((p for t, p in _rels(zf, "").values() if t == "officeDocument"), "xl/workbook.xml")
    if main not in names:
        raise _not_a_workbook(names)
    rels = _rels(zf, main)
    sheets = []
    for el in _xml(_read_part(zf, main), main).iter():
        if _local(el.tag) != "sheet":
            continue
        rid = next((v for k, v in el.attrib.items() if k.startswith("{") and _local(k) == "id"), "")
        kind, path = rels.get(rid, ("", ""))
        if kind == "worksheet" and path in names:
            sheets.append({"name": el.get("name", ""), "path": path,
                           "visible": el.get("state", "visible") == "visible"})
    if not sheets:
        raise WorkbookError("工作簿中没有工作表", "the workbook has no worksheet")
    if len({s["name"] for s in sheets}) < len(sheets):   # invalid in Excel; calamine might read another one
        raise WorkbookError("工作簿中有重名的工作表，文件已损坏", "the workbook has two sheets of the same name: damaged")
    return sheets


def _not_a_workbook(names: set[str]) -> WorkbookError:
    if any(n.startswith("word/") for n in names):
        return WorkbookError("这是Word文档，不是Excel工作簿", "this is a Word document, not an Excel workbook")
    if any(n.startswith("ppt/") for n in names):
        return WorkbookError("这是PowerPoint文档，不是Excel工作簿", "this is a PowerPoint file, not an Excel workbook")
    return WorkbookError("这是ZIP压缩包，不是Excel工作簿", "this is a ZIP archive, not an Excel workbook")


def choose_sheet(sheets: list[dict], sheet: str | int | None) -> dict:
    """By name (exact, then ignoring case and spaces), by 0-based index among the visible sheets (an
    int, or digits that name no sheet), or the first visible sheet."""
    visible = [s for s in sheets if s["visible"]] or sheets
    if sheet is None:
        return visible[0]
    if isinstance(sheet, int) and not isinstance(sheet, bool):
        if 0 <= sheet < len(visible):
            return visible[sheet]
    else:
        key = str(sheet)
        for match in (lambda s: s["name"] == key,
                      lambda s: s["name"].strip().casefold() == key.strip().casefold()):
            found = [s for s in sheets if match(s)]
            if found:
                return found[0]
        if key.isdigit() and int(key) < len(visible):     # "1" from a form: an index, unless a sheet is named so
            return visible[int(key)]
    listed = "、".join(s["name"] for s in visible)
    raise WorkbookError(f"没有工作表“{sheet}”；可选：{listed}", f"no sheet '{sheet}'; available: {', '.join(s['name'] for s in visible)}",
                        field="sheet")


# ------------------------------------------------------------------ scanning the sheet XML

# Fast path: cells whose first attribute is their reference, unprefixed, as Excel, WPS, LibreOffice and
# openpyxl write them. When every cell of a chunk is of that form, its extent takes a few regex passes.
_FAST_REF = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"')
_ANY_CELL = re.compile(rb"<c[\s/>]")
_PREFIXED = re.compile(rb":c[\s/>]")
# Exact: non-self-closing cells only (a self-closing cell holds no value and calamine ignores it).
_USED_REF = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"[^>]*(?<!/)>')
# Slow path: every row and cell tag, prefixed or not, attributes in any order.
_TAG = re.compile(rb'<(?:[\w.-]+:)?(row|c)((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|\'[^\']*\'))*)\s*(/?)>')
_ANY_TAG_CELL = re.compile(rb"<(?:[\w.-]+:)?c[\s/>]")
_ATTR = re.compile(rb'([\w:.-]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')
_REF = re.compile(r"\$?([A-Za-z]{1,4})\$?([0-9]{1,8})")
_MERGE = re.compile(rb"<(?:[\w.-]+:)?mergeCell[\s/>]")
_SHARED = re.compile(rb"<(?:[\w.-]+:)?si[\s/>]")


class _Extent:
    """Largest row and column of the sheet's non-empty cells, checked against the limits as found."""

    def __init__(self, limits: dict, sheet: str):
        self.limits, self.sheet = limits, sheet
        self.max_rows = limits["max_rows"] + HEADER_SLACK
        self.rows = self.cols = 0

    def within(self, col: int, row: int) -> bool:
        return 1 <= row <= self.max_rows and 0 <= col < self.limits["max_cols"]

    def add(self, col: int, row: int) -> None:
        if not self.within(col, row):
            ref = f"{column_letter(max(col, 0))}{row}"
            lim = self.limits
            raise WorkbookError(f"工作表“{self.sheet}”的单元格 {ref} 超出允许范围（最多 {lim['max_cols']} 列、{self.max_rows} 行）",
                                f"cell {ref} of sheet '{self.sheet}' is beyond the allowed range "
                                f"(at most {lim['max_cols']} columns and {self.max_rows} rows)", row=row, field=ref)
        self.rows, self.cols = max(self.rows, row), max(self.cols, col + 1)

    def check_area(self) -> None:
        cells, cap = self.rows * self.cols, self.limits["max_cells"]
        if cells > cap:
            area = f"A1:{column_letter(self.cols - 1)}{self.rows}"
            raise WorkbookError(f"工作表“{self.sheet}”的数据区域 {area} 有{cells}个单元格，超过上限{cap}",
                                f"the data area {area} of sheet '{self.sheet}' has {cells} cells, more than {cap}",
                                field=area)


def _chunks(zf: zipfile.ZipFile, name: str, budget: list[int]):
    """The member inflated in bounded chunks, charged against the shared byte budget; CRC checked."""
    try:
        with zf.open(name) as f:
            while chunk := f.read(CHUNK):
                budget[0] -= len(chunk)
                if budget[0] < 0:
                    raise WorkbookError("工作簿解压后过大，疑为压缩炸弹", "the workbook inflates to too much data: a zip bomb")
                yield chunk
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
        raise WorkbookError(f"工作簿部件“{name}”已损坏", f"workbook part '{name}' is damaged: {exc}") from exc


def _tag_chunks(chunks, carry_cap: int):
    """Chunks cut after their last complete tag, so that no tag is split between two chunks."""
    carry = b""
    for chunk in chunks:
        buf = carry + chunk
        cut = buf.rfind(b"<")
        if cut >= 0 and buf.find(b">", cut) < 0:
            buf, carry = buf[:cut], buf[cut:]
        else:
            carry = b""
        if len(carry) > carry_cap:
            raise WorkbookError("工作表XML中有过长的标记或单元格", "the sheet XML has an over-long tag or cell")
        yield buf
    if carry:
        yield carry


def scan_sheet(zf: zipfile.ZipFile, path: str, sheet: str, limits: dict, budget: list[int]) -> tuple[int, int]:
    """(rows, cols) of the used area from A1, refusing the first cell beyond the limits.

    Fast path: every cell names its reference first. Otherwise (references missing, prefixed tags,
    attributes in another order), the sheet is scanned again tag by tag as calamine places cells.
    """
    ext = _Extent(limits, sheet)
    merges, start = 0, budget[0]
    for buf in _tag_chunks(_chunks(zf, path, budget), 4 * limits["max_cell_chars"] + CHUNK):
        cells = _FAST_REF.findall(buf)
        if len(cells) != len(_ANY_CELL.findall(buf)) or _PREFIXED.search(buf):
            budget[0] = start                     # the same bytes, inflated again
            return _scan_sheet_slow(zf, path, sheet, limits, budget)
        if cells:
            _fast_extent(ext, cells, buf)
            ext.check_area()
        merges += len(_MERGE.findall(buf))
    ext.check_area()
    _check_merges(merges, limits)
    return ext.rows, ext.cols


def _fast_extent(ext: _Extent, cells: list[tuple[bytes, bytes]], buf: bytes) -> None:
    """Largest row and column of the chunk; self-closing (empty) cells count unless that matters."""
    cols = {c for c, _ in cells}
    width = max(map(len, cols))
    col = column_index(max(c for c in cols if len(c) == width).decode())     # same length: lexical order
    row = max(map(int, [r for _, r in cells]))
    if ext.within(col, row):
        ext.rows, ext.cols = max(ext.rows, row), max(ext.cols, col + 1)
        return
    for c, r in _USED_REF.findall(buf):          # over the limits: look again at cells with a value only
        ext.add(column_index(c.decode()), int(r))


def _scan_sheet_slow(zf, path: str, sheet: str, limits: dict, budget: list[int]) -> tuple[int, int]:
    ext = _Extent(limits, sheet)
    row, col, merges = 0, -1, 0
    for buf in _tag_chunks(_chunks(zf, path, budget), 4 * limits["max_cell_chars"] + CHUNK):
        tags = _TAG.findall(buf)
        if sum(1 for t in tags if t[0] == b"c") != len(_ANY_TAG_CELL.findall(buf)):
            raise WorkbookError(f"工作表“{sheet}”的XML中有无法识别的单元格标记",
                                f"sheet '{sheet}' has cell markup that cannot be read")
        for name, attrs, closed in tags:
            ref = _attr_r(attrs)
            if name == b"row":               # calamine numbers rows and cells without r in sequence
                row, col = (int(ref) if ref and ref.isdigit() else row + 1), -1
                continue
            m = _REF.fullmatch(ref) if ref else None
            col, row = (column_index(m.group(1)), int(m.group(2))) if m else (col + 1, row)
            if not closed:
                ext.add(col, row)
        merges += len(_MERGE.findall(buf))
    ext.check_area()
    _check_merges(merges, limits)
    return ext.rows, ext.cols


def _attr_r(attrs: bytes) -> str | None:
    for key, v1, v2 in _ATTR.findall(attrs):
        if key == b"r" or key.endswith(b":r"):
            value = (v1 or v2).decode("utf-8", "replace")
            if "&" in value:                       # a character reference: rare, and html costs 20 ms to import
                import html
                value = html.unescape(value)
            return value
    return None


def _check_merges(merges: int, limits: dict) -> None:
    if merges > limits["max_rows"]:
        raise WorkbookError(f"工作表有{merges}个合并单元格区域，过多", f"the sheet has {merges} merged ranges: too many")


def verify_members(zf: zipfile.ZipFile, skip: str, limits: dict, budget: list[int]) -> None:
    """Inflate every other member (bounded, CRC-checked); count the shared strings."""
    for info in zf.infolist():
        if info.filename == skip or info.is_dir():
            continue
        chunks = _chunks(zf, info.filename, budget)
        if not info.filename.endswith("sharedStrings.xml"):
            for _ in chunks:
                pass
            continue
        shared = sum(len(_SHARED.findall(c)) for c in _tag_chunks(chunks, 4 * limits["max_cell_chars"] + CHUNK))
        if shared > limits["max_cells"]:
            raise WorkbookError(f"工作簿有{shared}个共享字符串，超过上限{limits['max_cells']}",
                                f"the workbook has {shared} shared strings, more than {limits['max_cells']}")


# ------------------------------------------------------------------ calamine, after the checks

def _open_calamine(content: bytes):
    import python_calamine as pc
    try:
        return pc.CalamineWorkbook.from_filelike(io.BytesIO(content))
    except pc.PasswordError as exc:
        raise WorkbookError("工作簿设有密码，请在Excel中取消密码后再上传",
                            "the workbook is password-protected; remove the password in Excel and upload again") from exc
    except pc.CalamineError as exc:
        raise WorkbookError("无法读取Excel文件，文件可能已损坏", f"cannot read the Excel file; it may be damaged: {exc}") from exc


def _load_sheet(wb, name: str):
    import python_calamine as pc
    try:
        return wb.get_sheet_by_name(name)
    except pc.CalamineError as exc:
        raise WorkbookError(f"无法读取工作表“{name}”，文件可能已损坏",
                            f"cannot read sheet '{name}'; the file may be damaged: {exc}", field="sheet") from exc


def sheet_rows(sh, name: str, limits: dict) -> dict:
    """Non-blank rows as text, with their Excel row numbers; columns from A; merged ranges in row
    indices. Cell length and total text are capped while the rows are converted."""
    rows: list[list[str]] = []
    numbers: list[int] = []
    budget, cap = limits["max_uncompressed_bytes"], limits["max_cell_chars"]
    count = width = 0
    max_rows = limits["max_rows"] + HEADER_SLACK
    for count, raw in enumerate(sh.iter_rows(), 1):
        if count > max_rows:                      # the scan has checked this already; for .xls and in depth
            raise WorkbookError(f"工作表“{name}”超过{max_rows}行", f"sheet '{name}' has more than {max_rows} rows", row=count)
        texts = [v if type(v) is str else number_text(v) if type(v) is float else cell_text(v) for v in raw]
        width = len(texts)
        if not any(texts):
            continue
        lengths = list(map(len, texts))
        if max(lengths) > cap:
            raise _cell_too_long(name, lengths, cap, count, (sh.end or (0, 0))[1] + 1 - width)
        budget -= sum(lengths)
        if budget < 0:
            raise WorkbookError(f"工作表“{name}”的文字总量过大", f"sheet '{name}' holds too much text")
        rows.append(texts)
        numbers.append(count)
    # python-calamine yields rows from row 1 but columns from the first used one: pad to column A
    end = sh.end or (0, 0)
    row_shift, col_shift = end[0] + 1 - count, end[1] + 1 - width
    if col_shift > 0:
        rows = [[""] * col_shift + r for r in rows]
    numbers = [n + row_shift for n in numbers] if row_shift > 0 else numbers
    return {"rows": rows, "row_numbers": numbers, "merged": _merged(sh, numbers)}


def _cell_too_long(name: str, lengths: list[int], cap: int, row: int, col_shift: int) -> WorkbookError:
    ref = f"{column_letter(next(i for i, n in enumerate(lengths) if n > cap) + max(col_shift, 0))}{row}"
    return WorkbookError(f"工作表“{name}”的单元格 {ref} 超过{cap}个字符",
                         f"cell {ref} of sheet '{name}' is longer than {cap} characters", row=row, field=ref)


def _merged(sh, numbers: list[int]) -> list[tuple[int, int, int, int]]:
    """calamine's merged ranges (0-based Excel rows) as indices into the non-blank rows."""
    from bisect import bisect_left, bisect_right
    out = []
    for (r0, c0), (r1, c1) in sh.merged_cell_ranges or []:
        first, last = bisect_left(numbers, r0 + 1), bisect_right(numbers, r1 + 1) - 1
        if first <= last:
            out.append((first, c0, last, c1))
    return out


def _check_xls_extent(sh, name: str, limits: dict) -> None:
    """BIFF is read whole by calamine (bounded by the format: 65,536 × 256); refuse before converting."""
    end = sh.end or (0, 0)
    rows, cols = end[0] + 1, end[1] + 1
    if rows > limits["max_rows"] + HEADER_SLACK or cols > limits["max_cols"] or rows * cols > limits["max_cells"]:
        ref = f"{column_letter(end[1])}{rows}"
        raise WorkbookError(f"工作表“{name}”的数据区域 A1:{ref} 超出允许范围（最多 {limits['max_cols']} 列、"
                            f"{limits['max_rows'] + HEADER_SLACK} 行、{limits['max_cells']} 个单元格）",
                            f"the data area A1:{ref} of sheet '{name}' is beyond the allowed range (at most "
                            f"{limits['max_cols']} columns, {limits['max_rows'] + HEADER_SLACK} rows, "
                            f"{limits['max_cells']} cells)", field=ref)


# ------------------------------------------------------------------ the two operations

def read_workbook(content: bytes, kind: str, limits: dict, sheet: str | int | None = None,
                  op: str = "read") -> dict:
    """op "sheets": {sheets}; op "read": {sheets, sheet, rows, row_numbers, merged}."""
    if kind == "xls":
        return _read_xls(content, limits, sheet, op)
    zf = open_zip(content, limits)
    sheets = workbook_sheets(zf)
    names = [s["name"] for s in sheets if s["visible"]] or [s["name"] for s in sheets]
    if op == "sheets":
        return {"sheets": names}
    chosen = choose_sheet(sheets, sheet)
    budget = [limits["max_uncompressed_bytes"]]
    scan_sheet(zf, chosen["path"], chosen["name"], limits, budget)
    verify_members(zf, chosen["path"], limits, budget)
    sh = _load_sheet(_open_calamine(content), chosen["name"])
    return {"sheets": names, "sheet": chosen["name"], **sheet_rows(sh, chosen["name"], limits)}


def _read_xls(content: bytes, limits: dict, sheet, op: str) -> dict:
    import python_calamine as pc
    wb = _open_calamine(content)
    sheets = [{"name": m.name, "path": "", "visible": m.visible == pc.SheetVisibleEnum.Visible}
              for m in wb.sheets_metadata if m.typ == pc.SheetTypeEnum.WorkSheet]
    if not sheets:
        raise WorkbookError("工作簿中没有工作表", "the workbook has no worksheet")
    names = [s["name"] for s in sheets if s["visible"]] or [s["name"] for s in sheets]
    if op == "sheets":
        return {"sheets": names}
    chosen = choose_sheet(sheets, sheet)
    sh = _load_sheet(wb, chosen["name"])
    _check_xls_extent(sh, chosen["name"], limits)
    return {"sheets": names, "sheet": chosen["name"], **sheet_rows(sh, chosen["name"], limits)}


# ------------------------------------------------------------------ the isolated child

def _limit_self(limits: dict) -> None:
    """Address space and CPU time of this process (POSIX; on Windows only the parent's timeout holds)."""
    try:
        import resource
    except ImportError:
        return
    for which, value in ((resource.RLIMIT_AS, int(limits["max_memory_mb"]) << 20),
                         (resource.RLIMIT_CPU, int(limits["max_seconds"]) + 1)):
        hard = resource.getrlimit(which)[1]            # never above a limit the server already runs under
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(which, (value, hard if which == resource.RLIMIT_CPU else value))


def main() -> int:
    import json
    params = json.loads(sys.argv[1])
    sys.path[:0] = params.get("paths", [])        # started with -S: only the two packages it needs
    _limit_self(params["limits"])
    import orjson
    content = sys.stdin.buffer.read()
    try:
        out = {"ok": True, **read_workbook(content, params["kind"], params["limits"], params.get("sheet"),
                                           params.get("op", "read"))}
    except WorkbookError as exc:
        out = {"ok": False, **exc.to_dict()}
    except MemoryError:
        out = {"ok": False, "memory": True}
    sys.stdout.buffer.write(orjson.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
