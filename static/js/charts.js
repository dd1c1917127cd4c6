// Draws every <canvas data-chart="ID"> from the JSON in <script id="ID">, with Chart.js.
// The page already shows the same numbers as a table; this only adds the picture.
(function () {
  "use strict";
  if (typeof Chart === "undefined") return;
  var PALETTE = ["#0d6efd", "#198754", "#fd7e14", "#dc3545", "#6c757d", "#6f42c1", "#20c997", "#ffc107"];

  function datasets(data) {
    return data.series.map(function (series, index) {
      var colour = PALETTE[index % PALETTE.length];
      var set = { label: series.label, data: series.values, borderColor: colour, backgroundColor: colour };
      if (data.kind === "line") {
        set.backgroundColor = colour + "33";
        set.tension = 0.25;
        set.pointRadius = 2;
        set.fill = data.series.length === 1;
      }
      if (data.kind === "doughnut") {
        set.backgroundColor = data.labels.map(function (_, i) { return PALETTE[i % PALETTE.length]; });
        set.borderColor = "#fff";
      }
      return set;
    });
  }

  function config(data) {
    var kind = data.kind === "stacked" ? "bar" : data.kind;
    var options = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { display: data.series.length > 1 || kind === "doughnut", position: "bottom" } }
    };
    if (kind !== "doughnut") {
      var stacked = data.kind === "stacked";
      options.scales = { x: { stacked: stacked }, y: { stacked: stacked, beginAtZero: true } };
    }
    return { type: kind, data: { labels: data.labels, datasets: datasets(data) }, options: options };
  }

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source) return;
    var chart = new Chart(canvas, config(JSON.parse(source.textContent)));
    canvas.setAttribute("data-drawn", String(chart.data.datasets.length));
  });
})();
