"""Reading project lists: workbooks as officers send them, CSV and GeoJSON, hostile files refused
within the limits, and column suggestions. Every file is built here (openpyxl, zipfile)."""
import csv
import datetime as dt
import io
import json
import subprocess
import sys
import zipfile

import pytest

from geo.errors import ImportFileError
from geo.projects.columns import datum_of, suggest_mapping, unit_of
from geo.projects.header import combine_labels, detect_header, read_table, to_table
from geo.projects.limits import Limits
from geo.projects.read import list_sheets, read_file

LIMITS = Limits()
HEADER = ["编号", "项目名称", "经度", "纬度", "所在镇街", "领域", "总投资（亿元）", "建设状态", "年份"]
ROW1 = ["P1", "枫桥镇文旅项目", 120.41519, 29.79038, "枫桥镇", "文化旅游融合", 3.5, "在建", 2026]
ROW2 = ["P2", "店口铜产业项目", 120.35087, 29.94017, "店口镇", "先进制造业基地", 12, "前期", 2026]


def xlsx(build) -> bytes:
    from openpyxl import Workbook
    wb = Workbook()
    build(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def table(content, name="projects.xlsx", **kw):
    return read_table(name, content, kw.pop("limits", LIMITS), isolate=kw.pop("isolate", False), **kw)


def refused(content, name="projects.xlsx", limits=LIMITS, isolate=False, **kw) -> ImportFileError:
    with pytest.raises(ImportFileError) as e:
        read_table(name, content, limits, isolate=isolate, **kw)
    assert e.value.zh and e.value.en and e.value.file == name
    return e.value


# ------------------------------------------------------------------ workbooks as they come from the office

def office_list(ws):
    ws.title = "2026年重大项目"
    ws.append(["2026年诸暨市重大项目计划表"])
    ws.merge_cells("A1:I1")
    ws.append(["填报单位：诸暨市发改局", None, None, None, None, None, None, "单位：亿元"])


def test_title_and_unit_rows_above_the_header():
    def build(wb):
        office_list(wb.active)
        for r in (HEADER, ROW1, ROW2):
            wb.active.append(r)
    t = table(xlsx(build))
    assert t.header_rows == [3] and t.columns == HEADER
    assert t.title == "2026年诸暨市重大项目计划表" and t.unit == "亿元" and t.year == 2026
    assert t.df["_row"].tolist() == [4, 5]
    assert t.df.loc[0, "项目名称"] == "枫桥镇文旅项目" and t.df.loc[1, "总投资（亿元）"] == "12"
    assert t.sheet == "2026年重大项目" and t.format == "xlsx" and t.skipped == [] and t.warnings == []


def merged_two_row_header(wb):
    ws = wb.active
    office_list(ws)
    ws.append(["序号", "项目名称", "坐标", None, "所在镇街", "投资（亿元）", None, "建设性质", "责任单位"])
    ws.append([None, None, "经度", "纬度", None, "总投资", "2026年计划投资", None, None])
    for c in "ABEHI":
        ws.merge_cells(f"{c}3:{c}4")
    ws.merge_cells("C3:D3")
    ws.merge_cells("F3:G3")
    ws.append([1, "枫桥镇文旅项目", 120.41519, 29.79038, "枫桥镇", 3.5, 1.2, "新建", "枫桥镇政府"])
    ws.append([2, "店口铜产业项目", 120.35087, 29.94017, "店口镇", 12, 2, "续建", "店口镇政府"])
    ws.append(["小计", None, None, None, None, 15.5, 3.2])
    ws.append([3, "小微企业园", None, None, "山下湖镇", 0.8, 0.3, "新建", "山下湖镇"])
    ws.append([None, "合计（3个）", None, None, None, 16.3, 3.5])
    ws.append(["说明：1.坐标为高德坐标。"])
    ws.append(["2.投资单位为亿元。"])


TWO_ROW_NAMES = ["序号", "项目名称", "坐标/经度", "坐标/纬度", "所在镇街", "总投资（亿元）", "2026年计划投资（亿元）", "建设性质",
                 "责任单位"]


@pytest.mark.parametrize("isolate", [False, True])
def test_two_row_header_with_merged_cells(isolate):
    t = table(xlsx(merged_two_row_header), isolate=isolate)
    assert t.header_rows == [3, 4] and t.columns == TWO_ROW_NAMES
    assert t.df["_row"].tolist() == [5, 6, 8]                       # 小微企业园 starts with 小 but is a project
    assert t.df["坐标/经度"].tolist() == ["120.41519", "120.35087", ""]
    assert [(s["row"], s["reason"].split(" / ")[1]) for s in t.skipped] == [
        (7, "total or subtotal row, skipped"), (9, "total or subtotal row, skipped"), (10, "note row, skipped"),
        (11, "continuation of a note, skipped")]
    m = suggest_mapping(t.columns)
    assert (m["坐标/经度"], m["坐标/纬度"], m["总投资（亿元）"], m["2026年计划投资（亿元）"]) == \
        ("lon", "lat", "investment", "investment_year")
    assert m["建设性质"] == "nature" and m["序号"] is None and m["责任单位"] is None


def test_two_row_header_without_merge_information_csv():
    rows = [["2026年诸暨市重大项目计划表"], ["编号", "项目名称", "坐标", "", "投资（亿元）", ""],
            ["", "", "经度", "纬度", "总投资", "2026年计划投资"], ["P1", "枫桥镇文旅项目", "120.41519", "29.79038", "3.5", "1.2"]]
    t = table(csv_bytes(rows), "p.csv")
    assert t.header_rows == [2, 3]
    assert t.columns == ["编号", "项目名称", "坐标/经度", "坐标/纬度", "总投资（亿元）", "2026年计划投资（亿元）"]
    assert t.df["_row"].tolist() == [4]


def test_combination_rule():
    assert combine_labels("投资（亿元）", "总投资") == "总投资（亿元）"
    assert combine_labels("投资（亿元）", "2026年计划投资") == "2026年计划投资（亿元）"
    assert combine_labels("坐标", "经度") == "坐标/经度"
    assert combine_labels("坐标（GCJ-02）", "经度") == "坐标/经度（GCJ-02）"
    assert combine_labels("投资（亿元）", "总投资（万元）") == "总投资（万元）"     # the column's own unit wins
    assert combine_labels("编号", "") == "编号" and combine_labels("", "纬度") == "纬度"


def test_section_headings_and_repeated_headers_skipped_text_rows_kept():
    def build(wb):
        ws = wb.active
        ws.append(["项目名称", None, "所在镇街", "领域"])
        ws.merge_cells("A1:B1")                    # a wide name header over a text-only data row
        ws.append(["枫桥镇文旅项目", None, "枫桥镇", "文化旅游"])
        ws.append(["一、先进制造业（2个）"])
        ws.append(["店口铜产业项目", None, "店口镇", "先进制造业"])
        ws.append(["项目名称", None, "所在镇街", "领域"])
        ws.append(["（二）交通"])
        ws.append(["小城镇环境综合整治", None, "山下湖镇", "城乡建设"])
    t = table(xlsx(build))
    assert t.header_rows == [1] and t.columns == ["项目名称", "所在镇街", "领域"]     # blank, empty column B dropped
    assert t.df["_row"].tolist() == [2, 4, 7]
    assert [(s["row"], s["reason"].split(" / ")[1]) for s in t.skipped] == [
        (3, "section heading row, skipped"), (5, "repeated header row, skipped"), (6, "section heading row, skipped")]


def test_blank_and_repeated_headers_are_named_with_warnings():
    def build(wb):
        ws = wb.active
        ws.append(["项目名称", "经度", None, "名称", "名称", None])
        ws.append(["A项目", 120.4, "备用", "甲", "乙", None])
        ws.append(["B项目", 120.5, None, "丙", "丁", None])
    t = table(xlsx(build))
    assert t.columns == ["项目名称", "经度", "列C", "名称", "名称 (2)"]      # column F: blank and empty, dropped
    assert [w["column"] for w in t.warnings] == ["列C", "名称 (2)"]
    assert "column C" in t.warnings[0]["message"] and "repeated" in t.warnings[1]["message"]
    assert t.df["名称 (2)"].tolist() == ["乙", "丁"]


def test_manual_header_row():
    def build(wb):
        ws = wb.active
        ws.append(["说明", "本表由系统导出"])
        ws.append(["甲", "乙", "丙"])
        ws.append(["项目名称", "经度", "纬度"])
        ws.append(["A项目", "120.4", "29.7"])
    assert table(xlsx(build)).header_rows == [3]
    t = table(xlsx(build), header_row=2)
    assert t.header_rows == [2] and t.columns == ["甲", "乙", "丙"] and t.df["_row"].tolist() == [3, 4]
    e = refused(xlsx(build), header_row=9)
    assert e.row == 9 and "header row" in e.en


def two_sheets(wb):
    wb.active.title = "说明"
    wb.active.append(["本工作簿含2026年项目"])
    ws = wb.create_sheet("项目")
    for r in (HEADER, ROW1):
        ws.append(r)
    hidden = wb.create_sheet("隐藏")
    hidden.sheet_state = "hidden"
    hidden.append(HEADER)
    hidden.append(ROW2)


def test_sheet_choice_by_name_index_and_unknown():
    content = xlsx(two_sheets)
    assert list_sheets("p.xlsx", content, LIMITS, isolate=False) == ["说明", "项目"]
    assert table(content, sheet="项目").df["编号"].tolist() == ["P1"]
    assert table(content, sheet=1).sheet == "项目"
    assert table(content, sheet="隐藏").df["编号"].tolist() == ["P2"]          # hidden: not listed, still readable
    e = refused(content, sheet="2025年")
    assert "2025年" in e.zh and "说明、项目" in e.zh and "available: 说明, 项目" in e.en
    assert "5" in refused(content, sheet=5).en


def test_cells_as_excel_shows_them():
    def build(wb):
        ws = wb.active
        ws.append(["名称", "整数", "小数", "浮点噪声", "大数", "小数2", "日期", "时间", "布尔", "公式"])
        ws.append(["A", 2026, 120.41519, 0.1 + 0.2, 1e20, 1.5e-05, dt.date(2026, 3, 1), dt.datetime(2026, 3, 1, 8, 30),
                   True, "=B2*2"])
    t = table(xlsx(build))
    assert t.df.drop(columns="_row").iloc[0].tolist() == [
        "A", "2026", "120.41519", "0.3", "100000000000000000000", "0.000015", "2026-03-01", "2026-03-01 08:30:00",
        "TRUE", ""]                                    # openpyxl stores no cached value: blank, never "=B2*2"


def test_formula_cells_give_their_cached_value():
    sheet = ('<row r="1"><c r="A1" t="inlineStr"><is><t>名称</t></is></c><c r="B1" t="inlineStr"><is><t>值</t></is></c>'
             '<c r="C1" t="inlineStr"><is><t>文本</t></is></c></row>'
             '<row r="2"><c r="A2" t="inlineStr"><is><t>X</t></is></c><c r="B2"><f>1+1</f><v>2</v></c>'
             '<c r="C2" t="str"><f>"a"&amp;"b"</f><v>ab</v></c></row>')
    t = table(raw_xlsx(sheet))
    assert t.df.iloc[0][["值", "文本"]].tolist() == ["2", "ab"]


# A real BIFF8 workbook (5,632 bytes), made once with xlwt 1.3.0 (not a dependency: nothing here writes
# .xls): sheet 项目 with a title merged over A1:E1, a header, one project and a 合计 row; sheet 备用.
XLS = """
eNrtGFtIVFFwzrl3X7Guq66CBiJCauaHGkQQuvb0K1GTzIhNzS1F0Vgs2gS1TApEKEOw6GdBoiisfnpQ9PgIIgqjPoIg0CIIgigoElJvM3PvtbX2w4WS
jDuXM+fMnJkzc+7Medz7bDxpInItYxJ+gVJQYFZzgT2KJ7C4TMIL2K9p1DRrJxbNgiUFLicG0m6D2wlPHBRDivckSLiqPkAM8AbLLtgPFR3twaxFhA3s
Q4MgH0qEirkn4RwWD6SzX8mM9zBOYXyFZe8wLmPOIOMSlJ0QO2HcX5G/1sjjHTKb+zyIBdxgnVfMKYJUeER53HNS6LI2WB9qaWj7NzsyVTeMAkauPNge
DDW0TYAPQzgKX7UsgC/mWr2fZfEXly8A+VPz+Y4Y/NNSBegFrV5QIvaDGwpV6pEiPPLxINFDdp121OUdmIYuWIYUlUQQxVAIxbAGOgNTAxf2ysDTU7l1
pBYZSK5uPoEDpvV824ZLh3gJNZ/CyBnvPh/A6jJWDhDr6ocbNw06tXsVG6tcGqZ/ZRFyL+0LNpcPHw8+DJIiSjtrIgOYdofIrL5feOftFwm8ityIm9At
aifxWvLiiTB98fPzrY2V/t3M6eUzQj9JVtDUQYMjpIHKHu7h2WN2A+SzxirGR3nU5dzOYOxDGaxzKlONxpY+ljnGvTloZzXDC39uVDsP2/0fqm5m9r/1
r8T2WPnkYd/YS38EsvFka0J9evqgQBSIs2cIbvnNWhh7zmvG6b/tP07pNXzXjOMyEWY4VIDvg+AueHjuScajso6IoSNYh7BOmW9UpyRSyhyl8EgmpSJl
M7yRMUaWPLLdkNdjRYFUJO2FNLLvfUp4KCNQpnNo9JGW77XbH5eUdUvSIAtdNt2CEsOCwhYoziSvzMm/M+alR7lUJsN1cgb36p+wGBkm5vBSzTARM8Po
ZsZvFWK9VQsssMACCyywwILofzp0t1CMu7fNuHE5jP86M1hmrd8k/y1UQwc+nfhZuhnasQ5BOK78SQObMMcSC9Qx/xcS1KL1ELRCI/vRGnf+4o1ZRM9n
wYreP7eE4rU/G4+ff9n+DyZmIxI=
"""


@pytest.mark.parametrize("isolate", [False, True])
def test_xls_biff_workbook(isolate):
    import base64
    import zlib
    content = zlib.decompress(base64.b64decode(XLS))
    assert list_sheets("p.xls", content, LIMITS, isolate=isolate) == ["项目", "备用"]
    t = table(content, "p.xls", isolate=isolate)
    assert (t.format, t.sheet, t.header_rows, t.title) == ("xls", "项目", [2], "2026年诸暨市重大项目计划表")
    assert t.columns == ["编号", "项目名称", "经度", "纬度", "总投资（亿元）"] and t.df["_row"].tolist() == [3]
    assert t.df.loc[0, "经度"] == "120.41519" and [s["row"] for s in t.skipped] == [4]
    assert "A1:E4" in refused(content, "p.xls", limits=Limits(max_cols=3), isolate=isolate).en


# ------------------------------------------------------------------ CSV

def csv_bytes(rows, encoding="utf-8", delimiter=","):
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode(encoding)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_encodings_with_title_row(encoding):
    rows = [["2026年诸暨市重大项目计划表"], ["单位：亿元"], HEADER, [str(v) for v in ROW1]]
    content = csv_bytes(rows, encoding)
    grid = read_file("p.csv", content, limits=LIMITS)
    assert grid.rows[2] == HEADER and grid.row_numbers == [1, 2, 3, 4] and grid.delimiter == ","
    t = table(content, "p.csv")
    assert t.columns == HEADER and t.header_rows == [3] and t.title == "2026年诸暨市重大项目计划表" and t.unit == "亿元"
    assert t.df.loc[0, "项目名称"] == "枫桥镇文旅项目" and t.df["_row"].tolist() == [4]
    assert t.encoding == {"utf-8": "utf-8", "utf-8-sig": "utf-8-sig", "gbk": "gb18030"}[encoding]


@pytest.mark.parametrize(("delimiter", "encoding"), [("\t", "utf-8"), (";", "utf-8"), ("\t", "utf-16")])
def test_csv_tab_and_semicolon(delimiter, encoding):
    """Including Excel's "Unicode text" export: UTF-16 with BOM, tab-separated."""
    t = table(csv_bytes([HEADER, [str(v) for v in ROW1], [str(v) for v in ROW2]], encoding, delimiter), "p.txt")
    assert t.columns == HEADER and t.df["编号"].tolist() == ["P1", "P2"]


def test_large_csv_bulk_read_keeps_row_numbers():
    body = [[f"P{i}", f"项目{i}", "120.4", "29.8", "枫桥镇", "", "1.5", "在建", "2026"] for i in range(300)]
    t = table(csv_bytes([["2026年项目表"], HEADER, *body, ["合计", "", "", "", "", "", "450", "", ""]]), "p.csv")
    assert len(t.df) == 300 and t.df["_row"].iloc[0] == 3 and t.df["_row"].iloc[-1] == 302
    assert [s["row"] for s in t.skipped] == [303]
    body[100][1] = "多行\n名称"                    # a line break inside a cell, and a blank line
    lines = csv_bytes([HEADER, *body[:200]]) + b"\r\n" + csv_bytes(body[200:])
    t = table(lines, "p.csv")
    assert t.df.loc[t.df["编号"] == "P100", "项目名称"].item() == "多行\n名称"
    assert t.df.loc[t.df["编号"] == "P299", "_row"].item() == 302            # header 1, blank line 202
    body[150] = body[150][:3]                     # a short (ragged) row
    t = table(csv_bytes([HEADER, *body]), "p.csv")
    assert t.df.loc[t.df["编号"] == "P150", "所在镇街"].item() == "" and len(t.df) == 300


def test_csv_refusals():
    assert "cannot decode" in refused(b"a,b\n\x81", "p.csv").en
    assert "not a text (CSV) file" in refused(b"a,b\n\x00\x01,\x02", "p.csv").en
    assert refused(csv_bytes([HEADER, ["x" * 40_000] + [""] * 8]), "p.csv").row == 2
    wide = Limits(max_cols=5)
    assert "columns" in refused(csv_bytes([HEADER, [str(v) for v in ROW1]]), "p.csv", limits=wide).en
    many = csv_bytes([HEADER] + [[str(v) for v in ROW1]] * 120)
    assert "more than 1000" in refused(many, "p.csv", limits=Limits(max_cells=1000)).en        # bulk path


# ------------------------------------------------------------------ GeoJSON

def test_geojson_points_and_polygons():
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [120.41519, 29.79038]},
         "properties": {"项目名称": "枫桥镇文旅项目", "总投资": 3.5, "在建": True}},
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[120.3, 29.9], [120.4, 29.9], [120.4, 30.0],
                                                                            [120.3, 29.9]]]},
         "properties": {"项目名称": "店口园区", "领域": "先进制造业基地"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [120.2, 29.7]}, "properties": None}]}
    t = table(json.dumps(doc, ensure_ascii=False).encode(), "p.geojson")
    assert t.columns == ["项目名称", "总投资", "在建", "领域"] and t.format == "geojson"
    assert t.df["_row"].tolist() == [1, 2, 3]                     # feature numbers
    assert t.df.loc[0, "总投资"] == "3.5" and t.df.loc[0, "在建"] == "TRUE" and t.df.loc[1, "总投资"] == ""
    assert json.loads(t.df.loc[1, "_geometry"])["type"] == "Polygon" and t.df.loc[2, "项目名称"] == ""


