// The coordinator's scanner offline: network first for the scanner page and static assets,
// the cached copy when there is no network. The page itself puts its own address and its
// scripts and styles in the cache (static/js/offline-scanner.js), since the first load
// happens before this worker controls it. Served as /attendance/scanner-sw.js.
"use strict";

var CACHE = "gc-scanner-v1";
var PAGE = /^\/attendance\/shifts\/\d+\/scanner$/;

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") {
    return;
  }
  var url = new URL(request.url);
  var page = PAGE.test(url.pathname);
  if (url.origin !== self.location.origin || !(page || url.pathname.indexOf("/static/") === 0)) {
    return;
  }
  event.respondWith(
    fetch(request)
      .then(function (response) {
        if (response.ok && response.type === "basic") {
          var copy = response.clone();
          caches.open(CACHE).then(function (cache) {
            cache.put(page ? url.origin + url.pathname : request, copy);
          });
        }
        return response;
      })
      .catch(function () {
        return caches
          .match(page ? url.origin + url.pathname : request, { ignoreSearch: page })
          .then(function (cached) {
            return cached || Response.error();
          });
      })
  );
});
