"""One call that loads every plan layer as a GeoDataFrame in EPSG:4326, joined with the plan's words.

    from geo import load
    data = load()             # embedded data
    data.towns, data.layer("corridors"), data.problems

Geometry comes from data/boundaries/ (an authoritative file dropped there wins over the derived
geometry); attributes come from data/plan/. A refused replacement file does not stop loading: the
derived geometry stays in use and the reason is kept in ``problems``.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import MultiPoint, Point

from . import gazetteer, plan
from .boundaries import find_override, read_county, read_derived, read_override
from .build import inputs_digest
from .crs import transformer
from .derive import SPREAD_RADIUS_M, WGS84, spread_points, to_multipolygon
from .errors import DataError, ReplacementError
from .paths import BOUNDARIES_DIR, PLAN_DIR
from .registry import PLAN_LAYER_IDS as LAYER_IDS

DATUM = "WGS84 (EPSG:4326)"


@dataclass
class PlanData:
    towns: gpd.GeoDataFrame
    zones: gpd.GeoDataFrame
    corridors: gpd.GeoDataFrame
    clusters: gpd.GeoDataFrame
    axis: gpd.GeoDataFrame
    communities: gpd.GeoDataFrame
    county: gpd.GeoDataFrame
    neighbours: gpd.GeoDataFrame
    indicators: pd.DataFrame
    investment: pd.DataFrame
    investment_totals: pd.DataFrame
    axis_doc: dict
    places: pd.DataFrame
    villages: pd.DataFrame                       # NBS 2023 gazetteer (data/plan/villages.csv)
    plan_dir: Path = PLAN_DIR
    geometry_sources: dict[str, str] = field(default_factory=dict)
    problems: list[DataError] = field(default_factory=list)   # refused replacements, stale builds

    def layer(self, layer_id: str) -> gpd.GeoDataFrame:
        if layer_id not in LAYER_IDS:
            raise KeyError(layer_id)
        return getattr(self, layer_id)

    @cached_property
    def gazetteer(self) -> gazetteer.Gazetteer:
        """Town and village names → towns (search, location by text)."""
        return gazetteer.Gazetteer(self.towns, self.villages)

    @property
    def outline(self):
        return self.county.geometry.iloc[0]


# pypinyin's phrase dictionary costs every process (each server worker, each import) 43 MB and 0.5 s to
# load; every name searched by pinyin reads the same without it (tests/test_geodata.py compares both). Set
# before pypinyin is first imported, which is here only (pinyin_keys).
os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")


def pinyin_keys(text: str) -> str:
    """'枫桥镇' -> 'fengqiaozhen fqz': full pinyin and initials, for search by pinyin."""
    from pypinyin import Style, lazy_pinyin  # imported here, after the setting above
    full = "".join(lazy_pinyin(text))
    initials = "".join(lazy_pinyin(text, style=Style.FIRST_LETTER))
    return f"{full} {initials}".lower()


def _with_override(bdir: Path, layer: str, derived: gpd.GeoDataFrame, expected: pd.DataFrame, key: str, *,
                   require_all: bool, problems: list, sources: dict, outline=None) -> gpd.GeoDataFrame:
    """``derived`` with features replaced from an authoritative file in ``bdir``, if one is there. A file
    that fails any check is refused with the reason; the derived geometry stays and start-up goes on."""
    derived[key] = derived[key].astype(str)
    if outline is False:                      # replacements switched off
        return derived
    path = None
    try:
        path = find_override(bdir, layer)
        if path is None:
            return derived
        auth = read_override(path, layer, expected, key=key, require_all=require_all, outline=outline)
    except ReplacementError as exc:
        problems.append(exc)
        return derived
    except Exception as exc:  # noqa: BLE001 — a file we cannot even interpret must not stop the service
        problems.append(ReplacementError("无法读取替换文件，已拒绝，继续使用推导几何", f"the replacement file could not be "
                                         f"read ({type(exc).__name__}: {exc}); refused, derived geometry stays",
                                         file=str(path), layer=layer))
        return derived
    keep = derived[~derived[key].isin(auth[key])]
    sources[layer] = (f"authoritative: {auth.attrs['path']}" if len(keep) == 0 else
                      f"authoritative: {auth.attrs['path']} ({len(auth)} features) + {sources[layer]}")
    return gpd.GeoDataFrame(pd.concat([auth, keep], ignore_index=True), crs=WGS84)


def _derived_with_override(bdir: Path, layer: str, expected: pd.DataFrame, key: str, **kw) -> gpd.GeoDataFrame:
    derived, _ = read_derived(bdir, layer)
    kw["sources"][layer] = f"derived: {derived.attrs['path']}"
    return _with_override(bdir, layer, derived, expected, key, **kw)


def _join(attrs: pd.DataFrame, geoms: gpd.GeoDataFrame, key: str, layer: str) -> gpd.GeoDataFrame:
    missing = sorted(set(attrs[key]) - set(geoms[key]))
    if missing:
        raise DataError(f"以下要素没有几何：{'、'.join(missing)}；请运行 `zhuji-map data build`",
                        f"no geometry for: {', '.join(missing)}; run `zhuji-map data build`", layer=layer)
    g = geoms.drop_duplicates(key).set_index(key)
    out = attrs.copy()
    for col in ("source", "datum", "accuracy"):
        out[col] = out[key].map(g[col])
    return gpd.GeoDataFrame(out, geometry=out[key].map(g.geometry).values, crs=WGS84)


def _seat_points(towns_attr: pd.DataFrame) -> dict[str, tuple[float, float]]:
    return {r["code"]: plan.parse_coord(towns_attr, i, "seat_lon", "seat_lat") for i, r in towns_attr.iterrows()}


def _points(df: pd.DataFrame, lon: str, lat: str, fallback) -> tuple[list[Point], list[bool]]:
    """The row's own coordinates where it has them, else ``fallback(row)``; and which rows had them."""
    pts, given = [], []
    for i, r in df.iterrows():
        c = plan.parse_coord(df, i, lon, lat, optional=True)
        pts.append(Point(c) if c else fallback(r))
        given.append(c is not None)
    return pts, given