def test_geojson_refusals():
    assert "malformed GeoJSON" in refused(b'{"type": "FeatureCollection", "features": [', "p.geojson").en
    assert "FeatureCollection" in refused(b'{"type": "Point", "coordinates": [1, 2]}', "p.geojson").en
    e = refused(b'{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": 3}]}', "p.geojson")
    assert e.row == 1


# ------------------------------------------------------------------ wrong files

def test_wrong_files_are_named():
    assert "empty" in refused(b"").en
    assert "Word" in refused(docx_bytes()).en
    assert "PDF" in refused(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj").en
    assert "not an Excel workbook" in refused(csv_bytes([HEADER])).en          # a CSV renamed .xlsx
    assert "HTML" in refused(b"<html><table><tr><td>1</td></tr></table></html>", "p.xls").en
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500 + "EncryptedPackage".encode("utf-16-le") + b"\0" * 500
    assert "password" in refused(ole).en
    assert "Excel" in refused(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2000, "p.xls").en     # not a BIFF workbook
    assert "unsupported" in refused(b"x", "p.docx").en
    assert "damaged" in refused(b"PK\x03\x04" + b"\0" * 100).en
    assert "has no data" in refused(xlsx(lambda wb: None)).en
    assert "no data rows below the header" in refused(xlsx(lambda wb: wb.active.append(HEADER))).en


def test_zip_level_encryption_flag():
    content = bytearray(xlsx(lambda wb: wb.active.append(HEADER)))
    pos = content.find(b"PK\x01\x02")
    while pos >= 0:                                            # set "encrypted" in every central directory entry
        content[pos + 8] |= 1
        pos = content.find(b"PK\x01\x02", pos + 4)
    assert "encrypted" in refused(bytes(content)).en


def docx_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


# ------------------------------------------------------------------ hostile workbooks

CT = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
      '<Default Extension="xml" ContentType="application/xml"/>'
      '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
      '<Override PartName="/xl/worksheets/sheet1.xml" '
      'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>{extra}</Types>')
RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>')
WB = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
      'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
      '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
WB_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
           '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
           'Target="worksheets/sheet1.xml"/>{extra}</Relationships>')
SST_CT = ('<Override PartName="/xl/sharedStrings.xml" '
          'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')
SST_REL = ('<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
           'Target="sharedStrings.xml"/>')


def raw_xlsx(sheet_data: str, shared: str | None = None, dimension: str = "A1") -> bytes:
    """A minimal workbook written by hand, as an attacker (or an odd exporter) would."""
    sheet = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             f'<dimension ref="{dimension}"/><sheetData>{sheet_data}</sheetData></worksheet>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CT.format(extra=SST_CT if shared is not None else ""))
        z.writestr("_rels/.rels", RELS)
        z.writestr("xl/workbook.xml", WB)
        z.writestr("xl/_rels/workbook.xml.rels", WB_RELS.format(extra=SST_REL if shared is not None else ""))
        z.writestr("xl/worksheets/sheet1.xml", sheet)
        if shared is not None:
            z.writestr("xl/sharedStrings.xml", shared)
    return buf.getvalue()


CELL_BOMB = ('<row r="1"><c r="A1" t="inlineStr"><is><t>项目名称</t></is></c></row>'
             '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')


def row_bomb() -> bytes:
    """1,000,000 rows of 6 cells, ~100 MB of XML in a ~1 MB zip (rows and cells without references:
    legal, and the careful scan is the one that must stop early). Parsed whole: well over 500 MB."""
    return raw_xlsx(("<row>" + "<c><v>1</v></c>" * 6 + "</row>") * 1_000_000, dimension="A1:F1000000")


