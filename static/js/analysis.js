// Dashboards: projects and investment by zone, axis branch, cluster, town and sector (ECharts, served by
// this app), following the year and the axis band chosen above; printable as they are.
const UI = JSON.parse(document.getElementById("zj-ui").textContent);
const form = document.getElementById("ana-filters");
const charts = {};
const KEYS = ["by_sector", "by_zone", "by_axis", "by_cluster", "by_town"];
const LABEL_FONT = 10;

// ECharts keeps axis labels inside the chart but not a bar's value label: the grid leaves room on the right
// for the widest one, measured in the font it is drawn in (else "38.8（2）" is cut at the edge).
function textWidth(texts, size) {
  const ctx = (textWidth.canvas ||= document.createElement("canvas")).getContext("2d");
  ctx.font = `${size}px ${getComputedStyle(document.body).fontFamily || "sans-serif"}`;
  return Math.max(0, ...texts.map((s) => ctx.measureText(s).width));
}

function bars(rows, width) {
  const top = rows.slice(0, 15).reverse();
  const labels = top.map((r) => `${r.investment_yi}（${r.projects}）`);
  const categoryWidth = Math.max(60, Math.min(140, Math.round(width * 0.32)));
  return {
    animation: false, tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    grid: { left: 8, right: Math.ceil(textWidth(labels, LABEL_FONT)) + 14, top: 8, bottom: 8, containLabel: true },
    xAxis: [{ type: "value", axisLabel: { fontSize: 10, hideOverlap: true } }],
    yAxis: { type: "category", data: top.map((r) => r.key),
             axisLabel: { fontSize: 11, width: categoryWidth, overflow: "truncate" } },
    series: [{ name: UI["ana.investment"], type: "bar", data: top.map((r) => r.investment_yi),
               label: { show: true, position: "right", fontSize: LABEL_FONT, formatter: (p) => labels[p.dataIndex] } }],
  };
}

function share(rows, width) {
  return { animation: false, tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
           series: [{ type: "pie", radius: ["30%", "55%"], data: rows.map((r) => ({ name: r.key, value: r.investment_yi })),
                      label: { fontSize: 10, alignTo: "edge", edgeDistance: 4, minMargin: 3,
                               width: Math.max(56, Math.round(width * 0.3)), overflow: "break" },
                      labelLine: { length: 8, length2: 0 } }] };
}

function draw(id, make, rows) {
  const div = document.getElementById(id);
  charts[id] = charts[id] || echarts.init(div, null, { renderer: "svg" });   // SVG prints sharply
  charts[id].setOption(make(rows, div.clientWidth), true);
  charts[id].zjDraw = () => { charts[id].resize(); charts[id].setOption(make(rows, div.clientWidth), true); };
  div.dataset.drawn = "1";
}

async function refresh() {
  const q = new URLSearchParams(new FormData(form));
  const d = await (await fetch("/api/dashboard.json?" + q, { credentials: "same-origin" })).json();
  document.getElementById("ana-total").textContent = UI["ana.total"].replace("{n}", d.total.projects)
    .replace("{inv}", d.total.investment_yi).replace("{plan}", d.total.investment_year_yi);
  document.getElementById("title-by_axis").textContent = UI["ana.by_axis_km"].replace("{km}", d.band_km);
  for (const key of KEYS) draw("chart-" + key, bars, d[key]);
  draw("chart-share", share, d.by_sector);
  document.body.dataset.dashboard = q.toString() || "all";
}

let resizing;
window.addEventListener("resize", () => {
  cancelAnimationFrame(resizing);
  resizing = requestAnimationFrame(() => Object.values(charts).forEach((c) => c.zjDraw()));
});
form.addEventListener("change", refresh);
form.addEventListener("submit", (e) => { e.preventDefault(); refresh(); });   // Enter in the band field
document.getElementById("ana-print").addEventListener("click", () => window.print());
refresh();
