"""Assemble the map page with Folium from the layer definitions.

Folium builds the map, its controls and one FeatureGroup per toggle; static/app.js fills the
groups from the cached layer GeoJSON (so the page stays light) and renders popups with escaping.
Every JS/CSS asset Folium or a plugin would take from a CDN is redirected to the app's own
/static/vendor/ (npm packages installed by `npm ci --prefix assets`); an unmapped URL is an error.
"""
from __future__ import annotations

from urllib.parse import urlparse

import folium
from branca.element import Element, MacroElement
from folium.plugins import Fullscreen, GroupedLayerControl, MeasureControl
from folium.elements import JSCSSMixin
from folium.template import Template

from .definitions import GROUPS, LAYERS, STATUS_EN, VIEWS

V = "/static/vendor/"
# CDN URL used by Folium/plugins → file served by this app. `{measure_lang}`: cn or en.
LOCAL_ASSETS = {  # keyed by the path part of the URL Folium/plugins use
    "npm/leaflet@1.9.3/dist/leaflet.js": V + "leaflet/dist/leaflet.js",
    "npm/leaflet@1.9.3/dist/leaflet.css": V + "leaflet/dist/leaflet.css",
    "npm/leaflet.fullscreen@3.0.0/Control.FullScreen.min.js": V + "leaflet.fullscreen/Control.FullScreen.js",
    "npm/leaflet.fullscreen@3.0.0/Control.FullScreen.css": V + "leaflet.fullscreen/Control.FullScreen.css",
    "gh/ljagis/leaflet-measure@2.1.7/dist/leaflet-measure.min.js": V + "leaflet-measure/dist/leaflet-measure.{measure_lang}.js",
    "gh/ljagis/leaflet-measure@2.1.7/dist/leaflet-measure.min.css": V + "leaflet-measure/dist/leaflet-measure.css",
    "ajax/libs/leaflet-groupedlayercontrol/0.6.1/leaflet.groupedlayercontrol.min.js":
        V + "leaflet-groupedlayercontrol/dist/leaflet.groupedlayercontrol.min.js",
    "ajax/libs/leaflet-groupedlayercontrol/0.6.1/leaflet.groupedlayercontrol.min.css":
        V + "leaflet-groupedlayercontrol/dist/leaflet.groupedlayercontrol.min.css",
    "ajax/libs/leaflet.markercluster/1.1.0/leaflet.markercluster.js": V + "leaflet.markercluster/dist/leaflet.markercluster.js",
    "ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.css": V + "leaflet.markercluster/dist/MarkerCluster.css",
    "ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.Default.css": V + "leaflet.markercluster/dist/MarkerCluster.Default.css",
}
# Folium's Map also loads jQuery, Bootstrap, Font Awesome and awesome-markers; nothing here uses them.
MAP_JS = [("leaflet", LOCAL_ASSETS["npm/leaflet@1.9.3/dist/leaflet.js"])]
MAP_CSS = [("leaflet_css", LOCAL_ASSETS["npm/leaflet@1.9.3/dist/leaflet.css"])]

UI = {
    "zh": {"title": "诸暨“十五五”规划一张图", "search": "搜索镇街、片区、共富片区、社区（中文或拼音）",
           "schematic": "示意", "derived": "示意（推导）", "official": "权威", "legend": "图例", "permalink": "复制链接",
           "copied": "链接已复制", "indicators": "主要指标（表1）", "details": "镇街详情", "views": "专题",
           "provenance": "数据来源", "confidence": {"high": "高", "medium": "中", "low": "低", "unlocated": "未定位"},
           "no_results": "无结果", "basemap": "底图", "context": "市域轮廓与相邻县市", "loading": "加载中…",
           "schematic_note": "示意：几何非测绘成果，仅表示规划项目服务的地点", "lang_switch": "English",
           "overview": "市域概览", "summary": "项目汇总", "all": "全部", "shown": "显示",
           "download": "下载数据", "download_go": "下载"},
    "en": {"title": "Zhuji 15th Five-Year Plan map", "search": "Search towns, zones, clusters, communities (Chinese or pinyin)",
           "schematic": "schematic", "derived": "schematic (derived)", "official": "official", "legend": "Legend",
           "permalink": "Copy link", "copied": "Link copied", "indicators": "Headline indicators (表1)",
           "details": "Town page", "views": "Views", "provenance": "Provenance",
           "confidence": {"high": "high", "medium": "medium", "low": "low", "unlocated": "unlocated"},
           "no_results": "No results", "basemap": "Basemap", "context": "County outline and neighbours", "loading": "Loading…",
           "schematic_note": "Schematic: not surveyed; shows which places a plan item serves", "lang_switch": "中文",
           "overview": "County overview", "summary": "Project summary", "all": "All", "shown": "shown",
           "download": "Download", "download_go": "Download"},
}


