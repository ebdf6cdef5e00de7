// Permanent labels without overlaps: town, zone and neighbour names, and names along the axis branches
// and transport lines. After each zoom the labels are placed in order of priority; a label that would
// overlap one already placed (or the axis junction) tries its other positions, else it is hidden.
import { el } from "./dom.js";
import { state } from "./state.js";

export const PRIORITY = { axisTown: 0, zone: 1, axis: 2, town: 3, line: 4, neighbour: 5 };
const FRACTIONS = [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8, 0.35, 0.65, 0.25, 0.75, 0.45, 0.55, 0.15, 0.85];
const DIRECTIONS = [["right", [6, 0]], ["left", [-6, 0]], ["top", [0, -6]], ["bottom", [0, 6]], ["right", [6, -12]],
                    ["right", [6, 12]], ["left", [-6, -12]], ["left", [-6, 12]]];
export const NUDGES = [["center", [0, 0]], ["center", [0, -14]], ["center", [0, 14]], ["center", [-18, 0]], ["center", [18, 0]]];
const JUNCTION_PX = 18;

// entry: {element() → the label's element or null, prio, minZoom?, alts?: [() => move it], boxes?() → its
// screen boxes, always?: shown even when every position overlaps (the axis branches' names)}
export function register(entry) {
  state.labels.push(entry);
  return entry;
}

export function tooltipElement(layer) {
  return () => { const tt = layer.getTooltip && layer.getTooltip(); return tt && tt.getElement ? tt.getElement() : null; };
}

// A point label (a zone) may sit on any side of its point; an area's name a little above or below its centre.
export function sideAlternatives(layer, directions) {
  return (directions || DIRECTIONS).map(([direction, offset]) => () => {
    const tt = layer.getTooltip();
    if (!tt) return;
    Object.assign(tt.options, { direction, offset });
    if (tt._map) tt.update();
  });
}

// --------------------------------------------------------------- names along lines
function longestPart(latlngs) {
  if (!Array.isArray(latlngs[0])) return latlngs;
  return latlngs.map(longestPart).reduce((a, b) => (length(a) >= length(b) ? a : b));
}

function length(pts) {
  let n = 0;
  for (let i = 1; i < pts.length; i++) n += pts[i - 1].distanceTo(pts[i]);
  return n;
}

// The point at a fraction of the line's screen length, and the line's direction there (degrees,
// turned so that the text never reads upside down). Both do not depend on the zoom (Mercator is conformal).
function along(map, latlngs, frac) {
  const pts = latlngs.map((ll) => map.project(ll, 0));
  const seg = [];
  let total = 0;
  for (let i = 1; i < pts.length; i++) { const d = pts[i - 1].distanceTo(pts[i]); seg.push(d); total += d; }
  let goal = total * frac, i = 0;
  while (i < seg.length - 1 && goal > seg[i]) { goal -= seg[i]; i++; }
  const a = pts[i], b = pts[i + 1] || pts[i], k = seg[i] ? goal / seg[i] : 0;
  let angle = Math.atan2(b.y - a.y, b.x - a.x) * 180 / Math.PI;
  if (angle > 90) angle -= 180;
  if (angle < -90) angle += 180;
  return { latlng: map.unproject(L.point(a.x + (b.x - a.x) * k, a.y + (b.y - a.y) * k), 0), angle };
}

// A turned label as a chain of small squares along its text (its upright bounding box would hide
// every name around it).
function chain(map, marker, span, angle) {
  const c = map.getContainer().getBoundingClientRect(), p = map.latLngToContainerPoint(marker.getLatLng());
  const w = span.offsetWidth, h = span.offsetHeight, n = Math.max(1, Math.ceil(w / h)), side = Math.max(h, w / n);
  const dx = Math.cos(angle * Math.PI / 180), dy = Math.sin(angle * Math.PI / 180), out = [];
  for (let i = 0; i < n; i++) {
    const d = (i + 0.5) * (w / n) - w / 2, x = c.left + p.x + d * dx, y = c.top + p.y + d * dy;
    out.push({ left: x - side / 2, right: x + side / 2, top: y - side / 2, bottom: y + side / 2 });
  }
  return out;
}

