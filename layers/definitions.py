"""How each layer is drawn: group, style, popup fields, legend, views — one definition per layer.

What a layer *is* (id, titles, id field, town column, geometry kind) comes from geo.registry; this
file adds only the drawing. The web map, the print renderer and the town pages all read it.
Nothing else in the code base decides how a plan layer looks or what its popup says.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from geo import registry


@dataclass(frozen=True)
class Field:
    key: str
    zh: str
    en: str
    kind: str = "text"          # text | quote (the plan's words) | confidence | list | located | bilingual
    #                             (中文 / English: the page's half) | tech (research notes, often English:
    #                             folded under 技术说明 on the map, shown on detail pages) | record
    #                             (an object: the officer's own columns, shown as they came)


@dataclass(frozen=True)
class LegendEntry:
    zh: str
    en: str
    style: dict


@dataclass(frozen=True)
class LayerDef:
    id: str
    group: str
    pane: int                   # drawing order (Leaflet pane z-index)
    style: dict
    title_field: str = "name"
    label_field: str = "name"
    popup: tuple[Field, ...] = ()
    style_by: str | None = None
    styles: dict = field(default_factory=dict)
    legend: tuple[LegendEntry, ...] = ()
    split_by: str | None = None  # one toggle per value (corridors by status)
    split_order: tuple[str, ...] = ()
    searchable: bool = False
    permanent_labels: bool = False
    cluster: bool = False           # marker clustering (many points)
    filters: tuple[Field, ...] = ()  # client-side filters (select boxes)
    feed: str | None = None          # compact map feed (rows, not GeoJSON); popups fetch the full record
    detail_api: str | None = None
    detail_url: str | None = None  # e.g. /towns/{code}
    label_point: tuple[str, str] | None = None   # (lon, lat) columns: areas clicked and labelled at one point
    line_labels: bool = False        # names along the lines (from line_label_zoom on)
    line_label_zoom: float = 0
    label_text: dict = field(default_factory=dict)   # style_by value → (zh, en) label instead of label_field
    provenance: dict = field(default_factory=dict)   # value of provenance_by ("" = any) → (zh, en) one-line
    provenance_by: str | None = None                 # how the position was made, in plain words

    @property
    def spec(self) -> registry.LayerSpec:
        return registry.spec(self.id)

    @property
    def kind(self) -> str:          # polygon | line | point | mixed (lines and points)
        return self.spec.geometry

    @property
    def zh(self) -> str:
        return self.spec.zh

    @property
    def en(self) -> str:
        return self.spec.en

    def title(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


GROUPS = {  # layer-control groups, in order
    "structure": ("规划结构", "Plan structure"),
    "admin": ("行政区划", "Administrative units"),
    "transport": ("交通", "Transport"),
    "prosperity": ("共同富裕", "Common prosperity"),
    "industry": ("产业与科创", "Industry & innovation"),
    "projects": ("重大项目", "Major projects"),
}

PROVENANCE = (
    Field("source", "几何来源", "Geometry source"),
    Field("datum", "坐标系", "Datum"),
    Field("accuracy", "精度", "Accuracy"),
)

STATUS_STYLE = {  # 专栏12 status: colour + dash make them distinct even in greyscale print
    "在建": {"color": "#c0392b", "weight": 5, "dashArray": None},
    "实施": {"color": "#e67e22", "weight": 4, "dashArray": None},
    "前期": {"color": "#2874a6", "weight": 3, "dashArray": "10 6"},
    "研究": {"color": "#7d3c98", "weight": 3, "dashArray": "2 6"},
    "现状": {"color": "#566573", "weight": 2, "dashArray": None, "opacity": 0.6},
}
STATUS_EN = {"在建": "under construction", "实施": "to implement", "前期": "preparatory", "研究": "under study",
             "现状": "existing (context)"}

LAYERS: tuple[LayerDef, ...] = (
    LayerDef(
        id="axis", group="structure", pane=425,      # a wide band under the thinner transport lines
        style={"color": "#8e44ad", "weight": 9, "opacity": 0.75, "lineCap": "round"},
        style_by="id", styles={"NS": {"color": "#8e44ad"}, "EW": {"color": "#d35400"}},
        label_field="short_name",
        popup=(Field("plan_text", "规划原文", "Plan text", "quote"), Field("plan_source", "出处", "Source"),
               Field("members", "途经镇街（可信度）", "Towns served (confidence)", "list"),
               Field("villages", "重点村", "Key villages"), Field("beyond", "延伸方向", "Leads towards")),
        legend=(LegendEntry("南北向 融杭通金（G60）", "N–S 融杭通金 (G60)", {"color": "#8e44ad", "weight": 7}),
                LegendEntry("东西向 枫桥经验（接绍）", "E–W 枫桥经验 (to Shaoxing)", {"color": "#d35400", "weight": 7})),
        searchable=False, permanent_labels=False, line_labels=True,
        label_text={"NS": ("融杭通金 G60", "融杭通金 G60"), "EW": ("枫桥经验 接绍", "枫桥经验 (to Shaoxing)")},
        provenance={"": ("位置为示意（按规划途经地点连线），非测绘成果",
                         "Schematic: drawn through the places the plan names; not surveyed")},
    ),
    LayerDef(
        id="zones", group="structure", pane=420,
        style={"color": "#9a7d0a", "weight": 2.5, "fillColor": "#f4d03f", "fillOpacity": 0.15, "dashArray": "8 5"},
        style_by="host_resolved", styles={"no": {"color": "#7f8c8d", "fillOpacity": 0.05, "dashArray": "2 6"}},
        popup=(Field("lead_industry", "主导产业", "Lead industry"), Field("direction", "发展导向（专栏3）", "Direction (专栏3)", "quote"),
               Field("host_towns", "所在镇街", "Host towns"), Field("host_confidence", "所在地可信度", "Host confidence", "confidence"),
               Field("centre_source", "标注点", "Label point", "tech"), Field("basis", "依据", "Basis", "tech")),
        legend=(LegendEntry("片区（所在镇街范围，示意）", "Zone (host towns' area, schematic)",
                            {"color": "#9a7d0a", "fillColor": "#f4d03f", "fillOpacity": 0.15, "dashArray": "8 5"}),
                LegendEntry("所在镇街待定", "Host towns unresolved",
                            {"color": "#7f8c8d", "fillColor": "#f4d03f", "fillOpacity": 0.05, "dashArray": "2 6"})),
        searchable=True, label_point=("label_lon", "label_lat"),
        provenance={"": ("范围为示意（所在镇街范围合并），非片区规划边界",
                         "Schematic: the host towns' area; not the zone's plan boundary")},
    ),
    LayerDef(
        id="towns", group="admin", pane=410,
        style={"color": "#5d6d7e", "weight": 1.2, "fillColor": "#d6eaf8", "fillOpacity": 0.35},
        style_by="type", styles={"街道": {"fillColor": "#fadbd8"}, "乡": {"fillColor": "#d5f5e3"}},
        label_field="short_name",
        popup=(Field("type", "类型", "Type"), Field("code", "区划代码", "Code"),
               Field("roles", "定位", "Role"), Field("roles_source", "定位出处", "Role source"),
               Field("positioning", "发展定位与建设重点（专栏10）", "Positioning (专栏10)", "quote"),
               Field("clusters", "共富片区", "Common-prosperity cluster"), Field("zones", "片区", "Zones"),
               Field("communities", "未来产业社区", "Future industry communities"),
               Field("platforms", "科创平台", "Science platforms"), Field("axis_branches", "发展轴", "Axis branches"),
               Field("corridors", "交通项目（途经）", "Transport items serving it", "list"),
               Field("seat_source", "驻地点来源", "Seat source", "tech"),
               Field("seat_confidence", "驻地点可信度", "Seat confidence", "confidence")),
        legend=(LegendEntry("街道", "Street (街道)", {"fillColor": "#fadbd8", "color": "#5d6d7e"}),
                LegendEntry("镇", "Town (镇)", {"fillColor": "#d6eaf8", "color": "#5d6d7e"}),
                LegendEntry("乡", "Township (乡)", {"fillColor": "#d5f5e3", "color": "#5d6d7e"})),
        searchable=True, permanent_labels=True, detail_url="/towns/{code}",
        provenance={"": ("界线为推算（按镇街驻地划分），非官方行政界线",
                         "Derived from the town seats; not the official boundary"),
                    "official": ("界线来自行政区划数据", "Boundary from the administrative boundary data")},
        provenance_by="accuracy",
    ),
    LayerDef(
        id="corridors", group="transport", pane=430,
        style={"weight": 3, "opacity": 0.9, "radius": 6, "fillOpacity": 0.9},
        style_by="status", styles=STATUS_STYLE,
        popup=(Field("category", "类别", "Category"), Field("status", "状态", "Status"),
               Field("plan_text", "规划原文", "Plan text", "quote"),
               Field("location_confidence", "位置可信度", "Location confidence", "confidence"),
               Field("location_note", "位置说明", "Location note"),
               Field("reference_route", "参考走向", "Reference route", "tech"), Field("basis", "依据", "Basis", "tech")),
        legend=tuple(LegendEntry(s, STATUS_EN[s], st) for s, st in STATUS_STYLE.items()),
        split_by="status", split_order=("在建", "实施", "前期", "研究", "现状"),
        line_labels=True, line_label_zoom=11,
        provenance={"": ("线位为示意（按规划途经地点连线），非测绘走向",
                         "Schematic: drawn through the places the plan names; not the surveyed route"),
                    "point": ("位置为示意（标于镇街驻地附近），非实际选址", "Schematic: near the town seat; not the actual site"),
                    "endpoints": ("仅示意两端位置（标于镇街驻地附近），非实际线位",
                                  "Schematic: the two ends only, near the town seats; not the route")},
        provenance_by="geometry_kind",
    ),
    LayerDef(
        id="clusters", group="prosperity",
        pane=415, style={"color": "#1e8449", "weight": 1.5, "fillColor": "#58d68d", "fillOpacity": 0.35},
        style_by="host_confidence", styles={"low": {"fillOpacity": 0.12, "dashArray": "4 4"}},
        popup=(Field("description", "片区内容（专栏13）", "Description (专栏13)", "quote"), Field("host_town", "所在镇街", "Host town"),
               Field("host_confidence", "所在地可信度", "Host confidence", "confidence"),
               Field("host_alternatives", "其他可能镇街", "Alternative towns"),
               Field("host_evidence", "依据", "Evidence", "tech")),
        legend=(LegendEntry("共富片区（所在镇街）", "Cluster (host town)", {"fillColor": "#58d68d", "color": "#1e8449"}),
                LegendEntry("所在镇街待定（低可信度）", "Host town unresolved (low)",
                            {"fillColor": "#58d68d", "color": "#1e8449", "fillOpacity": 0.12, "dashArray": "4 4"})),
        searchable=True,
        provenance={"": ("范围为示意（取所在镇街范围），非片区边界", "Schematic: the host town's area; not the cluster's boundary")},
    ),
    LayerDef(
        id="communities", group="industry", pane=460, style={"radius": 7, "color": "#ffffff", "weight": 1.5, "fillOpacity": 0.95},
        style_by="kind", styles={"未来产业社区": {"fillColor": "#117a65"}, "科技创新重大平台": {"fillColor": "#b03a2e"}},
        popup=(Field("kind", "类型", "Kind"), Field("description", "规划内容", "Plan text", "quote"),
               Field("host_town", "所在镇街", "Host town"),
               Field("host_confidence", "所在地可信度", "Host confidence", "confidence"),
               Field("host_note", "说明", "Note", "tech"), Field("basis", "依据", "Basis", "tech")),
        legend=(LegendEntry("未来产业社区（专栏4）", "Future industry community (专栏4)",
                            {"radius": 6, "fillColor": "#117a65", "color": "#fff"}),
                LegendEntry("科创平台（专栏6）", "Science platform (专栏6)", {"radius": 6, "fillColor": "#b03a2e", "color": "#fff"})),
        searchable=True,
        provenance={"": ("位置为示意（标于所在镇街驻地），非实际选址", "Schematic: at the host town's seat; not the actual site")},
    ),
)

# 专栏8's ten sectors, one colour each (ColorBrewer Paired)
SECTOR_COLOURS = {
    "先进制造业基地": "#1f78b4", "科技创新强基": "#6a3d9a", "数字经济（人工智能）": "#cab2d6", "交通强省": "#e31a1c",
    "水网安澜提升": "#a6cee3", "清洁能源保供": "#33a02c", "城市有机更新": "#ff7f00", "农业农村优先": "#b2df8a",
    "文化旅游融合": "#fb9a99", "民生设施": "#fdbf6f",
}

PROJECTS = LayerDef(
    id="projects", group="projects", pane=480,
    style={"radius": 6, "color": "#ffffff", "weight": 1, "fillColor": "#7f8c8d", "fillOpacity": 0.95},
    style_by="sector", styles={k: {"fillColor": v} for k, v in SECTOR_COLOURS.items()},
    popup=(Field("sector", "领域", "Sector"), Field("status", "建设状态", "Status"), Field("year", "年份", "Year"),
           Field("investment", "总投资（亿元）", "Investment (100M yuan)"), Field("project_id", "编号", "Id"),
           Field("town_name", "所在镇街", "Town"), Field("zones", "片区", "Zones"), Field("cluster", "共富片区", "Cluster"),
           Field("corridor_name", "最近交通项目", "Nearest transport item"),
           Field("corridor_distance_m", "距交通项目（米，示意线）", "Distance to it (m, schematic line)"),
           Field("axis_branch", "最近发展轴", "Nearest axis branch"), Field("axis_distance_m", "距发展轴（米）", "Distance to axis (m)"),
           Field("located_by", "定位方式", "Located by", "located"),
           Field("plan_fit", "规划符合性提示（仅供参考）", "Plan-fit hint (for reading only)"),
           Field("extra", "清单中的其他列", "Other columns of the list", "record"),
           Field("warnings", "导入提示", "Import warnings", "bilingual")),
    legend=tuple(LegendEntry(k, k, {"radius": 6, "fillColor": v, "color": "#fff"}) for k, v in SECTOR_COLOURS.items()),
    searchable=False, cluster=True, feed="/api/map/projects.json", detail_api="/api/projects/{key}",
    filters=(Field("sector", "领域", "Sector"), Field("status", "状态", "Status"), Field("town_name", "镇街", "Town"),
             Field("year", "年份", "Year")),
    provenance={"coordinates": ("位置为项目清单上报的坐标", "Position as reported in the project list"),
                "geojson": ("位置为项目清单上报的几何", "Geometry as reported in the project list"),
                "town": ("位置为所在镇街驻地（示意），非项目实际位置", "Schematic: the town seat; not the project's site"),
                "village": ("位置为所在村社区的镇街驻地（示意），非项目实际位置",
                            "Schematic: the seat of the village's town; not the project's site"),
                "": ("位置来源见技术说明", "See the technical notes for the position")},
    provenance_by="located_by",
)
LAYERS = LAYERS + (PROJECTS,)

BY_ID = {d.id: d for d in LAYERS}

VIEWS = {  # view -> (title zh, title en, visible layers, emphasis)
    "axis": ("智创云廊 枫和越融 发展轴", "The 智创云廊 axis", ("axis", "zones", "towns", "projects"), "axis"),
    "transport": ("交通强市重大工程", "Transport projects", ("corridors", "towns"), None),
    "prosperity": ("共富片区", "Common prosperity", ("clusters", "towns"), None),
    "industry": ("产业与科创", "Industry and innovation", ("communities", "zones", "towns"), None),
}
DEFAULT_VIEW = "axis"
