// Where you are: after a check-in on a task with a place, ask the browser for its position
// (briefly) and send it. The check-in is already done; without a position it stays flagged.
(function () {
  "use strict";
  var status = document.querySelector("[data-place-url]");
  if (!status) return;
  function say(key) {
    status.textContent = status.getAttribute(key);
    status.setAttribute("data-state", key === "data-sent" ? "sent" : "none");
  }
  if (!navigator.geolocation) { say("data-none"); return; }
  navigator.geolocation.getCurrentPosition(function (position) {
    window.postJson(
      status.getAttribute("data-place-url"),
      {latitude: position.coords.latitude, longitude: position.coords.longitude},
      status.getAttribute("data-csrf")
    ).then(function (response) {
      say(response.ok ? "data-sent" : "data-none");
    }).catch(function () { say("data-none"); });
  }, function () { say("data-none"); }, {enableHighAccuracy: true, timeout: 8000, maximumAge: 60000});
})();
