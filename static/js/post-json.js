// One way for a page's script to send JSON to the server: same origin, the page's CSRF token in
// the X-CSRFToken header, a promise of the fetch Response (each caller reads the answer its way).
(function () {
  "use strict";
  window.postJson = function (url, body, csrfToken) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": csrfToken,
      },
      body: JSON.stringify(body),
    });
  };
})();
