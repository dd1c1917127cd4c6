// "Scan to check in" on the volunteer's home page: inside WeChat (once static/js/wechat.js
// says its SDK is ready) WeChat's own scanner, elsewhere the camera read in the page
// (qr-camera.js). A kiosk code read is this site's /c/<code> address: the page goes there,
// which checks the person in (or, when in, offers check-out). Anything else is refused with
// a message; without a camera the message says to use the phone's camera app.
(function () {
  "use strict";

  var root = document.getElementById("home-scan");
  if (!root) {
    return;
  }
  var button = document.getElementById("home-scan-start");
  var view = document.getElementById("home-scan-view");
  var video = document.getElementById("home-scan-video");
  var canvas = document.getElementById("home-scan-canvas");
  var status = document.getElementById("home-scan-status");
  var wechatReady = false;
  var camera = null;
  var leaving = false;

  function say(name) {
    status.textContent = root.getAttribute("data-text-" + name) || "";
    status.classList.toggle("d-none", !name);
  }

  function kioskAddress(text) {
    try {
      var address = new URL(text, window.location.href);
      if (address.origin === window.location.origin && /^\/c\/[^/]+$/.test(address.pathname)) {
        return address.href;
      }
    } catch (error) {
      // not an address at all
    }
    return null;
  }

  function go(text) {
    var address = kioskAddress(text);
    if (!address) {
      say("not-kiosk");
      return;
    }
    leaving = true;
    if (camera) {
      camera.stop();
    }
    window.location.assign(address);
  }

  function withWeChat() {
    window.wx.scanQRCode({
      needResult: 1,
      scanType: ["qrCode"],
      success: function (result) {
        if (result && result.resultStr) {
          go(result.resultStr);
        }
      },
    });
  }

  function withCamera() {
    if (camera) {
      return;
    }
    if (!window.QrCamera || !window.QrCamera.available()) {
      say("no-camera");
      return;
    }
    view.classList.remove("d-none");
    say("looking");
    window.QrCamera.start(video, canvas, go, function () {
      return leaving;
    })
      .then(function (started) {
        camera = started;
      })
      .catch(function (error) {
        view.classList.add("d-none");
        say(window.QrCamera.denied(error) ? "denied" : "no-camera");
      });
  }

  document.addEventListener("wechat:ready", function () {
    wechatReady = true;
  });
  button.addEventListener("click", function () {
    if (wechatReady) {
      withWeChat();
    } else {
      withCamera();
    }
  });
  document.addEventListener("visibilitychange", function () {
    if (document.hidden && camera) {
      camera.stop();
      camera = null;
      view.classList.add("d-none");
    }
  });
})();
