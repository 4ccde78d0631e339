// Project page: PM10 / PM2.5 curves of each dust monitor (real-time and hourly means, last 24 hours),
// with the thresholds in force as dashed lines. Data comes from the page (json_script); times are
// Beijing wall-clock milliseconds shown with useUTC, so the axis reads Beijing time everywhere.
(function () {
  "use strict";
  var COLORS = { pm10: "#1d4e89", pm25: "#2e8b57" };
  var LINE_COLORS = { warning: "#c27c00", alarm: "#b42318", reference: "#6b7785" };
  var boxes = document.querySelectorAll(".chart-dust");
  if (!boxes.length) { return; }
  if (typeof window.echarts === "undefined") {
    boxes.forEach(function (box) { box.innerHTML = '<p class="chart-empty">曲线无法显示：图表脚本未加载。</p>'; });
    return;
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function clock(ms, withDate) {
    var d = new Date(ms);
    var text = pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes());
    return withDate ? (d.getUTCMonth() + 1) + "月" + d.getUTCDate() + "日 " + text : text;
  }
  function number(v) { return v === null || v === undefined ? "—" : (Math.round(v * 10) / 10).toString(); }

  function markLine(lines, parameter) {
    var data = lines.filter(function (l) { return l.parameter === parameter; }).map(function (l) {
      return {
        yAxis: l.value, name: l.name,
        lineStyle: { color: LINE_COLORS[l.level], type: "dashed", width: 1.5 },
        label: { formatter: l.name, position: "insideEndTop", color: LINE_COLORS[l.level], fontSize: 11 }
      };
    });
    return data.length ? { symbol: "none", silent: true, data: data } : undefined;
  }

  function draw(box, data, kind) {
    var block = data[kind];
    var unit = data.unit;
    var top = 0;
    block.lines.forEach(function (l) { top = Math.max(top, l.value); });
    var series = block.series.map(function (s) {
      return {
        name: s.name, type: "line", data: s.data, connectNulls: false,
        showSymbol: kind === "hourly", symbolSize: 5,
        lineStyle: { width: kind === "hourly" ? 2 : 1 },
        itemStyle: { color: COLORS[s.parameter] },
        markLine: markLine(block.lines, s.parameter)
      };
    });
    (block.references || []).forEach(function (s) {
      series.push({
        name: s.name, type: "line", data: s.data, connectNulls: false, showSymbol: false,
        lineStyle: { type: s.level === "reference" ? "dotted" : "dashed", width: 1.2, color: LINE_COLORS[s.level] },
        itemStyle: { color: LINE_COLORS[s.level] }
      });
    });
    box.innerHTML = "";
    var chart = window.echarts.init(box, null, { renderer: "canvas" });
    chart.setOption({
      useUTC: true,
      animation: false,
      grid: { left: 8, right: 20, top: 40, bottom: 8, containLabel: true },
      legend: { top: 0, right: 0, itemWidth: 18, textStyle: { fontSize: 12 } },
      tooltip: {
        trigger: "axis",
        formatter: function (items) {
          if (!items.length) { return ""; }
          var head = clock(items[0].value[0], true) + (kind === "hourly" ? "—" + clock(items[0].value[0] + 3600000) : "");
          var rows = items.map(function (it) {
            var v = it.value[1];
            var text = v === null || v === undefined
              ? (kind === "hourly" && it.value.length > 2 ? "数据不足（" + it.value[2] + "分钟，需" + data.minMinutes + "分钟）" : "无数据")
              : number(v) + " " + unit;
            return it.marker + it.seriesName + "：" + text;
          });
          return [head].concat(rows).join("<br>");
        }
      },
      xAxis: {
        type: "time", min: block.min, max: block.max,
        axisLabel: { formatter: function (v) { return clock(v, false); }, hideOverlap: true, fontSize: 11 }
      },
      yAxis: {
        type: "value", name: unit, min: 0, nameTextStyle: { align: "left" },
        // Keep the threshold lines on the chart even on a clean day.
        max: function (v) { return Math.ceil(Math.max(v.max, top * 1.1, 10) / 10) * 10; },
        axisLabel: { fontSize: 11 }
      },
      series: series
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  boxes.forEach(function (box) {
    var source = document.getElementById("dust-data-" + box.getAttribute("data-device"));
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    var kind = box.getAttribute("data-kind");
    if (data[kind].empty) { return; }  // the page already says 暂无数据
    draw(box, data, kind);
  });
})();
