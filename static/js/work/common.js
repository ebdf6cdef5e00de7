// Shared by the workbench pages: UI strings, requests with the CSRF token, one error shape.
export { el } from "../dom.js";

const UI = JSON.parse(document.getElementById("zj-ui").textContent);
const CSRF = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

export function t(key, values) {
  let text = UI[key] || key;
  if (values) text = text.replace(/\{(\w+)\}/g, (_, k) => (k in values ? values[k] : ""));
  return text;
}

// fetch with the session cookie and the CSRF token; a non-2xx answer throws its bilingual description
export async function api(url, { method = "GET", json, form } = {}) {
  const headers = { "X-CSRFToken": CSRF, Accept: "application/json" };
  let body;
  if (json !== undefined) { headers["Content-Type"] = "application/json"; body = JSON.stringify(json); }
  if (form !== undefined) body = form;
  const r = await fetch(url, { method, headers, body, credentials: "same-origin" });
  const data = await r.json().catch(() => ({}));
  if (!r.ok) {
    const lang = document.documentElement.lang === "en" ? "en" : "zh";
    const err = new Error(data[lang] || data.description || `HTTP ${r.status}`);
    err.status = r.status; err.field = data.field; err.body = data;
    throw err;
  }
  return data;
}

export function money(v) {
  return v === null || v === undefined || v === "" ? "" : Number(v).toLocaleString("zh-CN", { maximumFractionDigits: 2 });
}

// The county outline and towns as a quiet background for the workbench maps (all from this app).
export async function backgroundMap(id) {
  // no tile layer: clustering needs the zoom range stated
  const map = L.map(id, { preferCanvas: true, attributionControl: false, minZoom: 8, maxZoom: 18 })
    .setView([29.72, 120.24], 10);
  L.control.scale({ imperial: false }).addTo(map);
  const [ctx, towns] = await Promise.all([fetch("/api/context.geojson").then((r) => r.json()),
                                          fetch("/api/layers/towns.geojson").then((r) => r.json())]);
  L.geoJSON(towns, { interactive: false, style: { color: "#99a3a4", weight: 1, fillColor: "#f4f6f6", fillOpacity: 0.6 } }).addTo(map);
  const county = L.geoJSON(ctx, { interactive: false, filter: (f) => f.properties.role === "county",
                                  style: { color: "#17202a", weight: 2, fill: false } }).addTo(map);
  map.fitBounds(county.getBounds(), { padding: [10, 10] });
  return map;
}