// A clickable name on a line, centred on it and turned along it; returns the label marker.
export function lineLabel(map, shape, text, opts) {
  const latlngs = longestPart(shape.getLatLngs());
  if (latlngs.length < 2) return null;
  const span = el("span", "zj-line-text", text);
  if (opts.color) span.style.color = opts.color;
  const icon = L.divIcon({ className: "zj-line-label " + (opts.className || ""), html: span, iconSize: [0, 0] });
  const marker = L.marker(latlngs[0], { icon, pane: "zj-line-labels", keyboard: false });
  marker._zjAux = true;
  let angle = 0;
  const at = (frac) => () => {
    const p = along(map, longestPart(shape.getLatLngs()), frac);
    angle = p.angle;
    marker.setLatLng(p.latlng);
    span.style.transform = "translate(-50%, -50%) rotate(" + angle.toFixed(1) + "deg)";
  };
  at(0.5)();
  marker._zjRelocate = at(0.5);          // after a datum change: back on the moved line
  register({ element: () => (marker._map ? span : null), prio: opts.prio, minZoom: opts.minZoom || 0,
             alts: FRACTIONS.map(at), boxes: () => chain(map, marker, span, angle), always: opts.always });
  return marker;
}

// --------------------------------------------------------------- placement
function overlaps(a, b) {
  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}

function junctionBox(map) {
  if (!state.junction || !state.groups.axis || !map.hasLayer(state.groups.axis)) return null;
  const c = map.getContainer().getBoundingClientRect(), p = map.latLngToContainerPoint(state.junction);
  const x = p.x + c.left, y = p.y + c.top;
  return { left: x - JUNCTION_PX, right: x + JUNCTION_PX, top: y - JUNCTION_PX, bottom: y + JUNCTION_PX };
}

function boxesOf(entry) {
  if (entry.boxes) return entry.boxes();
  const r = entry.element().getBoundingClientRect();
  return [{ left: r.left - 2, right: r.right + 2, top: r.top - 1, bottom: r.bottom + 1 }];
}

// The first position of the label free of those placed; a label that must show takes the position
// with the fewest overlaps (never the junction's).
function placeOne(entry, placed, junction) {
  const moves = entry.alts || [null];
  let best = 0, fewest = Infinity;
  for (let i = 0; i < moves.length; i++) {
    if (moves[i]) moves[i]();
    const mine = boxesOf(entry);
    const hits = mine.reduce((n, b) => n + placed.filter((p) => overlaps(p, b)).length +
                                        (junction && overlaps(junction, b) ? 1000 : 0), 0);
    if (!hits) { placed.push(...mine); return true; }
    if (hits < fewest) { fewest = hits; best = i; }
  }
  if (moves[best]) moves[best]();
  if (!entry.always) return false;
  placed.push(...boxesOf(entry));
  return true;
}

export function placeLabels(map) {
  const z = map.getZoom(), placed = [], jb = junctionBox(map);
  const entries = state.labels.filter((e) => { const n = e.element(); return n && n.isConnected; })
    .sort((a, b) => a.prio - b.prio);
  entries.forEach((e) => e.element().classList.remove("zj-label-hidden"));
  entries.forEach((e) => {
    const show = state.labelsOn && z >= (e.minZoom || 0) && placeOne(e, placed, jb);
    e.element().classList.toggle("zj-label-hidden", !show);
  });
  state.labelZoom = z;
  state.labelRuns += 1;
}

export function keepPlaced(map) {
  let pending = null;
  const schedule = () => {
    if (pending) cancelAnimationFrame(pending);
    pending = requestAnimationFrame(() => { pending = null; placeLabels(map); });
  };
  map.on("zoomend viewreset overlayadd overlayremove zj:datum zj:ready zj:labels", schedule);
  window.addEventListener("resize", schedule);
  return schedule;
}

// The 显示标注 switch: every permanent label on or off (hover names stay).
export function setLabels(map, on) {
  state.labelsOn = on;
  map.getContainer().classList.toggle("zj-nolabels", !on);
  map.fire("zj:labels");
}

// --------------------------------------------------------------- the axis junction
function closest(point, line) {
  let best = Infinity;
  for (let i = 1; i < line.length; i++) {
    best = Math.min(best, L.LineUtil.pointToSegmentDistance(point, line[i - 1], line[i]));
  }
  return best;
}

// Where the branches meet: the branch end nearest to another branch (in screen space at zoom 0).
export function findJunction(map, shapes) {
  const lines = shapes.map((s) => longestPart(s.getLatLngs()).map((ll) => map.project(ll, 0)));
  let best = null, dist = Infinity;
  lines.forEach((a, i) => lines.forEach((b, j) => {
    if (i === j || a.length < 2) return;
    [a[0], a[a.length - 1]].forEach((end) => {
      const d = closest(end, b);
      if (d < dist) { dist = d; best = end; }
    });
  }));
  return best ? map.unproject(best, 0) : null;
}
