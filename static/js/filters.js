// Select boxes that narrow a clustered layer (projects: sector / status / town / year).
import { el, isolate } from "./dom.js";
import { collapsible, isSmall } from "./layout.js";
import { state, t } from "./state.js";

function selectFor(f, layer, onChange) {
  const values = layer.counts(f.key);
  const label = el("label", null, f.label + " ");
  const sel = el("select");
  sel.name = f.key;
  const any = el("option", null, t("map.all"));
  any.value = "";
  sel.appendChild(any);
  Object.keys(values).sort().forEach((v) => {
    const o = el("option", null, v + " (" + values[v] + ")");
    o.value = v;
    sel.appendChild(o);
  });
  sel.addEventListener("change", onChange);
  label.appendChild(sel);
  return [label, sel];
}

function fill(map, def, body, layer) {
  const selects = {}, counter = el("div", "zj-filter-count"), total = layer.placed.length;
  const apply = () => {
    const t0 = performance.now();
    const shown = layer.select(Object.fromEntries(Object.keys(selects).map((k) => [k, selects[k].value])));
    const choice = shown.length === total ? "" : Object.keys(selects).map((k) => k + "=" + selects[k].value).join("&");
    layer.setShown(shown, choice);
    counter.textContent = t("map.shown") + " " + shown.length + " / " + total;
    state.layers[def.id].shown = shown.length;
    Object.keys(selects).forEach((k) => { state.filters[k] = selects[k].value; });
    state.filterMs = performance.now() - t0;            // benchmarks: a filter change, indexed and drawn
    map.fire("zj:filter");
  };
  def.filters.forEach((f) => {
    const [label, sel] = selectFor(f, layer, apply);
    selects[f.key] = sel;
    state.filters[f.key] = "";
    body.appendChild(label);
  });
  body.appendChild(counter);
  counter.textContent = t("map.shown") + " " + total + " / " + total;
}

// The box is made at start (so the layout does not jump) and filled once the layer's data is in.
export function filterControl(map, cfg, def) {
  const c = L.control({ position: isSmall() ? "bottomleft" : "topleft" });     // a phone: out of the map's width
  const div = el("div", "zj-filters leaflet-bar");
  div.id = "zj-filters-" + def.id;
  const body = el("div", "zj-filters-body");
  div.appendChild(body);
  collapsible(div, def.title, isSmall());
  c.onAdd = () => isolate(div);
  c.addTo(map);
  const show = () => { div.style.display = map.hasLayer(state.groups[def.id]) ? "" : "none"; };
  map.on("overlayadd overlayremove", show);
  show();
  return {
    fillProjects: (layer) => fill(map, def, body, layer),
    note: (n) => body.appendChild(el("div", "zj-filter-note", t("map.unplaced", { n }))),
  };
}
