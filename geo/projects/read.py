"""Step "read": an uploaded project list (.xlsx/.xls, CSV, GeoJSON) as a ``Grid`` of cell text.

Limits are enforced while reading. Workbooks are parsed in a child process with a memory and time
limit (``_workbook.py``), so that even a parser bug costs only the child; every problem becomes an
``ImportFileError`` naming the sheet, row and column, Chinese first.

Rows keep the number a user sees in Excel (1-based, title rows counted); fully blank rows are left
out of ``Grid.rows``. For GeoJSON, row 0 is a synthetic header of property names and each feature's
row number is its position in the file (1-based).
"""
from __future__ import annotations

import csv
import functools
import importlib.util
import io
import logging
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import orjson
import pandas as pd

from ..errors import ImportFileError
from . import _workbook
from ._workbook import HEADER_SLACK, cell_text, column_letter
from .limits import Limits

log = logging.getLogger(__name__)

FORMATS = ("xlsx", "xls", "csv", "geojson")
HEAD_RECORDS = 50              # CSV records read for header detection before the body is read in bulk
DELIMITERS = (",", "\t", ";", "|")
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass
class Grid:
    """The cells of one sheet (or CSV, or GeoJSON properties) as the text a user sees."""
    format: str                                      # "xlsx" | "xls" | "csv" | "geojson"
    rows: list[list[str]]                            # non-blank rows; ragged rows are allowed
    row_numbers: list[int]                           # Excel / CSV row number of each row
    sheets: list[str] = field(default_factory=list)  # visible worksheets; [] for CSV and GeoJSON
    sheet: str = ""
    encoding: str = ""                               # CSV: utf-8, utf-8-sig, utf-16, gb18030
    delimiter: str = ""                              # CSV
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)   # first_row, first_col, last_row, last_col
    geometries: list[str] | None = None              # GeoJSON: geometry JSON per row ("" for none)
    filename: str = ""

    @property
    def width(self) -> int:
        return max(map(len, self.rows), default=0)


def file_error(zh: str, en: str, filename: str, **where) -> ImportFileError:
    return ImportFileError(zh, en, file=filename, **where)


# ------------------------------------------------------------------ entry points

def read_file(filename: str, content: bytes, *, limits: Limits, sheet: str | int | None = None,
              isolate: bool = True) -> Grid:
    """The file as a Grid. ``sheet``: a worksheet name, or a 0-based index among the visible sheets;
    the first visible sheet by default. ``isolate=False`` parses workbooks in this process (tests)."""
    fmt = sniff_format(filename, content, limits)
    if fmt in ("xlsx", "xls"):
        out = _workbook_call(fmt, filename, content, limits, sheet, "read", isolate)
        grid = Grid(fmt, out["rows"], out["row_numbers"], sheets=out["sheets"], sheet=out["sheet"],
                    merged=[tuple(m) for m in out["merged"]], filename=filename)
    elif fmt == "geojson":
        grid = read_geojson(filename, content, limits)
    else:
        grid = read_csv(filename, content, limits)
    if not grid.rows or (fmt == "geojson" and len(grid.rows) == 1):
        where = f"工作表“{grid.sheet}”" if grid.sheet else "文件"
        raise file_error(f"{where}中没有数据", f"{'sheet ' + repr(grid.sheet) if grid.sheet else 'the file'} has no data",
                         filename)
    return grid


def list_sheets(filename: str, content: bytes, limits: Limits, *, isolate: bool = True) -> list[str]:
    """Visible worksheet names of a workbook; [] for CSV and GeoJSON."""
    fmt = sniff_format(filename, content, limits)
    if fmt not in ("xlsx", "xls"):
        return []
    return _workbook_call(fmt, filename, content, limits, None, "sheets", isolate)["sheets"]


