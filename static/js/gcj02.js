// WGS84 → GCJ-02 (the public formula, as geo/datum.py), for the optional Gaode basemap.
const A = 6378245.0, EE = 0.00669342162296594323;

function tLat(x, y) {
  let r = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  r += (20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2 / 3;
  r += (20 * Math.sin(y * Math.PI) + 40 * Math.sin(y / 3 * Math.PI)) * 2 / 3;
  r += (160 * Math.sin(y / 12 * Math.PI) + 320 * Math.sin(y * Math.PI / 30)) * 2 / 3;
  return r;
}

function tLon(x, y) {
  let r = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  r += (20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2 / 3;
  r += (20 * Math.sin(x * Math.PI) + 40 * Math.sin(x / 3 * Math.PI)) * 2 / 3;
  r += (150 * Math.sin(x / 12 * Math.PI) + 300 * Math.sin(x / 30 * Math.PI)) * 2 / 3;
  return r;
}

export function wgsToGcj(lon, lat) {
  let dLat = tLat(lon - 105, lat - 35), dLon = tLon(lon - 105, lat - 35);
  const rad = lat / 180 * Math.PI, magic = 1 - EE * Math.sin(rad) * Math.sin(rad), sq = Math.sqrt(magic);
  dLat = dLat * 180 / ((A * (1 - EE)) / (magic * sq) * Math.PI);
  dLon = dLon * 180 / (A / sq * Math.cos(rad) * Math.PI);
  return [lon + dLon, lat + dLat];
}

// coordsToLatLng for L.geoJSON: identity unless overlays must follow a GCJ-02 basemap.
export function coordsFor(cfg) {
  if (!cfg.gcj02) return undefined;
  return (c) => { const g = wgsToGcj(c[0], c[1]); return L.latLng(g[1], g[0]); };
}

export function latLngFor(cfg, lon, lat) {
  if (!cfg.gcj02) return [lat, lon];
  const g = wgsToGcj(lon, lat);
  return [g[1], g[0]];
}

// GCJ-02 → WGS84 by fixed-point iteration (≈1 mm after a few steps): a GCJ-02 map's view back to WGS84.
export function gcjToWgs(lon, lat) {
  let x = lon, y = lat;
  for (let i = 0; i < 6; i++) {
    const g = wgsToGcj(x, y);
    x += lon - g[0];
    y += lat - g[1];
  }
  return [x, y];
}
