"""Print / export map (打印/导出地图): a map state as an A4/A3 PDF (vector) or PNG (72–300 dpi), drawn
server-side with matplotlib from the same layer definitions as the web map.

    body, name, mimetype = render(PrintSpec(view="axis", size="A3", orientation="landscape"), services)

``services`` is web.services.Services or anything with ``.data`` (geo's PlanData), ``.catalog`` (projects)
and ``.config`` (``print_unit``, optional). The pieces: print_spec (what to print), print_map (the map
frame's content), print_labels (names without overlaps), print_layout (the sheet), print_style (Leaflet
styles in matplotlib). Text uses a CJK font embedded in the PDF as TrueType (``pdf.fonttype`` 42).
"""
from __future__ import annotations

import io
import math
import re
import threading

import geopandas as gpd
import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from pyproj import CRS, Proj

from geo.analysis import filter_projects
from geo.crs import transformer
from geo.errors import DataError

from . import print_area, print_font, print_labels, print_layout, print_map
from .definitions import VIEWS
from .messages import t
from .print_spec import PrintSpec
from .print_style import context_section, legend_section, use_family

__all__ = ["FontMissing", "PrintBusy", "PrintSpec", "ascii_name", "cjk_family", "file_name", "render"]

MIMETYPES = {"pdf": "application/pdf", "png": "image/png"}
# Debian packages' CJK sans fonts, best first: WenQuanYi Micro Hei is TrueType (embeds as CID TrueType);
# Noto Sans CJK is CFF-based and embeds too
CJK_FAMILIES = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "WenQuanYi Zen Hei", "Noto Sans SC", "Source Han Sans SC")
CJK_FILES = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
             "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
WAIT_S = 120                      # a print waits this long for the one before it
_slot = threading.Lock()          # one render at a time: ~70 MB for an A3 page at 300 dpi, and rcParams are global


class FontMissing(DataError):
    """No CJK font is installed."""


class PrintBusy(DataError):
    """Another print kept the renderer busy for longer than WAIT_S."""


def cjk_family() -> str:
    """The first installed CJK family matplotlib can use; fonts installed after matplotlib built its
    font cache are added from their Debian paths."""
    from matplotlib import font_manager
    for attempt in range(2):
        names = {f.name for f in font_manager.fontManager.ttflist}
        hit = next((f for f in CJK_FAMILIES if f in names), None)
        if hit:
            return hit
        if attempt == 0:
            for path in CJK_FILES:
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError):
                    continue
    raise FontMissing("未找到中文字体，无法输出地图：请安装 Debian 软件包 fonts-wqy-microhei（或 fonts-noto-cjk）",
                      "no CJK font found to print the map: install the Debian package fonts-wqy-microhei "
                      "(or fonts-noto-cjk)", field="font")


def rc(family: str) -> dict:
    return {"font.family": [*print_font.families(family), "DejaVu Sans"], "pdf.fonttype": 42, "ps.fonttype": 42, "svg.fonttype": "none",
            "lines.scale_dashes": False,      # Leaflet dashes are absolute lengths, not multiples of the width
            "axes.unicode_minus": False, "pdf.compression": 6}


def render(spec: PrintSpec, services) -> tuple[bytes, str, str]:
    """The printed map as (bytes, file name, mimetype)."""
    family = cjk_family()
    if not _slot.acquire(timeout=WAIT_S):
        raise PrintBusy(*_both("print.busy"))
    try:
        with matplotlib.rc_context(params := rc(family)):
            use_family(" / ".join(params["font.family"]))
            fig = _compose(spec, services)
            body = _save(fig, spec)
    finally:
        _slot.release()
    return body, file_name(spec), MIMETYPES[spec.format]


def _both(key: str) -> tuple[str, str]:
    return t(key, "zh"), t(key, "en")


def _compose(spec: PrintSpec, services) -> Figure:
    pg = print_layout.page(spec.size, spec.orientation)
    proj = print_map.projected(services.data)
    area = print_area.resolve(spec, services)
    ext = print_map.extent(spec.bbox or (area and print_area.bbox(area)) or print_map.default_bbox(services.data),
                           pg.map.w / pg.map.h)
    drawn = print_map.select(spec, proj, _projects(spec, services, print_map.extent_4326(ext)), ext)
    fig = Figure(figsize=pg.inches, dpi=72)
    FigureCanvasAgg(fig)                                  # measures text for layout and collisions
    ax = fig.add_axes(pg.rect(pg.map))
    ax.set_xlim(ext[0], ext[2])
    ax.set_ylim(ext[1], ext[3])
    ax.set_axis_off()
    print_map.draw_context(ax, proj, ext, pg.symbol_scale)
    print_map.draw_layers(ax, drawn, pg.symbol_scale)
    if area:
        print_area.draw(ax, area, pg.symbol_scale)
    avoid = print_layout.draw(print_layout.sheet(fig, pg), pg, _furniture(spec, services, drawn, ext, pg, area))
    labels = print_labels.candidates(drawn, proj, ext, spec.lang, VIEWS[spec.view][3], pg.symbol_scale)
    print_labels.place(ax, labels, avoid + print_labels.symbol_boxes(ax, drawn, pg.symbol_scale), pg.symbol_scale)
    return fig


