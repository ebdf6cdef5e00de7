// The legend lists exactly what is drawn: only layers on the map, only classes present among the
// features shown (filters applied), each in the style it is drawn in. It folds away and scrolls inside.
import { COUNTY_STYLE, neighbourStyle } from "./context.js";
import { el, isolate } from "./dom.js";
import { collapsible, isSmall } from "./layout.js";
import { radiusFor } from "./projects.js";
import { state, t } from "./state.js";
import { emphasised, emphasisOf, legendEntry, styleFor } from "./style.js";
import { swatch } from "./swatch.js";


function row(sw, label) {
  const r = el("div", "zj-legend-row");
  r.appendChild(sw);
  r.appendChild(el("span", null, label));
  return r;
}

function section(id, title) {
  const sec = el("div", "zj-legend-sec");
  sec.dataset.layer = id;
  sec.appendChild(el("div", "zj-legend-title", title));
  return sec;
}

// The features of a layer on the map now (its toggles that are on), without labels and click helpers.
function drawn(def) {
  const out = [];
  Object.keys(state.groups).filter((k) => k.split(":")[0] === def.id && state.map.hasLayer(state.groups[k]))
    .forEach((k) => state.groups[k].eachLayer((l) => { if (l.feature && !l._zjAux) out.push(l.feature); }));
  return out;
}

function classes(def, features) {
  const emphasis = state.cfg.emphasis, found = new Map();
  features.forEach((f) => {
    const p = f.properties, on = emphasised(def, p, emphasis);
    const i = on ? -2 : legendEntry(def, p);
    const c = found.get(i) || { style: styleFor(def, p, emphasis), line: false, point: false };
    const g = f.geometry ? f.geometry.type : "";
    if (/Line/.test(g)) c.line = true; else if (/Point/.test(g)) c.point = true;
    found.set(i, c);
  });
  return found;
}

function layerSection(def) {
  const found = classes(def, drawn(def));
  if (!found.size) return null;
  const sec = section(def.id, def.title), emph = emphasisOf(def, state.cfg.emphasis);
  const kind = (c) => (def.kind === "polygon" ? "polygon" : def.kind === "point" || !c.line ? "point" : "line");
  const add = (i, label) => {
    const c = found.get(i);
    if (!c) return;
    const style = kind(c) === "point" && def.kind === "mixed"       // a line layer's points: layers.js pointStyle
      ? Object.assign({}, c.style, { fillColor: c.style.color, color: "#fff", weight: 1.5, radius: 6 }) : c.style;
    sec.appendChild(row(swatch(kind(c), style, { dot: c.point && c.line }), label));
  };
  if (emph) add(-2, t(emph.label));
  def.legend.forEach((e, i) => add(i, e.label));
  add(-1, t("map.other"));
  return sec;
}

function niceValue(v) {
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  return Math.round(v / p) * p;
}

// The positive investments of the rows, sorted (a typed array sorts as numbers, in place), and whether any is missing.
function investments(layer, rows) {
  const col = layer.cols.investment, inv = new Float64Array(rows.length);
  let n = 0;
  for (const i of rows) {
    const v = Number(col[i]);
    if (col[i] !== null && col[i] !== undefined && v > 0) inv[n++] = v;
  }
  return [inv.subarray(0, n).sort(), n < rows.length];
}

// Projects: the sectors shown (colour) and three reference sizes from the investments shown.
function projectSection(def) {
  const info = state.layers[def.id];
  if (!info || !info.layer || !state.map.hasLayer(state.groups[def.id])) return null;
  const layer = info.layer, shown = layer.shown;
  if (!shown.length) return null;
  const sec = section(def.id, def.title), bySector = layer.counts(def.styleBy, shown);
  const sectors = new Set(Object.keys(bySector)), [inv, missing] = investments(layer, shown);
  const unnamed = Object.values(bySector).reduce((a, b) => a + b, 0) < shown.length;     // rows with no sector
  sec.appendChild(el("div", "zj-legend-sub", t("map.by_sector")));
  def.legend.filter((e) => sectors.has(e.label)).forEach((e) => sec.appendChild(row(swatch("point", styleFor(def, { [def.styleBy]: e.label }, null), { radius: 6 }), e.label)));
  if (unnamed || Array.from(sectors).some((s) => !def.legend.some((e) => e.label === s))) {
    sec.appendChild(row(swatch("point", def.style, { radius: 6 }), t("map.other")));
  }
  sec.appendChild(el("div", "zj-legend-sub", t("map.by_investment")));
  const refs = inv.length ? [inv[0], inv[Math.floor(inv.length / 2)], inv[inv.length - 1]].map(niceValue) : [];
  Array.from(new Set(refs)).forEach((v) => sec.appendChild(
    row(swatch("point", { fillColor: "#aeb6bf", color: "#fff", weight: 1, fillOpacity: 0.95 }, { radius: radiusFor(v) }),
        t("map.inv_class", { v }))));
  if (missing) sec.appendChild(row(swatch("point", { fillColor: "#aeb6bf", color: "#fff", weight: 1 }, { radius: 4 }), t("map.inv_missing")));
  sec.appendChild(row(swatch("point", { fillColor: "#34495e", color: "#fff", weight: 2, fillOpacity: 0.8 }, { radius: 9 }), t("map.cluster")));
  return sec;
}

function contextSection() {
  const sec = section("context", t("map.context"));
  sec.appendChild(row(swatch("line", COUNTY_STYLE), t("map.county")));
  sec.appendChild(row(swatch("polygon", neighbourStyle()), t("map.neighbours")));
  return sec;
}

function render(body, cfg) {
  body.textContent = "";
  cfg.layers.forEach((def) => {
    const sec = def.cluster ? projectSection(def) : layerSection(def);
    if (sec) body.appendChild(sec);
  });
  body.appendChild(contextSection());
  body.appendChild(el("p", "zj-legend-note", t("map.schematic_note")));
}

export function legendControl(map, cfg) {
  const c = L.control({ position: "topright" });
  const div = el("div", "zj-legend leaflet-bar");
  div.id = "zj-legend";
  const body = el("div", "zj-legend-body");
  div.appendChild(body);
  collapsible(div, t("map.legend"), isSmall());
  c.onAdd = () => isolate(div);
  c.addTo(map);
  let pending = null;
  const now = () => { render(body, cfg); state.legendRuns = (state.legendRuns || 0) + 1; };
  const refresh = () => {
    if (pending) cancelAnimationFrame(pending);
    pending = requestAnimationFrame(() => { pending = null; now(); });
  };
  map.on("overlayadd overlayremove baselayerchange zj:filter", refresh);
  map.on("zj:ready", now);
  now();
  return c;
}
