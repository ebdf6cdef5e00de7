// The legend explains only the layers on the map, in their drawn style.
import { el, isolate } from "./dom.js";
import { state, t } from "./state.js";

function swatch(def, s) {
  const sw = el("span", "zj-sw zj-sw-" + (def.kind === "mixed" ? "line" : def.kind));
  if (def.kind === "polygon") {
    sw.style.background = s.fillColor;
    sw.style.borderColor = s.color;
    if (s.dashArray) sw.style.borderStyle = "dashed";
    if (s.fillOpacity !== undefined) sw.style.opacity = Math.max(0.4, s.fillOpacity * 2);
  } else if (def.kind === "point") {
    sw.style.background = s.fillColor;
    sw.style.borderColor = s.color;
  } else {
    sw.style.borderTopColor = s.color;
    sw.style.borderTopWidth = (s.weight || 3) + "px";
    sw.style.borderTopStyle = s.dashArray ? (s.dashArray.indexOf("2 ") === 0 ? "dotted" : "dashed") : "solid";
  }
  return sw;
}

function section(def) {
  const sec = el("div", "zj-legend-sec");
  sec.dataset.layer = def.id;
  sec.appendChild(el("div", "zj-legend-title", def.title));
  def.legend.forEach((e) => {
    const row = el("div", "zj-legend-row");
    row.appendChild(swatch(def, e.style));
    row.appendChild(el("span", null, e.label));
    sec.appendChild(row);
  });
  return sec;
}

export function legendControl(map, cfg) {
  const c = L.control({ position: "bottomright" });
  c.onAdd = () => {
    const div = el("div", "zj-legend leaflet-bar");
    div.appendChild(el("h4", null, t("map.legend")));
    cfg.layers.forEach((def) => div.appendChild(section(def)));
    div.appendChild(el("p", "zj-legend-note", t("map.schematic_note")));
    return isolate(div);
  };
  c.addTo(map);
  const refresh = () => {
    c.getContainer().querySelectorAll(".zj-legend-sec").forEach((sec) => {
      const id = sec.dataset.layer;
      const on = Object.keys(state.groups).some((k) => k.split(":")[0] === id && map.hasLayer(state.groups[k]));
      sec.style.display = on ? "" : "none";
    });
  };
  map.on("overlayadd overlayremove layeradd layerremove", refresh);
  refresh();
  return c;
}
