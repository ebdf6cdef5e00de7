// Leaflet's own controls in the page's language: zoom titles, a metric-only scale bar, and an
// attribution without Leaflet's flag.
import { t } from "./state.js";

export function localiseControls(map) {
  const z = map.zoomControl;
  if (z) {
    [[z._zoomInButton, "map.zoom_in"], [z._zoomOutButton, "map.zoom_out"]].forEach(([b, key]) => {
      if (!b) return;
      b.title = t(key);
      b.setAttribute("aria-label", t(key));
    });
  }
  L.control.scale({ metric: true, imperial: false, position: "bottomleft" }).addTo(map);
  if (map.attributionControl) map.attributionControl.setPrefix("Leaflet");
}
