// Dashboards: projects and investment by zone, axis branch, cluster, town and sector (ECharts, served by
// this app), following the year and the axis band chosen above; printable as they are.
const UI = JSON.parse(document.getElementById("zj-ui").textContent);
const form = document.getElementById("ana-filters");
const charts = {};

function bars(key, rows) {
  const top = rows.slice(0, 15).reverse();
  return {
    animation: false, tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { data: [UI["ana.projects"], UI["ana.investment"]], top: 0 },
    grid: { left: 8, right: 16, top: 28, bottom: 8, containLabel: true },
    xAxis: [{ type: "value", name: UI["ana.investment"], nameTextStyle: { fontSize: 10 } }],
    yAxis: { type: "category", data: top.map((r) => r.key), axisLabel: { fontSize: 11, width: 110, overflow: "truncate" } },
    series: [{ name: UI["ana.investment"], type: "bar", data: top.map((r) => r.investment_yi),
               label: { show: true, position: "right", fontSize: 10,
                        formatter: (p) => `${p.value}（${top[p.dataIndex].projects}）` } }],
  };
}

function share(rows) {
  return { animation: false, tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
           series: [{ type: "pie", radius: ["35%", "65%"], data: rows.map((r) => ({ name: r.key, value: r.investment_yi })),
                      label: { fontSize: 10 } }] };
}

function draw(id, option) {
  const div = document.getElementById(id);
  charts[id] = charts[id] || echarts.init(div, null, { renderer: "svg" });   // SVG prints sharply
  charts[id].setOption(option, true);
  div.dataset.drawn = "1";
}

async function refresh() {
  const q = new URLSearchParams(new FormData(form));
  const d = await (await fetch("/api/dashboard.json?" + q, { credentials: "same-origin" })).json();
  document.getElementById("ana-total").textContent = UI["ana.total"].replace("{n}", d.total.projects)
    .replace("{inv}", d.total.investment_yi).replace("{plan}", d.total.investment_year_yi);
  for (const key of ["by_sector", "by_zone", "by_axis", "by_cluster", "by_town"]) draw("chart-" + key, bars(key, d[key]));
  draw("chart-share", share(d.by_sector));
  document.body.dataset.dashboard = q.toString() || "all";
}

form.addEventListener("change", refresh);
document.getElementById("ana-print").addEventListener("click", () => window.print());
refresh();
