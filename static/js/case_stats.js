// Monthly case statistics: one ECharts bar group per district (found, closed, escalated,
// overdue); the tables beside it work without JS.
(function () {
  "use strict";
  var box = document.getElementById("stats-chart");
  var source = document.getElementById("stats-data");
  if (!box || !source) { return; }
  var data = JSON.parse(source.textContent);
  if (typeof window.echarts === "undefined" || !data.districts.length) {
    box.innerHTML = '<p class="chart-empty">' + (data.districts.length ? "图表无法显示：图表脚本未加载。" : "没有数据。") + "</p>";
    box.style.height = "auto";
    return;
  }
  var chart = window.echarts.init(box, null, { renderer: "canvas" });
  chart.setOption({
    animation: false,
    color: ["#1d4e89", "#2e7d32", "#c62828", "#ef6c00"],
    legend: { top: 0 },
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    tooltip: { trigger: "axis" },
    xAxis: { type: "category", data: data.districts, axisLabel: { interval: 0, rotate: data.districts.length > 4 ? 30 : 0, fontSize: 11 } },
    yAxis: { type: "value", minInterval: 1, name: "件" },
    series: data.series.map(function (s) { return { name: s.name, type: "bar", data: s.data }; })
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
