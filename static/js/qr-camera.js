// The phone's camera read as QR codes: frames drawn on a canvas go through the vendored jsQR
// (static/vendor/jsqr-1.4.0). Used by the coordinator's scanner (attendance-scanner.js) and
// the volunteer's "scan to check in" on the home page (home-scan.js).
//   QrCamera.available()  whether jsQR and a camera API are here
//   QrCamera.start(video, canvas, onCode, paused)  a Promise of a handle with stop();
//   onCode(text) is called for each code read, except while paused() answers true.
(function () {
  "use strict";

  var FRAME_MS = 200;

  function available() {
    return !!(window.jsQR && navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
  }

  function start(video, canvas, onCode, paused) {
    var handle = { stream: null };

    function tick() {
      if (!handle.stream) {
        return;
      }
      if (!(paused && paused()) && video.readyState === video.HAVE_ENOUGH_DATA) {
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        var context = canvas.getContext("2d", { willReadFrequently: true });
        context.drawImage(video, 0, 0, canvas.width, canvas.height);
        var image = context.getImageData(0, 0, canvas.width, canvas.height);
        var found = window.jsQR(image.data, image.width, image.height, {
          inversionAttempts: "dontInvert",
        });
        if (found && found.data) {
          onCode(found.data);
        }
      }
      window.setTimeout(tick, FRAME_MS);
    }

    handle.stop = function () {
      if (handle.stream) {
        handle.stream.getTracks().forEach(function (track) {
          track.stop();
        });
      }
      handle.stream = null;
    };

    return navigator.mediaDevices
      .getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (media) {
        handle.stream = media;
        video.srcObject = media;
        video.play();
        tick();
        return handle;
      });
  }

  // Whether an error from start() means the person (or the browser) refused the camera.
  function denied(error) {
    return !!error && (error.name === "NotAllowedError" || error.name === "SecurityError");
  }

  window.QrCamera = { available: available, start: start, denied: denied };
})();