def _projects(spec: PrintSpec, services, ext_4326=None):
    """The filtered projects with a point inside the sheet's extent, in EPSG:4549 (None when the projects
    layer is not printed). Read from the services' compact in-memory copy of the projects, not the store:
    100,000 projects are filtered in milliseconds instead of read and built into a frame for seconds."""
    if "projects" not in spec.layer_ids():
        return None
    f = spec.project_filters()
    every = services.projects()
    df = filter_projects(every, year=f.get("year"), sector=f.get("sector"), status=f.get("status"),
                         town=services.catalog.town_code(spec.town) if spec.town else None)
    df = df[df["lon"].notna()]
    if ext_4326 is not None:
        x0, y0, x1, y1 = ext_4326
        df = df[df["lon"].between(x0, x1).to_numpy() & df["lat"].between(y0, y1).to_numpy()]
    points = print_map.project_points(every)[every.index.get_indexer(df.index)]
    return gpd.GeoDataFrame(df.reset_index(drop=True), geometry=points, crs=print_map.CRS)


def _furniture(spec: PrintSpec, services, drawn, ext, pg, area=None) -> print_layout.Furniture:
    lang, emphasis = spec.lang, VIEWS[spec.view][3]
    sections, schematic = [], False
    for d in drawn:
        classes: dict[tuple, bool] = {}
        for g in d.groups:
            classes[g.cls] = classes.get(g.cls, False) or d.has_points(g)
        rows = d.schematic()
        schematic |= bool(rows.any())
        sections.append(legend_section(d.defn, classes, lang, emphasis, bool(rows.all()), crowded=d.crowded()))
    if area:                      # the question first: it is why this sheet was printed
        sections.insert(0, print_area.legend(area, lang))
    sections.append(context_section(lang))
    metres_per_mm, north = _ground(ext, pg)
    title = spec.title or VIEWS[spec.view][1 if lang == "en" else 0]
    subtitle = spec.subtitle or (area and print_area.subtitle(area, spec))
    return print_layout.Furniture(title, subtitle, sections, metres_per_mm, north, _footer(spec, services, schematic), lang)


def _ground(ext, pg) -> tuple[float, float]:
    """Metres on the ground per mm of map and true north's angle, at the map's centre (EPSG:4549 is
    conformal: scale and north are the same in every direction at a point)."""
    cx, cy = (ext[0] + ext[2]) / 2, (ext[1] + ext[3]) / 2
    lon, lat = transformer(print_map.CRS, 4326).transform(cx, cy)
    k = Proj(CRS.from_epsg(print_map.CRS)).get_factors(lon, lat).meridional_scale
    nx, ny = transformer(4326, print_map.CRS).transform(lon, lat + 0.01)
    north = math.degrees(math.atan2(nx - cx, ny - cy))
    return (ext[2] - ext[0]) / pg.map.w / k, north


def _footer(spec: PrintSpec, services, schematic: bool) -> list[tuple[str, str]]:
    lang, d = spec.lang, spec.day
    unit = spec.unit or (getattr(services, "config", None) or {}).get("print_unit") or t("print.unit_default", lang)
    date = f"{d.year}年{d.month}月{d.day}日" if lang == "zh" else d.isoformat()
    first = [t("print.unit", lang, unit=unit), t("print.date", lang, date=date)]
    if spec.approval:
        first.append(t("print.approval", lang, approval=spec.approval))
    lines = [("　　".join(first), print_layout.INK),
             (t("print.source", lang, source=spec.source or t("print.source_default", lang)), print_layout.INK)]
    if schematic:
        lines.append((t("print.schematic_note", lang), print_layout.NOTE_INK))
    return lines


def _save(fig: Figure, spec: PrintSpec) -> bytes:
    buf = io.BytesIO()
    if spec.format == "pdf":
        # no creation date: the same map state gives the same bytes
        # dpi: only for what is rasterized (thousands of project points), so they print sharp
        fig.savefig(buf, format="pdf", dpi=300, metadata={"Title": spec.title or VIEWS[spec.view][0],
                                                          "Creator": "zhuji-map", "CreationDate": None})
    else:       # whole pixels, rounded rather than cut: A4 at 150 dpi is 1240 × 1754
        w, h = fig.get_size_inches()
        fig.set_size_inches((round(w * spec.dpi) + 0.25) / spec.dpi, (round(h * spec.dpi) + 0.25) / spec.dpi)
        fig.savefig(buf, format="png", dpi=spec.dpi, metadata={"Software": "zhuji-map"},
                    pil_kwargs={"compress_level": 3})
    return buf.getvalue()


def ascii_name(spec: PrintSpec) -> str:
    """zhuji-map-axis-A3-landscape-20261122.pdf"""
    return f"zhuji-map-{spec.view}-{spec.size}-{spec.orientation}-{spec.day:%Y%m%d}.{spec.format}"


def file_name(spec: PrintSpec) -> str:
    """The download name: the title when one was given (may be Chinese), else ``ascii_name``."""
    if not spec.title:
        return ascii_name(spec)
    stem = re.sub(r"[\\/:*?\"<>|\s]+", "-", spec.title).strip("-.")[:60] or "zhuji-map"
    return f"{stem}-{spec.size}-{spec.orientation}-{spec.day:%Y%m%d}.{spec.format}"