def sniff_format(filename: str, content: bytes, limits: Limits) -> str:
    """The format from the content's signature, then the extension; a clear refusal otherwise."""
    if not content:
        raise file_error("文件为空", "the file is empty", filename)
    if len(content) > limits.max_bytes:
        raise file_error(f"文件大小{len(content) / 2**20:.1f}MB，超过上限{limits.max_bytes / 2**20:.0f}MB",
                         f"the file is {len(content) / 2**20:.1f} MB, over the limit of {limits.max_bytes / 2**20:.0f} MB",
                         filename)
    ext = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    if content.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "xlsx"                    # whatever its name; a .docx is told apart inside the zip
    if content.startswith(_OLE):
        return _sniff_ole(content, filename)
    _refuse_other_binary(content, ext, filename)
    if ext in ("geojson", "json"):
        return "geojson"
    if ext in ("csv", "txt", "tsv", ""):
        return "csv"
    raise file_error(f"不支持的文件类型“.{ext}”，应为Excel（.xlsx/.xls）、CSV或GeoJSON",
                     f"unsupported file type '.{ext}'; expected Excel (.xlsx/.xls), CSV or GeoJSON", filename)


def _sniff_ole(content: bytes, filename: str) -> str:
    """OLE2 compound files: .xls, but also encrypted .xlsx and Word/PowerPoint 97 files."""
    def has(name: str) -> bool:
        return name.encode("utf-16-le") in content
    if has("EncryptedPackage"):
        raise file_error("工作簿设有密码（已加密），请在Excel中取消密码后再上传",
                         "the workbook is password-protected (encrypted); remove the password in Excel and upload again",
                         filename)
    if has("WordDocument"):
        raise file_error("这是Word文档，不是Excel工作簿", "this is a Word document, not an Excel workbook", filename)
    if has("PowerPoint Document"):
        raise file_error("这是PowerPoint文件，不是Excel工作簿", "this is a PowerPoint file, not an Excel workbook", filename)
    return "xls"


