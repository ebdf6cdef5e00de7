// Legend swatches: small SVG drawings in a layer's drawn style (Leaflet's defaults where it sets none).
const NS = "http://www.w3.org/2000/svg";
const LEAFLET = { color: "#3388ff", weight: 3, opacity: 1, fillOpacity: 0.2, radius: 10, lineCap: "round" };

function node(tag, attrs) {
  const e = document.createElementNS(NS, tag);
  Object.keys(attrs).forEach((k) => { if (attrs[k] !== undefined && attrs[k] !== null) e.setAttribute(k, String(attrs[k])); });
  return e;
}

function stroke(s, maxWidth) {
  return { stroke: s.stroke === false ? "none" : s.color, "stroke-opacity": s.opacity,
           "stroke-width": Math.min(s.weight, maxWidth), "stroke-dasharray": s.dashArray || null,
           "stroke-linecap": s.lineCap };
}

function dot(s, cx, cy, r) {
  return node("circle", Object.assign({ cx, cy, r, fill: s.fillColor || s.color,
    "fill-opacity": s.fill === false ? 0 : s.fillOpacity }, stroke(s, 2)));
}

// kind: polygon | line | point; opts.dot: a line class that also has points; opts.radius: a point's size
export function swatch(kind, style, opts) {
  const s = Object.assign({}, LEAFLET, style), o = opts || {};
  const r = kind === "point" ? Math.min(o.radius || s.radius, 18) : 0;
  const w = Math.max(30, 2 * r + 6), h = Math.max(18, 2 * r + 4);
  const svg = node("svg", { width: w, height: h, viewBox: "0 0 " + w + " " + h, class: "zj-sw", "aria-hidden": "true" });
  if (kind === "polygon") {
    svg.appendChild(node("rect", Object.assign({ x: 3, y: 3, width: w - 6, height: h - 6, fill: s.fillColor || s.color,
      "fill-opacity": s.fill === false ? 0 : s.fillOpacity }, stroke(s, 3))));
  } else if (kind === "line") {
    svg.appendChild(node("line", Object.assign({ x1: 4, y1: h / 2, x2: w - 4, y2: h / 2 }, stroke(s, 10))));
    if (o.dot) svg.appendChild(dot(Object.assign({}, s, { fillColor: s.color, color: "#fff", weight: 1.5 }), w / 2, h / 2, 4));
  } else {
    svg.appendChild(dot(s, w / 2, h / 2, r || Math.min(s.radius, 7)));
  }
  return svg;
}
