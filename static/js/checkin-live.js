// Check-in kiosk and personal code: keep the rotating QR code and the counts current.
// The element with data-live-url names a JSON endpoint answering {code, qr, seconds_left,
// counts?, url?, typed_code?}; the QR image is swapped when the code changes. Without this file the
// pages refresh themselves (a meta refresh inside <noscript>).
(function () {
  "use strict";

  var live = document.querySelector("[data-live-url]");
  if (!live) {
    return;
  }
  var endpoint = live.getAttribute("data-live-url");
  var image = live.querySelector("[data-live-qr]");
  var countdown = live.querySelector("[data-seconds-left]");
  var typedCode = live.querySelector("[data-live-typed]");
  var POLL_SECONDS = 5;
  var RETRY_SECONDS = 3;
  var secondsLeft = countdown ? parseInt(countdown.textContent, 10) || 0 : 0;
  var timer = null;

  function show(state) {
    if (image && state.code && image.getAttribute("data-code") !== state.code) {
      image.setAttribute("src", state.qr);
      image.setAttribute("data-code", state.code);
      if (state.url) {
        image.setAttribute("data-url", state.url);
      }
    }
    if (typedCode && state.typed_code) {
      typedCode.textContent = state.typed_code;
    }
    var counts = state.counts || {};
    Object.keys(counts).forEach(function (name) {
      var target = live.querySelector('[data-count="' + name + '"]');
      if (target) {
        target.textContent = String(counts[name]);
      }
    });
    secondsLeft = state.seconds_left;
    if (countdown) {
      countdown.textContent = String(secondsLeft);
    }
  }

  // Whether the server answered, for the kiosk's offline codes (kiosk-offline.js).
  function tell(online) {
    live.dispatchEvent(new CustomEvent("checkin-live", { detail: { online: online } }));
  }

  function schedule(seconds) {
    window.clearTimeout(timer);
    timer = window.setTimeout(poll, Math.max(1, seconds) * 1000);
  }

  function poll() {
    fetch(endpoint, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (state) {
        tell(true);
        show(state);
        // Ask again when the code changes (a second after), or sooner for the counts.
        schedule(Math.min(POLL_SECONDS, state.seconds_left + 1));
      })
      .catch(function () {
        tell(false);
        schedule(RETRY_SECONDS);
      });
  }

  window.setInterval(function () {
    if (countdown && secondsLeft > 0) {
      secondsLeft -= 1;
      countdown.textContent = String(secondsLeft);
    }
  }, 1000);
  schedule(Math.min(POLL_SECONDS, secondsLeft + 1));

  // A kiosk on a tablet: full screen without the menu and footer.
  var fullscreen = document.querySelector("[data-fullscreen]");
  if (fullscreen && document.documentElement.requestFullscreen) {
    fullscreen.classList.remove("d-none");
    fullscreen.addEventListener("click", function () {
      document.documentElement.requestFullscreen().catch(function () {});
    });
    document.addEventListener("fullscreenchange", function () {
      var full = Boolean(document.fullscreenElement);
      document.querySelectorAll("body > nav, body > footer, [data-kiosk-tools]").forEach(function (part) {
        part.classList.toggle("d-none", full);
      });
    });
  }
})();
