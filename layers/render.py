"""Assemble the map page with Folium from the layer definitions.

Folium builds the map, its controls and one FeatureGroup per toggle; static/js/main.js fills the
groups from the cached layer GeoJSON (so the page stays light), adds the basemaps to the layer control
and renders popups with escaping.
Every JS/CSS asset Folium or a plugin would take from a CDN is redirected to the app's own
/static/vendor/ (npm packages installed by `npm ci --prefix assets`); an unmapped URL is an error.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlparse

import folium
from branca.element import Element, MacroElement
from folium.elements import JSCSSMixin
from folium.plugins import Fullscreen, GroupedLayerControl, MeasureControl
from folium.template import Template

from .definitions import GROUPS, LAYERS, STATUS_EN, VIEWS
from .messages import catalog, t

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
}
# Folium's Map also loads jQuery, Bootstrap, Font Awesome and awesome-markers; nothing here uses them.
MAP_JS = [("leaflet", LOCAL_ASSETS["npm/leaflet@1.9.3/dist/leaflet.js"])]
MAP_CSS = [("leaflet_css", LOCAL_ASSETS["npm/leaflet@1.9.3/dist/leaflet.css"])]

class LayerControl(GroupedLayerControl):
    """Folium's grouped layer control, kept in a variable so the page's modules can add the basemaps
    (a radio group headed 无底图) and the layer settings to it."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control.groupedLayers(null, {
            {%- for group_name, overlays in this.grouped_overlays.items() %}
            {{ group_name|tojson }}: { {%- for key, val in overlays.items() %} {{ key|tojson }}: {{ val }},{% endfor %} },
            {%- endfor %}
        }, {{ this.options|tojavascript }}).addTo({{ this._parent.get_name() }});
        {%- for val in this.layers_untoggle %}
        {{ val }}.remove();
        {%- endfor %}
        {% endmacro %}
    """)


class ZhujiApp(JSCSSMixin, MacroElement):
    """Hands the page configuration and the FeatureGroups to the app's ES modules (static/js/main.js),
    which start once the document is parsed and read them from ``window.ZhujiBoot``."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        window.ZhujiBoot = {map: {{ this._parent.get_name() }}, control: {{ this.control.get_name() }},
        config: {{ this.config|tojson }}, groups: {
        {%- for key, fg in this.groups.items() %} {{ key|tojson }}: {{ fg.get_name() }},{% endfor %} }};
        {% endmacro %}
    """)

    def __init__(self, config: dict, groups: dict, control: LayerControl):
        super().__init__()
        self._name = "ZhujiApp"
        self.config, self.groups, self.control = config, groups, control
        self.default_js = [("supercluster", V + "supercluster/dist/supercluster.min.js"),
                           ("minimap", V + "leaflet-minimap/dist/Control.MiniMap.min.js"),
                           ("draw", V + "leaflet-draw/dist/leaflet.draw.js")]      # 范围统计 (static/js/ask.js)
        self.default_css = [("zhuji_app_css", "/static/app.css"), ("zhuji_discs_css", "/static/discs.css"),
                            ("minimap_css", V + "leaflet-minimap/dist/Control.MiniMap.min.css"),
                            ("draw_css", V + "leaflet-draw/dist/leaflet.draw.css")]


def layer_config(lang: str) -> list[dict]:
    return [{
        "id": d.id, "title": d.title(lang), "kind": d.kind, "pane": d.pane, "style": d.style,
        "styleBy": d.style_by, "styles": d.styles, "titleField": d.title_field, "labelField": d.label_field,
        "permanentLabels": d.permanent_labels, "searchable": d.searchable, "splitBy": d.split_by,
        "cluster": d.cluster, "filters": [{"key": f.key, "label": _pick(f, lang)} for f in d.filters],
        "detailUrl": d.detail_url, "url": d.feed or f"/api/layers/{d.id}.geojson", "compact": bool(d.feed),
        "detailApi": d.detail_api, "labelPoint": d.label_point,
        "popup": [{"key": f.key, "label": _pick(f, lang), "kind": f.kind} for f in d.popup],
        "legend": [{"label": _pick(e, lang), "style": e.style} for e in d.legend],
        "lineLabels": d.line_labels, "lineLabelZoom": d.line_label_zoom,
        "labelText": {k: _pick(v, lang) for k, v in d.label_text.items()},
        "provenance": {k: _pick(v, lang) for k, v in d.provenance.items()}, "provenanceBy": d.provenance_by,
    } for d in LAYERS]


def basemap_config(basemaps: list[dict]) -> list[dict]:
    """What the browser gets of each basemap (web/basemaps.py): never the file behind an offline one."""
    return [{k: b[k] for k in ("id", "name", "datum", "attribution", "layers")} for b in basemaps]


def _pick(item, lang: str) -> str:
    """The label of a Field/LegendEntry or a (zh, en) pair in the page's language."""
    zh, en = item if isinstance(item, tuple) else (item.zh, item.en)
    return en if lang == "en" else zh


def toggles(lang: str) -> list[tuple[str, str, str, str]]:
    """(group key, toggle key, layer id, label) for every layer-control entry, in order."""
    out = []
    for g in GROUPS:
        for d in (d for d in LAYERS if d.group == g):
            if d.split_by:
                for v in d.split_order:   # the group heading already says 交通
                    label = (t("map.status_existing", lang) if v == "现状" else
                             t("map.status_item", lang, status=v, status_en=STATUS_EN.get(v, v).capitalize()))
                    out.append((g, f"{d.id}:{v}", d.id, label))
            else:
                out.append((g, d.id, d.id, d.title(lang)))
    return out


