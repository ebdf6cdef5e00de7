// 诸暨“十五五”规划一张图 — the map page. Folium built the map, its controls and one FeatureGroup per
// toggle; the inline script left them in window.ZhujiBoot. This module fills them from the app's
// cached layer data and adds the header, search, legend and downloads.
import { addContext } from "./context.js";
import { fetchJson } from "./dom.js";
import { header } from "./header.js";
import { addLayer } from "./layers.js";
import { legendControl } from "./legend.js";
import { restore, writeHash } from "./permalink.js";
import { state } from "./state.js";

function panes(map, cfg) {
  cfg.layers.forEach((def) => {
    map.createPane("zj-" + def.id).style.zIndex = def.pane;
    if (def.labelPoint) map.createPane("zj-" + def.id + "-label").style.zIndex = 470;   // above the lines
  });
  map.createPane("zj-context").style.zIndex = 350;
}

export function init(map, cfg, groups) {
  Object.assign(state, { map, cfg, groups });
  if (!isFinite(map.getMaxZoom())) map.setMaxZoom(18);   // no tile layer by default; clustering needs a bound
  const t0 = performance.now();
  panes(map, cfg);
  if (!restore(map) && cfg.bounds) map.fitBounds(cfg.bounds, { padding: [10, 10] });
  header(map, cfg);
  legendControl(map, cfg);
  const jobs = [addContext(map, cfg)].concat(
    cfg.layers.map((def) => fetchJson(def.url).then((data) => addLayer(map, cfg, def, data))));
  Promise.all(jobs).then(() => {
    state.drawnMs = performance.now() - t0;
    state.drawnAt = performance.now();            // ms since navigation start (benchmarks)
    state.ready = true;
    document.body.setAttribute("data-zhuji-ready", "1");
  }, (err) => {
    state.errors.push(String(err));
    console.error(err);
  });
  map.on("moveend overlayadd overlayremove", () => { if (state.ready) writeHash(); });
}

const boot = window.ZhujiBoot;
init(boot.map, boot.config, boot.groups);
