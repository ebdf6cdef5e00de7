// The one state object of the map page. Also reachable as window.ZhujiMap for tests and benchmarks.
export const state = {
  ready: false,        // every layer drawn (and every project clustered)
  map: null,           // the Leaflet map Folium made
  control: null,       // the grouped layer control (overlays, basemaps, layer settings)
  cfg: null,           // the page configuration from the server (layers, views, ui strings, downloads)
  groups: {},          // layer-control toggle key → Leaflet FeatureGroup
  layers: {},          // layer id → {def, features, count, layer? (projects: ProjectLayer), shown?}
  index: [],           // search entries
  extraLayers: [],     // drawn outside the toggles (context, overview): moved too when the datum changes
  context: null,       // the county outline and the neighbours (context.js)
  datum: "wgs84",      // the overlays' datum: "gcj02" while a GCJ-02 basemap is on (datum.js)
  basemap: "none",     // id of the basemap on the map
  filters: {},         // project filters: field → value ("" = all)
  labels: [],          // permanent labels, placed without overlaps after each zoom (labels.js)
  labelsOn: true,      // the 显示标注 switch
  labelRuns: 0,        // placements done; labelZoom: the zoom of the last one (tests wait on it)
  labelZoom: null,
  junction: null,      // the axis junction (L.LatLng) in the axis view
  asking: null,        // "identify" while 查询此处 is on; drawing: a 范围统计 shape is being drawn (ask.js)
  drawing: false,
  lastStats: null,     // the last /api/stats answer shown, and its query (printed with the map while shown)
  statsQuery: null,
  autoFit: true,       // the view is still the fitted one: refit when the layout changes
  errors: [],
};
window.ZhujiMap = state;

// A UI string in the page's language (layers/messages.py).
export function t(key, values) {
  let text = (state.cfg && state.cfg.ui[key]) || key;
  if (values) text = text.replace(/\{(\w+)\}/g, (_, k) => (k in values ? values[k] : ""));
  return text;
}
