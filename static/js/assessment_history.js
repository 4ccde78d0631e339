// Integrator history: weekly scores as an ECharts line with the 60 line; the table beside it works without JS.
(function () {
  "use strict";
  var box = document.getElementById("score-chart");
  var source = document.getElementById("score-data");
  if (!box || !source) { return; }
  var data = JSON.parse(source.textContent);
  if (typeof window.echarts === "undefined" || !data.scores.length) {
    box.innerHTML = '<p class="chart-empty">' + (data.scores.length ? "曲线无法显示：图表脚本未加载。" : "尚无考核结果。") + "</p>";
    box.style.height = "auto";
    return;
  }
  var chart = window.echarts.init(box, null, { renderer: "canvas" });
  chart.setOption({
    animation: false,
    color: ["#1d4e89"],
    grid: { left: 8, right: 24, top: 32, bottom: 8, containLabel: true },
    tooltip: {
      trigger: "axis",
      formatter: function (items) { var i = items[0].dataIndex; return data.labels[i] + "<br>得分 " + data.scores[i]; }
    },
    xAxis: { type: "category", data: data.weeks, axisLabel: { fontSize: 11 } },
    yAxis: { type: "value", min: 0, max: 100, name: "得分" },
    series: [{
      name: "得分", type: "line", data: data.scores, showSymbol: true, symbolSize: 6,
      markLine: {
        symbol: "none", silent: true,
        data: [{ yAxis: data.low, name: data.low + "分",
                 lineStyle: { color: "#b42318", type: "dashed", width: 1.5 },
                 label: { formatter: data.low + "分", position: "insideEndTop", color: "#b42318" } }]
      }
    }]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
