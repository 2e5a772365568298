// The patient web app's service worker (scope /app/).
// - Precaches the offline shell: the offline page, the stylesheet, the script and the icons.
//   The shell cache's name carries a hash of those files (the server writes it after "shell-"),
//   so a new stylesheet or script installs a new worker and a new cache.
// - Network first for /app/ and /app/timeline, keeping the last good copy in the "pages" cache
//   so today and the timeline stay readable offline; any other page offline gets the shell.
//   An answer that is not the signed-in page (a redirect to sign-in, an error) deletes the kept
//   copy; the sign-in pages delete them all (app.js).
// - A message {type: "sign-out"} (sent by the signed-out page) deletes every cache.
// - Web Push: the payload {"title","body","url","tag"} becomes a notification; a click focuses
//   a window already showing its url, or navigates a window of the app this worker controls,
//   or opens a new one (inside /app/ only).
"use strict";
var SHELL = "shell-ASSETS_HASH";
var PAGES = "pages-v1";
var SHELL_URLS = ["/app/offline", "/app/app.css", "/app/app.js", "/app/icon.svg",
  "/app/icon-192.png", "/app/icon-512.png", "/app/manifest.webmanifest"];
var KEPT = ["/app/", "/app/timeline"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL).then(function (c) { return c.addAll(SHELL_URLS); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== SHELL && k !== PAGES; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

function clearAll() {
  return caches.keys().then(function (keys) {
    return Promise.all(keys.map(function (k) { return caches.delete(k); }));
  });
}

self.addEventListener("message", function (event) {
  if (event.data && event.data.type === "sign-out") {
    event.waitUntil(clearAll());
  }
});

self.addEventListener("fetch", function (event) {
  var req = event.request;
  if (req.method !== "GET") { return; }
  var url = new URL(req.url);
  if (url.origin !== self.location.origin || url.pathname.indexOf("/app/") !== 0) { return; }
  if (url.pathname === "/app/signed-out") {
    event.respondWith(clearAll().then(function () { return fetch(req); }));
    return;
  }
  if (KEPT.indexOf(url.pathname) >= 0) {
    event.respondWith(fetch(req).then(function (resp) {
      // Only a signed-in page is kept; a redirect to sign-in (a navigation's is "opaqueredirect",
      // not ok) or an error means the session is over: its copy goes.
      var kept = caches.open(PAGES);
      var write = resp.ok && !resp.redirected && resp.type !== "opaqueredirect"
        ? (function (copy) { return kept.then(function (c) { return c.put(url.pathname, copy); }); })(resp.clone())
        : kept.then(function (c) { return c.delete(url.pathname); });
      try { event.waitUntil(write.catch(function () {})); } catch (e) { /* kept going anyway */ }
      return resp;
    }).catch(function () {
      return caches.open(PAGES).then(function (c) { return c.match(url.pathname); }).then(function (hit) {
        return hit || caches.match("/app/offline");
      });
    }));
    return;
  }
  if (SHELL_URLS.indexOf(url.pathname) >= 0) {
    event.respondWith(caches.match(url.pathname).then(function (hit) {
      return hit || fetch(req);
    }));
    return;
  }
  if (req.mode === "navigate") {
    event.respondWith(fetch(req).catch(function () { return caches.match("/app/offline"); }));
  }
});

self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = {}; }
  var title = data.title || "Aftercare";
  event.waitUntil(self.registration.showNotification(title, {
    body: data.body || "",
    tag: data.tag || undefined,
    icon: "/app/icon-192.png",
    data: { url: data.url || "/app/" }
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var target = (event.notification.data && event.notification.data.url) || "/app/";
  var url = new URL(target, self.location.origin);
  if (url.origin !== self.location.origin || url.pathname.indexOf("/app/") !== 0) {
    url = new URL("/app/", self.location.origin);
  }
  // Uncontrolled windows are looked at only to focus one already on the url: navigate() works
  // on a window this worker controls only.
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true })
    .then(function (list) {
      for (var i = 0; i < list.length; i++) {
        var c = list[i];
        if (c.url === url.href && "focus" in c) { return c.focus(); }
      }
      return self.clients.matchAll({ type: "window" }).then(function (mine) {
        for (var j = 0; j < mine.length; j++) {
          var w = mine[j];
          if ("navigate" in w && new URL(w.url).pathname.indexOf("/app/") === 0) {
            return w.navigate(url.href).then(function (n) {
              return n ? n.focus() : self.clients.openWindow(url.href);
            }, function () { return self.clients.openWindow(url.href); });
          }
        }
        return self.clients.openWindow(url.href);
      });
    }));
});
