// A feature's Leaflet style from its layer definition (layers/definitions.py), plus view emphasis.
// The legend (legend.js) reads the same functions, so it shows each class in the style it is drawn in.

// The axis view emphasises the towns the axis serves (layers/print_style.py EMPHASIS draws the same).
const EMPHASIS = {
  axis: { towns: { column: "axis_branches", label: "map.axis_towns",
                   on: { fillColor: "#e8daef", fillOpacity: 0.55, weight: 1.8, color: "#6c3483" },
                   off: { fillOpacity: 0.12, color: "#aab7b8" } } },
};

export function emphasisOf(def, emphasis) {
  return (EMPHASIS[emphasis] || {})[def.id] || null;
}

// true / false: emphasised or not in this view; null: the view does not emphasise this layer.
export function emphasised(def, props, emphasis) {
  const e = emphasisOf(def, emphasis);
  return e ? Boolean(props[e.column]) : null;
}

export function styleFor(def, props, emphasis) {
  const s = Object.assign({}, def.style);
  if (def.styleBy && def.styles[props[def.styleBy]]) Object.assign(s, def.styles[props[def.styleBy]]);
  const e = emphasisOf(def, emphasis);
  if (e) Object.assign(s, props[e.column] ? e.on : e.off);
  if (s.dashArray === null) delete s.dashArray;
  return s;
}

// Which legend entry a feature belongs to: the entry whose colours, fill and dashes its plain style has
// (as layers/print_style.py matches them); -1 when none does.
const MATCH_KEYS = ["color", "fillColor", "fillOpacity", "dashArray"];

export function legendEntry(def, props) {
  const s = styleFor(def, props, null);
  let best = -1, score = -1;
  def.legend.forEach((entry, i) => {
    const keys = MATCH_KEYS.filter((k) => k in entry.style);
    const shown = Object.assign({}, def.style, entry.style);
    if (keys.every((k) => same(shown[k], s[k])) && keys.length > score) { best = i; score = keys.length; }
  });
  return best;
}

function norm(v) {
  const s = String(v).trim().toLowerCase().replace(/\s+/g, " ");
  return /^#[0-9a-f]{3}$/.test(s) ? "#" + s[1] + s[1] + s[2] + s[2] + s[3] + s[3] : s;   // #fff = #ffffff
}

function same(a, b) {
  if (a === undefined || a === null || b === undefined || b === null) return (a ?? null) === (b ?? null);
  return norm(a) === norm(b);
}
