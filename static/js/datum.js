// The overlays' datum follows the basemap: WGS84 (= CGCS2000 at map scale), or shifted into GCJ-02
// while a GCJ-02 basemap (Gaode) is on. Every overlay position goes through toMap(); switching the
// basemap moves what is drawn in place (setLatLng/setLatLngs) instead of rebuilding it.
import { gcjToWgs, wgsToGcj } from "./gcj02.js";
import { state } from "./state.js";

export function toMap(lon, lat) {
  if (state.datum !== "gcj02") return L.latLng(lat, lon);
  const g = wgsToGcj(lon, lat);
  return L.latLng(g[1], g[0]);
}

export const coordsToLatLng = (c) => toMap(c[0], c[1]);

// A position on the map back in WGS84 (for print extents).
export function fromMap(ll) {
  if (state.datum !== "gcj02") return L.latLng(ll.lat, ll.lng);
  const w = gcjToWgs(ll.lng, ll.lat);
  return L.latLng(w[1], w[0]);
}

const DEPTH = { LineString: 0, MultiLineString: 1, Polygon: 1, MultiPolygon: 2 };

function place(layer, geom) {
  if (geom.type in DEPTH) {
    layer.setLatLngs(L.GeoJSON.coordsToLatLngs(geom.coordinates, DEPTH[geom.type], coordsToLatLng));
  } else if (geom.type === "Point") {
    layer.setLatLng(coordsToLatLng(geom.coordinates));
  } else if (layer.eachLayer) {       // MultiPoint, GeometryCollection: one child per part, in order
    const parts = geom.type === "MultiPoint" ? geom.coordinates.map((c) => ({ type: "Point", coordinates: c }))
                                             : geom.geometries || [];
    let i = 0;
    layer.eachLayer((child) => { if (parts[i]) place(child, parts[i]); i++; });
  }
}

// Put a layer (or a group, recursively) where it belongs in the current datum.
export function relocate(layer) {
  if (layer._zjRelocate) layer._zjRelocate();
  else if (layer._zjLonLat) layer.setLatLng(toMap(layer._zjLonLat[0], layer._zjLonLat[1]));
  else if (layer.feature && layer.feature.geometry) place(layer, layer.feature.geometry);
  else if (layer.eachLayer) layer.eachLayer(relocate);
}

export function setDatum(map, datum) {
  const want = datum === "gcj02" ? "gcj02" : "wgs84";
  if (want === state.datum) return;
  const centre = fromMap(map.getCenter());
  state.datum = want;
  Object.values(state.groups).forEach(relocate);
  (state.extraLayers || []).forEach(relocate);
  map.setView(toMap(centre.lng, centre.lat), map.getZoom(), { animate: false });
  map.fire("zj:datum");
}
