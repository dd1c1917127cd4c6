// Attendance sheet: every ~10 s fetch the shift's counts and update them in place; when
// someone has scanned since the page was drawn, offer a reload (never reload by itself, so
// a coordinator in the middle of something loses nothing). The page works without this.
(function () {
  "use strict";

  var live = document.getElementById("attendance-live");
  if (!live || !window.fetch) {
    return;
  }
  var url = live.getAttribute("data-summary-url");
  var version = live.getAttribute("data-version");
  var stale = document.getElementById("attendance-stale");
  var INTERVAL_MS = 10000;

  function show(summary) {
    Object.keys(summary.counts || {}).forEach(function (key) {
      document.querySelectorAll('[data-count="' + key + '"]').forEach(function (cell) {
        cell.textContent = String(summary.counts[key]);
      });
    });
    if (stale && String(summary.version) !== version) {
      stale.classList.remove("d-none");
    }
  }

  function poll() {
    if (document.hidden) {
      return;
    }
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (summary) {
        if (summary) {
          show(summary);
        }
      })
      .catch(function () {});
  }

  window.setInterval(poll, INTERVAL_MS);
  document.addEventListener("visibilitychange", poll);
})();
