// The patient web app's page script: registers the service worker (scope /app/) and, on the
// signed-out page, deletes every Cache Storage cache so no health data stays on the device.
"use strict";
(function () {
  var signedOut = document.querySelector('meta[name="aftercare-signed-out"]');
  if (signedOut) {
    if (window.caches) {
      caches.keys().then(function (keys) {
        return Promise.all(keys.map(function (k) { return caches.delete(k); }));
      });
    }
    if (navigator.serviceWorker && navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage({ type: "sign-out" });
    }
  }
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/app/sw.js", { scope: "/app/" }).catch(function () {});
  }
})();
