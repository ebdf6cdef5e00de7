"""Step "map columns": the officer's headers → canonical fields, suggested from Chinese and English
synonyms, editable in the UI. Unmapped columns are kept by the caller as attributes.

Headers are compared after ``norm()``: NFKC (full-width brackets, letters and spaces folded), lower
case, no spaces/underscores/punctuation/required-field stars, bracketed units and notes removed
("总投资（亿元）" → "总投资"). Then, in order of confidence: the whole header; one part of a
combined header ("坐标/经度" → 经度); a year prefix ("2026年计划投资" → annual investment); without a
"项目" prefix; a few key words contained ("所在镇（街道）名称" → town).
"""
from __future__ import annotations

import re
import unicodedata

# canonical id -> labels for the mapping UI and the value type (text, number, int, coord)
FIELDS: dict[str, dict[str, str]] = {
    "id": {"zh": "编号", "en": "Project ID", "type": "text"},
    "name": {"zh": "项目名称", "en": "Project name", "type": "text"},
    "lon": {"zh": "经度", "en": "Longitude", "type": "coord"},
    "lat": {"zh": "纬度", "en": "Latitude", "type": "coord"},
    "x": {"zh": "X坐标（米）", "en": "X in metres (northing in Chinese survey tables)", "type": "number"},
    "y": {"zh": "Y坐标（米）", "en": "Y in metres (easting in Chinese survey tables)", "type": "number"},
    "datum": {"zh": "坐标系", "en": "Coordinate system", "type": "text"},
    "town": {"zh": "所在镇街", "en": "Town / subdistrict", "type": "text"},
    "location": {"zh": "建设地点", "en": "Location (place names)", "type": "text"},
    "sector": {"zh": "领域", "en": "Sector", "type": "text"},
    "investment": {"zh": "总投资（亿元）", "en": "Total investment (100 million yuan)", "type": "number"},
    "investment_year": {"zh": "年度计划投资（亿元）", "en": "Investment planned for the year (100 million yuan)",
                        "type": "number"},
    "status": {"zh": "建设状态", "en": "Status (在建, 前期 …)", "type": "text"},
    "nature": {"zh": "建设性质", "en": "Construction type (新建 new, 续建 continued …)", "type": "text"},
    "year": {"zh": "年份", "en": "Year", "type": "int"},
}

# canonical id -> accepted headers (compared after norm()). 建设性质 (新建/续建) is not a status
# (在建/前期/竣工): it has its own field. 序号 is a row counter, not a project id: left unmapped.
SYNONYMS: dict[str, list[str]] = {
    "id": ["编号", "项目编号", "项目代码", "项目编码", "代码", "项目赋码", "赋码", "统一项目代码", "id", "project_id",
           "projectid", "code", "project code"],
    "name": ["项目名称", "名称", "项目", "项目名", "建设项目", "项目(工程)名称", "name", "project", "project_name",
             "project name", "title"],
    "lon": ["经度", "东经", "经度坐标", "中心点经度", "lon", "lng", "long", "longitude", "x"],
    "lat": ["纬度", "北纬", "纬度坐标", "中心点纬度", "lat", "latitude", "y"],
    "x": ["x坐标", "坐标x", "北坐标", "纵坐标", "northing"],
    "y": ["y坐标", "坐标y", "东坐标", "横坐标", "easting"],
    "datum": ["坐标系", "坐标系统", "坐标类型", "坐标体系", "坐标参考系", "datum", "crs", "srs", "coordinate system",
              "epsg"],
    "town": ["所在镇街", "镇街", "乡镇", "所在乡镇", "乡镇街道", "镇乡街道", "所在镇乡街道", "所在镇", "所属镇街",
             "镇街名称", "属地", "所在地", "town", "township", "subdistrict"],
    "location": ["建设地点", "项目地点", "地点", "项目地址", "地址", "建设地址", "项目选址", "选址", "位置", "项目位置",
                 "location", "address", "site"],
    "sector": ["领域", "所属领域", "行业", "所属行业", "类别", "项目类别", "项目类型", "类型", "产业类别", "行业类别",
               "sector", "category", "industry", "type"],
    "investment": ["总投资", "总投资额", "投资总额", "计划总投资", "项目总投资", "投资额", "投资", "investment",
                   "total_investment", "total investment", "investment_yi"],
    "investment_year": ["年度计划投资", "本年计划投资", "当年计划投资", "年度投资", "本年度计划投资", "年度投资计划",
                        "年计划投资", "annual_investment", "annual investment", "investment_year",
                        "planned investment this year"],
    "status": ["建设状态", "状态", "项目状态", "推进状态", "项目阶段", "建设阶段", "status", "stage"],
    "nature": ["建设性质", "项目性质", "新建/续建", "新建续建", "nature", "construction_type", "construction type"],
    "year": ["年份", "年度", "计划年度", "项目年度", "批次年度", "year"],
}

