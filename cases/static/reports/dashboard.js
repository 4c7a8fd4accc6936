// Draws each report's chart from the JSON the page embeds (no inline script, no network access).
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  if (typeof Chart === "undefined") { return; }
  var palette = ["#006341", "#9d2449", "#b38e5d", "#4a6fa5", "#6f4e37", "#d4c19c", "#285c4d", "#7a1c3a"];
  document.querySelectorAll(".report-chart canvas").forEach(function (canvas) {
    var data = document.getElementById(canvas.id + "-data");
    if (!data) { return; }
    var spec = JSON.parse(data.textContent);
    var type = spec.type === "doughnut" ? "doughnut" : spec.type;
    var datasets = spec.datasets.map(function (set, index) {
      var color = palette[index % palette.length];
      return {
        label: set.label,
        data: set.data,
        backgroundColor: type === "doughnut" ? palette : color,
        borderColor: color,
        fill: false,
        tension: 0.2
      };
    });
    // Counts get whole-number ticks (no "0.5 cases"); durations and rates keep their decimals.
    var integers = datasets.every(function (set) {
      return set.data.every(function (v) { return v === null || Number.isInteger(v); });
    });
    new Chart(canvas, {
      type: type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        indexAxis: spec.horizontal ? "y" : "x",
        scales: type === "doughnut" ? {} : {
          x: { stacked: !!spec.stacked, ticks: { precision: spec.horizontal && integers ? 0 : undefined } },
          y: { stacked: !!spec.stacked, beginAtZero: true, ticks: { precision: !spec.horizontal && integers ? 0 : undefined } }
        },
        plugins: { legend: { position: "bottom" } }
      }
    });
  });
});
