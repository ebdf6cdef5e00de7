// The county outline, labelled neighbours and the overview map: orientation without any basemap.
import { escapeHtml, fetchJson } from "./dom.js";
import { coordsFor } from "./gcj02.js";
import { t } from "./state.js";

const COUNTY = { color: "#17202a", weight: 3, fill: false };
const NEIGHBOUR = { color: "#b3b6b7", weight: 1, fillColor: "#f2f3f4", fillOpacity: 1 };

function outline(cfg) {
  return {
    pane: "zj-context", interactive: false, coordsToLatLng: coordsFor(cfg),
    style: (f) => (f.properties.role === "county" ? COUNTY : NEIGHBOUR),
    onEachFeature: (f, layer) => {
      if (f.properties.role !== "county") {
        layer.bindTooltip(escapeHtml(f.properties.name), { permanent: true, direction: "center", className: "zj-neighbour" });
      }
    },
  };
}

function overview(map, cfg, ctx) {
  if (!L.Control.MiniMap) return;
  const mini = L.geoJSON(ctx, { interactive: false, coordsToLatLng: coordsFor(cfg),
    style: (f) => (f.properties.role === "county" ? { color: "#6c3483", weight: 2, fillOpacity: 0.2 }
                                                  : { color: "#aaa", weight: 1, fillOpacity: 0 }) });
  new L.Control.MiniMap(mini, { position: "bottomleft", toggleDisplay: true, zoomLevelOffset: -3, width: 160, height: 160,
                                strings: { hideText: t("map.overview"), showText: t("map.overview") } }).addTo(map);
}

export function addContext(map, cfg) {
  return fetchJson(cfg.context).then((ctx) => {
    L.geoJSON(ctx, outline(cfg)).addTo(map);
    overview(map, cfg, ctx);
  });
}
