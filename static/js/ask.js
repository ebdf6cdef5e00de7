// Two questions asked of the map: 查询此处 (everything at a clicked point: /api/identify) and 范围统计
// (the projects inside a drawn or chosen area: /api/stats). Both follow the project filters (year,
// sector, status); positions go to the server in WGS84 whatever the basemap's datum.
import { answerPanel, identifyAnswer, statsAnswer } from "./answers.js";
import { fromMap, toMap } from "./datum.js";
import { el, isolate } from "./dom.js";
import { freePadding, isSmall } from "./layout.js";
import { state, t } from "./state.js";

const RADIUS_M = 1000;
const ask = { mode: null, panel: null, mark: null };

export function filterParams(params) {
  const q = new URLSearchParams(params);
  for (const k of ["year", "sector", "status"]) if (state.filters[k]) q.set(k, state.filters[k]);
  return q;
}

async function getJson(url) {
  const r = await fetch(url, { credentials: "same-origin" });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(body.zh && state.cfg.lang !== "en" ? body.zh : body.en || body.description || "HTTP " + r.status);
  return body;
}

// What was asked about stays drawn (dashed) until the panel closes or the next question.
function mark(map, layer) {
  if (ask.mark) map.removeLayer(ask.mark);
  ask.mark = layer;
  if (layer) layer.addTo(map);
}

function setMode(map, mode) {
  if (ask.draw) { ask.draw.disable(); ask.draw = null; }
  ask.mode = mode;
  state.asking = mode;                  // popup.js opens no feature popup while identifying
  document.querySelectorAll(".zj-ask button[data-mode]").forEach((b) => {
    b.setAttribute("aria-pressed", String(b.dataset.mode === mode));
  });
  map.getContainer().classList.toggle("zj-asking", mode === "identify");
}

export async function identifyAt(map, latlng) {
  const w = fromMap(latlng);
  mark(map, L.circle(latlng, { radius: RADIUS_M, color: "#1f618d", weight: 1.5, dashArray: "4 4", fill: false,
                               interactive: false }));
  ask.last = () => identifyAt(map, latlng);
  ask.panel.show(t("map.ask_here"), [el("p", null, t("map.loading"))], "loading");
  const q = filterParams({ lon: w.lng.toFixed(6), lat: w.lat.toFixed(6), radius: RADIUS_M });
  try {
    ask.panel.show(t("map.ask_here"), identifyAnswer(await getJson("/api/identify?" + q)));
  } catch (err) {
    ask.panel.show(t("map.ask_here"), [el("p", "zj-answer-error", String(err.message || err))], "error");
  }
}

// An area → the query string of /api/stats (geometry in WGS84, or a named area).
export async function statsFor(map, area, params, again) {
  ask.last = () => statsFor(map, area, params, true);
  ask.panel.show(t("map.ask_area"), [el("p", null, t("map.loading"))], "loading");
  const q = filterParams(params);
  try {
    const d = await getJson("/api/stats?" + q);
    ask.panel.show(d.area[state.cfg.lang === "en" ? "en" : "zh"], statsAnswer(d, q));
    if (!area && !again) {
      const ring = L.geoJSON(d.area.geometry, { coordsToLatLng: (c) => toMap(c[0], c[1]), interactive: false,
                                                 style: { color: "#1f618d", weight: 2, dashArray: "6 4", fillOpacity: 0.06 } });
      mark(map, ring);
      fitBeside(map, ring.getBounds());
    }
    state.lastStats = d;
    state.statsQuery = q;           // the print dialog prints this area and its figures too
  } catch (err) {
    ask.panel.show(t("map.ask_area"), [el("p", "zj-answer-error", String(err.message || err))], "error");
  }
}

