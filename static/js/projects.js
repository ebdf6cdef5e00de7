// Projects: one circle per project, coloured by sector, its area in proportion to 总投资 (radius ∝ √投资),
// clustered where they crowd (small neutral discs with the count). Markers are built straight from the
// compact feed's rows, with one click handler on the cluster group instead of a popup bound to each.
import { el, fetchJson } from "./dom.js";
import { toMap } from "./datum.js";
import { openFeaturePopup } from "./popup.js";
import { state } from "./state.js";
import { styleFor } from "./style.js";

export function radiusFor(investment) {
  const v = Number(investment);
  if (investment === null || investment === undefined || !(v > 0)) return 4;
  return Math.max(4, Math.min(18, 3 + 1.5 * Math.sqrt(v)));
}

function rowsToMarkers(cfg, def, data) {
  const f = data.fields, ix = f.indexOf("lon"), iy = f.indexOf("lat");
  const markers = new Array(data.rows.length);
  for (let n = 0; n < data.rows.length; n++) {
    const r = data.rows[n], p = {};
    for (let i = 0; i < f.length; i++) p[f[i]] = r[i];
    const st = Object.assign({ pane: "zj-" + def.id }, styleFor(def, p, cfg.emphasis), { radius: radiusFor(p.investment) });
    const m = L.circleMarker(toMap(r[ix], r[iy]), st);
    m._zjLonLat = [r[ix], r[iy]];
    m.feature = { properties: p };
    markers[n] = m;
  }
  return markers;
}

function clusterIcon(cluster) {
  const n = cluster.getChildCount(), size = n < 10 ? 24 : n < 100 ? 30 : 36;
  return L.divIcon({ html: el("span", null, String(n)), className: "marker-cluster zj-cluster", iconSize: L.point(size, size) });
}

function clusterGroup(def, done) {
  // chunks keep the page responsive; no pause between them, and no cluster levels past street zoom
  return L.markerClusterGroup({ chunkedLoading: true, chunkInterval: 150, chunkDelay: 1, showCoverageOnHover: false,
                                maxClusterRadius: 45, disableClusteringAtZoom: 16, clusterPane: "zj-" + def.id,
                                iconCreateFunction: clusterIcon,
                                chunkProgress: (n, total) => { if (total && n >= total) done(); } });
}

// After a datum change: every marker moved, the shown ones clustered again.
function relocator(mc, markers) {
  return () => {
    const shown = mc.getLayers();
    mc.clearLayers();
    markers.forEach((m) => m.setLatLng(toMap(m._zjLonLat[0], m._zjLonLat[1])));
    mc.addLayers(shown);
  };
}

export function addClusterLayer(map, cfg, def, data, filters) {
  const markers = rowsToMarkers(cfg, def, data);
  let done;
  const clustered = new Promise((resolve) => { done = resolve; });
  const mc = clusterGroup(def, () => done());
  mc.on("click", (e) => openFeaturePopup(def, e.layer));
  mc.on("mouseover", (e) => {
    const m = e.layer, p = m.feature.properties;
    if (!m.getTooltip()) m.bindTooltip(el("span", null, p[def.labelField] || p[def.titleField]), { sticky: true }).openTooltip();
  });
  mc._zjRelocate = relocator(mc, markers);
  // markercluster checks each marker against its pending list while it is off the map (quadratic):
  // add the markers only once the group is on the map (5.6 s → 0.3 s for 100,000 markers)
  state.groups[def.id].addLayer(mc);
  if (map.hasLayer(mc)) mc.addLayers(markers);
  else { mc.once("add", () => mc.addLayers(markers)); done(); }   // hidden: nothing to draw yet
  if (!markers.length) done();
  state.layers[def.id] = { def, features: markers, count: markers.length, clusterGroup: mc, shown: markers.length };
  if (filters) filters.fill(markers, mc);
  unplaced(cfg, def, markers.length, filters);
  return clustered;     // "drawn" means every marker is clustered, not just the first chunk
}

// Projects of several towns or the whole city have no point: say how many there are besides.
function unplaced(cfg, def, placed, filters) {
  if (!filters || !cfg.layerList) return;
  fetchJson(cfg.layerList).then((list) => {
    const entry = list.find((x) => x.id === def.id);
    const n = entry ? entry.count - placed : 0;
    state.layers[def.id].unplaced = n;
    if (n > 0) filters.note(n);
  }, (err) => state.errors.push(String(err)));
}
