// The coordinator's scanner: camera frames read by qr-camera.js (jsQR, vendored); a code read is
// POSTed as JSON with the CSRF header and a nonce (a retry after a network error sends the
// same nonce, so the server answers once). The answer is shown large. The same person's
// code is ignored for a minute, so holding the camera on a phone does not check them in
// and straight out again. Without a camera the typed-code form below still works. Inside
// WeChat, once its JS-SDK is ready (static/js/wechat.js), "Scan with WeChat" opens WeChat's
// own scanner and its result is handled as a camera's.
(function () {
  "use strict";

  var root = document.getElementById("scanner");
  if (!root) {
    return;
  }
  var startButton = document.getElementById("scanner-start");
  var stopButton = document.getElementById("scanner-stop");
  var view = document.getElementById("scanner-view");
  var video = document.getElementById("scanner-video");
  var canvas = document.getElementById("scanner-canvas");
  var status = document.getElementById("scanner-status");
  var answer = document.getElementById("scan-answer");
  var SAME_PERSON_MS = 60000;
  var RETRIES = 2;
  var camera = null;
  var busy = false;
  var seen = {};

  function text(name) {
    return root.getAttribute("data-text-" + name) || "";
  }

  function say(message) {
    status.textContent = message;
    status.classList.toggle("d-none", !message);
  }

  function setText(id, value) {
    document.getElementById(id).textContent = value || "";
  }

  function showAnswer(result) {
    answer.className = "alert alert-" + (result.style || "secondary") + " text-center";
    setText("scan-answer-name", result.name);
    setText("scan-answer-number", result.number);
    setText("scan-answer-message", result.message + (result.replayed ? " " + text("replayed") : ""));
    // The message already says the time.
    var detail = [];
    if (result.late) {
      detail.push(text("late"));
    }
    if (result.minutes !== null && result.minutes !== undefined) {
      detail.push(text("minutes").replace("{n}", String(result.minutes)));
    }
    if (result.outcome === "refused" && result.reason_label) {
      detail.push(result.reason_label);
    }
    setText("scan-answer-detail", detail.join(" · "));
    if (navigator.vibrate) {
      navigator.vibrate(result.outcome === "refused" ? [80, 60, 80] : 120);
    }
  }

  function showError(message) {
    showAnswer({ style: "danger", name: "", number: "", message: message, outcome: "" });
  }

  function newNonce() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map
      .call(bytes, function (b) {
        return ("0" + b.toString(16)).slice(-2);
      })
      .join("");
  }

  function send(code, nonce, triesLeft) {
    return window.postJson(
      root.getAttribute("data-scan-url"),
      { code: code, nonce: nonce },
      root.getAttribute("data-csrf")
    ).then(
      function (response) {
        return response
          .json()
          .catch(function () {
            return {};
          })
          .then(function (body) {
            if (response.ok && body.outcome) {
              showAnswer(body);
            } else {
              showError(body.error || text("failed"));
            }
          });
      },
      function () {
        if (window.OfflineScanner) {
          return scanHere(code);
        }
        return retry(code, nonce, triesLeft);
      }
    );
  }

  function retry(code, nonce, triesLeft) {
    if (triesLeft <= 0) {
      showError(text("failed"));
      return null;
    }
    say(text("offline"));
    return new Promise(function (resolve) {
      window.setTimeout(resolve, 1000);
    }).then(function () {
      return send(code, nonce, triesLeft - 1);
    });
  }

  // Without a network the code is checked on this device and queued (offline-scanner.js).
  function scanHere(code) {
    return window.OfflineScanner.scan(code).then(showAnswer, function () {
      showError(text("failed"));
    });
  }

  function subjectOf(code) {
    var last = code.replace(/[?#].*$/, "").replace(/\/+$/, "").split("/").pop();
    return last.split(".")[0];
  }

  function handle(code) {
    var subject = subjectOf(code);
    var now = Date.now();
    if (seen[subject] && now - seen[subject] < SAME_PERSON_MS) {
      return;
    }
    seen[subject] = now;
    busy = true;
    say(text("sending"));
    var offline = window.OfflineScanner && window.OfflineScanner.offline();
    (offline ? scanHere(code) : send(code, newNonce(), RETRIES)).then(function () {
      say("");
      window.setTimeout(function () {
        busy = false;
      }, 1500);
    });
  }

  function stop() {
    if (camera) {
      camera.stop();
    }
    camera = null;
    view.classList.add("d-none");
    startButton.classList.remove("d-none");
  }

  function start() {
    window.QrCamera.start(video, canvas, handle, function () {
      return busy;
    })
      .then(function (started) {
        camera = started;
        view.classList.remove("d-none");
        startButton.classList.add("d-none");
        say("");
      })
      .catch(function (error) {
        say(text(window.QrCamera.denied(error) ? "denied" : "no-camera"));
      });
  }

  function useWeChat() {
    var button = document.getElementById("scanner-wechat");
    if (!button) {
      return;
    }
    document.addEventListener("wechat:ready", function () {
      button.classList.remove("d-none");
      say("");
    });
    button.addEventListener("click", function () {
      window.wx.scanQRCode({
        needResult: 1,
        scanType: ["qrCode"],
        success: function (result) {
          if (result && result.resultStr) {
            handle(result.resultStr);
          }
        },
      });
    });
  }

  function typedOffline() {
    var form = document.querySelector('[data-testid="code-form"]');
    if (!form) {
      return;
    }
    form.addEventListener("submit", function (event) {
      if (!window.OfflineScanner || !window.OfflineScanner.offline()) {
        return;
      }
      event.preventDefault();
      var input = form.querySelector('input[name="code"]');
      var code = input.value;
      input.value = "";
      scanHere(code);
    });
  }

  useWeChat();
  typedOffline();
  if (!window.QrCamera.available()) {
    say(text("no-camera"));
    return;
  }
  startButton.classList.remove("d-none");
  startButton.addEventListener("click", start);
  stopButton.addEventListener("click", stop);
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) {
      stop();
    }
  });
})();
