// The one state object of the map page. Also reachable as window.ZhujiMap for tests and benchmarks.
export const state = {
  ready: false,        // every layer drawn (and every project clustered)
  map: null,           // the Leaflet map Folium made
  cfg: null,           // the page configuration from the server (layers, views, ui strings, downloads)
  groups: {},          // layer-control toggle key → Leaflet FeatureGroup
  layers: {},          // layer id → {def, features, count, clusterGroup?, shown?}
  index: [],           // search entries
  errors: [],
};
window.ZhujiMap = state;

// A UI string in the page's language (layers/messages.py).
export function t(key, values) {
  let text = (state.cfg && state.cfg.ui[key]) || key;
  if (values) text = text.replace(/\{(\w+)\}/g, (_, k) => (k in values ? values[k] : ""));
  return text;
}
