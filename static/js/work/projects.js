// The project table: 100,000 rows filtered and sorted in the browser, drawn a screenful at a time;
// linked with the map both ways (row → its place and popup, marker → row); the selection exports as XLSX/CSV;
// one project added (placed by a click on the map), edited or deleted.
import { Clusters, stackList } from "../clusters.js";
import { api, backgroundMap, el, money, t } from "./common.js";

const $ = (id) => document.getElementById(id);
const ROW_H = 28;
const SPARE = 10;      // rows drawn beyond the view on each side, and as many again before a scroll draws anew
const NUMERIC = new Set(["investment", "investment_year", "axis_distance_m", "year", "import_id"]);
const S = { fields: [], rows: [], col: {}, shown: [], sortKey: null, sortDir: 1, selected: null, rowOf: new Map(),
            view: null, map: null, mapStale: false, popupKey: null, adding: false, batches: {}, extraCols: [] };
window.ZhujiTable = S;                                    // for tests and benchmarks

const extraOf = (row) => { const x = row[S.col.extra]; return x ? (row._x || (row._x = JSON.parse(x))) : {}; };
const get = (row, key) => (key.startsWith("x:") ? extraOf(row)[key.slice(2)] : row[S.col[key]]);
const columns = () => [...$("projects").querySelectorAll("thead th[data-key]")].map((th) => th.dataset.key);

// One list shown: its own other columns (kept as attributes on import) join the table.
function showExtraColumns() {
  const head = $("projects").querySelector("thead tr");
  head.querySelectorAll("th.zj-extra").forEach((th) => th.remove());
  const b = S.batches[$("f-batch").value];
  S.extraCols = b ? b.columns.filter((c) => !b.mapped.includes(c)) : [];
  S.extraCols.forEach((c) => {
    const th = el("th", "zj-extra", c);
    th.dataset.key = "x:" + c;
    head.appendChild(th);
  });
}

function filters() {
  return { q: $("q").value.trim().toLowerCase(), year: $("f-year").value, batch: $("f-batch").value,
           sector: $("f-sector").value, status: $("f-status").value, town: $("f-town").value };
}

// The words a search looks in, lower-cased once per load (not once per row and keystroke).
const searchText = (row) => `${get(row, "name") || ""} ${get(row, "project_id") || ""} ${get(row, "town_name") || ""}`.toLowerCase();

// What the filters compare, one array per field made once per load: a filter change then reads plain
// arrays instead of looking up each row's cells (110,000 rows: 50 → a few ms).
function filterColumns(rows) {
  const text = (k) => rows.map((r) => String(get(r, k) ?? ""));
  return { year: text("year"), batch: text("import_id"), sector: text("sector"), status: text("status"),
           town: text("town_code"), towns: rows.map((r) => ";" + (get(r, "town_codes") || "") + ";"),
           search: rows.map(searchText), investment: Float64Array.from(rows, (r) => Number(get(r, "investment")) || 0),
           lon: Float64Array.from(rows, (r) => get(r, "lon") ?? NaN), lat: Float64Array.from(rows, (r) => get(r, "lat") ?? NaN) };
}

function matches(i, f, c) {
  if (f.year && c.year[i] !== f.year) return false;
  if (f.batch && c.batch[i] !== f.batch) return false;
  if (f.sector && c.sector[i] !== f.sector) return false;
  if (f.status && c.status[i] !== f.status) return false;
  if (f.town && c.town[i] !== f.town && !c.towns[i].includes(";" + f.town + ";")) return false;
  return !f.q || c.search[i].includes(f.q);
}

function applyFilters() {
  const t0 = performance.now();
  showExtraColumns();
  const f = filters(), c = S.by;
  S.shown = [];
  let inv = 0;
  for (let i = 0; i < S.rows.length; i++) {
    if (matches(i, f, c)) { S.shown.push(i); inv += c.investment[i]; }
  }
  sortShown();
  $("summary").textContent = t("tbl.shown", { n: S.shown.length, total: S.rows.length, inv: money(inv) });
  const qs = new URLSearchParams(Object.entries(f).filter(([, v]) => v)).toString();
  $("export-xlsx").href = "/api/work/table.xlsx" + (qs ? "?" + qs : "");
  $("export-csv").href = "/api/work/table.csv" + (qs ? "?" + qs : "");
  $("table-wrap").scrollTop = 0;
  render();
  S.filterMs = performance.now() - t0;
  document.body.dataset.filtered = String(S.shown.length);
  clearTimeout(S.mapTimer);
  S.mapStale = true;
  S.mapTimer = setTimeout(updateMap, 150);                 // the map follows once typing pauses
}

