// Uploads a chosen audio, video or image file at once, with a progress bar, and leaves the
// stored file's id in a hidden field, so the form itself sends only that id. Without this
// file the form still works: the file goes up with the form (the server checks both ways).
//
// Markup (one block per file input; several on a page are fine):
//
//   <input type="file" id="media-file" name="media" accept="audio/*"
//          data-upload-url="{{ url_for('media.upload') }}"
//          data-column="{{ column.code }}"
//          data-purpose="media"                 (media | cover)
//          data-target="media_id"               (id of the hidden input that gets the id)
//          data-max-bytes="{{ max_bytes }}"     (optional: refused here before sending)
//          data-preview="media-preview"         (optional: element whose content the
//                                                preview replaces; else one is added)
//          data-text-uploading="{{ _('Uploading…') }}"
//          data-text-done="{{ _('Uploaded:') }}"
//          data-text-failed="{{ _('The upload failed. Please try again.') }}"
//          data-text-too-large="{{ _('The file is larger than %(mb)s MB.', mb=...) }}">
//   <input type="hidden" id="media_id" name="media_id" value="">
//
// The input must sit inside the <form> that carries the csrf_token hidden input (or the
// page has <meta name="csrf-token" content="...">); the token goes in the X-CSRFToken
// header. The server answers {id, kind, mime_type, size, name, url} (201) or {error}.
// While a file is uploading the form's submit buttons are disabled. On success the file
// input is cleared (the form sends the id, not the file again), the name is shown and an
// <audio>, <video> or <img> preview plays the stored file from `url`.
(function () {
  "use strict";

  var FALLBACK_TEXTS = {
    uploading: "Uploading…",
    done: "Uploaded:",
    failed: "The upload failed. Please try again.",
    "too-large": "The file is too large.",
  };

  function text(input, name) {
    return input.getAttribute("data-text-" + name) || FALLBACK_TEXTS[name];
  }

  function csrfToken(input) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && meta.getAttribute("content")) {
      return meta.getAttribute("content");
    }
    var field = input.form && input.form.querySelector('input[name="csrf_token"]');
    return field ? field.value : "";
  }

  function element(tag, className) {
    var made = document.createElement(tag);
    if (className) {
      made.className = className;
    }
    return made;
  }

  // The progress bar, the status line and the preview, added after the input once.
  function parts(input) {
    if (input.uploadParts) {
      return input.uploadParts;
    }
    var progress = element("div", "progress mt-2 d-none");
    progress.setAttribute("role", "progressbar");
    progress.setAttribute("aria-valuemin", "0");
    progress.setAttribute("aria-valuemax", "100");
    var bar = element("div", "progress-bar");
    progress.appendChild(bar);
    var status = element("div", "form-text");
    status.setAttribute("aria-live", "polite");
    input.insertAdjacentElement("afterend", progress);
    progress.insertAdjacentElement("afterend", status);
    var previewId = input.getAttribute("data-preview");
    var preview = previewId && document.getElementById(previewId);
    if (!preview) {
      preview = element("div", "mt-2");
      status.insertAdjacentElement("afterend", preview);
    }
    input.uploadParts = { progress: progress, bar: bar, status: status, preview: preview };
    return input.uploadParts;
  }

  function setProgress(input, percent) {
    var p = parts(input);
    p.progress.classList.toggle("d-none", percent === null);
    if (percent !== null) {
      p.bar.style.width = percent + "%";
      p.progress.setAttribute("aria-valuenow", String(percent));
    }
  }

  function say(input, message, isError) {
    var status = parts(input).status;
    status.textContent = message;
    status.classList.toggle("text-danger", Boolean(isError));
    input.classList.toggle("is-invalid", Boolean(isError));
  }

  function setBusy(input, busy) {
    if (!input.form) {
      return;
    }
    input.form.querySelectorAll('button[type="submit"], input[type="submit"]').forEach(
      function (button) {
        button.disabled = busy;
      }
    );
  }

  function showPreview(input, file) {
    var preview = parts(input).preview;
    var player;
    if (file.kind === "audio" || file.kind === "video") {
      player = element(file.kind, file.kind === "video" ? "w-100 rounded" : "w-100");
      player.controls = true;
      player.preload = "metadata";
      player.setAttribute("playsinline", "");
    } else {
      player = element("img", "img-thumbnail d-block mw-100");
      player.style.maxHeight = "12rem";
      player.alt = "";
    }
    player.src = file.url;
    preview.replaceChildren(player);
  }

  function succeeded(input, file) {
    var target = document.getElementById(input.getAttribute("data-target"));
    if (target) {
      target.value = String(file.id);
    }
    input.value = "";
    setProgress(input, null);
    say(input, text(input, "done") + " " + (file.name || ""), false);
    showPreview(input, file);
  }

  function answer(xhr) {
    try {
      return JSON.parse(xhr.responseText) || {};
    } catch (error) {
      return {};
    }
  }

  function send(input, file) {
    var url = input.getAttribute("data-upload-url");
    var column = input.getAttribute("data-column") || "";
    var purpose = input.getAttribute("data-purpose") || "media";
    var query = "column=" + encodeURIComponent(column) + "&purpose=" + encodeURIComponent(purpose);
    var body = new FormData();
    body.append("file", file);
    body.append("column", column);
    body.append("purpose", purpose);
    body.append("csrf_token", csrfToken(input));

    var xhr = new XMLHttpRequest();
    xhr.open("POST", url + (url.indexOf("?") === -1 ? "?" : "&") + query);
    xhr.setRequestHeader("X-CSRFToken", csrfToken(input));
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = function (event) {
      if (event.lengthComputable) {
        setProgress(input, Math.round((event.loaded / event.total) * 100));
      }
    };
    xhr.onload = function () {
      setBusy(input, false);
      var result = answer(xhr);
      if (xhr.status === 201 && result.id) {
        succeeded(input, result);
      } else {
        setProgress(input, null);
        say(input, result.error || text(input, "failed"), true);
      }
    };
    xhr.onerror = function () {
      setBusy(input, false);
      setProgress(input, null);
      say(input, text(input, "failed"), true);
    };
    setBusy(input, true);
    setProgress(input, 0);
    say(input, text(input, "uploading"), false);
    xhr.send(body);
  }

  function chosen(input) {
    var file = input.files && input.files[0];
    if (!file) {
      return;
    }
    var maxBytes = parseInt(input.getAttribute("data-max-bytes"), 10);
    if (maxBytes && file.size > maxBytes) {
      input.value = "";
      say(input, text(input, "too-large"), true);
      return;
    }
    send(input, file);
  }

  // A file chosen while the page was still loading (a slow phone, before this script ran)
  // fired its change event too early: send it now.
  document.querySelectorAll('input[type="file"][data-upload-url]').forEach(function (input) {
    input.addEventListener("change", function () {
      chosen(input);
    });
    chosen(input);
  });
})();
