// The kiosk without a connection: when checkin-live.js cannot reach the server, go on
// showing valid codes made here from the shift's kiosk key (the page's data-kiosk-key), the
// same way the server makes them (app/checkin/tokens.py): the QR code's signature is
// HMAC-SHA256(key, "kiosk:<window>") cut to 10 bytes in base32, the typed code the first
// 4 bytes of HMAC-SHA256(key, "typed:<window>") modulo 1,000,000. Needs WebCrypto (HTTPS or
// localhost); without it the kiosk only shows the server's codes.
(function () {
  "use strict";

  var live = document.querySelector("[data-kiosk-key]");
  var subtle = window.crypto && window.crypto.subtle;
  if (!live || !subtle || typeof window.qrcode !== "function" || !window.TextEncoder) {
    return;
  }
  var shiftId = live.getAttribute("data-kiosk-shift");
  var scanBase = live.getAttribute("data-kiosk-scan-base");
  var period = parseInt(live.getAttribute("data-kiosk-period"), 10) || 30;
  var until = parseInt(live.getAttribute("data-kiosk-until"), 10) || 0;
  var image = live.querySelector("[data-live-qr]");
  var typedCode = live.querySelector("[data-live-typed]");
  var countdown = live.querySelector("[data-seconds-left]");
  var connection = live.querySelector("[data-connection]");
  var ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  var offlineSince = null;
  var shownWindow = null;

  function bytesOf(hex) {
    var out = new Uint8Array(hex.length / 2);
    for (var i = 0; i < out.length; i += 1) {
      out[i] = parseInt(hex.substr(i * 2, 2), 16);
    }
    return out;
  }

  var key = subtle.importKey(
    "raw", bytesOf(live.getAttribute("data-kiosk-key")), { name: "HMAC", hash: "SHA-256" },
    false, ["sign"]
  );

  function hmac(message) {
    return key.then(function (k) {
      return subtle.sign("HMAC", k, new TextEncoder().encode(message));
    }).then(function (buffer) {
      return new Uint8Array(buffer);
    });
  }

  function base32(data) {
    var bits = 0;
    var value = 0;
    var out = "";
    for (var i = 0; i < data.length; i += 1) {
      value = ((value << 8) | data[i]) & 0xffff;
      bits += 8;
      while (bits >= 5) {
        out += ALPHABET[(value >>> (bits - 5)) & 31];
        bits -= 5;
      }
    }
    if (bits > 0) {
      out += ALPHABET[(value << (5 - bits)) & 31];
    }
    return out;
  }

  function sixDigits(data) {
    var number = data[0] * 16777216 + data[1] * 65536 + data[2] * 256 + data[3];
    return String(number % 1000000).padStart(6, "0");
  }

  function draw(window_) {
    Promise.all([hmac("kiosk:" + window_), hmac("typed:" + window_)]).then(function (macs) {
      if (offlineSince === null || shownWindow !== window_) {
        return; // back online, or already a newer window
      }
      var code = shiftId + "." + window_ + "." + base32(macs[0].slice(0, 10));
      var url = scanBase + code;
      var qr = window.qrcode(0, "M");
      qr.addData(url);
      qr.make();
      if (image) {
        image.setAttribute("src", qr.createDataURL(8, 4));
        image.setAttribute("data-code", code);
        image.setAttribute("data-url", url);
      }
      if (typedCode) {
        typedCode.textContent = sixDigits(macs[1]);
      }
    });
  }

  // The time in the app's zone (the page's data-kiosk-zone), as the server writes times.
  function clock(date) {
    try {
      return new Intl.DateTimeFormat("en-GB", {
        hour: "2-digit", minute: "2-digit", hour12: false,
        timeZone: live.getAttribute("data-kiosk-zone") || undefined,
      }).format(date);
    } catch (error) {
      return String(date.getHours()).padStart(2, "0") + ":" + String(date.getMinutes()).padStart(2, "0");
    }
  }

  function say(state, text) {
    if (connection) {
      connection.setAttribute("data-connection", state);
      connection.textContent = text;
      connection.classList.toggle("text-danger", state !== "online");
    }
  }

  function tick() {
    if (offlineSince === null) {
      return;
    }
    var now = Date.now();
    var since = clock(offlineSince);
    if (now >= until) {
      say("over", connection.getAttribute("data-text-over").replace("{since}", since));
      return;
    }
    say("offline", connection.getAttribute("data-text-offline").replace("{since}", since));
    var window_ = Math.floor(now / 1000 / period);
    if (window_ !== shownWindow) {
      shownWindow = window_;
      draw(window_);
    }
    if (countdown) {
      countdown.textContent = String(period - (Math.floor(now / 1000) % period));
    }
  }

  function wentOffline() {
    if (offlineSince === null) {
      offlineSince = new Date();
      shownWindow = null;
      tick();
    }
  }

  live.addEventListener("checkin-live", function (event) {
    if (event.detail.online) {
      offlineSince = null;
      say("online", connection ? connection.getAttribute("data-text-online") : "");
    } else {
      wentOffline();
    }
  });
  window.addEventListener("offline", wentOffline);
  window.setInterval(tick, 1000);
})();
