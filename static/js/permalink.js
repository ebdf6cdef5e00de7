// Permalink: ?view=…&lang=…#map=zoom/lat/lon&layers=a,b,c[&base=basemap id] (values URI-encoded)
import { state } from "./state.js";

function visibleKeys() {
  return Object.keys(state.groups).filter((k) => state.map.hasLayer(state.groups[k]));
}

export function writeHash() {
  const c = state.map.getCenter(), cfg = state.cfg;
  const defaultBase = cfg.basemaps && cfg.basemaps.length ? cfg.basemaps[0].id : "none";
  const h = "#map=" + +state.map.getZoom().toFixed(2) + "/" + c.lat.toFixed(5) + "/" + c.lng.toFixed(5) +
            "&layers=" + visibleKeys().map(encodeURIComponent).join(",") +
            (state.basemap !== defaultBase ? "&base=" + encodeURIComponent(state.basemap) : "");
  history.replaceState(null, "", location.pathname + location.search + h);
}

export function readHash() {
  const out = {};
  location.hash.replace(/^#/, "").split("&").forEach((kv) => {
    const i = kv.indexOf("=");
    if (i > 0) out[kv.slice(0, i)] = kv.slice(i + 1);
  });
  return out;
}

// Layers and view from the URL; true when the URL said where to look.
export function restore(map) {
  const h = readHash();
  if (h.layers !== undefined) {
    const want = h.layers.split(",").map(decodeURIComponent);
    Object.keys(state.groups).forEach((k) => {
      if (want.indexOf(k) >= 0) map.addLayer(state.groups[k]); else map.removeLayer(state.groups[k]);
    });
  }
  if (h.map) {
    const m = h.map.split("/").map(Number);
    if (m.length === 3 && m.every(isFinite)) { map.setView([m[1], m[2]], m[0]); return true; }
  }
  return false;
}
