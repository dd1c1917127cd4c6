// Gongchuang: small progressive enhancements. Every page works without them.
(function () {
  "use strict";

  // Forms with data-confirm ask before they post.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) {
        event.preventDefault();
      }
    });
  });

  // A page showing work in progress (an import) reloads itself until the work is done.
  var progress = document.querySelector("[data-reload-after]");
  if (progress) {
    var seconds = Number(progress.getAttribute("data-reload-after")) || 3;
    window.setTimeout(function () { window.location.reload(); }, seconds * 1000);
  }
})();
