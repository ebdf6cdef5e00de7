"""Bad data fails loudly, naming the file, row and field — Chinese first, English too."""
import pytest

import geo
from geo.errors import DataError


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_cluster_whose_town_does_not_exist(data_copy):
    plan, bounds = data_copy
    edit(plan / "clusters.csv", ",330681111,马剑镇,", ",330681999,马剑镇,")
    with pytest.raises(DataError) as e:
        geo.load(plan, bounds)
    msg = str(e.value)
    assert "clusters.csv" in msg and "row 4" in msg and "host_town_code" in msg and "330681999" in msg
    assert msg.index("不存在") < msg.index("does not exist")


def test_zone_and_community_hosts_checked(data_copy):
    plan, bounds = data_copy
    text = (plan / "communities.csv").read_text(encoding="utf-8")
    (plan / "communities.csv").write_text(text.replace(",330681116,同山镇,", ",33068111X,同山镇,", 1), encoding="utf-8")
    with pytest.raises(DataError, match="communities.csv.*row 2"):
        geo.load(plan, bounds)


def test_duplicate_and_missing_towns(data_copy):
    plan, bounds = data_copy
    lines = (plan / "towns.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (plan / "towns.csv").write_text("".join(lines + [lines[1]]), encoding="utf-8")   # 暨阳 twice
    with pytest.raises(DataError) as e:
        geo.load(plan, bounds)
    msg = str(e.value)
    assert "row 25" in msg and "330681001" in msg and "重复" in msg and "duplicate" in msg
    (plan / "towns.csv").write_text("".join(lines[:-1]), encoding="utf-8")            # 东和 gone
    with pytest.raises(DataError, match="clusters.csv.*row 17.*330681201.*does not exist"):
        geo.load(plan, bounds)                                  # its cluster now points nowhere


def test_validate_counts_towns(data):
    import copy
    d = copy.copy(data)
    d.towns = data.towns.iloc[:-1]
    with pytest.raises(geo.ValidationError) as e:
        geo.validate(d)
    msg = str(e.value)
    assert "镇街数量为22，应为23" in msg and "host town 330681201 does not exist" in msg


def test_feature_outside_the_county(data_copy):
    plan, bounds = data_copy
    # a community placed in 柯桥 (inside the plausible range, outside Zhuji)
    text = (plan / "communities.csv").read_text(encoding="utf-8").splitlines()
    head = text[0].split(",")
    row = next(i for i, l in enumerate(text) if l.startswith("F2,"))
    import csv
    import io
    rec = next(csv.DictReader(io.StringIO(text[0] + "\n" + text[row] + "\n")))
    rec["lon"], rec["lat"] = "120.60", "29.95"
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=head, lineterminator="\n")
    w.writerow(rec)
    text[row] = buf.getvalue().strip()
    (plan / "communities.csv").write_text("\n".join(text) + "\n", encoding="utf-8")
    with pytest.raises(geo.ValidationError, match="F2.*超出诸暨市域.*outside the county"):
        geo.validate(geo.load(plan, bounds))


def test_bad_number_names_row_and_field(data_copy):
    plan, bounds = data_copy
    edit(plan / "towns.csv", "120.35087", "120,35087")   # a comma typed as decimal mark shifts the columns
    with pytest.raises(DataError) as e:
        geo.load(plan, bounds)
    assert "towns.csv" in str(e.value)


def test_non_numeric_seat(data_copy):
    plan, bounds = data_copy
    edit(plan / "towns.csv", "120.35087", "东经120")
    with pytest.raises(DataError) as e:
        geo.load(plan, bounds)
    msg = str(e.value)
    assert "seat_lon" in msg and "东经120" in msg and "not a number" in msg


def test_missing_geometry_file(data_copy):
    plan, bounds = data_copy
    (bounds / "derived" / "towns.geojson").unlink()
    with pytest.raises(DataError, match="data build"):
        geo.load(plan, bounds)