# with a year in the header ("2026年计划投资", "计划投资（2026年）"): the year's planned investment
_YEAR_INVESTMENT = {"计划投资", "投资", "投资计划", "计划投资额", "拟完成投资", "计划完成投资", "预计完成投资",
                    "年度计划投资", "计划", "年计划投资"}
# key words contained in a header, tried last; never for cumulative/completed amounts
_CONTAINS = [("经度", "lon"), ("纬度", "lat"), ("坐标系", "datum"), ("镇街", "town"), ("乡镇", "town"),
             ("建设地点", "location"), ("总投资", "investment")]
_NOT_CONTAINS = ("累计", "完成", "已", "到位")
# other headers of real project lists: kept as attributes, but they tell a header row from data
_OTHER_HEADERS = {"序号", "责任单位", "建设单位", "业主单位", "牵头单位", "主管部门", "责任部门", "配合单位", "建设内容",
                  "建设规模", "建设内容及规模", "主要建设内容", "开工时间", "竣工时间", "建设年限", "起止年限", "备注",
                  "联系人", "联系电话", "计划开工时间", "计划竣工时间", "累计完成投资", "用地面积", "占地面积",
                  "形象进度", "责任领导", "进度", "坐标", "投资", "计划", "no", "remarks", "remark", "owner"}
_HEADER_WORDS = ("单位", "时间", "内容", "规模", "面积", "投资", "年限", "日期", "负责", "名称", "编号", "地点")


def norm(header: str) -> str:
    h = unicodedata.normalize("NFKC", str(header)).strip().lower()
    h = re.sub(r"[(\[【〔][^()\[\]【】〔〕]*[)\]】〕]", "", h)     # units and notes in brackets
    return re.sub(r"[\s_\-·.。:;,，、*※]+", "", h)


_SYN = {norm(s): field for field, syns in SYNONYMS.items() for s in syns}
_OTHER = {norm(s) for s in _OTHER_HEADERS}
_YEAR = re.compile(r"(?:19|20)\d{2}")
_YEAR_PREFIX = re.compile(r"^(?:19|20)\d{2}(?:年度|年)?")


def match_field(header: str) -> tuple[str | None, int]:
    """(canonical field, confidence 0–4) for one header."""
    key = norm(header)
    if not key:
        return None, 0
    if key in _SYN:
        return _SYN[key], 4
    parts = [p for p in re.split(r"[/|]", key) if p]
    for part in reversed(parts if len(parts) > 1 else []):
        if part in _SYN:
            return _SYN[part], 3
    bare = _YEAR_PREFIX.sub("", key)
    if _YEAR.search(unicodedata.normalize("NFKC", str(header))) and bare in _YEAR_INVESTMENT:
        return "investment_year", 3
    if key.startswith("项目") and key[2:] in _SYN:
        return _SYN[key[2:]], 2
    if not any(w in key for w in _NOT_CONTAINS):
        for word, field in _CONTAINS:
            if word in key:
                return field, 1
    return None, 0


def suggest_mapping(columns: list[str]) -> dict[str, str | None]:
    """Header → canonical field or None; each field goes to its most confident header (the first one
    on a tie), so that e.g. 总投资 wins "investment" over a later 投资额."""
    ranked = sorted(((-conf, i, col, field) for i, col in enumerate(columns)
                     for field, conf in [match_field(col)] if field), key=lambda t: t[:2])
    out: dict[str, str | None] = dict.fromkeys(columns)
    used: set[str] = set()
    for _, _, col, field in ranked:
        if field not in used and out[col] is None:
            out[col] = field
            used.add(field)
    return out


def looks_like_header(text: str) -> bool:
    """A known column name of a project list, mapped or not (for header-row detection)."""
    key = norm(text)
    return bool(key) and (match_field(text)[0] is not None or key in _OTHER or any(w in key for w in _HEADER_WORDS))


_UNIT = re.compile(r"[(（\[【]\s*(?:单位\s*[:：]\s*)?([^()（）\[\]【】]*?(?:亿元|万元|千元|元|亩|平方米|公顷|米|km|%|％))\s*[)）\]】]")
_DATUMS = [("gcj", "gcj02"), ("高德", "gcj02"), ("火星", "gcj02"), ("腾讯", "gcj02"), ("bd09", "bd09"),
           ("bd-09", "bd09"), ("百度", "bd09"), ("wgs", "wgs84"), ("gps", "wgs84"), ("cgcs", "cgcs2000"),
           ("天地图", "cgcs2000"), ("2000", "cgcs2000")]


def unit_of(header: str) -> str | None:
    """The unit written in the header's brackets: "总投资（万元）" → "万元"."""
    m = _UNIT.search(str(header))
    return m.group(1).strip() if m else None


def datum_of(header: str) -> str | None:
    """A coordinate system named in the header's brackets: "经度（GCJ-02）" → "gcj02"."""
    inner = " ".join(re.findall(r"[(（\[【]([^()（）\[\]【】]*)[)）\]】]", str(header))).lower()
    return next((d for word, d in _DATUMS if word in inner), None)
