// The county outline, labelled neighbours and the overview map: orientation without any basemap.
import { fetchJson } from "./dom.js";
import { coordsToLatLng } from "./datum.js";
import { PRIORITY, register, tooltipElement } from "./labels.js";
import { isSmall } from "./layout.js";
import { state, t } from "./state.js";

const COUNTY = { color: "#17202a", weight: 3, fill: false };
const NEIGHBOUR = { color: "#b3b6b7", weight: 1, fillColor: "#f2f3f4", fillOpacity: 1 };

function outline() {
  return {
    pane: "zj-context", interactive: false, coordsToLatLng,
    style: (f) => (f.properties.role === "county" ? COUNTY : NEIGHBOUR),
    onEachFeature: (f, layer) => {
      if (f.properties.role === "county") return;
      const name = document.createElement("span");
      name.textContent = f.properties.name;
      layer.bindTooltip(name, { permanent: true, direction: "center", className: "zj-neighbour" });
      register({ element: tooltipElement(layer), prio: PRIORITY.neighbour });
    },
  };
}

function overview(map, ctx) {
  if (!L.Control.MiniMap) return;
  const mini = L.geoJSON(ctx, { interactive: false, coordsToLatLng,
    style: (f) => (f.properties.role === "county" ? { color: "#6c3483", weight: 2, fillOpacity: 0.2 }
                                                  : { color: "#aaa", weight: 1, fillOpacity: 0 }) });
  state.extraLayers.push(mini);
  new L.Control.MiniMap(mini, { position: "bottomleft", toggleDisplay: true, zoomLevelOffset: -3, width: 150, height: 150,
                                minimized: isSmall(),
                                strings: { hideText: t("map.overview"), showText: t("map.overview") } }).addTo(map);
}

export function addContext(map, cfg) {
  return fetchJson(cfg.context).then((ctx) => {
    const layer = L.geoJSON(ctx, outline()).addTo(map);
    state.extraLayers.push(layer);
    overview(map, ctx);
  });
}