class ZhujiApp(JSCSSMixin, MacroElement):
    """Hands the layer definitions and FeatureGroups to static/app.js."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        ZhujiMap.init({{ this._parent.get_name() }}, {{ this.config|tojson }}, {
        {%- for key, fg in this.groups.items() %} {{ key|tojson }}: {{ fg.get_name() }},{% endfor %} });
        {% endmacro %}
    """)

    def __init__(self, config: dict, groups: dict):
        super().__init__()
        self._name = "ZhujiApp"
        self.config, self.groups = config, groups
        self.default_js = [("markercluster", V + "leaflet.markercluster/dist/leaflet.markercluster.js"),
                           ("zhuji_app", "/static/app.js"),
                           ("minimap", V + "leaflet-minimap/dist/Control.MiniMap.min.js")]
        self.default_css = [("markercluster_css", V + "leaflet.markercluster/dist/MarkerCluster.css"),
                            ("markercluster_default_css", V + "leaflet.markercluster/dist/MarkerCluster.Default.css"),
                            ("zhuji_app_css", "/static/app.css"),
                            ("minimap_css", V + "leaflet-minimap/dist/Control.MiniMap.min.css")]


def _t(zh: str, en: str, lang: str) -> str:
    return zh if lang == "zh" else en


def layer_config(lang: str) -> list[dict]:
    out = []
    for d in LAYERS:
        out.append({
            "id": d.id, "title": _t(d.zh, d.en, lang), "kind": d.kind, "pane": d.pane, "style": d.style,
            "styleBy": d.style_by, "styles": d.styles, "titleField": d.title_field, "labelField": d.label_field,
            "permanentLabels": d.permanent_labels, "searchable": d.searchable, "splitBy": d.split_by,
            "cluster": d.cluster, "filters": [{"key": f.key, "label": _t(f.zh, f.en, lang)} for f in d.filters],
            "detailUrl": d.detail_url, "url": d.feed or f"/api/layers/{d.id}.geojson", "compact": bool(d.feed),
            "detailApi": d.detail_api,
            "popup": [{"key": f.key, "label": _t(f.zh, f.en, lang), "kind": f.kind} for f in d.popup],
            "legend": [{"label": _t(e.zh, e.en, lang), "style": e.style} for e in d.legend],
        })
    return out


def toggles(lang: str) -> list[tuple[str, str, str, str]]:
    """(group key, toggle key, layer id, label) for every layer-control entry, in order."""
    out = []
    for g in GROUPS:
        for d in (d for d in LAYERS if d.group == g):
            if d.split_by:
                for v in d.split_order:   # the group heading already says 交通
                    label = (f"{v}{'项目' if v != '现状' else '线路'}" if lang == "zh" else STATUS_EN.get(v, v).capitalize())
                    out.append((g, f"{d.id}:{v}", d.id, label))
            else:
                out.append((g, d.id, d.id, _t(d.zh, d.en, lang)))
    return out


def _schematic_suffix(lang: str) -> str:
    return "（示意）" if lang == "zh" else " (schematic)"


