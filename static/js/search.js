// Search the plan's places by Chinese name, pinyin or initials ("fengqiao", "fqz", "枫桥").
import { el } from "./dom.js";
import { state, t } from "./state.js";

function anchorOf(layer, props) {
  if (props && props.seat_lat) return L.latLng(+props.seat_lat, +props.seat_lon);
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
  const at = anchorOf(hit.layer, hit.props);
  map.once("moveend", () => hit.layer.openPopup(at));
  if (hit.layer.getBounds) map.fitBounds(hit.layer.getBounds(), { maxZoom: 12, padding: [40, 40] });
  else map.setView(at, Math.max(map.getZoom(), 12));
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