def test_cell_bomb_refused_naming_the_cell():
    content = raw_xlsx(CELL_BOMB)
    assert len(content) < 3000
    e = refused(content)
    assert "XFD1048576" in e.zh and "XFD1048576" in e.en and "256" in e.en and e.field == "XFD1048576"
    assert "XFD1048576" in refused(content, isolate=True).en


def test_bombs_do_not_grow_the_process(tmp_path):
    """Parsed in-process (isolate=False) in a fresh interpreter, so that the growth of ru_maxrss
    after the imports is this read's peak: without the pre-scan, calamine aborts the process on the
    cell bomb and takes hundreds of MB on the row bomb."""
    (tmp_path / "cell.xlsx").write_bytes(raw_xlsx(CELL_BOMB))
    rows = row_bomb()
    assert len(rows) < 2_000_000
    (tmp_path / "rows.xlsx").write_bytes(rows)
    del rows
    code = f"""
import json, pathlib, resource
from geo.errors import ImportFileError
from geo.projects.limits import Limits
from geo.projects.read import read_file
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
out = []
for name in ("cell.xlsx", "rows.xlsx"):
    try:
        read_file(name, (pathlib.Path({str(tmp_path)!r}) / name).read_bytes(), limits=Limits(), isolate=False)
        out.append(None)
    except ImportFileError as e:
        out.append(e.en)
print(json.dumps({{"errors": out, "growth_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - base}}))
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    cell_msg, row_msg = res["errors"]
    assert "XFD1048576" in cell_msg
    assert "A200101" in row_msg                     # refused at the first row past the limit
    assert res["growth_mb"] < 100, res              # calamine alone needs ~200 MB for the row bomb


def test_zip_bombs_and_huge_shared_strings():
    spaces = raw_xlsx(CELL_BOMB.split("<row r=\"1048576\"")[0], shared="<sst>" + " " * 30_000_000 + "</sst>")
    assert len(spaces) < 200_000
    assert "inflates" in refused(spaces, limits=Limits(max_uncompressed_bytes=10 * 2**20)).en
    assert "zip bomb" in refused(spaces).en                                   # compression ratio
    many = raw_xlsx('<row r="1"><c r="A1" t="s"><v>0</v></c></row>', shared="<sst>" + "<si><t>x</t></si>" * 2000 + "</sst>")
    assert "shared strings" in refused(many, limits=Limits(max_cells=1000)).en


def test_odd_but_valid_cell_markup_is_scanned_too():
    # no references, references after other attributes, prefixed tags: the careful scan still finds XFD1048576
    for data in ('<row><c t="inlineStr"><is><t>名称</t></is></c><c><v>2</v></c></row><row><c><v>3</v></c></row>',
                 '<row r="1"><c t="n" r="A1"><v>1</v></c></row><row r="2"><c s="0" r="XFD2"><v>1</v></c></row>',
                 '<x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c><x:c r="XFD1"><x:v>1</x:v></x:c></x:row>'):
        content = raw_xlsx(data)
        if "XFD" in data:
            assert "XFD" in refused(content).field
        else:
            assert read_file("p.xlsx", content, limits=LIMITS, isolate=False).rows == [["名称", "2"], ["3", ""]]
    # a declared dimension is not an allocation (checked against the calamine in use, isolated in case
    # an upgrade starts to reserve by it); nor is an empty, self-closing styled cell far away
    g = read_file("p.xlsx", raw_xlsx('<row r="1"><c r="A1"><v>1</v></c></row>', dimension="A1:XFD1048576"),
                  limits=LIMITS)
    assert g.rows == [["1"]]
    g = read_file("p.xlsx", raw_xlsx('<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576" s="1"/></row>'),
                  limits=LIMITS, isolate=False)
    assert g.rows == [["1"]]


def test_area_and_cell_length_limits():
    wide = '<row r="1"><c r="A1"><v>1</v></c></row><row r="150000"><c r="IV150000"><v>1</v></c></row>'
    e = refused(raw_xlsx(wide))
    assert "A1:IV150000" in e.en and "5000000" in e.en
    long = f'<row r="1"><c r="A1" t="inlineStr"><is><t>名称</t></is></c><c r="B1" t="inlineStr"><is><t>{"x" * 40_000}</t></is></c></row>'
    assert refused(raw_xlsx(long)).field == "B1"


def test_second_line_of_defence_contains_a_parser_blowup():
    """One 30,000-character shared string in 100,000 cells passes the pre-scan (a 200 KB file, a
    small sheet) but calamine copies it into every cell: 3 GB. The child dies, the caller gets a
    clean ImportFileError."""
    cells = "".join(f'<row r="{r}">' + "".join(f'<c r="{col}{r}" t="s"><v>0</v></c>' for col in ("A", "B", "C", "D"))
                    + "</row>" for r in range(1, 25_001))
    content = raw_xlsx(cells, shared=f"<sst><si><t>{'x' * 30_000}</t></si></sst>")
    e = refused(content, isolate=True, limits=Limits(max_memory_mb=512))
    assert "memory limit (512 MB)" in e.en and "文件解析超出内存" in e.zh


def test_child_time_and_memory_limits():
    content = xlsx(merged_two_row_header)
    assert "time limit" in refused(content, isolate=True, limits=Limits(max_seconds=0.001)).en
    assert "memory limit (8 MB)" in refused(content, isolate=True, limits=Limits(max_memory_mb=8)).en


def test_header_detection_on_grid_directly():
    grid = read_file("p.xlsx", xlsx(merged_two_row_header), limits=LIMITS, isolate=False)
    assert grid.row_numbers[:4] == [1, 2, 3, 4] and (2, 2, 2, 3) in grid.merged
    header = detect_header(grid)
    assert header.header_rows == [3, 4] and header.names == TWO_ROW_NAMES
    assert to_table(grid, header).df["_row"].tolist() == [5, 6, 8]


# ------------------------------------------------------------------ columns and limits

def test_suggest_mapping_chinese_and_english():
    zh = ["序号", "项目编号", "项目名称", "经度（GCJ-02）", "纬度", "所在镇（街道）", "建设地点", "所属领域", "总投资（万元）",
          "2026年计划投资", "建设状态", "建设性质", "年度", "坐标系", "责任单位", "投资额（亿元）", "名称"]
    m = suggest_mapping(zh)
    assert m == {"序号": None, "项目编号": "id", "项目名称": "name", "经度（GCJ-02）": "lon", "纬度": "lat",
                 "所在镇（街道）": "town", "建设地点": "location", "所属领域": "sector", "总投资（万元）": "investment",
                 "2026年计划投资": "investment_year", "建设状态": "status", "建设性质": "nature", "年度": "year",
                 "坐标系": "datum", "责任单位": None, "投资额（亿元）": None, "名称": None}   # each field once
    en = ["Project ID", "Project Name", "Lng", "LAT", "Town", "Sector", "Total Investment", "Status", "Year", "CRS", "Owner"]
    assert list(suggest_mapping(en).values()) == ["id", "name", "lon", "lat", "town", "sector", "investment", "status", "year",
                                                   "datum", None]
    assert suggest_mapping(["ＸＹ坐标", "X坐标", "Y坐标"])["X坐标"] == "x"
    assert unit_of("总投资（万元）") == "万元" and unit_of("项目名称") is None
    assert datum_of("经度（GCJ-02）") == "gcj02" and datum_of("坐标/经度（百度）") == "bd09" and datum_of("经度") is None


def test_limits_from_config():
    lim = Limits.from_config({"max_upload_mb": 2, "max_rows": 5000, "max_parse_seconds": 10, "other": 1, "max_cols": None})
    assert (lim.max_bytes, lim.max_rows, lim.max_seconds, lim.max_cols) == (2 * 2**20, 5000, 10, 256)
    assert "over the limit of 2 MB" in refused(b"x" * (3 * 2**20), "p.csv", limits=lim).en
    with pytest.raises(ValueError):
        Limits.from_config({"max_rows": 0})