def _check_hosts(df: pd.DataFrame, column: str, codes: set, layer: str) -> None:
    for i, r in df.iterrows():
        for c in filter(None, r[column].split(";")):
            if c not in codes:
                raise plan.row_error(df, i, column, f"镇街代码 {c} 不存在（应为23个镇街之一的9位代码）",
                                     f"town code {c} does not exist (expected the 9-digit code of one of the 23 towns)")


@dataclass
class _Ctx:
    """What the loading steps share: directories, the towns table, problems and geometry sources."""
    pdir: Path
    bdir: Path
    problems: list = field(default_factory=list)
    sources: dict = field(default_factory=dict)
    ta: pd.DataFrame | None = None
    outline: object = None                       # the county (WGS84): replacement files are checked against it
    replacements: bool = True

    @property
    def codes(self) -> set:
        return set(self.ta["code"])


def load(plan_dir: Path | None = None, boundaries_dir: Path | None = None, *, replacements: bool = True) -> PlanData:
    """``replacements=False`` ignores authoritative files in data/boundaries/ (the fallback when one passes
    its own checks but fails validation with the rest)."""
    ctx = _Ctx(Path(plan_dir or PLAN_DIR), Path(boundaries_dir or BOUNDARIES_DIR), replacements=replacements)
    county, neighbours = read_county(ctx.bdir)
    ctx.outline = county.geometry.iloc[0]
    towns = _load_towns(ctx)
    clusters = _load_clusters(ctx, towns)
    zones = _load_zones(ctx, towns)
    communities = _load_communities(ctx)
    corridors = _load_corridors(ctx)
    labels = gpd.GeoDataFrame({"accuracy": zones["accuracy"], "source": ""},
                              geometry=gpd.points_from_xy(zones["label_lon"], zones["label_lat"]), crs=WGS84)
    _spread_stacked(corridors, communities, labels)
    zones["label_lon"], zones["label_lat"] = labels.geometry.x.round(6), labels.geometry.y.round(6)
    axis_doc, axis = _load_axis(ctx)
    data = PlanData(towns=towns, zones=zones, corridors=corridors, clusters=clusters, axis=axis,
                    communities=communities, county=county, neighbours=neighbours,
                    indicators=plan.read_table("indicators", ctx.pdir), investment=plan.read_table("investment", ctx.pdir),
                    investment_totals=plan.read_table("investment_totals", ctx.pdir), axis_doc=axis_doc,
                    places=plan.read_table("places", ctx.pdir), villages=gazetteer.read_villages(ctx.pdir),
                    plan_dir=ctx.pdir, geometry_sources=ctx.sources, problems=ctx.problems)
    _add_town_links(data)
    _check_stale(ctx.pdir, ctx.bdir, ctx.problems)
    return data