def _refuse_other_binary(content: bytes, ext: str, filename: str) -> None:
    head = content[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    known = {b"%pdf": "PDF", b"\x89png": "PNG图片/PNG image", b"\xff\xd8\xff": "JPEG图片/JPEG image",
             b"gif8": "GIF图片/GIF image", b"rar!": "RAR压缩包/RAR archive", b"7z\xbc\xaf": "7z压缩包/7z archive",
             b"\x1f\x8b": "gzip压缩包/gzip archive"}
    for magic, what in known.items():
        if head.startswith(magic):
            raise file_error(f"这是{what.split('/')[0]}文件，不是Excel、CSV或GeoJSON",
                             f"this is a {what.split('/')[-1]}, not Excel, CSV or GeoJSON", filename)
    if ext in ("xlsx", "xlsm", "xls"):
        if head.startswith((b"<html", b"<!doctype", b"<table")) or b"urn:schemas-microsoft-com:office:spreadsheet" in content[:4096]:
            raise file_error("这是网页（HTML）或XML表格导出的“.xls”文件，不是真正的Excel工作簿；请在Excel中打开后另存为.xlsx",
                             "this is an HTML or XML-spreadsheet export named .xls, not a real workbook; open it in "
                             "Excel and save it as .xlsx", filename)
        raise file_error(f"扩展名为“.{ext}”，但内容不是Excel工作簿（可能是文本或CSV，请改为.csv）",
                         f"the name ends in '.{ext}' but the content is not an Excel workbook (text or CSV? rename it .csv)",
                         filename)


# ------------------------------------------------------------------ workbooks: in a child process

def _workbook_call(kind: str, filename: str, content: bytes, limits: Limits, sheet, op: str, isolate: bool) -> dict:
    if not isolate:
        try:
            return _workbook.read_workbook(content, kind, limits.to_dict(), sheet, op)
        except _workbook.WorkbookError as exc:
            raise file_error(exc.zh, exc.en, filename, row=exc.row, field=exc.field) from None
        except MemoryError:
            raise _limit_error(filename, limits, "memory") from None
    out = _run_isolated({"kind": kind, "limits": limits.to_dict(), "sheet": sheet, "op": op}, content, limits,
                        filename)
    if not out.get("ok"):
        if out.get("memory"):
            raise _limit_error(filename, limits, "memory")
        raise file_error(out["zh"], out["en"], filename, row=out.get("row"), field=out.get("field"))
    return out


def _run_isolated(params: dict, content: bytes, limits: Limits, filename: str) -> dict:
    """``_workbook.py`` as a script: the file on stdin, one JSON document on stdout. The child sets
    its own RLIMIT_AS and RLIMIT_CPU (no preexec_fn: unsafe in a threaded server); the parent
    enforces the wall time and survives whatever happens to the child."""
    # -S: no site (its .pth hooks cost more than the parse of a small file); -P: not geo/projects/ either
    flags = ["-S", "-P"] if sys.version_info >= (3, 11) else ["-S"]
    params = {**params, "paths": _child_paths()}
    cmd = [sys.executable, *flags, str(Path(_workbook.__file__)), orjson.dumps(params).decode()]
    try:
        proc = subprocess.run(cmd, input=content, capture_output=True, timeout=limits.max_seconds, check=False)
    except subprocess.TimeoutExpired:
        raise _limit_error(filename, limits, "time") from None
    except OSError as exc:
        raise file_error("无法启动文件解析进程", f"cannot start the file parser process: {exc}", filename) from exc
    if proc.returncode != 0:
        log.warning("workbook parser for %s exited with %s: %s", filename, proc.returncode,
                    proc.stderr[-2000:].decode("utf-8", "replace"))
        xcpu = getattr(signal, "SIGXCPU", None)
        raise _limit_error(filename, limits, "time" if xcpu and proc.returncode == -xcpu else "memory",
                           proc.returncode)
    try:
        return orjson.loads(proc.stdout)
    except orjson.JSONDecodeError:
        raise _limit_error(filename, limits, "memory", proc.returncode) from None


@functools.cache
def _child_paths() -> list[str]:
    """The directories holding python_calamine and orjson, for a child started without site."""
    paths = []
    for name in ("python_calamine", "orjson"):
        spec = importlib.util.find_spec(name)
        if spec and spec.submodule_search_locations:
            paths.append(str(Path(next(iter(spec.submodule_search_locations))).parent))
        elif spec and spec.origin:
            paths.append(str(Path(spec.origin).parent))
    return list(dict.fromkeys(paths))


def _limit_error(filename: str, limits: Limits, kind: str, code: int | None = None) -> ImportFileError:
    zh, en = (f"（退出码 {code}）", f" (exit code {code})") if code else ("", "")
    if kind == "time":
        return file_error(f"文件解析超出时间限制（{limits.max_seconds:g}秒），已中止；文件可能过大或已损坏{zh}",
                          f"parsing the file exceeded the time limit ({limits.max_seconds:g} s) and was stopped; "
                          f"the file may be too large or damaged{en}", filename)
    return file_error(f"文件解析超出内存限制（{limits.max_memory_mb} MB）或解析器异常退出，已中止；文件可能过大或已损坏{zh}",
                      f"parsing the file exceeded the memory limit ({limits.max_memory_mb} MB) or the parser failed; "
                      f"the file may be too large or damaged{en}", filename)


# ------------------------------------------------------------------ CSV

SAMPLE_BYTES = 1 << 16


def detect_encoding(sample: bytes) -> str:
    """utf-8-sig, utf-16 (Excel's "Unicode text"), utf-8, or gb18030 (what Excel in China saves)."""
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" and exc.start >= len(sample) - 3:
            return "utf-8"                  # the sample ends inside a character
        return "gb18030"
    return "utf-8"


def decode_text(content: bytes, filename: str) -> tuple[str, str]:
    """(text, encoding) of a whole text file; refused when it is neither UTF-8/16 nor GB18030, or binary."""
    encoding = detect_encoding(content)
    for enc in dict.fromkeys([encoding, "gb18030"]):
        try:
            text = content.decode(enc)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        return text.removeprefix("\ufeff"), enc
    raise file_error("无法识别文件编码，应为UTF-8或GBK（GB18030）的文本文件",
                     "cannot decode the file; expected a UTF-8 or GBK (GB18030) text file", filename)


def sniff_delimiter(sample: str) -> str:
    """The delimiter that splits most lines of the sample into the same number (> 1) of fields."""
    best, best_score = ",", (0, 0)
    for d in DELIMITERS:
        try:
            widths = [len(r) for r in csv.reader(io.StringIO(sample, newline=""), delimiter=d) if len(r) > 1]
        except csv.Error:
            continue
        if widths:
            width = max(set(widths), key=widths.count)
            score = (widths.count(width), width)
            if score > best_score:
                best, best_score = d, score
    return best


def _records(reader, first: int, limits: Limits, filename: str, max_rows: int):
    """(row number, fields) of the non-blank records, with the limits checked on each."""
    i = -1
    try:
        for i, rec in enumerate(reader):
            if i >= max_rows:
                raise file_error(f"行数超过上限{max_rows}，请拆分文件", f"more than {max_rows} rows; split the file",
                                 filename, row=first + i)
            if not any(rec):
                continue
            _check_fields(rec, first + i, limits, filename)
            yield first + i, rec
    except csv.Error as exc:
        n = first + max(i, 0) + 1
        if "field larger than field limit" in str(exc):
            raise file_error(f"单元格超过{limits.max_cell_chars}个字符", f"a cell is longer than {limits.max_cell_chars} "
                             "characters", filename, row=n) from exc
        raise file_error(f"CSV格式错误：{exc}", f"malformed CSV: {exc}", filename, row=n) from exc


def _check_fields(rec: list[str], row: int, limits: Limits, filename: str) -> None:
    if len(rec) > limits.max_cols:
        raise file_error(f"有{len(rec)}列，超过上限{limits.max_cols}列", f"{len(rec)} columns, more than "
                         f"{limits.max_cols}", filename, row=row)
    if max(map(len, rec)) > limits.max_cell_chars:
        col = column_letter(next(j for j, v in enumerate(rec) if len(v) > limits.max_cell_chars))
        raise file_error(f"单元格超过{limits.max_cell_chars}个字符", f"the cell is longer than {limits.max_cell_chars} "
                         "characters", filename, row=row, field=f"{col}{row}")


def read_csv(filename: str, content: bytes, limits: Limits) -> Grid:
    """The whole CSV as a Grid (the csv module: for previews and small files; see ``csv_source``)."""
    text, encoding = decode_text(content, filename)
    sep = sniff_delimiter(text[:SAMPLE_BYTES])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    numbers, rows = [], []
    for n, rec in _records(reader, 1, limits, filename, limits.max_rows + HEADER_SLACK):
        numbers.append(n)
        rows.append(rec)
    _check_cells(len(rows), max(map(len, rows), default=0), limits, filename)
    return Grid("csv", rows, numbers, encoding=encoding, delimiter=sep, filename=filename)


def _check_cells(rows: int, cols: int, limits: Limits, filename: str) -> None:
    if rows * cols > limits.max_cells:
        raise file_error(f"{rows}行×{cols}列共{rows * cols}个单元格，超过上限{limits.max_cells}",
                         f"{rows} rows × {cols} columns = {rows * cols} cells, more than {limits.max_cells}", filename)


@dataclass
class CsvSource:
    """A CSV ready for a bulk read: its first records for header detection, the rest left as bytes."""
    data: bytes            # the file as UTF-8, without BOM
    head: Grid             # the first HEAD_RECORDS non-blank records
    ends: list[int]        # offset in ``data`` just after each head row
    complete: bool         # the head holds the whole file


def csv_source(filename: str, content: bytes, limits: Limits, records: int = HEAD_RECORDS) -> CsvSource:
    encoding = detect_encoding(content[:SAMPLE_BYTES])
    if encoding in ("utf-8", "utf-8-sig"):    # validated by pyarrow while the body is read
        data = content[3:] if encoding == "utf-8-sig" else content
    else:
        text, encoding = decode_text(content, filename)
        data = text.encode("utf-8")
    sample = data[:SAMPLE_BYTES].decode("utf-8", "replace")
    if "\x00" in sample:
        raise file_error("这不是文本（CSV）文件", "this is not a text (CSV) file", filename)
    sep = sniff_delimiter(sample)
    pos = 0

    def lines():
        nonlocal pos
        while pos < len(data):
            end = data.find(b"\n", pos)
            end = len(data) if end < 0 else end + 1
            line, pos = data[pos:end].decode("utf-8", "replace"), end
            yield line

    rows, numbers, ends = [], [], []
    for n, rec in _records(csv.reader(lines(), delimiter=sep), 1, limits, filename, limits.max_rows + HEADER_SLACK):
        rows.append(rec)
        numbers.append(n)
        ends.append(pos)
        if len(rows) >= records:
            break
    head = Grid("csv", rows, numbers, encoding=encoding, delimiter=sep, filename=filename)
    rest = len(data) - pos
    return CsvSource(data, head, ends, rest <= 0 or (rest < SAMPLE_BYTES and not data[pos:].strip()))


def csv_body(src: CsvSource, after: int, limits: Limits) -> tuple[pd.DataFrame, np.ndarray]:
    """Records after head row ``after`` (an index into ``src.head.rows``) as a DataFrame of str with
    columns 0..n-1, and their row numbers. pyarrow reads the bulk; the csv module takes over for
    ragged rows, blank lines, line breaks in cells or invalid UTF-8, to keep row numbers exact."""
    filename, first = src.head.filename, src.head.row_numbers[after] + 1
    ncols = max(map(len, src.head.rows[after:]))
    if src.complete:
        numbers = src.head.row_numbers[after + 1:]
        return rows_frame(src.head.rows[after + 1:], ncols), np.asarray(numbers, dtype=np.int64)
    body = src.data[src.ends[after]:]
    try:
        table = _arrow_csv(body, src.head.delimiter, ncols)
    except _Fallback:
        return _python_body(body, src.head.delimiter, first, ncols, limits, filename)
    if table.num_rows > limits.max_rows + HEADER_SLACK:
        raise file_error(f"行数{table.num_rows}超过上限{limits.max_rows}，请拆分文件",
                         f"{table.num_rows} rows exceed the limit of {limits.max_rows}; split the file", filename)
    _check_cells(table.num_rows, ncols, limits, filename)
    _check_lengths(table, first, limits, filename)
    df = _stripped(table).to_pandas()
    df.columns = range(ncols)
    return df, np.arange(first, first + len(df), dtype=np.int64)


def _stripped(table):
    """Values without surrounding whitespace (Unicode: also U+3000 and no-break spaces)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    return pa.table([pc.utf8_trim_whitespace(c) for c in table.columns], names=table.column_names)


class _Fallback(Exception):
    pass


def _arrow_csv(body: bytes, sep: str, ncols: int):
    """The body as a pyarrow Table (multithreaded, every column a string). Raises _Fallback when rows
    are ragged, the text is not UTF-8, or records and lines differ (blank lines, line breaks in cells)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    names = [str(i) for i in range(ncols)]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(body), read_options=pacsv.ReadOptions(column_names=names),
            parse_options=pacsv.ParseOptions(delimiter=sep, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()),
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise _Fallback from exc
    if table.num_rows != body.count(b"\n") + (not body.endswith(b"\n")):
        raise _Fallback
    return table


def _check_lengths(table, first: int, limits: Limits, filename: str) -> None:
    import pyarrow.compute as pc
    cap = limits.max_cell_chars
    for j, col in enumerate(table.columns):
        longest = pc.max(pc.binary_length(col)).as_py()       # bytes ≥ characters, and free to compute
        if longest is None or longest <= cap:
            continue
        lengths = pc.utf8_length(col)
        if pc.max(lengths).as_py() > cap:
            row = first + pc.index(pc.greater(lengths, cap), True).as_py()
            raise file_error(f"单元格超过{cap}个字符", f"the cell is longer than {cap} characters", filename,
                             row=row, field=f"{column_letter(j)}{row}")


def _python_body(body: bytes, sep: str, first: int, ncols: int, limits: Limits, filename: str):
    text, _ = decode_text(body, filename)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    numbers, rows = [], []
    for n, rec in _records(reader, first, limits, filename, limits.max_rows + HEADER_SLACK):
        numbers.append(n)
        rows.append(rec)
    _check_cells(len(rows), max([ncols, *map(len, rows)]), limits, filename)
    return rows_frame(rows, ncols), np.asarray(numbers, dtype=np.int64)


def rows_frame(rows: list[list[str]], ncols: int) -> pd.DataFrame:
    """Ragged rows as a DataFrame of str, padded to the widest row (at least ncols)."""
    width = max([ncols, *map(len, rows)])
    padded = [r + [""] * (width - len(r)) if len(r) < width else r for r in rows]
    return pd.DataFrame(padded, columns=range(width), dtype=str) if rows else \
        pd.DataFrame({i: pd.Series(dtype=str) for i in range(width)})


# ------------------------------------------------------------------ GeoJSON

def read_geojson(filename: str, content: bytes, limits: Limits) -> Grid:
    """Features as rows under a synthetic header of property names (row 0); geometry JSON per row."""
    feats = _features(filename, content, limits)
    keys: dict[str, None] = {}
    for f in feats:
        keys.update(dict.fromkeys(f.get("properties") or {}))
        if len(keys) > limits.max_cols:
            raise file_error(f"要素属性超过{limits.max_cols}种", f"more than {limits.max_cols} distinct properties",
                             filename)
    names = list(keys)
    rows, geometries = [names], [""]
    for i, f in enumerate(feats, 1):
        props = f.get("properties") or {}
        row = [_value_text(props.get(k)) for k in names]
        if row and max(map(len, row)) > limits.max_cell_chars:
            key = names[next(j for j, v in enumerate(row) if len(v) > limits.max_cell_chars)]
            raise file_error(f"第{i}个要素的属性超过{limits.max_cell_chars}个字符", f"a property of feature {i} is "
                             f"longer than {limits.max_cell_chars} characters", filename, row=i, field=key)
        rows.append(row)
        geom = f.get("geometry")
        geometries.append(orjson.dumps(geom).decode() if geom else "")
    return Grid("geojson", rows, list(range(len(rows))), geometries=geometries, filename=filename)


def _features(filename: str, content: bytes, limits: Limits) -> list[dict]:
    try:
        raw = content[3:] if content.startswith(b"\xef\xbb\xbf") else content
        doc = orjson.loads(raw if detect_encoding(raw[:SAMPLE_BYTES]) == "utf-8" else decode_text(raw, filename)[0])
    except orjson.JSONDecodeError as exc:
        raise file_error(f"GeoJSON格式错误：{exc}", f"malformed GeoJSON: {exc}", filename) from exc
    kind = doc.get("type") if isinstance(doc, dict) else None
    feats = doc.get("features") if kind == "FeatureCollection" else [doc] if kind == "Feature" else None
    if not isinstance(feats, list):
        raise file_error("GeoJSON应为FeatureCollection或Feature", "GeoJSON must be a FeatureCollection or a Feature",
                         filename)
    if len(feats) > limits.max_rows:
        raise file_error(f"要素数{len(feats)}超过上限{limits.max_rows}，请拆分文件",
                         f"{len(feats)} features exceed the limit of {limits.max_rows}; split the file", filename)
    for i, f in enumerate(feats, 1):
        if not isinstance(f, dict) or not isinstance(f.get("properties") or {}, dict):
            raise file_error(f"第{i}个要素格式错误（应为带properties对象的Feature）",
                             f"feature {i} is malformed (expected a Feature with a properties object)", filename, row=i)
    return feats


def _value_text(v) -> str:
    if isinstance(v, (dict, list)):
        return orjson.dumps(v).decode()
    return cell_text(v)