function sortShown() {
  if (!S.sortKey) return;
  const c = S.col[S.sortKey], num = NUMERIC.has(S.sortKey), dir = S.sortDir;
  S.shown.sort((a, b) => {
    const x = S.rows[a][c], y = S.rows[b][c];
    if (x === null || x === "") return 1;
    if (y === null || y === "") return -1;
    return (num ? x - y : String(x).localeCompare(String(y), "zh-CN")) * dir;
  });
}

function cell(key, v) {
  const td = el("td", NUMERIC.has(key) && key !== "year" && key !== "import_id" ? "num" : null,
                key.startsWith("investment") ? money(v) : v);
  return td;
}

// The edit button leads the row (always in view, however far the table scrolls sideways); a double click
// or Enter on a focused row opens the editor too.
function rowElement(i, keys) {
  const row = S.rows[i], tr = el("tr");
  tr.dataset.key = get(row, "key");
  tr.style.height = ROW_H + "px";
  tr.tabIndex = 0;
  tr.title = t("tbl.edit_row");
  if (S.selected === tr.dataset.key) tr.className = "selected";
  const td = el("td", "zj-act");
  const edit = el("button", null, t("tbl.edit"));
  edit.type = "button";
  edit.addEventListener("click", (e) => { e.stopPropagation(); openEditor(tr.dataset.key); });
  td.appendChild(edit);
  tr.appendChild(td);
  keys.forEach((k) => tr.appendChild(cell(k, get(row, k))));
  tr.addEventListener("click", () => select(tr.dataset.key, "table"));
  tr.addEventListener("dblclick", () => openEditor(tr.dataset.key));
  tr.addEventListener("keydown", (e) => { if (e.key === "Enter" && e.target === tr) openEditor(tr.dataset.key); });
  return tr;
}

// Only the rows in view (plus a margin) exist in the DOM; spacers stand for the rest. A scroll that stays
// within the rows already drawn draws nothing (so a row being clicked is never replaced under the pointer).
function render(onScroll) {
  const wrap = $("table-wrap"), body = $("projects").querySelector("tbody");
  const top = Math.floor(wrap.scrollTop / ROW_H), first = Math.max(0, top - SPARE);
  const last = Math.min(S.shown.length, top + Math.ceil(wrap.clientHeight / ROW_H) + SPARE);
  if (onScroll && S.drawn && first >= S.drawn[0] && last <= S.drawn[1]) return;
  S.drawn = [Math.max(0, first - SPARE), Math.min(S.shown.length, last + SPARE)];
  body.textContent = "";
  const spacer = (h) => { const tr = el("tr"); tr.style.height = h + "px"; return tr; };
  const [a, b] = S.drawn;
  body.appendChild(spacer(a * ROW_H));
  const keys = columns();
  for (let n = a; n < b; n++) body.appendChild(rowElement(S.shown[n], keys));
  body.appendChild(spacer((S.shown.length - b) * ROW_H));
}

// The rows shown that have a position, clustered (clusters.js: only what is in view is drawn).
function updateMap() {
  clearTimeout(S.mapTimer);
  S.mapStale = false;
  const { lon, lat } = S.by, placed = S.shown.filter((i) => Number.isFinite(lon[i]) && Number.isFinite(lat[i]));
  S.view.draw(S.view.build(placed));
  closeStalePopup(placed);
  document.body.dataset.mapped = String(placed.length);
}

// A popup stays while what it shows is on the map: a row's while that row is; a list's until the rows
// change (a filter, a reload), as a popup bound to a marker closed with it.
function closeStalePopup(placed) {
  const i = S.popupKey === null ? undefined : S.rowOf.get(S.popupKey);
  if (i !== undefined && placed.includes(i)) return;
  S.popupKey = null;
  S.map.closePopup();
}

// One popup for the map, not bound to a marker: a redraw (a pan) makes markers anew and keeps it open.
function showPopup(i) {
  const row = S.rows[i];
  L.popup().setLatLng([S.by.lat[i], S.by.lon[i]])
    .setContent(el("div", null, `${get(row, "name")}（${get(row, "town_name") || ""}）`)).openOn(S.map);
  S.popupKey = get(row, "key");
}

