// The layer panel: Folium's grouped layer control, folding to its heading, with the basemap radio group
// (basemap.js), the 显示标注 switch, and per layer an opacity slider and up/down order buttons.
import { el } from "./dom.js";
import { setLabels } from "./labels.js";
import { collapsible, isSmall } from "./layout.js";
import { state, t } from "./state.js";

function panesOf(map, def) {
  return [map.getPane("zj-" + def.id), def.labelPoint ? map.getPane("zj-" + def.id + "-label") : null].filter(Boolean);
}

function zOf(map, def) {
  return Number(map.getPane("zj-" + def.id).style.zIndex);
}

// Swap the drawing order of a layer with its neighbour above (dir -1) or below (dir +1).
function move(map, order, i, dir) {
  const j = i + dir;
  if (j < 0 || j >= order.length) return;
  const a = map.getPane("zj-" + order[i].id), b = map.getPane("zj-" + order[j].id);
  const za = a.style.zIndex;
  a.style.zIndex = b.style.zIndex;
  b.style.zIndex = za;
}

function button(text, label, onClick) {
  const b = el("button", "zj-order", text);
  b.type = "button";
  b.title = label;
  b.setAttribute("aria-label", label);
  b.addEventListener("click", onClick);
  return b;
}

function slider(label, onInput) {
  const s = el("input");
  s.type = "range";
  s.min = "0";
  s.max = "100";
  s.value = "100";
  s.setAttribute("aria-label", label);
  s.addEventListener("input", () => onInput(Number(s.value) / 100));
  return s;
}

function settingsRows(map, cfg, list) {
  list.textContent = "";
  const order = cfg.layers.slice().sort((a, b) => zOf(map, b) - zOf(map, a));      // top first
  order.forEach((def, i) => {
    const r = el("div", "zj-setting");
    r.dataset.layer = def.id;
    r.appendChild(el("span", "zj-setting-name", def.title));
    const s = slider(t("map.opacity_of", { layer: def.title }), (v) => panesOf(map, def).forEach((p) => { p.style.opacity = v; }));
    s.value = String(Math.round(Number(panesOf(map, def)[0].style.opacity || 1) * 100));
    r.appendChild(s);
    r.appendChild(button("↑", t("map.move_up"), () => { move(map, order, i, -1); settingsRows(map, cfg, list); }));
    r.appendChild(button("↓", t("map.move_down"), () => { move(map, order, i, 1); settingsRows(map, cfg, list); }));
    list.appendChild(r);
  });
  const base = el("div", "zj-setting");
  base.dataset.layer = "basemap";
  base.appendChild(el("span", "zj-setting-name", t("map.basemap")));
  const tiles = map.getPane("tilePane");
  const s = slider(t("map.opacity_of", { layer: t("map.basemap") }), (v) => { tiles.style.opacity = v; });
  s.value = String(Math.round(Number(tiles.style.opacity || 1) * 100));
  base.appendChild(s);
  list.appendChild(base);
}

function extras(map, cfg) {
  const box = el("div", "zj-layer-extras");
  const label = el("label", "zj-labels-switch");
  const cb = el("input");
  cb.type = "checkbox";
  cb.id = "zj-labels-toggle";
  cb.checked = state.labelsOn;
  cb.addEventListener("change", () => setLabels(map, cb.checked));
  label.appendChild(cb);
  label.appendChild(el("span", null, " " + t("map.labels")));
  box.appendChild(label);
  const fold = el("details", "zj-settings");
  fold.id = "zj-settings";
  fold.appendChild(el("summary", null, t("map.layer_settings")));
  const list = el("div", "zj-settings-list");
  fold.appendChild(list);
  fold.addEventListener("toggle", () => { if (fold.open) settingsRows(map, cfg, list); });
  box.appendChild(fold);
  return box;
}

export function layerPanel(map, cfg, control) {
  const box = control.getContainer();
  box.id = "zj-layers";
  // the plugin rebuilds its two lists on every change, never the form around them
  const form = control._form;
  form.insertBefore(el("div", "zj-layers-heading", t("map.basemap")), control._baseLayersList);
  form.appendChild(extras(map, cfg));
  collapsible(box, t("map.layers"), isSmall());
  L.DomEvent.disableClickPropagation(box);      // sliders and buttons must not drag or zoom the map (touch too)
  L.DomEvent.disableScrollPropagation(box);
}
