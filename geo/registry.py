"""The one registry of layers: what each layer is, independent of how it is drawn.

Ids, titles, feature-id field, the column that ties a feature to towns, geometry kind. The feature
catalog (OGC API, downloads), the CLI's choices, the map and the tests all derive from it; the
drawing (styles, popups, legend) lives in layers/definitions.py, keyed by the same ids.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LayerSpec:
    id: str
    zh: str
    en: str
    description: str                 # for GIS clients (OGC API collection description), English
    geometry: str                    # polygon | line | point | mixed
    key: str = "id"                  # feature id column
    town_column: str | None = None   # column of ';'-separated town codes; None: served towns (corridors)
    stored: bool = False             # True: from the project store, changes at run time
    internal: tuple[str, ...] = ("search", "extra")   # columns never exported
    description_zh: str = ""         # the same in Chinese (OGC API's default description and HTML pages)


LAYERS: tuple[LayerSpec, ...] = (
    LayerSpec("axis", "智创云廊发展轴", "智创云廊 development axis",
              "Y-shaped 智创云廊 枫和越融 development axis (七(三)); schematic", "line", town_column="town_codes",
              description_zh="“智创云廊 枫和越融”Y字形发展轴（七(三)），示意线位"),
    LayerSpec("zones", "六大片区", "Six zones (专栏3)",
              "Six zones of 专栏3: the host towns' area dissolved (schematic), with a label point",
              "polygon", town_column="host_town_codes",
              description_zh="专栏3六大片区：所在镇街范围合并（示意，非片区规划边界），含标注点"),
    LayerSpec("towns", "镇街", "Towns and streets",
              "23 towns and streets with 专栏10 positioning; derived polygons unless replaced", "polygon",
              key="code", town_column="code",
              description_zh="23个镇街及专栏10功能定位；界线为推算（可用权威界线替换）"),
    LayerSpec("corridors", "交通项目（专栏12）", "Transport (专栏12)",
              "专栏12 transport items and existing lines; schematic", "mixed",
              description_zh="专栏12交通项目及现状线路，示意线位"),
    LayerSpec("clusters", "共富片区（专栏13）", "Common-prosperity clusters (专栏13)",
              "23 common-prosperity clusters of 专栏13; host-town polygons", "polygon", town_column="host_town_code",
              description_zh="专栏13的23个共富片区：所在镇街范围（示意）"),
    LayerSpec("communities", "未来产业社区与科创平台", "Future industry communities & science platforms",
              "专栏4 communities and 专栏6 platforms; schematic points", "point", town_column="host_town_code",
              description_zh="专栏4未来产业社区与专栏6科创平台，示意点位"),
    LayerSpec("projects", "重大项目", "Major projects",
              "Imported project lists, joined with town, zone, cluster, corridor and axis", "point",
              key="key", town_column="town_code", stored=True,
              description_zh="导入的重大项目清单，关联镇街、片区、共富片区、交通项目与发展轴"),
)
BY_ID = {spec.id: spec for spec in LAYERS}
PLAN_LAYER_IDS = tuple(spec.id for spec in LAYERS if not spec.stored)
LAYER_IDS = tuple(spec.id for spec in LAYERS)


def spec(layer_id: str) -> LayerSpec:
    return BY_ID[layer_id]
