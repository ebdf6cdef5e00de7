// Upload a project list: send the file once, preview every change of sheet / header row / mapping /
// coordinate system on a map and in a list of the rows that do not pass, then commit.
import { api, backgroundMap, el, t } from "./common.js";

const $ = (id) => document.getElementById(id);
const LANG = document.documentElement.lang === "en" ? "en" : "zh";
// reasons and notes come in both languages (reason_zh, reason_en …); the page shows its own
const local = (o, key) => o[`${key}_${LANG}`] || o[key];
const state = { uploadId: null, preview: null, map: null, points: null, fields: null, busy: false };

function fieldOptions(select, current) {
  select.appendChild(Object.assign(el("option", null, t("up.keep")), { value: "" }));
  for (const [key, f] of Object.entries(state.fields)) {
    const o = el("option", null, document.documentElement.lang === "en" ? f.en : f.zh);
    o.value = key;
    if (key === current) o.selected = true;
    select.appendChild(o);
  }
}

function currentMapping() {
  const out = {};
  $("mapping").querySelectorAll("select").forEach((s) => { out[s.dataset.column] = s.value || null; });
  return out;
}

function options() {
  const replace = $("replace-note");
  return { upload_id: state.uploadId, title: $("title").value, year: $("year").value || null,
           sheet: $("sheet").value || null, header_row: $("header-row").value || null, datum: $("datum").value || null,
           mapping: state.preview ? currentMapping() : null, replace: replace ? replace.dataset.replace : null };
}

function renderMapping(p) {
  const body = $("mapping").querySelector("tbody");
  body.textContent = "";
  p.columns.forEach((col) => {
    const tr = el("tr");
    tr.appendChild(el("td", null, col));
    const sel = el("select");
    sel.dataset.column = col;
    sel.setAttribute("aria-label", col);
    fieldOptions(sel, p.mapping[col]);
    sel.addEventListener("change", () => runPreview());
    const td = el("td");
    td.appendChild(sel);
    tr.appendChild(td);
    body.appendChild(tr);
  });
}

function renderSetup(p) {
  $("title").value = $("title").value || p.title || "";
  $("year").value = $("year").value || p.year || "";
  $("header-row").value = p.header_rows.length ? p.header_rows[p.header_rows.length - 1] : "";
  if (p.datum && !$("datum").value) $("datum").value = p.datum;
  const sheet = $("sheet");
  $("sheet-box").hidden = p.sheets.length < 2;
  if (!sheet.options.length) p.sheets.forEach((s) => sheet.appendChild(Object.assign(el("option", null, s), { value: s })));
  sheet.value = p.sheet || "";
  $("datum-needed").hidden = !p.needs_datum;
  $("datum").classList.toggle("zj-invalid", p.needs_datum);
}

function renderRows(p) {
  $("counts").textContent = t("up.counts", { received: p.received, accepted: p.accepted, rejected: p.rejected.length,
                                             skipped: p.skipped.length });
  const body = $("rejected").querySelector("tbody");
  body.textContent = "";
  p.rejected.forEach((r) => {
    const tr = el("tr");
    [r.row, r.column || "", local(r, "reason")].forEach((v) => tr.appendChild(el("td", null, v)));
    body.appendChild(tr);
  });
  const skipped = $("skipped"), warnings = $("warnings");
  skipped.textContent = warnings.textContent = "";
  p.skipped.forEach((s) => skipped.appendChild(el("li", null, `${t("up.row")} ${s.row}：${local(s, "reason")}`)));
  p.warnings.slice(0, 200).forEach((w) => warnings.appendChild(el("li", null, (w.row ? `${t("up.row")} ${w.row}：` : "") + local(w, "message"))));
  $("commit").disabled = p.needs_datum || p.accepted === 0;
}

// Rows that will replace a project stored from another list: said, with the list each is in now, before the commit.
function renderReplacing(p) {
  $("replacing").hidden = !p.replacing_count;
  $("replacing-text").textContent = t("up.replacing", { n: p.replacing_count });
  listReplaced($("replacing-list"), p.replacing, p.replacing_count, "up.replacing_row");
}

