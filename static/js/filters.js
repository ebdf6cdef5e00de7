// Select boxes that narrow a clustered layer (projects: sector / status / town).
import { el, isolate } from "./dom.js";
import { state, t } from "./state.js";

function selectFor(f, all, onChange) {
  const values = {};
  all.forEach((m) => { const v = m.feature.properties[f.key]; if (v) values[v] = (values[v] || 0) + 1; });
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

export function filterControl(map, cfg, def, all, mc) {
  const c = L.control({ position: "topleft" });
  c.onAdd = () => {
    const div = el("div", "zj-filters leaflet-bar");
    div.id = "zj-filters-" + def.id;
    div.appendChild(el("h4", null, def.title));
    const selects = {};
    const counter = el("div", "zj-filter-count");
    const apply = () => {
      const shown = all.filter((m) => Object.keys(selects).every((k) => {
        const v = selects[k].value;
        return !v || String(m.feature.properties[k] || "") === v;
      }));
      mc.clearLayers();
      mc.addLayers(shown);
      counter.textContent = t("map.shown") + " " + shown.length + " / " + all.length;
      state.layers[def.id].shown = shown.length;
    };
    def.filters.forEach((f) => {
      const [label, sel] = selectFor(f, all, apply);
      selects[f.key] = sel;
      div.appendChild(label);
    });
    div.appendChild(counter);
    counter.textContent = t("map.shown") + " " + all.length + " / " + all.length;
    return isolate(div);
  };
  c.addTo(map);
  const show = () => { c.getContainer().style.display = map.hasLayer(state.groups[def.id]) ? "" : "none"; };
  map.on("overlayadd overlayremove", show);
  show();
}
