// The basemap switcher: a radio group in the layer control, 无底图 first, then the configured and the
// offline (MBTiles) basemaps (web/basemaps.py). Overlays follow the basemap's datum (datum.js).
import { restyleContext } from "./context.js";
import { escapeHtml } from "./dom.js";
import { setDatum } from "./datum.js";
import { state, t } from "./state.js";

const OPTIONS = ["subdomains", "minZoom", "maxNativeZoom", "minNativeZoom", "bounds"];

function tileLayer(b, o) {
  const opts = { maxZoom: 18, attribution: escapeHtml(b.attribution || "") };
  OPTIONS.forEach((k) => { if (o[k] !== undefined && o[k] !== null) opts[k] = o[k]; });
  return L.tileLayer(o.url, opts);
}

// The basemap shown at start: the permalink's, else the first configured one, else none.
export function initialBasemap(cfg, wanted) {
  const list = cfg.basemaps || [];
  if (wanted === "none") return null;
  return list.find((b) => b.id === wanted) || list[0] || null;
}

export function addBasemaps(map, cfg, control, initial) {
  const none = L.layerGroup();
  none._zjBasemap = { id: "none", datum: "wgs84" };
  const entries = [[none, t("map.no_basemap")]];
  (cfg.basemaps || []).forEach((b) => {
    const g = L.layerGroup(b.layers.map((o) => tileLayer(b, o)));
    g._zjBasemap = b;
    entries.push([g, b.name]);
  });
  // the plugin writes names as HTML: escape them (an MBTiles file's name is data)
  entries.forEach(([layer, name]) => control.addBaseLayer(layer, escapeHtml(name)));
  const start = entries.find(([layer]) => layer._zjBasemap.id === (initial ? initial.id : "none"))[0];
  map.addLayer(start);
  state.basemap = start._zjBasemap.id;
  map.on("baselayerchange", (e) => {
    const b = e.layer && e.layer._zjBasemap;
    if (!b) return;
    state.basemap = b.id;
    setDatum(map, b.datum);
    restyleContext();
  });
}