// Each replaced project: its row in the file, its name, the list it is (or was) in; the first 50, then a count.
function listReplaced(list, rows, total, key) {
  const SHOWN = 50;
  list.textContent = "";
  rows.slice(0, SHOWN).forEach((r) => list.appendChild(el("li", null, t(key,
    { row: r.row ?? "—", name: r.name, id: r.import_id ?? "—", title: r.batch_title || "—" }))));
  if (total > SHOWN) list.appendChild(el("li", null, t("up.replacing_more", { n: total - SHOWN })));
}

function renderMap(p) {
  if (state.points) state.points.remove();
  state.points = L.featureGroup();
  p.rows.filter((r) => r.lon !== null).forEach((r) => {
    const seat = r.located_by === "town" || r.located_by === "village";
    const m = L.circleMarker([r.lat, r.lon], { radius: 5, weight: seat ? 2 : 1, dashArray: seat ? "2 2" : null,
      color: seat ? "#1f618d" : "#fff", fillColor: r.warning ? "#e67e22" : "#1e8449", fillOpacity: seat ? 0.3 : 0.9 });
    m.bindTooltip(el("span", null, `${t("up.row")} ${r.row}：${r.name}（${r.town || ""}）`));   // a node, never HTML
    m.feature = { properties: r };
    state.points.addLayer(m);
  });
  state.points.addTo(state.map);
  window.ZhujiUpload = state;                                  // for tests: what the preview shows
}

async function runPreview() {
  if (state.busy) return;
  state.busy = true;
  $("status").textContent = t("map.loading");
  try {
    const p = await api("/api/work/preview", { method: "POST", json: options() });
    state.preview = p;
    $("setup").hidden = false;
    if (!state.map) state.map = await backgroundMap("preview-map");
    renderSetup(p);
    renderMapping(p);
    renderRows(p);
    renderReplacing(p);
    renderMap(p);
    $("status").textContent = "";
    document.body.dataset.preview = String(Date.now());        // a new preview has been drawn
  } catch (e) {
    $("status").textContent = e.message;
    $("status").className = "zj-error";
  } finally {
    state.busy = false;
  }
}

async function upload(file) {
  $("status").className = "";
  $("status").textContent = t("up.uploading");
  const form = new FormData();
  form.append("file", file);
  try {
    const r = await api("/api/work/uploads", { method: "POST", form });
    state.uploadId = r.upload_id;
    state.preview = null;
    $("sheet").textContent = "";
    await runPreview();
  } catch (e) {
    $("status").textContent = e.message;
    $("status").className = "zj-error";
  }
}

async function commit() {
  $("commit").disabled = true;
  $("status").textContent = t("up.committing");
  try {
    const r = await api("/api/work/commit", { method: "POST", json: options() });
    $("setup").hidden = true;
    $("done").hidden = false;
    $("done-text").textContent = t("up.done", { imported: r.imported, id: r.import_id }) +
      (r.updated ? t("up.done_replaced", { n: r.updated }) : "");
    listReplaced($("done-replaced"), r.replaced || [], r.updated || 0, "up.replaced_row");
    $("done-table").href = `/work/projects?batch=${r.import_id}&lang=${LANG}`;
    if (r.rejected_xlsx) { $("done-rejected").hidden = false; $("done-rejected").href = r.rejected_xlsx + (LANG === "en" ? "?lang=en" : ""); }
    $("status").textContent = "";
  } catch (e) {
    $("status").textContent = e.message;
    $("status").className = "zj-error";
    $("commit").disabled = false;
  }
}

function wire() {
  state.fields = JSON.parse(document.getElementById("zj-fields").textContent);
  const drop = $("drop");
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    if (e.dataTransfer.files.length) upload(e.dataTransfer.files[0]);
  });
  $("file").addEventListener("change", () => { if ($("file").files.length) upload($("file").files[0]); });
  ["sheet", "header-row", "datum", "year"].forEach((id) => $(id).addEventListener("change", () => {
    if (id === "sheet") $("header-row").value = "";
    runPreview();
  }));
  $("commit").addEventListener("click", commit);
}

wire();
