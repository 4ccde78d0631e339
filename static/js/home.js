// Home page: projects per district as an ECharts bar chart; the data table beside it works without JS.
(function () {
  "use strict";
  var box = document.getElementById("district-chart");
  var source = document.getElementById("district-data");
  if (!box || !source || typeof window.echarts === "undefined") {
    if (box) { box.style.display = "none"; }
    return;
  }
  var data = JSON.parse(source.textContent);
  var chart = window.echarts.init(box, null, { renderer: "canvas" });
  chart.setOption({
    color: ["#1d4e89"],
    grid: { left: 40, right: 16, top: 24, bottom: 8, containLabel: true },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    xAxis: {
      type: "category",
      data: data.names,
      axisLabel: { interval: 0, rotate: data.names.length > 5 ? 30 : 0, fontSize: 12 }
    },
    yAxis: { type: "value", minInterval: 1, name: "项目数" },
    series: [{ name: "工程项目", type: "bar", data: data.counts, barMaxWidth: 36, label: { show: true, position: "top" } }]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
