// The report's charts, drawn with the vendored ECharts from the data the page carries.
(function () {
  "use strict";
  const source = document.getElementById("report-data");
  if (!source || typeof echarts === "undefined") return;
  const data = JSON.parse(source.textContent);
  const L = data.labels;
  const charts = [];
  function draw(id, option) {
    const element = document.getElementById(id);
    if (!element) return;
    const chart = echarts.init(element, null, { renderer: "svg" });
    chart.setOption(Object.assign({ animation: false, tooltip: { trigger: "axis" } }, option));
    charts.push(chart);
  }
  draw("chart-buckets", {
    legend: { data: [L.dials, L.contacts, L.warm_leads] },
    xAxis: { type: "category", data: data.buckets },
    yAxis: { type: "value" },
    series: ["dials", "contacts", "warm_leads"].map((key) => ({
      name: L[key], type: key === "dials" ? "bar" : "line",
      data: data.buckets.map((b) => data.per_bucket[b][key]),
    })),
  });
  const rows = data.rows.slice(0, 40);
  draw("chart-rows", {
    legend: { data: [L.calls_per_hour, L.average_talk_seconds] },
    xAxis: { type: "category", data: rows.map((r) => r.name), axisLabel: { rotate: 30 } },
    yAxis: [{ type: "value", name: L.calls_per_hour }, { type: "value", name: L.average_talk_seconds }],
    series: [
      { name: L.calls_per_hour, type: "bar", data: rows.map((r) => r.values.calls_per_hour) },
      { name: L.average_talk_seconds, type: "line", yAxisIndex: 1, data: rows.map((r) => r.values.average_talk_seconds) },
    ],
  });
  draw("chart-funnel", {
    tooltip: { trigger: "item" },
    series: [{
      type: "funnel", sort: "none", left: "10%", width: "80%",
      label: { formatter: "{b}: {c}" },
      data: data.funnel.filter((s) => s.step !== "revenue").map((s) => ({ name: L["funnel_" + s.step], value: s.value })),
    }],
  });
  window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
  document.body.dataset.chartsDrawn = String(charts.length);
})();
