"""范围统计 on paper: the area of a /api/stats question drawn on the printed map (dashed outline), its
totals as the subtitle and its projects by sector in the legend — the same figures as the screen, since
the area and the statistics come from the same functions (geo/areas.py, geo/analysis.py)."""
from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd

from geo.analysis import area_statistics, filter_projects
from geo.areas import area_from

from .definitions import SECTOR_COLOURS
from .messages import t
from .print_map import CRS, _polygons
from .print_style import LegendItem, LegendSection

AREA_STYLE = {"color": "#1f618d", "weight": 2.2, "dashArray": "7 4", "fillColor": "#1f618d", "fillOpacity": 0.07}
AREA_Z = 470                      # above the plan's areas and lines, under the projects and the names


@dataclass(frozen=True)
class PrintedArea:
    geometry: object              # EPSG:4549
    label: str
    stats: dict


def resolve(spec, services) -> PrintedArea | None:
    if not spec.area:
        return None
    area = area_from(dict(spec.area), services.data)
    projects = filter_projects(services.projects(), year=spec.year, sector=spec.sector, status=spec.status)
    stats = area_statistics(area, projects)
    geom = gpd.GeoSeries([area.geometry], crs=4326).to_crs(CRS).iloc[0]
    return PrintedArea(geom, area.label_en if spec.lang == "en" else area.label_zh, stats)


def bbox(a: PrintedArea) -> tuple[float, float, float, float]:
    """The area with a margin, in WGS84 (the printed extent when no bbox was asked for)."""
    g = gpd.GeoSeries([a.geometry], crs=CRS).to_crs(4326).iloc[0]
    x0, y0, x1, y1 = g.bounds
    mx, my = (x1 - x0) * 0.08 + 0.005, (y1 - y0) * 0.08 + 0.005
    return x0 - mx, y0 - my, x1 + mx, y1 + my


def draw(ax, a: PrintedArea, scale: float) -> None:
    _polygons(ax, [a.geometry], AREA_STYLE, AREA_Z, scale)


def subtitle(a: PrintedArea, spec) -> str:
    s, lang = a.stats, spec.lang
    when = t("print.area_year", lang, year=spec.year) if spec.year else ""
    return t("print.area_subtitle", lang, area=a.label, n=s["projects"], inv=s["investment_yi"],
             plan=s["investment_year_yi"], when=when)


def legend(a: PrintedArea, lang: str) -> LegendSection:
    s = a.stats
    items = [LegendItem(t("print.area_total", lang, n=s["projects"], inv=s["investment_yi"]), "polygon", AREA_STYLE)]
    for row in s["by_sector"]:
        colour = SECTOR_COLOURS.get(row["key"], "#7f8c8d")
        items.append(LegendItem(t("print.area_row", lang, sector=row["key"], n=row["projects"], inv=row["investment_yi"]),
                                "point", {"radius": 6, "fillColor": colour, "color": "#ffffff", "weight": 1, "fillOpacity": 0.95}))
    if s["shared"]["projects"]:
        items.append(LegendItem(t("print.area_shared", lang, n=s["shared"]["projects"]), "polygon",
                                {"color": "#ffffff", "weight": 0, "fillOpacity": 0}))
    return LegendSection(t("print.area_section", lang), tuple(items))