function select(key, from) {
  S.selected = key;
  const pos = S.shown.findIndex((i) => get(S.rows[i], "key") === key);
  if (pos >= 0 && from !== "table") $("table-wrap").scrollTop = Math.max(0, pos * ROW_H - 3 * ROW_H);
  render();
  const i = S.rowOf.get(key);
  if (pos >= 0 && Number.isFinite(S.by.lon[i]) && Number.isFinite(S.by.lat[i])) {
    if (S.mapStale) updateMap();
    const inView = S.view.markers.has(i) && S.map.getBounds().contains([S.by.lat[i], S.by.lon[i]]);
    if (from !== "map" && !inView) S.view.reveal(i);         // the map moves only when the row is not in view
    showPopup(i);
  }
  document.body.dataset.selected = key;
}

function marker(i) {
  const key = get(S.rows[i], "key");
  const m = L.circleMarker([S.by.lat[i], S.by.lon[i]], { radius: 6, color: "#fff", weight: 1, fillColor: "#8e44ad", fillOpacity: 0.9 });
  m.on("click", () => select(key, "map"));
  return m;
}

// Several rows on one spot: their names; one chosen is selected in the table.
function listAt(ll, rows) {
  const keys = new Map(rows.map((i) => [i, get(S.rows[i], "key")]));
  const box = el("div");
  box.appendChild(el("h3", null, t("map.stack_title", { n: rows.length })));
  box.appendChild(stackList(rows, { label: (i) => get(S.rows[i], "name"), pick: (i) => select(keys.get(i), "map") }));
  L.popup().setLatLng(ll).setContent(box).openOn(S.map);
  S.popupKey = null;
}

function fillSelect(id, values) {
  const s = $(id);
  [...new Set(values)].filter((v) => v !== null && v !== "").sort().forEach((v) => {
    if (![...s.options].some((o) => o.value === String(v))) s.appendChild(Object.assign(el("option", null, v), { value: v }));
  });
}

async function loadBatches() {
  for (const b of await api("/api/work/batches")) {
    S.batches[b.id] = { columns: b.columns, mapped: Object.keys(b.mapping || {}).filter((c) => b.mapping[c]) };
  }
}

async function load() {
  const data = await api("/api/work/table.json");
  S.fields = data.fields;
  S.rows = data.rows;
  S.col = Object.fromEntries(S.fields.map((f, i) => [f, i]));
  S.by = filterColumns(S.rows);
  S.rowOf = new Map(S.rows.map((r, i) => [get(r, "key"), i]));
  fillSelect("f-year", S.by.year);                 // the filters' own texts: what a choice is compared with
  fillSelect("f-batch", S.by.batch);
  fillSelect("f-status", S.by.status);
  if (S.view) S.view.reset(S.by.lon, S.by.lat);               // a load after an edit brings new rows
  else S.view = new Clusters(S.map, S.map, { xs: S.by.lon, ys: S.by.lat, marker, list: listAt, t });
  applyFilters();
  updateMap();                                   // now, so that a row chosen next finds its place
}

// ---------------------------------------------------------------- add, edit, delete

let editing = null;

async function openEditor(key, at) {
  const form = $("edit-form"), extra = $("edit-extra");
  form.querySelectorAll("option[data-kept]").forEach((o) => o.remove());
  form.querySelectorAll(".zj-invalid").forEach((x) => x.classList.remove("zj-invalid"));
  form.reset();
  extra.textContent = "";
  $("edit-error").textContent = "";
  editing = key;
  $("edit-title").textContent = key ? t("tbl.edit") : t("tbl.add");
  $("edit-delete").hidden = !key;
  if (key) {
    const p = await api(`/api/projects/${encodeURIComponent(key).replace(/%2F/g, "/")}`);
    const values = { id: p.project_id, name: p.name, sector: p.sector, status: p.status, nature: p.nature,
                     year: p.year, investment: p.investment, investment_year: p.investment_year, town: p.town_input,
                     location: p.location_text, lon: p.lon, lat: p.lat };
    for (const [k, v] of Object.entries(values)) if (form.elements[k]) setValue(form.elements[k], v ?? "");
    Object.entries(p.extra || {}).forEach(([k, v]) => { extra.appendChild(el("dt", null, k)); extra.appendChild(el("dd", null, v)); });
  } else {
    form.elements.year.value = $("f-year").value || new Date().getFullYear();
    if (at) { form.elements.lon.value = at.lng.toFixed(6); form.elements.lat.value = at.lat.toFixed(6); }
  }
  $("editor").showModal();
}

