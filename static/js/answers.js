// The answer panel of 查询此处 / 范围统计 (ask.js): one compact list, built as DOM nodes from the API's
// JSON (textContent only: names come from uploaded lists).
import { el, isolate } from "./dom.js";
import { isSmall } from "./layout.js";
import { state, t } from "./state.js";

const zh = () => state.cfg.lang !== "en";

function km(m) {
  return m < 1000 ? t("map.ask_m", { n: m }) : t("map.ask_km", { n: (m / 1000).toFixed(1) });
}

function row(dl, label, value) {
  dl.appendChild(el("dt", null, label));
  const dd = el("dd");
  if (Array.isArray(value)) {
    const ul = el("ul");
    value.forEach((v) => ul.appendChild(el("li", null, v)));
    dd.appendChild(value.length ? ul : el("span", "zj-none", t("map.ask_none")));
  } else dd.textContent = value;
  dl.appendChild(dd);
}

function projectItem(p, extra) {
  const li = el("li");
  const a = el("a", null, p.name);
  a.href = (state.cfg.projectTable || "/work/projects") + "?key=" + encodeURIComponent(p.key);
  a.target = "_blank";
  li.append(a, el("span", "zj-muted", " " + [p.sector, p.year, extra].filter((x) => x !== null && x !== undefined && x !== "").join(" · ")));
  return li;
}

export function identifyAnswer(d) {
  const dl = el("dl", "zj-answer-list");
  row(dl, t("map.ask_point"), `${d.point[0].toFixed(5)}, ${d.point[1].toFixed(5)}`);
  row(dl, t("map.ask_town"), d.town ? d.town.name : t("map.ask_outside"));
  row(dl, t("map.ask_zones"), d.zones.map((z) => z.name));
  row(dl, t("map.ask_clusters"), d.clusters);
  row(dl, t("map.ask_axis"), d.axis.map((a) => `${a.name}：${km(a.distance_m)}（${a.band}）`));
  row(dl, t("map.ask_corridors", { r: km(d.radius_m) }), d.corridors.map((c) => `${c.name}（${c.status}，${km(c.distance_m)}）`));
  dl.appendChild(el("dt", null, t("map.ask_projects", { r: km(d.radius_m), n: d.projects.length })));
  const dd = el("dd");
  const ul = el("ul", "zj-answer-projects");
  d.projects.forEach((p) => ul.appendChild(projectItem(p, km(p.distance_m))));
  dd.appendChild(d.projects.length ? ul : el("span", "zj-none", t("map.ask_none")));
  dl.appendChild(dd);
  return [dl, el("p", "zj-answer-note", zh() ? d.note_zh : d.note_en)];
}

function table(rows) {
  const tb = el("table", "zj-answer-table");
  const head = el("tr");
  [t("map.ask_class"), t("map.ask_count"), t("map.ask_inv"), t("map.ask_inv_year")].forEach((h) => head.appendChild(el("th", null, h)));
  tb.appendChild(head);
  rows.forEach((r) => {
    const tr = el("tr");
    [r.key, r.projects, r.investment_yi, r.investment_year_yi].forEach((v) => tr.appendChild(el("td", null, v)));
    tb.appendChild(tr);
  });
  return tb;
}

function fold(title, node, open) {
  const d = el("details", "zj-answer-fold");
  d.open = Boolean(open);
  d.append(el("summary", null, title), node);
  return d;
}

const AREA_KEYS = ["geometry", "bbox", "circle", "town", "zone", "cluster", "axis", "km"];   // geo/areas.py

// The area of a statistics question as print parameters (area_…; layers/print_spec.py).
export function areaPrintParams(q, into) {
  AREA_KEYS.forEach((k) => { if (q.get(k)) into.set("area_" + k, q.get(k)); });
  return into;
}

function printLink(q) {
  const p = new URLSearchParams({ view: state.cfg.view, lang: state.cfg.lang });
  p.set("layers", Object.keys(state.groups).filter((k) => state.map.hasLayer(state.groups[k])).join(","));
  ["year", "sector", "status"].forEach((k) => { if (q.get(k)) p.set(k, q.get(k)); });
  const a = el("a", "zj-answer-print", t("map.ask_print"));
  a.href = "/api/print.pdf?" + areaPrintParams(q, p);
  a.download = "";
  return a;
}

function exportLinks(q) {
  const box = el("p", "zj-answer-links");
  box.appendChild(printLink(q));
  for (const fmt of ["xlsx", "csv"]) {
    const a = el("a", "zj-answer-export", t("map.ask_export", { fmt: fmt.toUpperCase() }));
    a.href = `/api/stats.${fmt}?` + q;
    a.download = "";
    box.appendChild(a);
  }
  return box;
}

function filtersLine() {
  const f = state.filters, parts = [];
  if (f.year) parts.push(t("map.ask_year", { y: f.year }));
  if (f.sector) parts.push(f.sector);
  if (f.status) parts.push(f.status);
  return el("p", "zj-answer-filters", parts.length ? t("map.ask_filtered", { f: parts.join("，") }) : t("map.ask_all"));
}

