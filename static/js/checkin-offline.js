// Register the check-in pages' service worker (static/sw.js, served at /sw.js) for the two
// scopes it may serve, so a phone that loses its connection later gets a clear page instead
// of the browser's error when it opens a kiosk code or a check-in page.
(function () {
  "use strict";

  if (!("serviceWorker" in navigator)) {
    return;
  }
  ["/c/", "/checkin/"].forEach(function (scope) {
    navigator.serviceWorker.register("/sw.js", { scope: scope }).catch(function () {});
  });
})();
