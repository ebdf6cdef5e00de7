// Fills Folium's FeatureGroups from the app's cached layer data.
import { escapeHtml } from "./dom.js";
import { coordsToLatLng, toMap } from "./datum.js";
import { lineLabel, NUDGES, PRIORITY, register, sideAlternatives, tooltipElement } from "./labels.js";
import { clickable, openFeaturePopup } from "./popup.js";
import { addClusterLayer } from "./projects.js";
import { state, t } from "./state.js";
import { styleFor } from "./style.js";

// Lines wider than this are clicked only along their middle, so the town under a wide band stays clickable.
const HIT_WEIGHT = 4;
const LINES = { LineString: true, MultiLineString: true };

function tooltip(cfg, def, p, layer) {
  const label = p[def.labelField] || p[def.titleField];
  const unlocated = p.location_confidence === "unlocated";
  const html = escapeHtml(label) + (unlocated ? " <em>(" + escapeHtml(t("conf.unlocated")) + ")</em>" : "");
  if (!def.permanentLabels) { layer.bindTooltip(html, { sticky: true }); return; }
  const onAxis = cfg.emphasis === "axis" && p.axis_branches;
  layer.bindTooltip(html, { permanent: true, direction: "center", className: "zj-label" + (onAxis ? " zj-label-axis" : "") });
  register({ element: tooltipElement(layer), prio: onAxis ? PRIORITY.axisTown : PRIORITY.town,
             alts: sideAlternatives(layer, NUDGES) });
}

function pointStyle(cfg, def, f) {
  const mixed = def.kind === "mixed"
    ? { radius: 7, fillColor: (def.styles[f.properties.status] || {}).color, color: "#fff", weight: 1.5 } : {};
  return Object.assign({ pane: "zj-" + def.id }, styleFor(def, f.properties, cfg.emphasis), mixed);
}

// An area without a published boundary (a zone) is drawn but not clickable; it is labelled and
// clicked at one point, so the towns under it stay clickable.
function labelMarker(cfg, def, f) {
  const p = f.properties, [fx, fy] = def.labelPoint, s = styleFor(def, p, cfg.emphasis);
  const m = L.circleMarker(toMap(+p[fx], +p[fy]), { pane: "zj-" + def.id + "-label", radius: 6, weight: 2,
    color: "#fff", fillColor: s.color, fillOpacity: 1 });
  m._zjLonLat = [+p[fx], +p[fy]];
  m._zjAux = true;
  const unresolved = p.host_resolved === "no" ? "（" + t("map.unresolved") + "）" : "";
  m.bindTooltip(escapeHtml(p[def.titleField] + unresolved), { permanent: true, direction: "right", offset: [6, 0],
    className: "zj-label zj-label-zone" });
  register({ element: tooltipElement(m), prio: PRIORITY.zone, alts: sideAlternatives(m) });
  m.feature = f;
  return m;
}

// A wide line: drawn as is but not clickable; a thin invisible copy along its middle takes the clicks.
function hitLine(def, shape) {
  shape.options.interactive = false;
  const hit = L.polyline(shape.getLatLngs(), { pane: shape.options.pane, weight: HIT_WEIGHT, opacity: 0 });
  hit.feature = shape.feature;
  hit._zjAux = true;
  return hit;
}

function nameAlong(map, cfg, def, shape, target) {
  const p = shape.feature.properties;
  const text = def.labelText[p[def.styleBy]] || p[def.labelField] || p[def.titleField];
  const axis = def.id === "axis";
  const m = lineLabel(map, shape, text, { prio: axis ? PRIORITY.axis : PRIORITY.line, minZoom: def.lineLabelZoom,
    color: axis ? styleFor(def, p, cfg.emphasis).color : null, className: axis ? "zj-line-label-axis" : "", always: axis });
  if (m) m.on("click", (e) => openFeaturePopup(def, target, e.latlng));
  return m;
}

function searchEntry(def, p, key, layer) {
  state.index.push({ name: String(p[def.titleField]), search: String(p.search || "").toLowerCase(),
                     layerId: def.id, layerTitle: def.title, key, layer, props: p });
}

function addFeature(map, cfg, def, f, shape, all) {
  const p = f.properties, key = def.splitBy ? def.id + ":" + p[def.splitBy] : def.id;
  const group = state.groups[key] || state.groups[def.id];
  shape.feature = f;
  let target = shape;
  if (def.labelPoint) {
    group.addLayer(shape);
    target = labelMarker(cfg, def, f);
  } else if (f.geometry && LINES[f.geometry.type] && (shape.options.weight || 3) > HIT_WEIGHT) {
    group.addLayer(shape);
    target = hitLine(def, shape);
  }
  if (!def.labelPoint) tooltip(cfg, def, p, target);
  clickable(def, target);
  group.addLayer(target);
  all.push(target === shape || def.labelPoint ? target : shape);
  if (def.lineLabels && f.geometry && LINES[f.geometry.type]) {
    const label = nameAlong(map, cfg, def, shape, target);
    if (label) group.addLayer(label);
  }
  if (def.searchable) searchEntry(def, p, key, target);
}

export function addLayer(map, cfg, def, data, filters) {
  if (data.columns) return addClusterLayer(map, cfg, def, data, filters);     // the projects' compact feed
  const all = [];
  L.geoJSON(data, {
    pane: "zj-" + def.id,
    interactive: !def.labelPoint,
    coordsToLatLng,
    style: (f) => styleFor(def, f.properties, cfg.emphasis),
    pointToLayer: (f, latlng) => L.circleMarker(latlng, pointStyle(cfg, def, f)),
    onEachFeature: (f, shape) => addFeature(map, cfg, def, f, shape, all),
  });
  state.layers[def.id] = { def, features: all, count: all.length };
  return Promise.resolve();
}