def _read_towns_table(pdir: Path) -> pd.DataFrame:
    ta = plan.read_table("towns", pdir)
    for i, r in ta.iterrows():
        if not plan.TOWN_CODE.match(r["code"]):
            raise plan.row_error(ta, i, "code", f"代码“{r['code']}”应为 330681 开头的9位数字",
                                 f"code '{r['code']}' must be 9 digits starting with 330681")
    for col in ("code", "name"):
        dup = ta[ta[col].duplicated()]
        if len(dup):
            i = dup.index[0]
            raise plan.row_error(ta, i, col, f"镇街“{ta.at[i, col]}”重复（每个镇街只能有一行）",
                                 f"duplicate town '{ta.at[i, col]}' (one row per town)")
    return ta


def _load_towns(ctx: _Ctx) -> gpd.GeoDataFrame:
    ta = ctx.ta = _read_towns_table(ctx.pdir)
    roles = plan.read_table("town_roles", ctx.pdir)
    unknown = sorted(set(roles["town"]) - set(ta["name"]))
    if unknown:
        i = roles.index[roles["town"] == unknown[0]][0]
        raise plan.row_error(roles, i, "town", f"镇街“{unknown[0]}”不存在", f"town '{unknown[0]}' does not exist")
    tg = _derived_with_override(ctx.bdir, "towns", ta[["code", "name"]], "code", require_all=True,
                                problems=ctx.problems, sources=ctx.sources,
                              outline=ctx.outline if ctx.replacements else False)
    towns = _join(ta, tg, "code", "towns")
    by_town = roles.groupby("town")
    towns["roles"] = towns["name"].map(by_town["role"].agg("；".join)).fillna("")
    towns["roles_source"] = towns["name"].map(by_town["source"].agg("；".join)).fillna("")
    towns["search"] = [f"{n} {s} {p.lower()} {pinyin_keys(s)}" for n, s, p in
                       zip(towns["name"], towns["short_name"], towns["pinyin"])]
    return towns