def _feature_groups(m: folium.Map, lang: str, visible, layer_accuracy: dict) -> tuple[dict, dict]:
    """One FeatureGroup per layer-control toggle; schematic layers say so in their label."""
    groups: dict[str, list] = {g: [] for g in GROUPS}
    fgs = {}
    for gkey, key, layer_id, label in toggles(lang):
        acc = layer_accuracy.get(layer_id, set())
        if acc and acc <= {"schematic", "derived"}:
            label += t("map.schematic_suffix", lang)
        fg = folium.FeatureGroup(name=label, show=layer_id in visible, overlay=True)
        fg.add_to(m)
        groups[gkey].append(fg)
        fgs[key] = fg
    return groups, fgs


def _controls(m: folium.Map, lang: str, groups: dict) -> LayerControl:
    """The layer control (basemaps are added to it by static/js/basemap.js), full screen and measuring."""
    grouped = {_pick(GROUPS[g], lang): fl for g, fl in groups.items() if fl}
    control = LayerControl(grouped, exclusive_groups=False, collapsed=False, position="topright")
    control.add_to(m)
    Fullscreen(position="topleft", title=t("map.fullscreen", lang), title_cancel=t("map.fullscreen_exit", lang)).add_to(m)
    MeasureControl(position="topleft", primary_length_unit="kilometers", secondary_length_unit="meters",
                   primary_area_unit="hectares", secondary_area_unit="sqmeters").add_to(m)
    return control


JS_DIR = Path(__file__).resolve().parent.parent / "static" / "js"
IMPORT = re.compile(r"""^\s*(?:import|export)\s[^;]*?from\s+["']\./([\w.-]+\.js)["']""", re.M)


def module_closure(entry: str) -> list[str]:
    """The page's ES modules, found by following their imports from ``entry``: announced to the browser
    with modulepreload, so it fetches them all at once instead of one level of imports after another."""
    seen, todo = [], [entry]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.append(name)
            todo += IMPORT.findall((JS_DIR / name).read_text(encoding="utf-8"))
    return sorted(seen)


def build_page(*, view: str, lang: str, centre: tuple[float, float], bounds: list, basemaps: list[dict],
               gcj02: bool, layer_accuracy: dict[str, set], downloads: dict) -> str:
    """The whole map page as HTML. ``layer_accuracy``: accuracy classes present per layer id;
    ``downloads``: the formats and CRSs offered (from geo.export and geo.crs)."""
    title_zh, title_en, visible, emphasis = VIEWS[view]
    # metric scale bar, zoom titles and attribution come from static/js/controls.js; quarter zoom steps
    # let the county fill the free map area
    m = folium.Map(location=centre, zoom_start=10, tiles=None, control_scale=False, prefer_canvas=False,
                   zoom_control=True, min_zoom=8, max_zoom=18, zoom_snap=0.25)
    m.default_js, m.default_css = MAP_JS, MAP_CSS
    m.get_root().title = t("app.title", lang)
    m.get_root().header.add_child(Element('<meta name="viewport" content="width=device-width, initial-scale=1">'))
    m.get_root().header.add_child(Element("".join(f'<link rel="modulepreload" href="/static/js/{name}">'
                                                  for name in module_closure("main.js"))))
    m.get_root().html.add_child(Element('<script type="module" src="/static/js/main.js"></script>'))
    groups, fgs = _feature_groups(m, lang, visible, layer_accuracy)
    control = _controls(m, lang, groups)
    config = {
        "lang": lang, "view": view, "views": {k: (v[1] if lang == "en" else v[0]) for k, v in VIEWS.items()},
        "viewTitle": title_en if lang == "en" else title_zh, "visible": list(visible), "emphasis": emphasis,
        "ui": catalog(lang), "layers": layer_config(lang), "gcj02": gcj02,
        "bounds": bounds, "basemaps": basemap_config(basemaps), "print": "/api/print",
        "projectTable": "/work/projects", "layerList": f"/api/layers?lang={lang}",
        "context": "/api/context.geojson", "indicators": f"/indicators?lang={lang}", "summary": f"/projects?lang={lang}",
        "analysis": f"/analysis?lang={lang}", "workbench": "/work",
        "toggles": [{"key": k, "layer": lid, "visible": lid in visible} for _, k, lid, _ in toggles(lang)],
        "downloads": downloads,
    }
    m.get_root().header.add_child(Element(early_fetch([config["context"], *(d["url"] for d in config["layers"])])),
                                  index=0)
    ZhujiApp(config, fgs, control).add_to(m)
    localise(m, lang)
    html = m.get_root().render()
    return html.replace("<html>", f'<html lang="{"zh-CN" if lang == "zh" else "en"}">', 1)


def early_fetch(urls: list[str]) -> str:
    """An inline script, first in the head, that asks for the layer data while the scripts load; main.js
    takes the answers (dom.js fetchJson). fetch(), unlike a preload link, does not hold back the load event."""
    return ("<script>window.ZhujiEarly=Object.fromEntries(" + json.dumps(urls) +
            '.map(function(u){var p=fetch(u,{credentials:"same-origin"});p.catch(function(){});return [u,p]}));</script>')


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
