// The check-in pages' service worker, registered for the scopes /c/ and /checkin/ only
// (static/js/checkin-offline.js). It keeps one page, /checkin/offline, which has nothing
// personal on it, and shows it when a page in those scopes cannot be loaded. It caches no
// other page: everything else goes to the network as without it.
"use strict";

var CACHE = "checkin-offline-v1";
var OFFLINE = "/checkin/offline";

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      return cache.add(new Request(OFFLINE, { cache: "reload", credentials: "omit" }));
    }).then(function () {
      return self.skipWaiting();
    })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name !== CACHE;
      }).map(function (name) {
        return caches.delete(name);
      }));
    }).then(function () {
      return self.clients.claim();
    })
  );
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.mode !== "navigate") {
    return;
  }
  var path = new URL(request.url).pathname;
  if (path.indexOf("/c/") !== 0 && path.indexOf("/checkin/") !== 0) {
    return;
  }
  event.respondWith(
    fetch(request).catch(function () {
      return caches.match(OFFLINE).then(function (page) {
        return page || Response.error();
      });
    })
  );
});
