// 表1 monitoring: a small chart per indicator (actuals against the target path), and the entry forms.


const ROWS = JSON.parse(document.getElementById("zj-indicators").textContent);
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

async function send(url, opts, status) {
  const r = await fetch(url, { credentials: "same-origin", ...opts, headers: { "X-CSRFToken": CSRF, ...(opts.headers || {}) } });
  const body = await r.json().catch(() => ({}));
  status.textContent = r.ok ? UI["ind.saved"] : (body.zh ? `${body.zh} / ${body.en}` : `HTTP ${r.status}`);
  status.className = r.ok ? "zj-notice" : "zj-error";
  if (r.ok) location.reload();
}

function wireForms() {
  const form = document.getElementById("value-form"), status = document.getElementById("entry-status");
  if (!form) return;
  const unit = () => { form.unit.value = form.key.selectedOptions[0].dataset.unit; };
  form.key.addEventListener("change", unit);
  unit();
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const [no, sub] = form.key.value.split("|");
    const body = { no, sub_item: sub, year: form.year.value, value: form.value.value, unit: form.unit.value,
                   source: form.source.value };
    send("/api/indicators/values", { method: "POST", headers: { "Content-Type": "application/json" },
                                    body: JSON.stringify(body) }, status);
  });
  const upload = document.getElementById("upload-form");
  upload.addEventListener("submit", (e) => {
    e.preventDefault();
    send("/api/indicators/upload", { method: "POST", body: new FormData(upload) }, status);
  });
}

document.querySelectorAll(".zj-chart").forEach((div) => chart(div, ROWS[Number(div.dataset.index)]));
wireForms();
document.body.dataset.charts = String(document.querySelectorAll(".zj-chart[data-drawn]").length);

