// 打印/导出地图: a small dialog that sends the current map state (view, extent, layers on, project
// filters) to the print API (web/printing.py: GET /api/print.pdf|png) and downloads what it answers.
import { areaPrintParams } from "./answers.js";
import { el } from "./dom.js";
import { fromMap } from "./datum.js";
import { freePadding } from "./layout.js";
import { state, t } from "./state.js";

const LIMITS = [118.5, 24.43, 121.5, 35.0];       // layers/print_spec.py BBOX_LIMITS (EPSG:4549's area)
const FILTERS = { sector: "sector", status: "status", town_name: "town", year: "year" };

function labelled(form, key, input) {
  const l = el("label", "zj-field");
  l.appendChild(el("span", null, t(key)));
  l.appendChild(input);
  form.appendChild(l);
  return input;
}

function select(name, options) {
  const s = el("select");
  s.name = name;
  options.forEach(([value, label]) => { const o = el("option", null, label); o.value = value; s.appendChild(o); });
  return s;
}

function input(name, value, attrs) {
  const i = el("input");
  i.name = name;
  i.value = value || "";
  Object.assign(i, attrs || {});
  return i;
}

// The free part of the map (not under the header or a panel) in WGS84, within the print's limits.
export function visibleBbox(map) {
  const p = freePadding(map), size = map.getSize();
  const free = size.x - p.left - p.right > 50 && size.y - p.top - p.bottom > 50;
  const nw = free ? map.containerPointToLatLng([p.left, p.top]) : map.getBounds().getNorthWest();
  const se = free ? map.containerPointToLatLng([size.x - p.right, size.y - p.bottom]) : map.getBounds().getSouthEast();
  const a = fromMap(nw), b = fromMap(se);
  const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
  return [clamp(a.lng, LIMITS[0], LIMITS[2]), clamp(b.lat, LIMITS[1], LIMITS[3]),
          clamp(b.lng, LIMITS[0], LIMITS[2]), clamp(a.lat, LIMITS[1], LIMITS[3])].map((v) => v.toFixed(5)).join(",");
}

export function printParams(map, cfg, form) {
  const q = new URLSearchParams();
  q.set("view", cfg.view);
  q.set("lang", cfg.lang);
  q.set("bbox", visibleBbox(map));
  q.set("layers", Object.keys(state.groups).filter((k) => map.hasLayer(state.groups[k])).join(","));
  Object.keys(FILTERS).forEach((k) => { if (state.filters[k]) q.set(FILTERS[k], state.filters[k]); });
  ["title", "subtitle", "size", "orientation", "approval"].forEach((k) => { if (form[k].value.trim()) q.set(k, form[k].value.trim()); });
  if (form.format.value === "png") q.set("dpi", form.dpi.value);
  if (state.statsQuery) areaPrintParams(state.statsQuery, q);     // 范围统计 open: its area and figures on paper
  return q;
}

function fileName(resp, fmt) {
  const cd = resp.headers.get("Content-Disposition") || "";
  const star = /filename\*=UTF-8''([^;]+)/i.exec(cd), plain = /filename="?([^";]+)"?/i.exec(cd);
  if (star) return decodeURIComponent(star[1]);
  return plain ? plain[1] : "zhuji-map." + fmt;
}

function download(blob, name) {
  const a = el("a");
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.appendChild(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
}

function failure(resp) {
  if (resp.status === 404) return Promise.resolve(t("map.print_unavailable"));
  return resp.json().then((j) => t("map.print_failed", { msg: (state.cfg.lang === "en" ? j.en : j.zh) || j.description }),
                         () => t("map.print_failed", { msg: "HTTP " + resp.status }));
}

function submit(map, cfg, form, status, go) {
  const fmt = form.format.value, url = cfg.print + "." + fmt + "?" + printParams(map, cfg, form).toString();
  state.lastPrint = { url, status: null };
  status.textContent = t("map.print_busy");
  status.className = "zj-print-status";
  go.disabled = true;
  const done = (text, ok) => {
    status.textContent = text;
    status.className = "zj-print-status " + (ok ? "zj-ok" : "zj-error");
    go.disabled = false;
  };
  fetch(url, { credentials: "same-origin" }).then((resp) => {
    state.lastPrint.status = resp.status;
    if (!resp.ok) return failure(resp).then((msg) => done(msg, false));
    return resp.blob().then((blob) => { const name = fileName(resp, fmt); download(blob, name); done(t("map.print_done", { name }), true); });
  }).catch((err) => done(t("map.print_failed", { msg: String(err) }), false));
}

function fields(form, cfg) {
  labelled(form, "map.print_field_title", input("title", cfg.viewTitle, { maxLength: 80 }));
  labelled(form, "map.print_subtitle", input("subtitle", "", { maxLength: 120 }));
  labelled(form, "map.print_size", select("size", [["A4", "A4"], ["A3", "A3"]]));
  labelled(form, "map.print_orientation", select("orientation", [["landscape", t("map.print_landscape")],
                                                                  ["portrait", t("map.print_portrait")]]));
  const fmt = labelled(form, "map.print_format", select("format", [["pdf", "PDF"], ["png", "PNG"]]));
  const dpi = labelled(form, "map.print_dpi", input("dpi", "150", { type: "number", min: 72, max: 300, step: 1 }));
  labelled(form, "map.print_approval", input("approval", "", { maxLength: 40 }));
  const sync = () => { dpi.disabled = fmt.value !== "png"; };
  fmt.addEventListener("change", sync);
  sync();
}

function dialog(map, cfg) {
  const d = el("dialog", "zj-print");
  d.id = "zj-print";
  const form = el("form");
  form.method = "dialog";
  form.appendChild(el("h2", null, t("map.print")));
  form.appendChild(el("p", "zj-print-note", t("map.print_note")));
  fields(form, cfg);
  const status = el("p", "zj-print-status");
  status.setAttribute("role", "status");
  const go = el("button", "zj-print-go", t("map.print_go"));
  go.type = "submit";
  const close = el("button", "zj-print-close", t("map.print_cancel"));
  close.type = "button";
  close.addEventListener("click", () => d.close());
  const buttons = el("div", "zj-print-buttons");
  buttons.appendChild(go);
  buttons.appendChild(close);
  form.appendChild(buttons);
  form.appendChild(status);
  form.addEventListener("submit", (e) => { e.preventDefault(); submit(map, cfg, form, status, go); });
  d.appendChild(form);
  document.body.appendChild(d);
  return d;
}

export function printButton(map, cfg) {
  const b = el("button", "zj-print-open", t("map.print"));
  b.type = "button";
  b.id = "zj-print-open";
  let d = null;
  b.addEventListener("click", () => {
    d = d || dialog(map, cfg);
    if (!d.open) d.showModal();
  });
  return b;
}
