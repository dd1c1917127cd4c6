// The shift list's countdown to a sign-up opening: each form with data-opens-at (ms since
// the epoch) counts down on the server's clock (data-server-now, read when the page was made,
// so a phone's wrong clock does not matter) and enables its button at the moment. The server
// still decides: a tap a moment early is refused with the countdown.
(function () {
  "use strict";

  var forms = document.querySelectorAll("form[data-opens-at]");
  var clock = document.querySelector("[data-server-now]");
  if (!forms.length || !clock) {
    return;
  }
  var offset = Number(clock.getAttribute("data-server-now")) - Date.now();

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function left(ms) {
    var s = Math.max(0, Math.ceil(ms / 1000));
    var days = Math.floor(s / 86400);
    s -= days * 86400;
    var text = Math.floor(s / 3600) + ":" + pad(Math.floor((s % 3600) / 60)) + ":" + pad(s % 60);
    return days ? days + "d " + text : text;
  }

  function tick() {
    var now = Date.now() + offset;
    var waiting = 0;
    forms.forEach(function (form) {
      var button = form.querySelector("button[type=submit]");
      var shown = form.querySelector("[data-countdown]");
      var remaining = Number(form.getAttribute("data-opens-at")) - now;
      if (remaining <= 0) {
        button.disabled = false;
        form.setAttribute("data-open", "1");
        if (shown) { shown.parentNode.hidden = true; }
      } else {
        waiting += 1;
        if (shown) { shown.textContent = left(remaining); }
      }
    });
    if (waiting) {
      window.setTimeout(tick, 250);
    }
  }

  tick();
})();