// A select keeps a stored value that is not one of its choices (an older list's word), marked as such:
// saving it unchanged is allowed, a new value must be one of the choices.
function setValue(input, v) {
  if (input.tagName === "SELECT" && v !== "" && ![...input.options].some((o) => o.value === String(v))) {
    const o = el("option", null, `${v} ${t("tbl.kept_value")}`);
    o.value = v;
    o.dataset.kept = "1";
    input.appendChild(o);
  }
  input.value = v;
}

async function save(e) {
  e.preventDefault();
  const f = $("edit-form").elements, body = { datum: "wgs84" };      // the map and the table speak WGS84
  ["id", "name", "sector", "status", "nature", "year", "investment", "investment_year", "town", "location",
   "lon", "lat"].forEach((k) => { body[k] = f[k].value; });
  try {
    const path = editing ? `/api/projects/${encodeURIComponent(editing).replace(/%2F/g, "/")}` : "/api/projects";
    const r = await api(path, { method: editing ? "PUT" : "POST", json: body });
    $("editor").close();
    await load();
    select(r.project.key, "form");
  } catch (err) {
    $("edit-error").textContent = err.message;
    markInvalid(err.field);
  }
}

// The field a refusal names (its key, "status", or its Chinese label, "经度") is outlined and focused.
function markInvalid(field) {
  const form = $("edit-form");
  form.querySelectorAll(".zj-invalid").forEach((x) => x.classList.remove("zj-invalid"));
  if (!field) return;
  const input = form.querySelector(`[name="${CSS.escape(field)}"], [data-label="${CSS.escape(field)}"]`);
  if (input) { input.classList.add("zj-invalid"); input.focus(); }
}

async function remove(key) {
  const row = S.rows.find((r) => get(r, "key") === key);
  if (!window.confirm(t("tbl.confirm_delete", { name: row ? get(row, "name") : key }))) return;
  await api(`/api/projects/${encodeURIComponent(key).replace(/%2F/g, "/")}`, { method: "DELETE" });
  await load();
}

function wireHeaders() {
  $("projects").querySelectorAll("thead th[data-key]").forEach((th) => {
    const sort = () => {
      S.sortDir = S.sortKey === th.dataset.key ? -S.sortDir : 1;
      S.sortKey = th.dataset.key;
      $("projects").querySelectorAll("thead th").forEach((h) => h.setAttribute("aria-sort", "none"));
      th.setAttribute("aria-sort", S.sortDir > 0 ? "ascending" : "descending");
      applyFilters();
    };
    th.addEventListener("click", sort);
    th.addEventListener("keydown", (e) => { if (e.key === "Enter") sort(); });
  });
}

async function main() {
  wireHeaders();
  ["q", "f-year", "f-batch", "f-sector", "f-status", "f-town"].forEach((id) =>
    $(id).addEventListener(id === "q" ? "input" : "change", applyFilters));
  $("table-wrap").addEventListener("scroll", () => requestAnimationFrame(() => render(true)));
  $("edit-form").addEventListener("submit", save);
  $("edit-cancel").addEventListener("click", () => $("editor").close());
  $("edit-delete").addEventListener("click", async () => { $("editor").close(); await remove(editing); });
  S.map = await backgroundMap("table-map");
  S.map.on("moveend", () => { if (S.view && S.view.index) S.view.draw(); });
  $("add").addEventListener("click", () => {
    S.adding = true;
    $("summary").textContent = t("tbl.add_hint");
    S.map.getContainer().style.cursor = "crosshair";
  });
  S.map.on("click", (e) => {
    if (!S.adding) return;
    S.adding = false;
    S.map.getContainer().style.cursor = "";
    openEditor(null, e.latlng);
  });
  const params = new URLSearchParams(location.search);
  if (params.get("batch")) $("f-batch").appendChild(Object.assign(el("option", null, params.get("batch")), { value: params.get("batch") }));
  await loadBatches();
  await load();
  if (params.get("batch")) { $("f-batch").value = params.get("batch"); applyFilters(); }
  if (params.get("key")) select(params.get("key"), "url");
  document.body.dataset.ready = "1";
}

main();
