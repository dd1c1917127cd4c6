// The coordinator's scanner without a network. Opened online, the page asks once per shift
// for a bundle (POST offline-device: the roster, each listed person's day keys, the shift's
// window and a device key) and keeps it in IndexedDB. Offline, a personal code is checked
// here with the person's day key (HMAC-SHA256 as app/checkin/tokens.py) and refused with the
// server's reasons, or queued in IndexedDB signed with the device key; the queue survives a
// reload or a closed browser and is sent in batches when the connection returns
// (POST offline-scans; the server answers per scan). Exposes window.OfflineScanner.
(function () {
  "use strict";

  var root = document.getElementById("offline-scanner");
  if (!root || !window.indexedDB || !window.crypto || !window.crypto.subtle) {
    return;
  }
  var shiftId = Number(root.getAttribute("data-shift"));
  var SAME_PERSON_MS = 120000;
  var BATCH = 100;
  var sending = false;
  var database = null;

  function text(name) {
    return root.getAttribute("data-text-" + name) || "";
  }

  function open() {
    if (database) {
      return database;
    }
    database = new Promise(function (resolve, reject) {
      var request = window.indexedDB.open("gc-scanner", 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore("bundles", { keyPath: "shift" });
        request.result.createObjectStore("queue", { keyPath: "nonce" });
      };
      request.onsuccess = function () {
        resolve(request.result);
      };
      request.onerror = function () {
        reject(request.error);
      };
    });
    return database;
  }

  function store(name, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(name, mode);
        var result = work(transaction.objectStore(name));
        transaction.oncomplete = function () {
          resolve(result && "result" in result ? result.result : undefined);
        };
        transaction.onerror = function () {
          reject(transaction.error);
        };
      });
    });
  }

  function getBundle() {
    return store("bundles", "readonly", function (s) {
      return s.get(shiftId);
    });
  }

  function queued() {
    return store("queue", "readonly", function (s) {
      return s.getAll();
    }).then(function (all) {
      return all
        .filter(function (scan) {
          return scan.shift === shiftId;
        })
        .sort(function (a, b) {
          return a.at - b.at;
        });
    });
  }

  function showPending() {
    return queued().then(function (all) {
      var pending = document.getElementById("offline-pending");
      pending.setAttribute("data-count", String(all.length));
      pending.textContent = all.length ? text("pending").replace("{n}", String(all.length)) : "";
      pending.classList.toggle("d-none", !all.length);
    });
  }

  function setState(name) {
    var state = document.getElementById("offline-state");
    state.setAttribute("data-state", name);
    state.textContent = text("state-" + name);
  }

  // HMAC --------------------------------------------------------------------------------------

  function hmac(key, message) {
    var encoder = new TextEncoder();
    return window.crypto.subtle
      .importKey("raw", encoder.encode(key), { name: "HMAC", hash: "SHA-256" }, false, ["sign"])
      .then(function (imported) {
        return window.crypto.subtle.sign("HMAC", imported, encoder.encode(message));
      })
      .then(function (signature) {
        return new Uint8Array(signature);
      });
  }

  function hex(bytes) {
    return Array.prototype.map
      .call(bytes, function (b) {
        return ("0" + b.toString(16)).slice(-2);
      })
      .join("");
  }

  function base32(bytes) {
    var alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    var bits = 0;
    var value = 0;
    var out = "";
    for (var i = 0; i < bytes.length; i++) {
      value = (value << 8) | bytes[i];
      bits += 8;
      while (bits >= 5) {
        out += alphabet[(value >>> (bits - 5)) & 31];
        bits -= 5;
      }
    }
    if (bits > 0) {
      out += alphabet[(value << (5 - bits)) & 31];
    }
    return out;
  }

  function nonce() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return hex(bytes);
  }

  // Checking a code on the device -------------------------------------------------------------

  function refused(reason, person) {
    return {
      outcome: "refused",
      style: "danger",
      reason: reason,
      reason_label: text("reason-" + reason),
      message: text("refused"),
      name: person ? person.name : "",
      number: person ? person.number : "",
    };
  }

  function lastScan(personId) {
    return queued().then(function (all) {
      var mine = all.filter(function (scan) {
        return scan.user === personId;
      });
      return mine.length ? mine[mine.length - 1] : null;
    });
  }

  function accept(bundle, person, now) {
    return lastScan(person.id).then(function (last) {
      if (last && now - last.at < SAME_PERSON_MS) {
        return refused("already_in_here", person);
      }
      var goingOut = last ? last.kind === "in" : person.status === "in";
      var scan = { nonce: nonce(), shift: shiftId, user: person.id, action: "auto", at: now };
      scan.kind = goingOut ? "out" : "in";
      var message = [scan.nonce, scan.user, scan.action, scan.at].join("|");
      return hmac(bundle.key, message)
        .then(function (signature) {
          scan.sig = hex(signature);
          return store("queue", "readwrite", function (s) {
            return s.put(scan);
          });
        })
        .then(showPending)
        .then(function () {
          return {
            outcome: goingOut ? "checked_out" : "checked_in",
            style: "info",
            name: person.name,
            number: person.number,
            message: text(goingOut ? "queued-out" : "queued-in"),
          };
        });
    });
  }

  function check(code) {
    var now = Date.now();
    return getBundle().then(function (bundle) {
      if (!bundle) {
        return refused("no_bundle", null);
      }
      var last = code.replace(/[?#].*$/, "").replace(/\/+$/, "").split("/").pop();
      var parts = last.trim().split(".");
      if (parts.length !== 3 || !/^\d{1,10}$/.test(parts[0]) || !/^\d{1,20}$/.test(parts[1])) {
        return refused("malformed", null);
      }
      var person = bundle.roster.find(function (row) {
        return row.id === Number(parts[0]);
      });
      if (!person) {
        return refused("not_on_list", null);
      }
      var window_ = Number(parts[1]);
      var current = Math.floor(now / 1000 / bundle.period);
      var key = person.keys[String(Math.floor((window_ * bundle.period) / 86400))];
      if (!key || (window_ !== current && window_ !== current - 1)) {
        return refused("expired", person);
      }
      var message = "checkin:personal:" + person.id + ":" + window_;
      return hmac(key, message).then(function (digest) {
        if (base32(digest.slice(0, 10)) !== parts[2].toUpperCase()) {
          return refused("forged", person);
        }
        if (now < bundle.opens || now > bundle.closes || now > bundle.expires) {
          return refused("outside_window", person);
        }
        if (person.signup !== "confirmed" && person.status !== "in" && !bundle.walk_ins) {
          return refused("not_signed_up", person);
        }
        return accept(bundle, person, now);
      });
    });
  }

  // Talking to the server ---------------------------------------------------------------------

  function post(url, body) {
    return window.postJson(url, body, root.getAttribute("data-csrf")).then(function (response) {
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      return response.json();
    });
  }

  // Each online load refreshes the roster; the device key stays while it is valid.
  function fetchBundle() {
    return getBundle().then(function (stored) {
      var held = stored && stored.expires > Date.now() ? { device: stored.device } : {};
      return post(root.getAttribute("data-device-url"), held).then(function (bundle) {
        return store("bundles", "readwrite", function (s) {
          return s.put(bundle);
        }).then(function () {
          return bundle;
        });
      });
    });
  }

  function showUploaded(reply, answers) {
    var list = document.getElementById("offline-results");
    answers.forEach(function (answer) {
      if (answer.outcome === "applied" || answer.outcome === "already_applied") {
        return;
      }
      var item = document.createElement("li");
      item.setAttribute("data-testid", "offline-result");
      item.setAttribute("data-outcome", answer.outcome);
      var label = answer.reason ? text("reason-" + answer.reason) || answer.reason : "";
      item.textContent = text("outcome-" + answer.outcome) + " " + label;
      list.appendChild(item);
    });
    var clock = document.getElementById("offline-clock");
    clock.textContent = reply.clock_message || "";
    clock.classList.toggle("d-none", !reply.clock_off);
  }

  function forget(answers) {
    var done = answers
      .filter(function (answer) {
        return answer.reason !== "too_many";
      })
      .map(function (answer) {
        return answer.nonce;
      });
    return store("queue", "readwrite", function (s) {
      done.forEach(function (key) {
        if (key) {
          s.delete(key);
        }
      });
    });
  }

  function upload() {
    if (sending || !navigator.onLine) {
      return Promise.resolve();
    }
    sending = true;
    setState("sending");
    return Promise.all([getBundle(), queued()])
      .then(function (loaded) {
        var bundle = loaded[0];
        var batch = loaded[1].slice(0, BATCH);
        if (!bundle || !batch.length) {
          return null;
        }
        var scans = batch.map(function (scan) {
          return { nonce: scan.nonce, user: scan.user, action: scan.action, at: scan.at, sig: scan.sig };
        });
        var body = { device: bundle.device, clock: Date.now(), scans: scans };
        return post(root.getAttribute("data-upload-url"), body).then(function (reply) {
          showUploaded(reply, reply.answers || []);
          return forget(reply.answers || []).then(function () {
            return batch.length === BATCH ? "more" : null;
          });
        });
      })
      .then(
        function (more) {
          sending = false;
          setState("online");
          return showPending().then(function () {
            return more ? upload() : null;
          });
        },
        function () {
          sending = false;
          setState("offline");
        }
      );
  }

  window.OfflineScanner = {
    offline: function () {
      return !navigator.onLine;
    },
    scan: check,
  };

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(root.getAttribute("data-worker-url"), { scope: "/attendance/" });
  }
  // After the page has loaded, so every script of it is in the document.
  function cacheShell() {
    if (!window.caches || !navigator.onLine) {
      return;
    }
    var assets = [window.location.pathname];
    var nodes = "script[src], link[rel=stylesheet], link[rel~=icon], img[src]";
    document.querySelectorAll(nodes).forEach(function (node) {
      assets.push(node.getAttribute("src") || node.getAttribute("href"));
    });
    window.caches
      .open("gc-scanner-v1")
      .then(function (cache) {
        return cache.addAll(assets);
      })
      .then(function () {
        root.setAttribute("data-cached", "1");
      });
  }

  window.addEventListener("load", cacheShell);
  window.addEventListener("online", function () {
    setState("online");
    upload();
  });
  window.addEventListener("offline", function () {
    setState("offline");
  });
  setState(navigator.onLine ? "online" : "offline");
  showPending();
  if (navigator.onLine) {
    fetchBundle()
      .then(function () {
        root.setAttribute("data-ready", "1");
        return upload();
      })
      .catch(function () {
        setState("offline");
      });
  } else {
    getBundle().then(function (bundle) {
      if (bundle) {
        root.setAttribute("data-ready", "1");
      }
    });
  }
})();