def _load_clusters(ctx: _Ctx, towns: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The host town's polygon: follows whatever the towns layer is (derived or replaced)."""
    ca = plan.read_table("clusters", ctx.pdir)
    _check_hosts(ca, "host_town_code", ctx.codes, "clusters")
    clusters = gpd.GeoDataFrame(ca.copy(), geometry=ca["host_town_code"].map(towns.set_index("code").geometry).values,
                                crs=WGS84)
    rep = clusters.geometry.representative_point()
    clusters["rep_lon"], clusters["rep_lat"] = rep.x.round(6), rep.y.round(6)
    tacc = towns.set_index("code")["accuracy"]
    clusters["source"] = ("示意：取所在镇街范围，非片区边界 / polygon of the host town ("
                          + clusters["host_town_code"].map(tacc) + " town geometry)")
    clusters["datum"], clusters["accuracy"] = DATUM, "derived"
    ctx.sources["clusters"] = "derived: polygon of the host town (follows the towns layer)"
    clusters["search"] = [f"{n} {pinyin_keys(n)}" for n in clusters["name"]]
    return clusters


def _load_zones(ctx: _Ctx, towns: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The plan's 片区 are areas ("产业集群化承载空间") with no published boundary: drawn as the host towns'
    polygons dissolved (示意), with a label point — the defended centre where there is one."""
    za = plan.read_table("zones", ctx.pdir)
    _check_hosts(za, "host_town_codes", ctx.codes, "zones")
    tgeo = towns.set_index("code").geometry
    names = dict(zip(towns["code"], towns["name"]))
    areas = [shapely.union_all([tgeo[c] for c in r["host_town_codes"].split(";") if c]) for _, r in za.iterrows()]
    srcs = [f"示意：所在镇街（{'、'.join(names[c] for c in r['host_town_codes'].split(';') if c)}）范围合并，"
            f"非片区规划边界 / schematic: the host towns' area dissolved; not the zone's planned boundary"
            for _, r in za.iterrows()]
    zone_geo = gpd.GeoDataFrame({"id": za["id"], "source": srcs, "datum": DATUM, "accuracy": "schematic"},
                                geometry=[to_multipolygon(g) for g in areas], crs=WGS84)
    ctx.sources["zones"] = "schematic: host towns dissolved (data/plan/zones.csv)"
    zone_geo = _with_override(ctx.bdir, "zones", zone_geo, za[["id", "name"]], "id", require_all=False,
                              problems=ctx.problems, sources=ctx.sources,
                              outline=ctx.outline if ctx.replacements else False)
    zones = _join(za, zone_geo, "id", "zones")
    label, _ = _points(za, "centre_lon", "centre_lat", lambda r: None)
    rep = zones.geometry.representative_point()
    label = [p if p is not None and g.contains(p) else r for p, g, r in zip(label, zones.geometry, rep)]
    zones["label_lon"], zones["label_lat"] = [round(p.x, 6) for p in label], [round(p.y, 6) for p in label]
    zones["search"] = [f"{n} {pinyin_keys(n)}" for n in zones["name"]]
    return zones


def _load_communities(ctx: _Ctx) -> gpd.GeoDataFrame:
    """Communities and platforms: an explicit point, or the host town's seat."""
    ma = plan.read_table("communities", ctx.pdir)
    _check_hosts(ma, "host_town_code", ctx.codes, "communities")
    seats = _seat_points(ctx.ta)
    name_of = dict(zip(ctx.ta["code"], ctx.ta["name"]))
    pts, given = _points(ma, "lon", "lat", lambda r: Point(seats[r["host_town_code"]]))
    srcs = ["点位见 data/plan/communities.csv / point from communities.csv" if g else
            f"示意点：标于{name_of[c]}驻地，具体位置未定位 / schematic: placed at the seat of {name_of[c]} (site not located)"
            for g, c in zip(given, ma["host_town_code"])]
    communities = gpd.GeoDataFrame(ma.copy(), geometry=pts, crs=WGS84)
    communities["source"], communities["datum"], communities["accuracy"] = srcs, DATUM, "schematic"
    ctx.sources["communities"] = "schematic: host town seat (data/plan/communities.csv)"
    communities["search"] = [f"{n} {pinyin_keys(n)}" for n in communities["name"]]
    return communities


def _spread_stacked(*layers: gpd.GeoDataFrame) -> None:
    """Schematic points that sit on one spot (several items placed at one town seat) are set out on a small
    ring so each can be clicked; what is official stays where it is."""
    parts = [(li, i, k, p) for li, g in enumerate(layers)
             for i, (geom, acc) in enumerate(zip(g.geometry, g["accuracy"]))
             if acc != "official" and geom.geom_type in ("Point", "MultiPoint")
             for k, p in enumerate(getattr(geom, "geoms", [geom]))]
    to_m, to_deg = transformer(4326, 4549), transformer(4549, 4326)
    metric = [to_m.transform(p.x, p.y) for *_, p in parts]
    moved: dict[tuple, dict[int, Point]] = {}
    for (li, i, k, _), before, after in zip(parts, metric, spread_points(metric)):
        if after != before:
            moved.setdefault((li, i), {})[k] = Point(*(round(v, 6) for v in to_deg.transform(*after)))
    for (li, i), pts in moved.items():
        g, row = layers[li], layers[li].index[i]
        old = list(getattr(g.at[row, "geometry"], "geoms", [g.at[row, "geometry"]]))
        new = [pts.get(k, p) for k, p in enumerate(old)]
        g.at[row, "geometry"] = new[0] if len(new) == 1 and g.at[row, "geometry"].geom_type == "Point" else MultiPoint(new)
        g.at[row, "source"] += (f"；与同处的其他要素错开约{SPREAD_RADIUS_M}米显示 / set out {SPREAD_RADIUS_M} m "
                                "from other items on the same spot")


def _load_corridors(ctx: _Ctx) -> gpd.GeoDataFrame:
    ka = plan.read_table("corridors", ctx.pdir)
    for i, r in ka.iterrows():
        if r["status"] not in plan.STATUSES:
            raise plan.row_error(ka, i, "status", f"状态“{r['status']}”无效，应为{'/'.join(plan.STATUSES)}之一",
                                 f"status '{r['status']}' is invalid; expected one of {'/'.join(plan.STATUSES)}")
    kg = _derived_with_override(ctx.bdir, "corridors", ka[["id", "name"]], "id", require_all=False,
                                problems=ctx.problems, sources=ctx.sources,
                              outline=ctx.outline if ctx.replacements else False)
    return _join(ka, kg, "id", "corridors")


def _load_axis(ctx: _Ctx) -> tuple[dict, gpd.GeoDataFrame]:
    axis_doc = plan.read_axis(ctx.pdir)
    names = set(ctx.ta["name"])
    for b in axis_doc["branches"]:
        for m in b["members"]:
            if m["town"] not in names:
                raise DataError(f"发展轴分支 {b['id']} 的镇街“{m['town']}”不存在", f"axis branch {b['id']}: town "
                                f"'{m['town']}' does not exist", file=axis_doc["_path"], field="members")
    ag, _ = read_derived(ctx.bdir, "axis")
    ctx.sources["axis"] = f"derived: {ag.attrs['path']}"
    code_of = dict(zip(ctx.ta["name"], ctx.ta["code"]))
    ab = pd.DataFrame([_axis_row(b, axis_doc, code_of) for b in axis_doc["branches"]])
    return axis_doc, _join(ab, ag.astype({"id": str}), "id", "axis")


def _axis_row(b: dict, doc: dict, code_of: dict) -> dict:
    return {
        "id": b["id"], "name": b["name"], "short_name": b.get("short_name", ""), "theme": b.get("theme", ""),
        "plan_text": b["plan_text"], "plan_source": doc.get("source", ""), "path": b["path"],
        "towns": "；".join(m["town"] for m in b["members"]),
        "town_codes": ";".join(code_of[m["town"]] for m in b["members"]),
        "members": "；".join(f"{m['town']}（{m.get('role', '')}，{m.get('confidence', '')}）" for m in b["members"]),
        "villages": "；".join(f"{v['name']}（{v.get('town') or '未定位'}，未定位）" if not v.get("located")
                             else v["name"] for v in b.get("villages") or []),
        "beyond": "；".join(b.get("beyond") or []),
    }


def _add_town_links(d: PlanData) -> None:
    """What each town hosts (clusters, zones, communities) — the joins a town popup shows."""
    t = d.towns
    def by(df, col, name="name"):
        codes = df[col].str.split(";")
        return {c: "；".join(df.loc[codes.map(lambda xs, c=c: c in xs), name]) for c in t["code"]}
    t["clusters"] = t["code"].map(by(d.clusters, "host_town_code"))
    t["zones"] = t["code"].map(by(d.zones, "host_town_codes"))
    fut = d.communities[d.communities["kind"] == "未来产业社区"]
    plat = d.communities[d.communities["kind"] != "未来产业社区"]
    t["communities"] = t["code"].map(by(fut, "host_town_code"))
    t["platforms"] = t["code"].map(by(plat, "host_town_code"))
    t["axis_branches"] = t["code"].map(by(d.axis, "town_codes", "short_name"))
    # Corridors serving a town: a surveyed (official) line counts where it crosses the polygon; a
    # schematic one only where its path names the town — its drawn course is not evidence.
    k = d.corridors
    official = k[k["accuracy"] == "official"]
    hits = gpd.sjoin(official[["id", "geometry"]], t[["code", "geometry"]], predicate="intersects")
    served = {c: set(hits.loc[hits["code"] == c, "id"]) for c in t["code"]}
    place_town = dict(zip(d.places["id"], d.places["town"])) if "town" in d.places else {}
    code_of = {**dict(zip(t["name"], t["code"])), **dict(zip(t["short_name"], t["code"]))}
    for _, r in k[(k["accuracy"] != "official") & (k["location_confidence"] != "unlocated")].iterrows():
        for tok in filter(None, (x.strip() for x in r["path"].split(";"))):
            town = place_town.get(tok[1:]) if tok.startswith("#") else tok
            if town in code_of:
                served[code_of[town]].add(r["id"])
    name_of = dict(zip(k["id"], k["name"]))
    t["corridors"] = [("；".join(name_of[i] for i in k["id"] if i in served[c])) for c in t["code"]]


def _check_stale(pdir: Path, bdir: Path, problems: list) -> None:
    _, meta = read_derived(bdir, "towns")
    if meta.get("inputs_sha256") and meta["inputs_sha256"] != inputs_digest(pdir, bdir):
        problems.append(DataError("推导几何早于当前的属性表或边界，请运行 `zhuji-map data build`",
                                  "derived geometry is older than the current tables or outline; run `zhuji-map data build`",
                                  layer="derived"))