def build_page(*, view: str, lang: str, centre: tuple[float, float], bounds: list, basemaps: list[dict],
               gcj02: bool, layer_accuracy: dict[str, set]) -> str:
    """The whole map page as HTML. ``layer_accuracy``: accuracy classes present per layer id."""
    title_zh, title_en, visible, emphasis = VIEWS[view]
    m = folium.Map(location=centre, zoom_start=10, tiles=None, control_scale=True, prefer_canvas=False,
                   zoom_control=True, min_zoom=8, max_zoom=18)
    m.default_js, m.default_css = MAP_JS, MAP_CSS
    m.get_root().title = _t("诸暨“十五五”规划一张图", "Zhuji 15th Five-Year Plan map", lang)
    m.get_root().header.add_child(Element('<meta name="viewport" content="width=device-width, initial-scale=1">'))

    groups: dict[str, list] = {g: [] for g in GROUPS}
    fgs = {}
    for gkey, key, layer_id, label in toggles(lang):
        acc = layer_accuracy.get(layer_id, set())
        if acc and acc <= {"schematic", "derived"}:
            label += _schematic_suffix(lang)
        fg = folium.FeatureGroup(name=label, show=layer_id in visible, overlay=True)
        fg.add_to(m)
        groups[gkey].append(fg)
        fgs[key] = fg
    base_groups = []
    for b in basemaps:
        tl = folium.TileLayer(tiles=b["url"], attr=b["attribution"], name=b["name"], overlay=True, control=True,
                              show=True, max_zoom=18, subdomains=b.get("subdomains", "abc"))
        tl.add_to(m)
        base_groups.append(tl)
    grouped = {_t(*GROUPS[g], lang): fl for g, fl in groups.items() if fl}
    if base_groups:
        grouped[UI[lang]["basemap"]] = base_groups
    GroupedLayerControl(grouped, exclusive_groups=False, collapsed=False, position="topright").add_to(m)
    Fullscreen(position="topleft", title=_t("全屏", "Full screen", lang),
               title_cancel=_t("退出全屏", "Exit full screen", lang)).add_to(m)
    MeasureControl(position="topleft", primary_length_unit="kilometers", secondary_length_unit="meters",
                   primary_area_unit="hectares", secondary_area_unit="sqmeters").add_to(m)

    config = {
        "lang": lang, "view": view, "views": {k: _t(v[0], v[1], lang) for k, v in VIEWS.items()},
        "viewTitle": _t(title_zh, title_en, lang), "visible": list(visible), "emphasis": emphasis,
        "ui": UI[lang], "layers": layer_config(lang), "gcj02": gcj02, "bounds": bounds,
        "context": "/api/context.geojson", "indicators": f"/indicators?lang={lang}", "summary": f"/projects?lang={lang}",
        "toggles": [{"key": k, "layer": lid, "visible": lid in visible} for _, k, lid, _ in toggles(lang)],
    }
    ZhujiApp(config, fgs).add_to(m)
    localise(m, lang)
    html = m.get_root().render()
    return html.replace("<html>", f'<html lang="{"zh-CN" if lang == "zh" else "en"}">', 1)


def localise(root, lang: str) -> None:
    """Point every element's JS/CSS at this app's copy; refuse any asset without one."""
    measure_lang = "cn" if lang == "zh" else "en"
    stack = [root]
    while stack:
        el = stack.pop()
        stack.extend(getattr(el, "_children", {}).values())
        for attr in ("default_js", "default_css"):
            assets = getattr(el, attr, None)
            if not assets:
                continue
            local = []
            for name, url in assets:
                if url.startswith("/"):
                    local.append((name, url))
                elif urlparse(url).path.lstrip("/") in LOCAL_ASSETS:
                    local.append((name, LOCAL_ASSETS[urlparse(url).path.lstrip("/")].format(measure_lang=measure_lang)))
                else:
                    raise RuntimeError(f"asset {url} of {type(el).__name__} has no local copy; add it to "
                                       "assets/package.json and LOCAL_ASSETS (the map must work offline)")
            setattr(el, attr, local)
