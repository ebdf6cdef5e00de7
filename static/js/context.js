// The county outline, labelled neighbours and the overview map: orientation without any basemap.
import { fetchJson } from "./dom.js";
import { coordsToLatLng } from "./datum.js";
import { PRIORITY, register, tooltipElement } from "./labels.js";
import { isSmall } from "./layout.js";
import { state, t } from "./state.js";

const COUNTY = { color: "#17202a", weight: 3, fill: false };
const NEIGHBOUR = { color: "#b3b6b7", weight: 1, fillColor: "#f2f3f4", fillOpacity: 1 };

// Over a basemap the neighbours are outlined only, so the basemap shows beyond the county too.
export function neighbourStyle() {
  return state.basemap && state.basemap !== "none" ? Object.assign({}, NEIGHBOUR, { fillOpacity: 0 }) : NEIGHBOUR;
}

export const COUNTY_STYLE = COUNTY;

function style(f) {
  return f.properties.role === "county" ? COUNTY : neighbourStyle();
}

export function restyleContext() {
  if (state.context) state.context.setStyle(style);
}

function outline() {
  return {
    pane: "zj-context", interactive: false, coordsToLatLng, style,
    onEachFeature: (f, layer) => {
      if (f.properties.role === "county") return;
      const name = document.createElement("span");
      name.textContent = f.properties.name;
      layer.bindTooltip(name, { permanent: true, direction: "center", className: "zj-neighbour" });
      register({ element: tooltipElement(layer), prio: PRIORITY.neighbour });
    },
  };
}

// The overview follows the map; only a drag on the overview moves the map. (The plugin also sets the
// map to the overview's view after the overview's own animated moves, which races with the map's next
// move and rounds its zoom.)
function overviewControl() {
  return L.Control.MiniMap.extend({
    _onMiniMapMoved() {
      if (this._zjDragged) {
        this._zjDragged = false;
        this._miniMapMoving = true;
        this._mainMap.setView(this._miniMap.getCenter(), this._mainMap.getZoom());
      }
      this._mainMapMoving = false;
    },
  });
}

function overview(map, ctx) {
  if (!L.Control.MiniMap) return;
  const mini = L.geoJSON(ctx, { interactive: false, coordsToLatLng,
    style: (f) => (f.properties.role === "county" ? { color: "#6c3483", weight: 2, fillOpacity: 0.2 }
                                                  : { color: "#aaa", weight: 1, fillOpacity: 0 }) });
  state.extraLayers.push(mini);
  const Overview = overviewControl();
  const control = new Overview(mini, { position: "bottomleft", toggleDisplay: true, zoomLevelOffset: -3, width: 150,
    height: 150, minimized: isSmall(), mapOptions: { zoomSnap: 0.25 },
    strings: { hideText: t("map.overview"), showText: t("map.overview") } }).addTo(map);
  control._miniMap.on("dragstart", () => { control._zjDragged = true; });
}

export function addContext(map, cfg) {
  return fetchJson(cfg.context).then((ctx) => {
    const layer = L.geoJSON(ctx, outline()).addTo(map);
    state.context = layer;
    state.extraLayers.push(layer);
    overview(map, ctx);
  });
}
