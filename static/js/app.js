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
})();
