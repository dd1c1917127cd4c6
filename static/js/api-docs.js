// Gongchuang: starts the vendored Swagger UI on /api/v1/docs with the document URL the
// page names. No inline script, so the site's strict Content-Security-Policy holds.
(function () {
  "use strict";

  var root = document.getElementById("swagger-ui");
  if (!root || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  window.SwaggerUIBundle({
    url: root.getAttribute("data-openapi-url"),
    domNode: root,
    deepLinking: false,
    // No call to the public validator service: this page loads nothing from elsewhere.
    validatorUrl: null,
    docExpansion: "list",
    defaultModelsExpandDepth: 0,
    persistAuthorization: false,
  });
})();
