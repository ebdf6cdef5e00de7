// Download any layer as GIS staff want it: format and CRS (CGCS2000 included); see /api/export.
import { el } from "./dom.js";
import { t } from "./state.js";

function select(name, options) {
  const s = el("select");
  s.name = name;
  options.forEach(([value, label]) => { const o = el("option", null, label); o.value = value; s.appendChild(o); });
  return s;
}

export function downloadBox(cfg) {
  const box = el("details", "zj-download");
  box.id = "zj-download";
  box.appendChild(el("summary", null, t("dl.title")));
  const layer = select("layer", cfg.layers.map((d) => [d.id, d.title]));
  const fmt = select("format", cfg.downloads.formats.map((f) => [f.code, f.label]));
  const crs = select("crs", cfg.downloads.crs.map((c) => [c.code, c.label]));
  const wgs84Only = new Set(cfg.downloads.formats.filter((f) => f.wgs84Only).map((f) => f.code));
  const a = el("a", "zj-download-link", t("dl.go"));
  const update = () => {
    a.href = "/api/export/" + layer.value + "." + fmt.value + "?crs=" + encodeURIComponent(crs.value);
    crs.disabled = wgs84Only.has(fmt.value);   // GeoJSON and KML are WGS84 by their specs
  };
  [layer, fmt, crs].forEach((x) => { x.addEventListener("change", update); box.appendChild(x); });
  box.appendChild(a);
  const o = el("a", null, t("dl.ogc"));
  o.href = "/ogc?f=html";
  o.target = "_blank";
  box.appendChild(o);
  update();
  return box;
}
