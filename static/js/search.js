// Search the plan's places by Chinese name, pinyin or initials ("fengqiao", "fqz", "枫桥").
import { toMap } from "./datum.js";
import { el } from "./dom.js";
import { freePadding } from "./layout.js";
import { openFeaturePopup } from "./popup.js";
import { state, t } from "./state.js";

function anchorOf(layer, props) {
  if (props && props.seat_lat) return toMap(+props.seat_lon, +props.seat_lat);
  if (layer.getLatLng) return layer.getLatLng();
  return layer.getBounds().getCenter();
}

function matches(q) {
  return state.index.filter((e) => e.name.toLowerCase().indexOf(q) >= 0 ||
    e.search.replace(/\s+/g, " ").split(" ").some((w) => w.indexOf(q) === 0))
    .sort((a, b) => (a.name.indexOf(q) === 0 ? 0 : 1) - (b.name.indexOf(q) === 0 ? 0 : 1) || a.name.length - b.name.length)
    .slice(0, 10);
}

// Show the feature and open its popup once the map has stopped moving, so that nothing that
// happens during the move (autopan, the click that chose the result) closes it again.
function show(map, hit) {
  const g = state.groups[hit.key] || state.groups[hit.layerId];
  if (g && !map.hasLayer(g)) map.addLayer(g);
  const at = anchorOf(hit.layer, hit.props), def = state.layers[hit.layerId].def;
  map.once("moveend", () => openFeaturePopup(def, hit.layer, at));
  const p = freePadding(map);
  if (hit.layer.getBounds) {
    map.fitBounds(hit.layer.getBounds(), { maxZoom: 12, paddingTopLeft: [p.left + 40, p.top + 40],
                                           paddingBottomRight: [p.right + 40, p.bottom + 40] });
  } else map.setView(at, Math.max(map.getZoom(), 12));
}

export function searchBox(map) {
  const box = el("div", "zj-search");
  const input = el("input");
  input.type = "search";
  input.placeholder = t("map.search");
  input.id = "zj-search";
  input.setAttribute("aria-label", t("map.search"));
  const list = el("ul", "zj-results");
  list.id = "zj-results";
  box.appendChild(input);
  box.appendChild(list);
  const choose = (hit) => { list.textContent = ""; input.value = hit.name; show(map, hit); };
  input.addEventListener("input", () => {
    const q = input.value.trim().toLowerCase().replace(/\s+/g, "");
    list.textContent = "";
    if (!q) return;
    const hits = matches(q);
    if (!hits.length) { list.appendChild(el("li", "zj-none", t("map.no_results"))); return; }
    hits.forEach((h) => {
      const b = el("button");
      b.type = "button";
      b.appendChild(el("span", "zj-hit-name", h.name));
      b.appendChild(el("span", "zj-hit-layer", h.layerTitle));
      b.addEventListener("click", (e) => { e.preventDefault(); e.stopPropagation(); choose(h); });
      const li = el("li");
      li.appendChild(b);
      list.appendChild(li);
    });
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter") { const first = list.querySelector("button"); if (first) first.click(); }
  });
  return box;
}
