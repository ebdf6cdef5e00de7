// 表1 monitoring: a small chart per indicator (actuals against the target path), and the entry forms. A saved
// value updates the summary and the table in place and brings the edited indicator into view.

const UI = JSON.parse(document.getElementById("zj-ui").textContent);
const CSRF = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
const YEARS = [2026, 2027, 2028, 2029, 2030];

function chart(div, row) {
  const series = [{ name: UI["ind.actual"], type: "line", data: YEARS.map((y) => row.actuals[y] ?? null), connectNulls: false,
                    symbolSize: 5, lineStyle: { width: 2 } }];
  if (Object.keys(row.path).length) {
    series.push({ name: UI["ind.path"], type: "line", data: YEARS.map((y) => row.path[y]), symbol: "none",
                  lineStyle: { type: "dashed", width: 1 } });
  }
  const c = echarts.init(div, null, { renderer: "svg" });
  c.setOption({ animation: false, grid: { left: 36, right: 6, top: 8, bottom: 18 }, tooltip: { trigger: "axis" },
                xAxis: { type: "category", data: YEARS, axisLabel: { fontSize: 9 } },
                yAxis: { type: "value", scale: true, axisLabel: { fontSize: 9 } }, series });
  div.dataset.drawn = "1";
}

function drawCharts() {
  const rows = JSON.parse(document.getElementById("zj-indicators").textContent);
  document.querySelectorAll(".zj-chart").forEach((div) => chart(div, rows[Number(div.dataset.index)]));
  document.body.dataset.charts = String(document.querySelectorAll(".zj-chart[data-drawn]").length);
}

async function rendered(url) {
  const r = await fetch(url, { credentials: "same-origin" });
  return new DOMParser().parseFromString(await r.text(), "text/html");
}

// The page as the server renders it now: its summary, table rows and chart data replace ours. Under a status
// filter that now hides the edited indicator, the unfiltered page does (and the address says so), no reload.
async function renewInPlace(anchor) {
  let fresh = await rendered(location.pathname + location.search);
  if (anchor && !fresh.getElementById(anchor) && new URLSearchParams(location.search).has("status")) {
    const all = `/indicators?lang=${document.documentElement.lang.startsWith("zh") ? "zh" : "en"}`;
    fresh = await rendered(all);
    history.replaceState(null, "", all);
  }
  document.querySelectorAll(".zj-chart").forEach((div) => echarts.getInstanceByDom(div)?.dispose());
  for (const sel of ["#ind-summary", "#indicators tbody", "#zj-indicators"]) {
    document.querySelector(sel).replaceWith(document.adoptNode(fresh.querySelector(sel)));
  }
  drawCharts();
}

// Back at the indicator just edited, with the 已保存 note in its row (the form's own note is far below).
function showRow(anchor, text) {
  const row = document.getElementById(anchor);
  document.querySelectorAll("tr.zj-just-saved").forEach((tr) => tr.classList.remove("zj-just-saved"));
  row.classList.add("zj-just-saved");
  const note = Object.assign(document.createElement("span"), { className: "zj-saved-note", textContent: text });
  note.setAttribute("role", "status");
  row.querySelector(".zj-ind-name").append(note);
  history.replaceState(null, "", `${location.pathname}${location.search}#${anchor}`);
  note.scrollIntoView({ block: "center", inline: "nearest" });     // also scrolls the table sideways on a phone
  document.body.dataset.saved = anchor;
}

async function send(url, opts, status, saved) {
  const r = await fetch(url, { credentials: "same-origin", ...opts, headers: { "X-CSRFToken": CSRF, ...(opts.headers || {}) } });
  const body = await r.json().catch(() => ({}));
  status.className = r.ok ? "zj-notice" : "zj-error";
  if (!r.ok) {
    status.textContent = body.zh ? `${body.zh} / ${body.en}` : `HTTP ${r.status}`;
    return;
  }
  await renewInPlace(saved && saved.id);
  status.textContent = saved ? UI["ind.saved_at"].replace("{name}", () => saved.label) : UI["ind.saved"];
  if (saved) showRow(saved.id, UI["ind.saved_row"].replace("{year}", () => saved.year).replace("{value}", () => saved.value));
}

function wireForms() {
  const form = document.getElementById("value-form"), status = document.getElementById("entry-status");
  if (!form) return;
  const unit = () => { form.unit.value = form.key.selectedOptions[0].dataset.unit; };
  form.key.addEventListener("change", unit);
  unit();
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const option = form.key.selectedOptions[0];
    const [no, sub] = form.key.value.split("|");
    const body = { no, sub_item: sub, year: form.year.value, value: form.value.value, unit: form.unit.value,
                   source: form.source.value };
    send("/api/indicators/values", { method: "POST", headers: { "Content-Type": "application/json" },
                                    body: JSON.stringify(body) }, status,
         { id: option.dataset.anchor, label: option.textContent, year: body.year, value: body.value });
  });
  const upload = document.getElementById("upload-form");
  upload.addEventListener("submit", (e) => {
    e.preventDefault();
    send("/api/indicators/upload", { method: "POST", body: new FormData(upload) }, status, null);
  });
}

drawCharts();
wireForms();