export function statsAnswer(d, q) {
  const total = el("p", "zj-answer-total", t("map.ask_total", { n: d.projects, inv: d.investment_yi, plan: d.investment_year_yi }));
  const out = [filtersLine(), total, fold(t("map.ask_by_sector"), table(d.by_sector), true),
               fold(t("map.ask_by_status"), table(d.by_status)), fold(t("map.ask_by_year"), table(d.by_year))];
  if (d.list.length) {
    const ul = el("ul", "zj-answer-projects");
    d.list.slice(0, 50).forEach((p) => ul.appendChild(projectItem(p, p.investment === null ? "" : t("map.ask_yi", { n: p.investment }))));
    out.push(fold(t("map.ask_list", { n: d.list.length }), ul));
  }
  if (d.shared.projects) out.push(el("p", "zj-answer-note", `${t("map.ask_shared", { n: d.shared.projects, inv: d.shared.investment_yi })}：${zh() ? d.shared.note_zh : d.shared.note_en}`));
  out.push(exportLinks(q));
  return out;
}

function options(sel, items) {
  items.forEach(([value, text]) => { const o = el("option", null, text); o.value = value; sel.appendChild(o); });
  return sel;
}

function propsOf(id) {
  const l = state.layers[id];
  return l ? l.features.map((f) => f.feature && f.feature.properties).filter(Boolean) : [];
}

// Named areas: a town, a zone, a cluster, or a band either side of an axis branch.
function namedChooser(onNamed) {
  const form = el("form", "zj-answer-named");
  const kind = options(el("select"), [["town", t("map.ask_kind_town")], ["zone", t("map.ask_kind_zone")],
                                      ["cluster", t("map.ask_kind_cluster")], ["axis", t("map.ask_kind_axis")]]);
  kind.name = "kind";
  const which = el("select");
  which.name = "which";
  const kmBox = el("input");
  Object.assign(kmBox, { type: "number", name: "km", value: "5", min: "0.5", max: "30", step: "0.5", title: t("map.ask_km_hint") });
  const fill = () => {
    which.textContent = "";
    const k = kind.value, key = { town: "code", zone: "id", cluster: "id", axis: "id" }[k];
    const layer = { town: "towns", zone: "zones", cluster: "clusters", axis: "axis" }[k];
    options(which, propsOf(layer).filter((p) => p[key]).map((p) => [p[key], k === "axis" ? p.short_name : p.name]));
    kmBox.hidden = k !== "axis";
  };
  kind.addEventListener("change", fill);
  fill();
  const go = el("button", null, t("map.ask_go"));
  go.type = "submit";
  form.append(kind, which, kmBox, go);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const k = kind.value;
    onNamed(k === "axis" ? { axis: which.value, km: kmBox.value } : { [k]: which.value });
  });
  return form;
}

function areaChooser(onDraw, onNamed) {
  const box = el("div", "zj-answer-choose");
  box.appendChild(el("p", null, t("map.ask_draw")));
  const bar = el("div", "zj-answer-draw");
  for (const type of ["polygon", "rectangle", "circle"]) {
    const b = el("button", "zj-draw-" + type, t("map.ask_draw_" + type));
    b.type = "button";
    b.addEventListener("click", () => onDraw(type));
    bar.appendChild(b);
  }
  box.append(bar, el("p", null, t("map.ask_or_pick")), namedChooser(onNamed));
  return [box];
}

// Made at the first answer, so it stacks under the project filters instead of pushing them down; while it
// is open the overview map (bottom left) gives way, and the body scrolls within what is left of the map.
function panelDom(map, onClose) {
  const div = el("div", "zj-answer leaflet-bar");
  div.id = "zj-answer";
  div.setAttribute("role", "region");
  const head = el("div", "zj-answer-head"), title = el("strong"), close = el("button", "zj-answer-close", "×");
  close.type = "button";
  close.title = t("map.close");
  close.setAttribute("aria-label", t("map.close"));
  const body = el("div", "zj-answer-body");
  head.append(title, close);
  div.append(head, body);
  close.addEventListener("click", () => {
    div.hidden = true;
    map.getContainer().classList.remove("zj-answering");
    onClose();
  });
  const c = L.control({ position: isSmall() ? "bottomleft" : "topleft" });
  c.onAdd = () => isolate(div);
  c.addTo(map);
  return { div, title, body };
}

function fitBody(map, body) {
  const room = map.getContainer().getBoundingClientRect().bottom - body.getBoundingClientRect().top - 14;
  body.style.maxHeight = Math.max(120, room) + "px";
}

export function answerPanel(map, onClose) {
  let dom = null;
  return {
    show(text, nodes, mode = "answered") {       // mode: loading | answered | error | choosing
      dom = dom || panelDom(map, onClose);
      dom.title.textContent = text;
      dom.body.textContent = "";
      nodes.forEach((n) => dom.body.appendChild(n));
      dom.div.hidden = false;
      dom.div.dataset.state = mode;
      map.getContainer().classList.add("zj-answering");
      if (!isSmall()) fitBody(map, dom.body);
    },
    visible: () => Boolean(dom && !dom.div.hidden),
    areaChooser,
  };
}
