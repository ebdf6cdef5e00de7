// 诸暨“十五五”规划一张图 — the map page. Folium built the map, its controls and one FeatureGroup per
// toggle; the inline script left them in window.ZhujiBoot. This module fills them from the app's
// cached layer data and adds the header, basemaps, layer panel, legend, labels, search and print.
import { askControl } from "./ask.js";
import { addBasemaps, initialBasemap } from "./basemap.js";
import { addContext } from "./context.js";
import { localiseControls } from "./controls.js";
import { fetchJson } from "./dom.js";
import { filterControl } from "./filters.js";
import { header } from "./header.js";
import { findJunction, keepPlaced, placeLabels } from "./labels.js";
import { layerPanel } from "./layerpanel.js";
import { addLayer } from "./layers.js";
import { fitView, keepFitted, watchHeader } from "./layout.js";
import { legendControl } from "./legend.js";
import { readHash, restore, writeHash } from "./permalink.js";
import { localisePopups } from "./popup.js";
import { state, t } from "./state.js";

const LABEL_PANE = 470, LINE_LABEL_PANE = 640, JUNCTION_PANE = 490;

function panes(map, cfg) {
  cfg.layers.forEach((def) => {
    map.createPane("zj-" + def.id).style.zIndex = def.pane;
    if (def.labelPoint) map.createPane("zj-" + def.id + "-label").style.zIndex = LABEL_PANE;   // above the lines
  });
  // the axis view keeps its junction clear: projects under the axis band, the junction on top
  if (cfg.emphasis === "axis" && map.getPane("zj-projects") && map.getPane("zj-axis")) {
    map.getPane("zj-projects").style.zIndex = Number(map.getPane("zj-axis").style.zIndex) - 1;
  }
  map.createPane("zj-context").style.zIndex = 350;
  map.createPane("zj-line-labels").style.zIndex = LINE_LABEL_PANE;
  map.createPane("zj-junction").style.zIndex = JUNCTION_PANE;
}

// The point where the axis branches meet, marked and kept free of labels in the axis view.
function markJunction(map, cfg) {
  const axis = state.layers.axis;
  if (!axis || cfg.emphasis !== "axis") return;
  state.junction = findJunction(map, axis.features.filter((f) => f.getLatLngs));
  if (!state.junction) return;
  const node = L.circleMarker(state.junction, { pane: "zj-junction", radius: 5, weight: 2.5, color: "#4a235a",
                                                fillColor: "#fff", fillOpacity: 1, interactive: false });
  node._zjAux = true;
  node._zjRelocate = () => {
    state.junction = findJunction(map, axis.features.filter((f) => f.getLatLngs));
    node.setLatLng(state.junction);
  };
  node.bindTooltip(t("map.junction"), { direction: "top" });
  state.groups.axis.addLayer(node);
}

function loadLayers(map, cfg, filters) {
  return [addContext(map, cfg)].concat(cfg.layers.map((def) =>
    fetchJson(def.url).then((data) => addLayer(map, cfg, def, data, filters[def.id]))));
}

export function init(map, cfg, groups, control) {
  Object.assign(state, { map, cfg, groups, control });
  if (!isFinite(map.getMaxZoom())) map.setMaxZoom(18);   // no tile layer by default; clustering needs a bound
  const t0 = performance.now(), hash = readHash();
  const base = initialBasemap(cfg, hash.base && decodeURIComponent(hash.base));
  state.datum = base && base.datum === "gcj02" ? "gcj02" : "wgs84";
  panes(map, cfg);
  localiseControls(map);
  localisePopups(map);
  watchHeader(map, header(map, cfg));
  layerPanel(map, cfg, control);
  addBasemaps(map, cfg, control, base);
  legendControl(map, cfg);
  askControl(map);
  const filters = {};
  cfg.layers.filter((d) => d.filters.length).forEach((d) => { filters[d.id] = filterControl(map, cfg, d); });
  keepPlaced(map);
  if (restore(map)) state.autoFit = false;
  else fitView(map, cfg);
  keepFitted(map, cfg);
  Promise.all(loadLayers(map, cfg, filters)).then(() => {
    markJunction(map, cfg);
    fitView(map, cfg);               // the panels are filled now, and the axis' extent is known
    map.fire("zj:ready");
    placeLabels(map);
    state.drawnMs = performance.now() - t0;
    state.drawnAt = performance.now();            // ms since navigation start (benchmarks)
    state.ready = true;
    document.body.setAttribute("data-zhuji-ready", "1");
  }, (err) => {
    state.errors.push(String(err));
    console.error(err);
  });
  map.on("moveend overlayadd overlayremove baselayerchange", () => { if (state.ready) writeHash(); });
}

const boot = window.ZhujiBoot;
init(boot.map, boot.config, boot.groups, boot.control);