// The area in view beside the answer (left of the map; on a phone above it), not under it.
function fitBeside(map, bounds) {
  const p = freePadding(map), box = map.getContainer().getBoundingClientRect();
  const panel = document.getElementById("zj-answer").getBoundingClientRect();
  const left = isSmall() ? p.left : Math.max(p.left, panel.right - box.left);
  const bottom = isSmall() ? Math.max(p.bottom, box.bottom - panel.top) : p.bottom;
  const right = isSmall() ? 8 : p.right;         // a phone's folded panels take no width worth keeping
  if (box.height - p.top - bottom < 140 || box.width - left - right < 140) return;     // no room: leave the view
  map.fitBounds(bounds, { maxZoom: 13, paddingTopLeft: [left + 8, p.top + 8], paddingBottomRight: [right + 8, bottom + 8] });
}

function drawnParams(type, layer) {
  if (type === "circle") {
    const c = fromMap(layer.getLatLng());
    return { circle: `${c.lng.toFixed(6)},${c.lat.toFixed(6)},${Math.round(layer.getRadius())}` };
  }
  const ring = layer.getLatLngs()[0].map((ll) => { const w = fromMap(ll); return [+w.lng.toFixed(6), +w.lat.toFixed(6)]; });
  ring.push(ring[0]);
  return { geometry: JSON.stringify({ type: "Polygon", coordinates: [ring] }) };
}

export function startDrawing(map, type) {
  setMode(map, "area");
  const Tool = { polygon: L.Draw.Polygon, rectangle: L.Draw.Rectangle, circle: L.Draw.Circle }[type];
  const shape = { color: "#1f618d", weight: 2, fillOpacity: 0.08 };
  // showArea off: leaflet-draw 1.0.4's area read-out fails with Leaflet 1.9 ("type is not defined")
  ask.draw = new Tool(map, { shapeOptions: shape, showArea: false, showRadius: true, metric: true, allowIntersection: false });
  ask.draw.enable();
  state.drawHandler = ask.draw;                     // tests wait on its vertices, as a user waits to see them
  map.once("draw:created", (e) => {
    ask.draw = null;
    mark(map, e.layer.setStyle(Object.assign({ dashArray: "6 4", interactive: false }, shape)));
    statsFor(map, e.layer, drawnParams(type, e.layer));
  });
}

function button(mode, text, title, onClick) {
  const b = el("button", "zj-ask-" + mode, text);
  b.type = "button";
  b.title = title;
  b.dataset.mode = mode;
  b.setAttribute("aria-pressed", "false");
  b.addEventListener("click", onClick);
  return b;
}

// leaflet-draw's hints, in the page's language
function localiseDraw() {
  const h = L.drawLocal.draw.handlers, bar = L.drawLocal.draw.toolbar;
  h.polygon.tooltip = { start: t("map.draw_start"), cont: t("map.draw_cont"), end: t("map.draw_end") };
  h.polyline.error = t("map.draw_cross");
  h.rectangle.tooltip.start = t("map.draw_drag");
  h.circle.tooltip.start = t("map.draw_drag");
  h.circle.radius = t("map.draw_radius");
  h.simpleshape.tooltip.end = t("map.draw_release");
  bar.actions = { title: t("map.draw_cancel"), text: t("map.draw_cancel") };
}

export function askControl(map) {
  localiseDraw();
  const c = L.control({ position: "topleft" });
  const div = el("div", "zj-ask leaflet-bar");
  const here = button("identify", t("map.ask_here_btn"), t("map.ask_here_hint"), () => {
    setMode(map, ask.mode === "identify" ? null : "identify");
  });
  const area = button("area", t("map.ask_area_btn"), t("map.ask_area_hint"), () => {
    setMode(map, "area");
    ask.last = null;
    ask.panel.show(t("map.ask_area"), ask.panel.areaChooser((type) => startDrawing(map, type),
                                                            (params) => statsFor(map, null, params)), "choosing");
  });
  div.append(here, area);
  c.onAdd = () => isolate(div);
  c.addTo(map);
  ask.panel = answerPanel(map, () => { setMode(map, null); mark(map, null); state.statsQuery = null; });
  map.on("click", (e) => { if (ask.mode === "identify") identifyAt(map, e.latlng); });
  map.on("draw:drawstart", () => { state.drawing = true; });
  map.on("draw:drawstop", () => { state.drawing = false; });
  map.on("zj:filter", () => { if (ask.panel.visible() && ask.last) ask.last(); });
}
