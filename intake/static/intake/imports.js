// The import's progress page: polls the counts every two seconds and shows the result when it ends.
(function () {
  "use strict";
  function start() {
    var box = document.getElementById("import-progress");
    if (!box) { return; }
    var bar = document.getElementById("import-bar");
    var counts = box;
    function poll() {
      fetch(box.dataset.progressUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data) { return setTimeout(poll, 5000); }
          if (data.finished) { window.location.assign(box.dataset.doneUrl); return; }
          bar.max = data.total; bar.value = data.done;
          bar.textContent = data.done + " / " + data.total;
          if (counts) {
            ["done", "errors", "seconds_left"].forEach(function (key) {
              var cell = counts.querySelector('[data-count="' + key + '"]');
              if (cell && data[key] !== null) { cell.textContent = data[key]; }
            });
          }
          setTimeout(poll, 2000);
        })
        .catch(function () { setTimeout(poll, 5000); });
    }
    setTimeout(poll, 1000);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
